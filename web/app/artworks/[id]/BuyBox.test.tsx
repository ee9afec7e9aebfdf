import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas, User } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { cartLine, cartView } from "@/test/commerce";
import { artworkView } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { BuyBox, availability } from "./BuyBox";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push, replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const collector: User = { id: "0190c4f6-9999-7000-8000-000000000001", email: "iris@example.com", display_name: "Iris", role: "collector", artist_id: null, email_verified: true, created_at: "2026-01-05T10:00:00Z" };
const edition: Schemas["ArtworkView"] = { ...artworkView, edition: { kind: "limited", size: 25, available: 3 } };
const emptyCart = { groups: [], unavailable: [], mixed_currencies: false };

beforeEach(() => {
  window.history.pushState({}, "", `/artworks/${artworkView.id}/`);
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
});
afterEach(() => push.mockReset());

describe("availability", () => {
  it("says how many copies of a limited edition are left, and when a work is reserved or sold", () => {
    expect(availability(edition)).toEqual({ label: "3 of 25 left", buyable: true, max: 3 });
    expect(availability({ ...edition, edition: { kind: "limited", size: 25, available: 0 } }).label).toBe("Sold out");
    expect(availability({ ...artworkView, edition: { kind: "open" } })).toEqual({ label: "Available", buyable: true, max: 20 });
    expect(availability({ ...artworkView, status: "reserved" })).toMatchObject({ label: "Reserved", buyable: false });
    expect(availability({ ...artworkView, status: "sold" })).toMatchObject({ label: "Sold", buyable: false });
  });
});

describe("buying from the artwork page", () => {
  it("sends a visitor to sign in and back", async () => {
    renderWithQueries(<BuyBox artwork={artworkView} />);
    await userEvent.click(screen.getByRole("button", { name: "Buy now" }));
    expect(push).toHaveBeenCalledWith(`/signin/?next=${encodeURIComponent(`/artworks/${artworkView.id}/`)}`);
    expect(requests.some((r) => r.method === "PUT")).toBe(false);
  });

  it("offers no button for a reserved or sold work", () => {
    renderWithQueries(<BuyBox artwork={{ ...artworkView, status: "reserved" }} />);
    expect(screen.getByText("Reserved")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Buy now" })).not.toBeInTheDocument();
  });

  it("adds copies of an edition to the cart and says so", async () => {
    useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
    let quantity = 0;
    route({
      "GET /api/cart": json(emptyCart),
      [`PUT /api/cart/items/${artworkView.id}`]: async (request) => {
        quantity = ((await request.json()) as { quantity: number }).quantity;
        return json({ ...emptyCart, groups: [{ ...cartView().groups[0]!, lines: [cartLine({ artwork_id: artworkView.id, quantity })] }] });
      },
    });
    renderWithQueries(<BuyBox artwork={edition} />);

    expect(screen.getByText("3 of 25 left")).toBeInTheDocument();
    const select = screen.getByLabelText("Quantity");
    expect([...select.querySelectorAll("option")].map((o) => o.value)).toEqual(["1", "2", "3"]);
    await userEvent.selectOptions(select, "2");
    await userEvent.click(screen.getByRole("button", { name: "Add to cart" }));

    expect(await screen.findByText("2 in your cart.")).toBeInTheDocument();
    expect(quantity).toBe(2);
    expect(screen.getByRole("link", { name: "View cart" })).toHaveAttribute("href", expect.stringMatching(/^\/cart\/?$/));
    expect(push).not.toHaveBeenCalled();
  });

  it("goes to the cart after Buy now", async () => {
    useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
    route({ "GET /api/cart": json(emptyCart), [`PUT /api/cart/items/${artworkView.id}`]: json(cartView()) });
    renderWithQueries(<BuyBox artwork={artworkView} />);
    expect(screen.queryByLabelText("Quantity")).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Buy now" }));
    await waitFor(() => expect(push).toHaveBeenCalledWith("/cart/"));
  });

  it("says why the work could not be added", async () => {
    useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
    route({
      "GET /api/cart": json(emptyCart),
      [`PUT /api/cart/items/${artworkView.id}`]: problem(409, "Conflict", '"Treasures of the Sea" is no longer available'),
    });
    renderWithQueries(<BuyBox artwork={artworkView} />);
    await userEvent.click(screen.getByRole("button", { name: "Add to cart" }));
    expect(await screen.findByRole("alert")).toHaveTextContent('"Treasures of the Sea" is no longer available.');
  });

  it("tells an artist the work is their own", () => {
    useSession.setState({ status: "signed-in", user: { ...collector, role: "artist", artist_id: artworkView.artist.id }, accessToken: "token" });
    route({ "GET /api/cart": json(emptyCart) });
    renderWithQueries(<BuyBox artwork={artworkView} />);
    expect(screen.getByText("This is your work.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Buy now" })).not.toBeInTheDocument();
  });
});
