import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas, User } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { COUNTER_OFFER, FIRST_OFFER, NEGOTIATION, gbp, negotiationView, offerView } from "@/test/commerce";
import { fakeLive, renderWithLive } from "@/test/live";
import { json, problem, requests, route } from "@/test/network";

import { OffersPage } from "./OffersPage";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const ME = "0190c4f6-9999-7000-8000-000000000001";
const collector: User = { id: ME, email: "iris@example.com", display_name: "Iris Collector", role: "collector", artist_id: null, email_verified: true, created_at: "2026-01-05T10:00:00Z" };
const card: Schemas["PaymentMethodView"] = { id: "0190c4f6-ca4d-7000-8000-000000000001", brand: "visa", last4: "4242", created_at: "2026-12-01T10:00:00Z" };
const inTwoDays = () => new Date(Date.now() + 2 * 86_400_000 + 60_000).toISOString();

/** Hana countered Iris's £900 with £1,100: it awaits Iris. */
function countered(): Schemas["NegotiationView"] {
  return negotiationView({
    offers: [
      offerView({ status: "countered", note: "I have loved it since the summer show.", decided_at: "2026-12-04T09:00:00Z" }),
      offerView({ id: COUNTER_OFFER, party: "artist", amount: gbp(110000), note: "It took me a year.", expires_at: inTwoDays(), created_at: "2026-12-04T09:00:00Z" }),
    ],
    awaiting: "buyer",
    actions: ["accept", "counter", "decline"],
  });
}

const posts = (path: string) => requests.filter((r) => r.method === "POST" && new URL(r.url).pathname === path);

beforeEach(() => {
  useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
});
afterEach(() => vi.useRealTimers());

function openThread(negotiation: Schemas["NegotiationView"]) {
  window.history.pushState({}, "", `/offers/?id=${NEGOTIATION}`);
  route({
    [`GET /api/offers/${NEGOTIATION}`]: json(negotiation),
    "GET /api/conversations": json({ items: [], next_cursor: null }),
    "GET /api/me/payment-methods": json([card]),
  });
  const live = fakeLive();
  renderWithLive(<OffersPage />, live);
  return live;
}

describe("an offer's thread", () => {
  it("shows every offer, the deadline, and the answers the viewer has", async () => {
    openThread(countered());
    expect(await screen.findByRole("heading", { level: 1, name: "Offer on Wave at Dawn" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Hana Okabe countered with £1,100.00: your answer is awaited. It expires in 2 days.");

    const history = screen.getByRole("list", { name: "Offers" });
    const [first, second] = within(history).getAllByRole("listitem");
    expect(first).toHaveTextContent("You offered £900.00");
    expect(first).toHaveTextContent("Countered");
    expect(first).toHaveTextContent("“I have loved it since the summer show.”");
    expect(second).toHaveTextContent("Hana Okabe countered with £1,100.00");
    expect(second).toHaveTextContent("Awaiting an answer");

    const answer = screen.getByRole("region", { name: "Hana Okabe offers £1,100.00" });
    expect(answer).toHaveTextContent("It expires in 2 days");
    expect(within(answer).getByRole("button", { name: "Accept £1,100.00" })).toBeInTheDocument();
    expect(within(answer).getByRole("button", { name: "Counter" })).toBeInTheDocument();
    expect(within(answer).getByRole("button", { name: "Decline" })).toBeInTheDocument();
    expect(within(answer).queryByRole("button", { name: "Withdraw" })).not.toBeInTheDocument();
    expect(await screen.findByText("If the offer is accepted, your Visa ending 4242 is charged at once.")).toBeInTheDocument();
  });

  it("accepts after a confirmation that says what is charged, and leads to the order", async () => {
    const ORDER = "0190c4f6-0dd0-7000-8000-000000000001";
    openThread(countered());
    route({
      [`POST /api/offers/${NEGOTIATION}/accept`]: json(
        negotiationView({
          status: "accepted",
          awaiting: null,
          actions: [],
          order_id: ORDER,
          offers: [offerView({ status: "countered" }), offerView({ id: COUNTER_OFFER, party: "artist", amount: gbp(110000), status: "accepted" })],
        }),
      ),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Accept £1,100.00" }));
    const dialog = screen.getByRole("dialog", { name: "Accept £1,100.00?" });
    expect(dialog).toHaveTextContent("Your saved card is charged £1,100.00 plus shipping at once");
    await userEvent.click(within(dialog).getByRole("button", { name: "Accept and pay £1,100.00" }));

    expect(await screen.findByRole("link", { name: "See your order" })).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/orders/?\\?id=${ORDER}$`)));
    expect(screen.getByRole("status")).toHaveTextContent("Accepted at £1,100.00: your order is placed and paid.");
    const [request] = posts(`/api/offers/${NEGOTIATION}/accept`);
    expect(await request!.json()).toEqual({ offer_id: COUNTER_OFFER });
    expect(request!.headers.get("Idempotency-Key")).toBeTruthy();
    expect(screen.queryByRole("region", { name: /offers £/ })).not.toBeInTheDocument();
  });

  it("counters with an amount and a note", async () => {
    openThread(countered());
    let body: unknown = null;
    route({
      [`POST /api/offers/${NEGOTIATION}/counter`]: async (request) => {
        body = await request.json();
        return json(
          negotiationView({
            offers: [...countered().offers.map((o) => ({ ...o, status: "countered" as const })), offerView({ id: "0190c4f6-0ff1-7000-8000-000000000003", amount: gbp(100000) })],
          }),
        );
      },
    });
    await userEvent.click(await screen.findByRole("button", { name: "Counter" }));
    const form = screen.getByRole("form", { name: "Your counter-offer" });
    await userEvent.type(within(form).getByLabelText("Your counter-offer (GBP)"), "1000");
    await userEvent.type(within(form).getByLabelText("Note for Hana Okabe (optional)"), "Could we meet in the middle?");
    await userEvent.click(within(form).getByRole("button", { name: "Send counter-offer of £1,000.00" }));

    expect(await screen.findByRole("region", { name: "Your offer of £1,000.00" })).toBeInTheDocument();
    expect(body).toEqual({ offer_id: COUNTER_OFFER, amount_minor: 100000, note: "Could we meet in the middle?" });
  });

  it("declines with a reason", async () => {
    openThread(countered());
    route({
      [`POST /api/offers/${NEGOTIATION}/decline`]: json(
        negotiationView({ status: "declined", awaiting: null, actions: [], offers: [offerView({ status: "countered" }), offerView({ id: COUNTER_OFFER, party: "artist", amount: gbp(110000), status: "declined", reason: "Too much for me." })] }),
      ),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Decline" }));
    const dialog = screen.getByRole("dialog", { name: "Decline £1,100.00?" });
    await userEvent.type(within(dialog).getByLabelText("Reason for Hana Okabe (optional)"), "Too much for me.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Decline offer" }));
    expect(await screen.findByText("Declined: Too much for me.")).toBeInTheDocument();
    expect(await posts(`/api/offers/${NEGOTIATION}/decline`)[0]!.json()).toEqual({ offer_id: COUNTER_OFFER, reason: "Too much for me." });
  });

  it("lets the author change or withdraw their pending offer", async () => {
    openThread(negotiationView({ offers: [offerView({ expires_at: inTwoDays() })] }));
    route({
      [`POST /api/offers/${NEGOTIATION}/withdraw`]: json(negotiationView({ status: "withdrawn", awaiting: null, actions: [], offers: [offerView({ status: "withdrawn" })] })),
    });
    const mine = await screen.findByRole("region", { name: "Your offer of £900.00" });
    expect(mine).toHaveTextContent("unless Hana Okabe answers first");
    await userEvent.click(within(mine).getByRole("button", { name: "Change your offer" }));
    expect(screen.getByLabelText("Your new offer (GBP)")).toHaveAccessibleDescription("It replaces your pending offer, and its deadline starts again.");
    await userEvent.click(within(mine).getByRole("button", { name: "Withdraw" }));
    await userEvent.click(within(screen.getByRole("dialog", { name: "Withdraw your offer?" })).getByRole("button", { name: "Withdraw offer" }));
    expect(await screen.findByText("You withdrew your offer of £900.00.")).toBeInTheDocument();
    expect(await posts(`/api/offers/${NEGOTIATION}/withdraw`)[0]!.json()).toEqual({ offer_id: FIRST_OFFER });
  });

  it("says why an answer was refused, and shows the negotiation as it now stands", async () => {
    openThread(countered());
    await screen.findByRole("button", { name: "Accept £1,100.00" });
    route({
      [`POST /api/offers/${NEGOTIATION}/accept`]: problem(409, "Conflict", "that offer was superseded: only the latest offer of an open negotiation can be answered"),
      [`GET /api/offers/${NEGOTIATION}`]: json(negotiationView({ offers: [offerView({ status: "countered" }), offerView({ id: COUNTER_OFFER, party: "artist", amount: gbp(105000), expires_at: inTwoDays() })], awaiting: "buyer", actions: ["accept", "counter", "decline"] })),
    });
    await userEvent.click(screen.getByRole("button", { name: "Accept £1,100.00" }));
    await userEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Accept and pay £1,100.00" }));
    expect(await screen.findByRole("button", { name: "Accept £1,050.00" })).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("That offer was superseded: only the latest offer of an open negotiation can be answered.");
  });

  it("follows the other side's steps as they arrive", async () => {
    const live = openThread(negotiationView({ offers: [offerView({ expires_at: inTwoDays() })] }));
    await screen.findByRole("region", { name: "Your offer of £900.00" });
    route({ [`GET /api/offers/${NEGOTIATION}`]: json(countered()) });
    live.event(`user:${ME}`, "notification", { id: "n1", kind: "offer", data: { negotiation_id: NEGOTIATION, status: "pending" }, created_at: new Date().toISOString() });
    expect(await screen.findByRole("region", { name: "Hana Okabe offers £1,100.00" })).toBeInTheDocument();
  });

  it("hears the steps told in the conversation about the work too", async () => {
    const TALK = "0190c4f6-cccc-7000-8000-000000000001";
    window.history.pushState({}, "", `/offers/?id=${NEGOTIATION}`);
    route({
      [`GET /api/offers/${NEGOTIATION}`]: json(negotiationView({ offers: [offerView({ expires_at: inTwoDays() })] })),
      "GET /api/conversations": json({
        items: [
          {
            id: TALK,
            artwork_id: negotiationView().artwork_id,
            artwork_title: "Wave at Dawn",
            collector: { user_id: ME, name: "Iris Collector" },
            artist: { user_id: "0190c4f6-aaaa-7000-8000-000000000009", name: "Hana Okabe", artist_slug: "hana-okabe" },
            unread: 0,
            blocked: false,
            created_at: "2026-12-03T10:00:00Z",
            last_message_at: "2026-12-03T10:00:00Z",
          },
        ],
        next_cursor: null,
      }),
      "GET /api/me/payment-methods": json([card]),
    });
    const live = fakeLive();
    renderWithLive(<OffersPage />, live);
    expect(await screen.findByRole("link", { name: "Open the conversation" })).toHaveAttribute("href", expect.stringMatching(new RegExp(`\\?c=${TALK}$`)));
    await waitFor(() => expect(live.channels()).toContain(`conversation:${TALK}`));
    route({ [`GET /api/offers/${NEGOTIATION}`]: json(countered()) });
    live.event(`conversation:${TALK}`, "message", { id: "m1", conversation_id: TALK, sender_id: "x", body: "Countered with GBP 1100.00.", offer_id: COUNTER_OFFER, created_at: new Date().toISOString() });
    expect(await screen.findByRole("region", { name: "Hana Okabe offers £1,100.00" })).toBeInTheDocument();
  });

  it("says when the offer cannot be found", async () => {
    window.history.pushState({}, "", `/offers/?id=${NEGOTIATION}`);
    route({ [`GET /api/offers/${NEGOTIATION}`]: problem(404, "Not found", "no such negotiation") });
    renderWithLive(<OffersPage />, fakeLive());
    expect(await screen.findByRole("heading", { name: "Offer not found" })).toBeInTheDocument();
  });
});

describe("the collector's offers", () => {
  it("lists those awaiting an answer first, with their deadlines, and leads to each thread", async () => {
    window.history.pushState({}, "", "/offers/");
    const waiting = countered();
    const mine = negotiationView({ id: "0190c4f6-0ff0-7000-8000-000000000002", artwork_title: "Low Tide", artist_name: "Ada Lind", offers: [offerView({ expires_at: inTwoDays() })] });
    const ended = negotiationView({ id: "0190c4f6-0ff0-7000-8000-000000000003", artwork_title: "Salt Marsh", status: "expired", awaiting: null, actions: [], offers: [offerView({ status: "expired" })] });
    route({ "GET /api/offers": json({ items: [mine, ended, waiting], next_before: null }) });
    renderWithLive(<OffersPage />, fakeLive());

    const awaiting = await screen.findByRole("list", { name: "Awaiting your answer" });
    const [row] = within(awaiting).getAllByRole("listitem");
    expect(within(row!).getByRole("link", { name: "Wave at Dawn" })).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/offers/?\\?id=${NEGOTIATION}$`)));
    expect(row).toHaveTextContent("with Hana Okabe · their latest offer £1,100.00");
    expect(row).toHaveTextContent(/Answer by .* \(in 2 days\)/);
    const others = within(screen.getByRole("list", { name: "All other offers" })).getAllByRole("listitem");
    expect(others.map((li) => within(li).getByRole("link").textContent)).toEqual(["Low Tide", "Salt Marsh"]);
    expect(others[0]).toHaveTextContent(/Expires .* \(in 2 days\)/);
    expect(others[1]).toHaveTextContent("Expired");
    expect(requests.find((r) => r.url.includes("/api/offers"))!.url).toMatch(/role=buyer/);
  });

  it("explains where offers come from when there are none", async () => {
    window.history.pushState({}, "", "/offers/");
    route({ "GET /api/offers": json({ items: [], next_before: null }) });
    renderWithLive(<OffersPage />, fakeLive());
    expect(await screen.findByRole("heading", { name: "No offers yet" })).toBeInTheDocument();
  });
});
