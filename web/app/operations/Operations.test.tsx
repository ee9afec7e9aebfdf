import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { User } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { gbp, orderView } from "@/test/commerce";
import { json, route } from "@/test/network";
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
});
