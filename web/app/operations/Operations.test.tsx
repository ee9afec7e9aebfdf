import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas, User } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { gbp, orderView, reviewView } from "@/test/commerce";
import { json, problem, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { Operations } from "./Operations";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const moderator: User = { id: "0190c4f6-7777-7000-8000-000000000001", email: "mo@example.com", display_name: "Mo", role: "moderator", artist_id: null, email_verified: true, created_at: "2026-01-05T10:00:00Z" };
const disputed = orderView({ status: "disputed", payment_status: "captured", captured: gbp(129500), refunded: gbp(29500) });

beforeEach(() => {
  window.history.pushState({}, "", "/operations/");
  route({ "GET /api/review-reports": json([]), "GET /api/admin/orders": json({ items: [], next_cursor: null }) });
});

const published = reviewView({ published_at: "2026-12-11T09:00:00Z" });
const report = (id: string, reporter: string, reason: string): Schemas["ReportedReview"] => ({
  report: { id, review_id: published.id, reporter_id: `${id}-user`, reporter_name: reporter, reason, created_at: "2026-12-12T10:00:00Z" },
  review: published,
});

describe("operations", () => {
  it("are for moderators and administrators only", () => {
    useSession.setState({ status: "signed-in", user: { ...moderator, role: "collector" }, accessToken: "token" });
    renderWithQueries(<Operations />);
    expect(screen.getByRole("heading", { name: "Operations are for Atelier’s team" })).toBeInTheDocument();
  });

  it("list disputed orders and refund part of one, in minor units by the exponent", async () => {
    useSession.setState({ status: "signed-in", user: moderator, accessToken: "token" });
    let asked = "";
    let refund: unknown = null;
    route({
      "GET /api/admin/orders": (request) => {
        asked = new URL(request.url).search;
        return json({ items: [disputed], next_cursor: null });
      },
      [`POST /api/admin/orders/${disputed.id}/refunds`]: async (request) => {
        refund = await request.json();
        return json(orderView({ status: "disputed", refunded: gbp(79500) }));
      },
    });
    renderWithQueries(<Operations />);

    const order = await screen.findByRole("listitem", { name: "Wave at Dawn" });
    expect(asked).toBe("?status=disputed");
    expect(within(order).getByText("Disputed")).toBeInTheDocument();
    expect(within(order).getByRole("button", { name: "Dispute won" })).toBeInTheDocument();
    const amount = within(order).getByLabelText("Amount (GBP)");
    expect(amount).toHaveValue("1000.00");
    expect(amount).toHaveAccessibleDescription(/Up to £1,000.00/);

    await userEvent.clear(amount);
    await userEvent.type(amount, "1000.01");
    await userEvent.click(within(order).getByRole("button", { name: "Refund" }));
    expect(amount).toHaveAccessibleDescription(/^At most £1,000.00 is left to refund\./);
    expect(within(order).getByLabelText("Reason")).toHaveAccessibleDescription("Say why the order is refunded.");

    await userEvent.clear(amount);
    await userEvent.type(amount, "500");
    await userEvent.type(within(order).getByLabelText("Reason"), "Frame arrived cracked");
    await userEvent.click(within(order).getByRole("button", { name: "Refund" }));
    await waitFor(() => expect(refund).toEqual({ amount_minor: 50000, reason: "Frame arrived cracked" }));
  });

  it("list reported reviews, hide one with a reason, and show it again", async () => {
    useSession.setState({ status: "signed-in", user: moderator, accessToken: "token" });
    let open = [report("rep-1", "Ada Lind", "It names the courier's driver.")];
    let hidden: unknown = null;
    let shown = false;
    route({
      "GET /api/review-reports": () => json(open),
      [`PUT /api/reviews/${published.id}/hidden`]: async (request) => {
        hidden = await request.json();
        open = [];
        return json({ ...published, hidden: { at: "2026-12-12T11:00:00Z", reason: "Names a private person" } });
      },
      [`DELETE /api/reviews/${published.id}/hidden`]: () => {
        shown = true;
        return json(published);
      },
    });
    renderWithQueries(<Operations />);

    const queue = await screen.findByRole("list", { name: "Reported reviews" });
    const item = within(queue).getByRole("listitem", { name: "Iris Collector on Hana Okabe" });
    expect(within(item).getByRole("img", { name: "5 out of 5 stars" })).toBeInTheDocument();
    expect(item).toHaveTextContent("The buyer of “Wave at Dawn”");
    expect(item).toHaveTextContent(/Reported by Ada Lind on .*“It names the courier's driver\.”/);

    await userEvent.click(within(item).getByRole("button", { name: "Hide review" }));
    const note = within(item).getByLabelText("Your decision's reason");
    expect(note).toHaveAccessibleDescription(/^Say why the review is hidden\./);
    expect(hidden).toBeNull();
    await userEvent.type(note, "Names a private person");
    await userEvent.click(within(item).getByRole("button", { name: "Hide review" }));

    const handled = await screen.findByRole("list", { name: "Handled just now" });
    expect(within(handled).getByRole("status")).toHaveTextContent("Hidden: Names a private person");
    expect(hidden).toEqual({ reason: "Names a private person" });
    await waitFor(() => expect(screen.getByText("No review is waiting for a decision.")).toBeInTheDocument());

    await userEvent.click(within(handled).getByRole("button", { name: "Show it again" }));
    await waitFor(() => expect(within(handled).getByRole("status")).toHaveTextContent("Shown again: the review is back on view."));
    expect(shown).toBe(true);
  });

  it("keep a reported review with a note, and show a refusal", async () => {
    useSession.setState({ status: "signed-in", user: moderator, accessToken: "token" });
    let kept: unknown = null;
    route({
      "GET /api/review-reports": json([report("rep-2", "Noor Haddad", "Unfair")]),
      "POST /api/review-reports/rep-2/resolve": problem(404, "Not found", "no such open report"),
    });
    renderWithQueries(<Operations />);
    const item = await screen.findByRole("listitem", { name: "Iris Collector on Hana Okabe" });
    await userEvent.type(within(item).getByLabelText("Your decision's reason"), "An honest account of the purchase.");
    await userEvent.click(within(item).getByRole("button", { name: "Keep review" }));
    expect(await within(item).findByRole("alert")).toHaveTextContent("No such open report.");

    route({
      "POST /api/review-reports/rep-2/resolve": async (request) => {
        kept = await request.json();
        return json({ ...report("rep-2", "Noor Haddad", "Unfair").report, outcome: "kept", resolution: "An honest account of the purchase." });
      },
    });
    await userEvent.click(within(item).getByRole("button", { name: "Keep review" }));
    const handled = await screen.findByRole("list", { name: "Handled just now" });
    expect(within(handled).getByRole("status")).toHaveTextContent("Kept: An honest account of the purchase.");
    expect(kept).toEqual({ resolution: "An honest account of the purchase." });
    expect(within(handled).queryByRole("button", { name: "Show it again" })).not.toBeInTheDocument();
  });
});
