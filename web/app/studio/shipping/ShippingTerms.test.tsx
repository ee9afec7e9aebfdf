import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { ARTIST_A } from "@/test/commerce";
import { json, problem, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { ShippingTerms } from "./ShippingTerms";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const artist = { id: "0190c4f6-8888-7000-8000-000000000001", email: "hana@example.com", display_name: "Hana", role: "artist", artist_id: ARTIST_A } as never;

beforeEach(() => {
  window.history.pushState({}, "", "/studio/shipping/");
  useSession.setState({ status: "signed-in", user: artist, accessToken: "token" });
});

describe("shipping terms", () => {
  it("start empty, and are sent in the currency's minor units", async () => {
    let sent: unknown = null;
    route({
      "GET /api/me/shipping": problem(404, "Not found", "no shipping terms yet"),
      "PUT /api/me/shipping": async (request) => {
        sent = await request.json();
        return json(sent);
      },
    });
    renderWithQueries(<ShippingTerms />);

    await userEvent.selectOptions(await screen.findByLabelText("Ships from"), "JP");
    await userEvent.selectOptions(screen.getByLabelText("Currency"), "JPY");
    await userEvent.type(screen.getByLabelText("Delivery within Japan (JPY)"), "1500");
    await userEvent.type(screen.getByLabelText("Delivery abroad (JPY)"), "4500.5");
    await userEvent.click(screen.getByRole("button", { name: "Save shipping terms" }));
    expect(screen.getByLabelText("Delivery abroad (JPY)")).toHaveAccessibleDescription(/^Enter a whole amount, or leave it empty\./);
    expect(sent).toBeNull();

    await userEvent.clear(screen.getByLabelText("Delivery abroad (JPY)"));
    await userEvent.click(screen.getByLabelText("Collectors may collect in person"));
    await userEvent.click(screen.getByRole("button", { name: "Save shipping terms" }));
    await waitFor(() =>
      expect(sent).toEqual({ origin_country: "JP", currency: "JPY", domestic_minor: 1500, international_minor: null, collection: true }),
    );
    expect(await screen.findByText("Shipping terms saved.")).toBeInTheDocument();
  });

  it("show the saved terms in major units, and need at least one way to get the works", async () => {
    route({
      "GET /api/me/shipping": json({ origin_country: "GB", currency: "GBP", domestic_minor: 500, international_minor: 2550, collection: false }),
    });
    renderWithQueries(<ShippingTerms />);
    expect(await screen.findByLabelText("Delivery within United Kingdom (GBP)")).toHaveValue("5.00");
    expect(screen.getByLabelText("Delivery abroad (GBP)")).toHaveValue("25.50");

    await userEvent.clear(screen.getByLabelText("Delivery within United Kingdom (GBP)"));
    await userEvent.clear(screen.getByLabelText("Delivery abroad (GBP)"));
    await userEvent.click(screen.getByRole("button", { name: "Save shipping terms" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Offer at least one way");
  });
});
