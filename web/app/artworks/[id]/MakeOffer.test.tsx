import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas, User } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { negotiationView, offerView } from "@/test/commerce";
import { artworkView } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { MakeOffer } from "./MakeOffer";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push, replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const collector: User = { id: "0190c4f6-9999-7000-8000-000000000001", email: "iris@example.com", display_name: "Iris", role: "collector", artist_id: null, email_verified: true, created_at: "2026-01-05T10:00:00Z" };
// Listed at £8,500.00.
const work = artworkView;
const terms: Schemas["OfferTermsView"] = { artwork_id: work.id, accepts_offers: true, currency: "GBP", floor_minor: null };
const card: Schemas["PaymentMethodView"] = { id: "0190c4f6-ca4d-7000-8000-000000000001", brand: "visa", last4: "4242", created_at: "2026-12-01T10:00:00Z" };
const setup: Schemas["SetupView"] = { provider: "sandbox", setup_id: "seti_sandbox_1", client_secret: "seti_sandbox_1_secret_x", publishable_key: null };
const made = negotiationView({ artwork_id: work.id, artwork_title: work.title, offers: [offerView({ amount: { amount_minor: 700050, currency: "GBP", exponent: 2 } })] });

beforeEach(() => {
  window.history.pushState({}, "", `/artworks/${work.id}/`);
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
});
afterEach(() => push.mockReset());

function signedIn(cards: Schemas["PaymentMethodView"][] = [card]) {
  useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
  route({
    [`GET /api/artworks/${work.id}/offer-terms`]: json(terms),
    "GET /api/offers": json({ items: [], next_before: null }),
    "GET /api/me/payment-methods": json(cards),
  });
}

async function fillAddress() {
  await userEvent.type(screen.getByLabelText("Full name"), "Iris Collector");
  await userEvent.type(screen.getByLabelText("Address"), "1 Harbour Row");
  await userEvent.type(screen.getByLabelText("Town or city"), "Bristol");
  await userEvent.selectOptions(screen.getByLabelText("Country"), "GB");
}

const offersMade = () => requests.filter((r) => r.method === "POST" && r.url.endsWith(`/api/artworks/${work.id}/offers`));

describe("making an offer", () => {
  it("is not offered for a work whose artist takes no offers", async () => {
    signedIn();
    route({ [`GET /api/artworks/${work.id}/offer-terms`]: json({ ...terms, accepts_offers: false }) });
    renderWithQueries(<MakeOffer artwork={work} />);
    await waitFor(() => expect(requests.some((r) => r.url.endsWith("/offer-terms"))).toBe(true));
    expect(screen.queryByRole("button", { name: "Make an offer" })).not.toBeInTheDocument();
  });

  it("sends a visitor to sign in and back", async () => {
    route({ [`GET /api/artworks/${work.id}/offer-terms`]: json(terms) });
    renderWithQueries(<MakeOffer artwork={work} />);
    await userEvent.click(await screen.findByRole("button", { name: "Make an offer" }));
    expect(push).toHaveBeenCalledWith(`/signin/?next=${encodeURIComponent(`/artworks/${work.id}/`)}`);
  });

  it("saves a card first, then sends the offer in minor units with the address and an Idempotency-Key", async () => {
    signedIn([]);
    let saved: unknown = null;
    route({
      "POST /api/me/payment-methods/setup": json(setup, 201),
      [`POST /api/payments/sandbox/setups/${setup.setup_id}/confirm`]: async (request) => {
        const body = (await request.json()) as { card_number: string };
        return body.card_number === "4000000000000002"
          ? json({ status: "requires_payment_method", decline: { code: "card_declined", message: "Your card was declined." } })
          : json({ status: "succeeded", decline: null });
      },
      "POST /api/me/payment-methods": async (request) => {
        saved = await request.json();
        return json(card, 201);
      },
      [`POST /api/artworks/${work.id}/offers`]: json(made, 201),
    });
    renderWithQueries(<MakeOffer artwork={work} />);
    const opener = await screen.findByRole("button", { name: "Make an offer" });
    await userEvent.click(opener);

    const dialog = await screen.findByRole("dialog", { name: `Make an offer on “${work.title}”` });
    expect(within(dialog).getByRole("heading", { level: 2 })).toHaveFocus();
    expect(dialog).toHaveTextContent("First, save a card.");
    const number = await within(dialog).findByLabelText("Card number");
    expect(number).toHaveAccessibleDescription(/4000 0000 0000 0341 is saved, then declined when charged/);
    await userEvent.type(number, "4000 0000 0000 0002");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save card" }));
    await waitFor(() => expect(within(dialog).getByLabelText("Card number")).toHaveAccessibleDescription(/^Your card was declined\./));

    await userEvent.clear(within(dialog).getByLabelText("Card number"));
    await userEvent.type(within(dialog).getByLabelText("Card number"), "4242 4242 4242 4242");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save card" }));
    const amount = await within(dialog).findByLabelText("Your offer (GBP)");
    expect(saved).toEqual({ setup_id: setup.setup_id });
    expect(dialog).toHaveTextContent("charged to your Visa ending 4242 at once");

    // Above the price it is refused here, before anything is sent.
    await userEvent.type(amount, "9000");
    await fillAddress();
    await userEvent.click(within(dialog).getByRole("button", { name: /^Send offer/ }));
    expect(amount).toHaveAccessibleDescription(/^Offer at most the listed price, £8,500\.00/);
    expect(amount).toHaveFocus();
    expect(offersMade()).toHaveLength(0);

    await userEvent.clear(amount);
    await userEvent.type(amount, "7000.5");
    const note = within(dialog).getByLabelText("Note for the artist (optional)");
    await userEvent.type(note, "  I have loved it since the summer show.  ");
    expect(note).toHaveAccessibleDescription(/^38 \/ 1,000 characters$/);
    route({ "GET /api/offers": json({ items: [made], next_before: null }) });
    await userEvent.click(within(dialog).getByRole("button", { name: "Send offer of £7,000.50" }));

    expect(await within(dialog).findByRole("heading", { name: "Your offer is sent" })).toHaveFocus();
    const [request] = offersMade();
    expect(request!.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(await request!.json()).toEqual({
      amount_minor: 700050,
      note: "I have loved it since the summer show.",
      shipping_address: { name: "Iris Collector", line1: "1 Harbour Row", city: "Bristol", country: "GB" },
    });
    expect(dialog).toHaveTextContent("Your offer of £7,000.50 awaits Hana Okabe's answer.");
    expect(within(dialog).getByRole("link", { name: "View your offer" })).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/offers/?\\?id=${made.id}$`)));

    // Behind the dialog the page now leads to the offer, in place of the button that opened it.
    await waitFor(() => expect(opener).not.toBeInTheDocument());
    await userEvent.click(within(dialog).getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    const section = screen.getByRole("region", { name: "Make an offer" });
    expect(section).toHaveFocus();
    expect(within(section).getByRole("link", { name: "View your offer" })).toBeInTheDocument();
  });

  it("shows the artist's polite refusal of an offer below their floor", async () => {
    signedIn();
    const reason = "Thank you for your offer. It is below what the artist can accept for this work, so it was declined automatically; you are welcome to offer again.";
    route({
      [`POST /api/artworks/${work.id}/offers`]: json(
        negotiationView({ status: "declined", awaiting: null, actions: [], offers: [offerView({ status: "declined", reason })] }),
        201,
      ),
    });
    renderWithQueries(<MakeOffer artwork={work} />);
    await userEvent.click(await screen.findByRole("button", { name: "Make an offer" }));
    await userEvent.type(await screen.findByLabelText("Your offer (GBP)"), "100");
    await fillAddress();
    await userEvent.click(screen.getByRole("button", { name: "Send offer of £100.00" }));

    expect(await screen.findByRole("heading", { name: "Your offer was declined" })).toHaveFocus();
    expect(screen.getByText(reason)).toBeInTheDocument();
    // Offering again starts from what was typed.
    await userEvent.click(screen.getByRole("button", { name: "Make another offer" }));
    expect(await screen.findByLabelText("Your offer (GBP)")).toHaveValue("100");
    expect(screen.getByLabelText("Town or city")).toHaveValue("Bristol");
  });

  it("puts the API's refusals under their fields, and the rest above the button", async () => {
    signedIn();
    route({
      [`POST /api/artworks/${work.id}/offers`]: problem(422, "Unprocessable", "The request contains invalid fields", [
        { field: "shipping_address.city", message: "must not be empty" },
      ]),
    });
    renderWithQueries(<MakeOffer artwork={work} />);
    await userEvent.click(await screen.findByRole("button", { name: "Make an offer" }));
    await userEvent.type(await screen.findByLabelText("Your offer (GBP)"), "7000");
    await fillAddress();
    await userEvent.click(screen.getByRole("button", { name: "Send offer of £7,000.00" }));
    expect(await screen.findByText("Please correct the fields marked above.")).toBeInTheDocument();
    expect(screen.getByLabelText("Town or city")).toHaveAccessibleDescription("Town or city must not be empty.");

    route({ [`POST /api/artworks/${work.id}/offers`]: problem(409, "Conflict", "Hana Okabe does not offer collection") });
    await userEvent.click(screen.getByRole("checkbox", { name: "I will collect it in person" }));
    await userEvent.click(screen.getByRole("button", { name: "Send offer of £7,000.00" }));
    expect(await screen.findByText("Hana Okabe does not offer collection.")).toBeInTheDocument();
    expect(await offersMade()[1]!.json()).toMatchObject({ collect: true });
  });

  it("leads a collector with an open offer on the work to it instead", async () => {
    signedIn();
    route({ "GET /api/offers": json({ items: [made], next_before: null }) });
    route({ [`GET /api/artworks/${made.artwork_id}/offer-terms`]: json({ ...terms, artwork_id: made.artwork_id }) });
    renderWithQueries(<MakeOffer artwork={{ ...work, id: made.artwork_id }} />);
    expect(await screen.findByText(/Your offer of £7,000\.50 is open\./)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "View your offer" })).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/offers/?\\?id=${made.id}$`)));
    expect(screen.queryByRole("button", { name: "Make an offer" })).not.toBeInTheDocument();
  });

  it("is not offered to the work's artist", async () => {
    useSession.setState({ status: "signed-in", user: { ...collector, role: "artist", artist_id: work.artist.id }, accessToken: "token" });
    route({ [`GET /api/artworks/${work.id}/offer-terms`]: json(terms) });
    renderWithQueries(<MakeOffer artwork={work} />);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(screen.queryByRole("button", { name: "Make an offer" })).not.toBeInTheDocument();
    expect(requests.some((r) => r.url.endsWith("/offer-terms"))).toBe(false);
  });
});
