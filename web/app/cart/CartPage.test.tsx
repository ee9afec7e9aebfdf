import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { ARTIST_A, PRINT, WAVE, cartLine, cartView, checkoutView, gbp } from "@/test/commerce";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { CartPage } from "./CartPage";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push, replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const collector = { id: "0190c4f6-9999-7000-8000-000000000001", email: "iris@example.com", display_name: "Iris", role: "collector", artist_id: null } as never;

beforeEach(() => {
  window.history.pushState({}, "", "/cart/");
  useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
});
afterEach(() => push.mockReset());

const plain = (text: string | null) => (text ?? "").replace(/\u00a0/g, " ");

async function fillAddress(country: string) {
  await userEvent.type(screen.getByLabelText("Full name"), "Iris Collector");
  await userEvent.type(screen.getByLabelText("Address"), "1 Harbour Row");
  await userEvent.type(screen.getByLabelText("Town or city"), "Bristol");
  await userEvent.selectOptions(screen.getByLabelText("Country"), country);
}

describe("the cart", () => {
  it("groups works by artist, prices shipping by country and method, and totals with the currency's exponent", async () => {
    route({ "GET /api/cart": json(cartView()) });
    renderWithQueries(<CartPage />);

    const hana = await screen.findByRole("region", { name: "Hana Okabe" });
    const mateo = screen.getByRole("region", { name: "Mateo Ruiz" });
    expect(within(hana).getByRole("link", { name: "Wave at Dawn" })).toHaveAttribute("href", `/artworks/${WAVE}`);
    expect(within(mateo).getByLabelText("Quantity")).toHaveValue("2");
    expect(within(mateo).getAllByText("£180.00")).toHaveLength(2);
    expect(within(mateo).getByText("free, within United Kingdom only")).toBeInTheDocument();

    const summary = screen.getByRole("complementary", { name: "Summary" });
    expect(within(summary).getByText("£1,430.00", { selector: "dd" })).toBeInTheDocument();
    expect(within(summary).getByText("Choose a country", { selector: "dd" })).toBeInTheDocument();

    // Britain: Hana ships from Japan, so internationally; Mateo's domestic delivery is free.
    await userEvent.selectOptions(screen.getByLabelText("Country"), "GB");
    expect(within(hana).getByText(/Shipping to United Kingdom: £45.00/)).toBeInTheDocument();
    expect(within(mateo).getByText("Shipping to United Kingdom: free.")).toBeInTheDocument();
    expect(within(summary).getByText("£1,475.00", { selector: "dd" })).toBeInTheDocument();

    // Collecting from Hana makes her part free.
    await userEvent.click(within(hana).getByRole("radio", { name: /Collect in person/ }));
    expect(within(summary).getByText("Free", { selector: "dd" })).toBeInTheDocument();
    expect(within(summary).getAllByText("£1,430.00", { selector: "dd" })).toHaveLength(2);

    // Mateo does not deliver abroad.
    await userEvent.selectOptions(screen.getByLabelText("Country"), "FR");
    expect(within(mateo).getByText("Mateo Ruiz does not deliver to France.")).toBeInTheDocument();
  });

  it("formats yen without decimals, and says when an artist has no shipping terms", async () => {
    const jpy = { amount_minor: 150000, currency: "JPY", exponent: 0 };
    const cart = cartView();
    cart.groups = [{ ...cart.groups[0]!, lines: [cartLine({ unit_price: jpy })], subtotal: jpy, shipping: null }];
    route({ "GET /api/cart": json(cart) });
    renderWithQueries(<CartPage />);
    const group = await screen.findByRole("region", { name: "Hana Okabe" });
    expect(plain(within(group).getAllByText(/150,000/)[0]!.textContent)).toContain("¥150,000");
    expect(plain(group.textContent)).not.toContain("1,500.00");
    expect(within(group).getByText(/has not said how they ship yet/)).toBeInTheDocument();
  });

  it("says which works changed price or are gone, and warns of mixed currencies", async () => {
    const cart = cartView({ mixed_currencies: true, unavailable: ["0190c4f6-dead-7000-8000-000000000001"] });
    cart.groups[0]!.lines = [cartLine({ price_changed: true, unit_price: gbp(130000) })];
    cart.groups[1]!.lines = [cartLine({ artwork_id: PRINT, title: "Harbour Lights", edition_kind: "limited", edition_size: 25, quantity: 2, available: 1, purchasable: false })];
    let accepted = false;
    route({
      "GET /api/cart": json(cart),
      [`PUT /api/cart/items/${WAVE}`]: () => {
        accepted = true;
        return json(cartView());
      },
    });
    renderWithQueries(<CartPage />);

    const alerts = await screen.findAllByRole("alert");
    expect(alerts.map((a) => a.textContent).join(" ")).toMatch(/different currencies/);
    expect(alerts.map((a) => a.textContent).join(" ")).toMatch(/A work in your cart is no longer for sale/);
    expect(screen.getByText(/Only 1 of “Harbour Lights” is left: lower the quantity/)).toBeInTheDocument();
    expect(screen.getByText(/The price changed since you added it; it is now £1,300.00/)).toBeInTheDocument();

    // Checking out is refused here, with the reason, before anything is sent.
    await fillAddress("GB");
    await userEvent.click(screen.getByRole("button", { name: /Continue to payment/ }));
    expect(await screen.findByText(/One checkout takes one currency: remove the others/)).toBeInTheDocument();
    expect(requests.some((r) => r.method === "POST")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Accept the new price" }));
    await waitFor(() => expect(accepted).toBe(true));
  });

  it("checks out with the address and an Idempotency-Key, and goes to pay", async () => {
    const bodies: unknown[] = [];
    const keys: (string | null)[] = [];
    route({
      "GET /api/cart": json(cartView()),
      "POST /api/checkout": async (request) => {
        bodies.push(await request.json());
        keys.push(request.headers.get("Idempotency-Key"));
        return json(checkoutView(), 201);
      },
    });
    renderWithQueries(<CartPage />);
    await screen.findByRole("region", { name: "Hana Okabe" });
    await fillAddress("GB");
    await userEvent.click(screen.getByRole("radio", { name: /Collect in person/ }));
    await userEvent.click(screen.getByRole("button", { name: /Continue to payment · £1,430.00/ }));

    await waitFor(() => expect(push).toHaveBeenCalledWith(`/checkout/?id=${checkoutView().id}`));
    expect(bodies[0]).toEqual({
      shipping_address: { name: "Iris Collector", line1: "1 Harbour Row", city: "Bristol", country: "GB" },
      collect_from: [ARTIST_A],
    });
    expect(keys[0]).toMatch(/^[0-9a-f-]{32,36}$/);
  });

  it("shows a 409's detail, sends the same request again with the same key and a changed one with a new key", async () => {
    const keys: (string | null)[] = [];
    route({
      "GET /api/cart": json(cartView()),
      "POST /api/checkout": (request) => {
        keys.push(request.headers.get("Idempotency-Key"));
        return problem(409, "Conflict", '"Wave at Dawn" was just sold');
      },
    });
    renderWithQueries(<CartPage />);
    await screen.findByRole("region", { name: "Hana Okabe" });
    await fillAddress("GB");
    const pay = screen.getByRole("button", { name: /Continue to payment/ });
    await userEvent.click(pay);
    expect(await screen.findByText('"Wave at Dawn" was just sold.')).toBeInTheDocument();

    await userEvent.click(pay);
    await waitFor(() => expect(keys).toHaveLength(2));
    expect(keys[1]).toBe(keys[0]);

    await userEvent.type(screen.getByLabelText("Postcode (optional)"), "BS1 4RN");
    await userEvent.click(pay);
    await waitFor(() => expect(keys).toHaveLength(3));
    expect(keys[2]).not.toBe(keys[0]);
    expect(push).not.toHaveBeenCalled();
  });

  it("puts the API's field messages under the address fields", async () => {
    route({
      "GET /api/cart": json(cartView()),
      "POST /api/checkout": problem(422, "Unprocessable", "invalid", [
        { field: "shipping_address.city", message: "must be 1 to 120 characters without control characters" },
      ]),
    });
    renderWithQueries(<CartPage />);
    await screen.findByRole("region", { name: "Hana Okabe" });
    await fillAddress("GB");
    await userEvent.click(screen.getByRole("button", { name: /Continue to payment/ }));
    const city = screen.getByLabelText("Town or city");
    await waitFor(() => expect(city).toHaveAttribute("aria-invalid", "true"));
    expect(city).toHaveAccessibleDescription("Town or city must be 1 to 120 characters without control characters.");
  });

  it("says when the cart is empty", async () => {
    route({ "GET /api/cart": json({ groups: [], unavailable: [], mixed_currencies: false }) });
    renderWithQueries(<CartPage />);
    expect(await screen.findByRole("heading", { name: "Your cart is empty" })).toBeInTheDocument();
  });
});
