import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { orderReviews, orderView, saleReviews } from "@/test/commerce";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { OrdersPage } from "./OrdersPage";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const collector = { id: "0190c4f6-9999-7000-8000-000000000001", email: "iris@example.com", display_name: "Iris", role: "collector", artist_id: null } as never;
const order = orderView();

beforeEach(() => {
  useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
});

describe("the buyer's orders", () => {
  it("lists them with their status and total", async () => {
    window.history.pushState({}, "", "/orders/");
    route({ "GET /api/me/orders": json({ items: [order, orderView({ id: "0190c4f6-0dd0-7000-8000-000000000002", status: "completed" })], next_cursor: null }) });
    renderWithQueries(<OrdersPage />);
    const list = await screen.findByRole("list", { name: "Orders" });
    const rows = within(list).getAllByRole("listitem");
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByRole("link", { name: "Wave at Dawn" })).toHaveAttribute("href", expect.stringMatching(/\?id=0190c4f6-0dd0/));
    expect(within(rows[0]!).getByText("Paid")).toBeInTheDocument();
    expect(within(rows[0]!).getByText(/£1,295.00/)).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Completed")).toBeInTheDocument();
  });

  it("shows an order's timeline and lets the buyer cancel before the artist accepts", async () => {
    window.history.pushState({}, "", `/orders/?id=${order.id}`);
    let reason = "";
    route({
      [`GET /api/me/orders/${order.id}`]: json(order),
      [`POST /api/me/orders/${order.id}/cancel`]: async (request) => {
        reason = ((await request.json()) as { reason?: string }).reason ?? "";
        return json(orderView({ status: "cancelled", timeline: [...order.timeline, { from: "paid", to: "cancelled", actor: "buyer", reason, at: "2026-12-03T11:00:00Z" }] }));
      },
    });
    renderWithQueries(<OrdersPage />);

    expect(await screen.findByRole("heading", { level: 1, name: "Wave at Dawn" })).toBeInTheDocument();
    const timeline = screen.getByRole("list", { name: "Order timeline" });
    expect(within(timeline).getAllByRole("listitem").map((li) => li.querySelector("p")?.textContent)).toEqual(["Order placed", "Paid"]);
    expect(screen.getByRole("region", { name: "Delivery" })).toHaveTextContent(/Iris Collector1 Harbour RowBS1 4RN BristolUnited Kingdom/);
    expect(screen.queryByRole("button", { name: "I received it" })).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Cancel order" }));
    await userEvent.type(screen.getByLabelText("Reason (optional)"), "Bought twice");
    await userEvent.click(screen.getByRole("button", { name: "Yes, cancel it" }));

    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent(/^Cancelled/));
    expect(reason).toBe("Bought twice");
    expect(within(screen.getByRole("list", { name: "Order timeline" })).getByText("“Bought twice”")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel order" })).not.toBeInTheDocument();
  });

  it("sends the buyer back to the checkout of an order still awaiting payment", async () => {
    window.history.pushState({}, "", `/orders/?id=${order.id}`);
    route({ [`GET /api/me/orders/${order.id}`]: json(orderView({ status: "pending_payment", payment_status: "awaiting" })) });
    renderWithQueries(<OrdersPage />);
    expect(await screen.findByText("The works are held for you until you pay.")).toHaveRole("status");
    expect(screen.getByRole("link", { name: "Complete payment" })).toHaveAttribute("href", expect.stringMatching(new RegExp(`/checkout/?\\?id=${order.checkout_id}$`)));
  });

  it("lets the buyer say a shipped order arrived, and shows a refusal", async () => {
    const shipped = orderView({
      status: "shipped",
      carrier: "Royal Mail",
      tracking_number: "RM123456789GB",
      deadlines: { receive_by: "2026-12-20T10:00:00Z" },
    });
    window.history.pushState({}, "", `/orders/?id=${order.id}`);
    route({
      [`GET /api/me/orders/${order.id}`]: json(shipped),
      [`POST /api/me/orders/${order.id}/received`]: problem(409, "Conflict", "the order is received, not shipped"),
    });
    renderWithQueries(<OrdersPage />);

    expect(await screen.findByText(/Carrier: Royal Mail · Tracking number RM123456789GB/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel order" })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "I received it" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the order is received, not shipped");

    route({ [`POST /api/me/orders/${order.id}/received`]: json(orderView({ status: "received" })) });
    await userEvent.click(screen.getByRole("button", { name: "I received it" }));
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent(/^You have it/));
  });

  it("puts the reviews the buyer may still write at the top of their orders", async () => {
    window.history.pushState({}, "", "/orders/");
    const other = "0190c4f6-0dd0-7000-8000-000000000009";
    route({
      "GET /api/me/orders": json({ items: [orderView({ status: "completed" })], next_cursor: null }),
      // The same account's sales are for the studio, not here.
      "GET /api/me/reviews/pending": json([orderReviews({ their_review: "sealed" }), saleReviews({ order_id: other })]),
    });
    renderWithQueries(<OrdersPage />);
    const prompt = await screen.findByRole("list", { name: "Reviews to write" });
    const items = within(prompt).getAllByRole("listitem");
    expect(items).toHaveLength(1);
    expect(within(items[0]!).getByRole("link", { name: "Review Hana Okabe for “Wave at Dawn”" })).toHaveAttribute(
      "href",
      expect.stringMatching(new RegExp(`^/orders/?\\?id=${order.id}$`)),
    );
    expect(items[0]).toHaveTextContent(/by .*2026 \(.*\) · they have reviewed you/);
  });

  it("shows a completed order's reviews, and asks for none before it completes", async () => {
    window.history.pushState({}, "", `/orders/?id=${order.id}`);
    route({
      [`GET /api/me/orders/${order.id}`]: json(orderView({ status: "completed" })),
      [`GET /api/orders/${order.id}/reviews`]: json(orderReviews()),
    });
    const { unmount } = renderWithQueries(<OrdersPage />);
    const reviews = await screen.findByRole("region", { name: "Reviews" });
    expect(within(reviews).getByRole("form", { name: "Review Hana Okabe" })).toBeInTheDocument();
    unmount();

    requests.length = 0;
    route({ [`GET /api/me/orders/${order.id}`]: json(order) });
    renderWithQueries(<OrdersPage />);
    expect(await screen.findByRole("heading", { level: 1, name: "Wave at Dawn" })).toBeInTheDocument();
    expect(screen.queryByRole("region", { name: "Reviews" })).not.toBeInTheDocument();
    expect(requests.map((r) => new URL(r.url).pathname)).not.toContain(`/api/orders/${order.id}/reviews`);
  });

  it("says an order that is not theirs is not found", async () => {
    window.history.pushState({}, "", `/orders/?id=${order.id}`);
    route({ [`GET /api/me/orders/${order.id}`]: problem(404, "Not found", "no such order") });
    renderWithQueries(<OrdersPage />);
    expect(await screen.findByRole("heading", { name: "Order not found" })).toBeInTheDocument();
  });
});
