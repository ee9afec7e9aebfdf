import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { ARTIST_A, orderReviews, orderView, saleReviews } from "@/test/commerce";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { Sales } from "./Sales";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const artist = { id: "0190c4f6-8888-7000-8000-000000000001", email: "hana@example.com", display_name: "Hana", role: "artist", artist_id: ARTIST_A } as never;
const sale = orderView();

beforeEach(() => {
  useSession.setState({ status: "signed-in", user: artist, accessToken: "token" });
});

describe("the artist's sales", () => {
  it("puts paid orders first, with their accept deadline", async () => {
    window.history.pushState({}, "", "/studio/sales/");
    route({
      "GET /api/me/sales": json({ items: [orderView({ id: "0190c4f6-0dd0-7000-8000-000000000002", status: "completed", deadlines: {} }), sale], next_cursor: null }),
    });
    renderWithQueries(<Sales />);
    const waiting = await screen.findByRole("list", { name: "Needs your attention" });
    expect(within(waiting).getByRole("link", { name: "Wave at Dawn" })).toBeInTheDocument();
    expect(within(waiting).getByText(/Accept or decline by/)).toBeInTheDocument();
    expect(within(waiting).getByText(/you receive £1,107.50/)).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "All other sales" })).getByText("Completed")).toBeInTheDocument();
    expect(screen.getByRole("navigation", { name: "Studio" })).toBeInTheDocument();
  });

  it("accepts a paid order, then ships it with the carrier and tracking number", async () => {
    window.history.pushState({}, "", `/studio/sales/?id=${sale.id}`);
    let shipment: unknown = null;
    route({
      [`GET /api/me/sales/${sale.id}`]: json(sale),
      [`POST /api/me/sales/${sale.id}/accept`]: json(orderView({ status: "accepted", deadlines: { ship_by: "2026-12-17T10:00:00Z" } })),
      [`POST /api/me/sales/${sale.id}/ship`]: async (request) => {
        shipment = await request.json();
        return json(orderView({ status: "shipped", carrier: "Royal Mail", tracking_number: "RM1" }));
      },
    });
    renderWithQueries(<Sales />);

    const answer = await screen.findByRole("region", { name: "Accept this order?" });
    expect(answer).toHaveTextContent(/Answer by .*2026/);
    const deadlines = screen.getByRole("region", { name: "Deadlines" });
    expect(deadlines).toHaveTextContent(/Accept or decline by/);
    expect(screen.getByText("You receive")).toBeInTheDocument();
    await userEvent.click(within(answer).getByRole("button", { name: "Accept order" }));

    const ship = await screen.findByRole("region", { name: "Ship this order" });
    await userEvent.click(within(ship).getByRole("button", { name: "Mark as shipped" }));
    expect(within(ship).getByLabelText("Carrier")).toHaveAccessibleDescription("Name the carrier.");
    expect(shipment).toBeNull();

    await userEvent.type(within(ship).getByLabelText("Carrier"), "Royal Mail");
    await userEvent.type(within(ship).getByLabelText("Tracking number"), "RM1");
    await userEvent.click(within(ship).getByRole("button", { name: "Mark as shipped" }));
    await waitFor(() => expect(shipment).toEqual({ carrier: "Royal Mail", tracking_number: "RM1" }));
    expect(await screen.findByText("Carrier: Royal Mail · Tracking number RM1")).toBeInTheDocument();
  });

  it("declines with a reason, and shows the API's refusal in the dialog", async () => {
    window.history.pushState({}, "", `/studio/sales/?id=${sale.id}`);
    route({
      [`GET /api/me/sales/${sale.id}`]: json(sale),
      [`POST /api/me/sales/${sale.id}/decline`]: problem(409, "Conflict", "the order is lapsed: it cannot become declined"),
    });
    renderWithQueries(<Sales />);
    await userEvent.click(await screen.findByRole("button", { name: "Decline" }));
    await userEvent.type(screen.getByLabelText("Reason for the buyer (optional)"), "Damaged in the studio");
    await userEvent.click(screen.getByRole("button", { name: "Decline order" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the order is lapsed");
  });

  it("asks the artist for the reviews of their sales they may still write", async () => {
    window.history.pushState({}, "", "/studio/sales/");
    route({
      "GET /api/me/sales": json({ items: [orderView({ status: "completed", deadlines: {} })], next_cursor: null }),
      "GET /api/me/reviews/pending": json([saleReviews(), orderReviews({ order_id: "0190c4f6-0dd0-7000-8000-000000000009" })]),
    });
    renderWithQueries(<Sales />);
    const prompt = await screen.findByRole("region", { name: "Reviews to write" });
    const links = within(prompt).getAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual(["Review Iris Collector for “Wave at Dawn”"]);
    expect(links[0]).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/studio/sales/?\\?id=${sale.id}$`)));
  });

  it("lets the artist review the buyer of a completed sale", async () => {
    window.history.pushState({}, "", `/studio/sales/?id=${sale.id}`);
    route({
      [`GET /api/me/sales/${sale.id}`]: json(orderView({ status: "completed", deadlines: {} })),
      [`GET /api/orders/${sale.id}/reviews`]: json(saleReviews()),
      [`POST /api/orders/${sale.id}/reviews`]: json(saleReviews({ can_write: false }), 201),
    });
    renderWithQueries(<Sales />);
    const form = await screen.findByRole("form", { name: "Review Iris Collector" });
    await userEvent.click(within(form).getByRole("radio", { name: "4 stars" }));
    await userEvent.type(within(form).getByLabelText("Your review"), "Paid at once and kind in every message.");
    await userEvent.click(within(form).getByRole("button", { name: "Send review" }));
    await waitFor(() => expect(screen.queryByRole("form", { name: "Review Iris Collector" })).not.toBeInTheDocument());
    const post = requests.find((r) => r.method === "POST");
    expect(await post!.json()).toEqual({ rating: 4, body: "Paid at once and kind in every message." });
  });
});
