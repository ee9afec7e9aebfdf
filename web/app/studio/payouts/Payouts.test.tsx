import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { ARTIST_A, gbp } from "@/test/commerce";
import { json, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { Payouts } from "./Payouts";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const artist = { id: "0190c4f6-8888-7000-8000-000000000001", email: "hana@example.com", display_name: "Hana", role: "artist", artist_id: ARTIST_A } as never;
const assign = vi.fn();
const realLocation = window.location;

beforeEach(() => {
  window.history.pushState({}, "", "/studio/payouts/");
  useSession.setState({ status: "signed-in", user: artist, accessToken: "token" });
  Object.defineProperty(window, "location", { configurable: true, value: { ...realLocation, assign } });
});
afterEach(() => {
  Object.defineProperty(window, "location", { configurable: true, value: realLocation });
  assign.mockReset();
});

describe("payouts", () => {
  it("show the balance by currency, why money waits, and connect an account", async () => {
    const waiting = {
      account: null,
      notice: "Connect a payout account: completed sales are paid out once it is enabled.",
      balances: [
        { pending: gbp(0), available: gbp(110750), paid_out: gbp(0) },
        { pending: { amount_minor: 3000, currency: "JPY", exponent: 0 }, available: { amount_minor: 0, currency: "JPY", exponent: 0 }, paid_out: { amount_minor: 0, currency: "JPY", exponent: 0 } },
      ],
    };
    route({
      "GET /api/me/payouts": json(waiting),
      "POST /api/me/payouts/account": json({ onboarding_url: "http://127.0.0.1:8080/studio/payouts?done=1", payouts: waiting }),
    });
    renderWithQueries(<Payouts />);

    expect(await screen.findByText(/completed sales are paid out once it is enabled/)).toBeInTheDocument();
    const table = screen.getByRole("table", { name: "Your balance by currency" });
    const gbpRow = within(table).getByRole("row", { name: /GBP/ });
    expect(within(gbpRow).getAllByRole("cell").map((c) => c.textContent)).toEqual(["£0.00", "£1,107.50", "£0.00"]);
    expect(within(within(table).getByRole("row", { name: /JPY/ })).getAllByRole("cell")[0]).toHaveTextContent("¥3,000");
    expect(screen.getByText("Not connected")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Connect a payout account" }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith("http://127.0.0.1:8080/studio/payouts?done=1"));
  });

  it("say an enabled account is set up when the provider sends the artist back", async () => {
    window.history.pushState({}, "", "/studio/payouts/?done=1");
    Object.defineProperty(window, "location", { configurable: true, value: realLocation });
    route({
      "GET /api/me/payouts": json({
        account: { provider: "sandbox", payouts_enabled: true, requirements: [] },
        notice: null,
        balances: [{ pending: gbp(0), available: gbp(0), paid_out: gbp(110750) }],
      }),
    });
    renderWithQueries(<Payouts />);
    expect(await screen.findByText("Connected: payouts are enabled")).toBeInTheDocument();
    expect(screen.getByText("Your payout account is set up.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /payout account/ })).not.toBeInTheDocument();
  });
});
