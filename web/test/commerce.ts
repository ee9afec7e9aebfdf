import type { Schemas } from "@/lib/api/types";

// Commerce answers shaped as the API sends them, for the pages' tests.

export const gbp = (amount: number): Schemas["Money"] => ({ amount_minor: amount, currency: "GBP", exponent: 2 });

export const ARTIST_A = "0190c4f6-aaaa-7000-8000-000000000001";
export const ARTIST_B = "0190c4f6-bbbb-7000-8000-000000000001";
export const WAVE = "0190c4f6-1111-7000-8000-00000000000a";
export const PRINT = "0190c4f6-1111-7000-8000-00000000000b";

export function cartLine(overrides: Partial<Schemas["CartLineView"]> = {}): Schemas["CartLineView"] {
  return {
    artwork_id: WAVE,
    title: "Wave at Dawn",
    edition_kind: "unique",
    edition_size: null,
    quantity: 1,
    unit_price: gbp(125000),
    available: 1,
    price_changed: false,
    purchasable: true,
    ...overrides,
  };
}

/** Two artists: Hana ships from Japan (domestic and abroad, or collection); Mateo from Britain, only within it. */
export function cartView(overrides: Partial<Schemas["CartView"]> = {}): Schemas["CartView"] {
  return {
    groups: [
      {
        artist_id: ARTIST_A,
        artist_slug: "hana-okabe",
        artist_name: "Hana Okabe",
        lines: [cartLine()],
        subtotal: gbp(125000),
        shipping: { origin_country: "JP", domestic: gbp(1000), international: gbp(4500), collection: true },
      },
      {
        artist_id: ARTIST_B,
        artist_slug: "mateo-ruiz",
        artist_name: "Mateo Ruiz",
        lines: [
          cartLine({
            artwork_id: PRINT,
            title: "Harbour Lights",
            edition_kind: "limited",
            edition_size: 25,
            quantity: 2,
            unit_price: gbp(9000),
            available: 3,
          }),
        ],
        subtotal: gbp(18000),
        shipping: { origin_country: "GB", domestic: gbp(0), international: null, collection: false },
      },
    ],
    unavailable: [],
    mixed_currencies: false,
    ...overrides,
  };
}

export function orderView(overrides: Partial<Schemas["OrderView"]> = {}): Schemas["OrderView"] {
  return {
    id: "0190c4f6-0dd0-7000-8000-000000000001",
    checkout_id: "0190c4f6-c4ec-7000-8000-000000000001",
    status: "paid",
    artist_id: ARTIST_A,
    lines: [{ artwork_id: WAVE, title: "Wave at Dawn", edition_kind: "unique", quantity: 1, unit_price: gbp(125000) }],
    subtotal: gbp(125000),
    shipping: gbp(4500),
    total: gbp(129500),
    commission: gbp(18750),
    fees: gbp(0),
    artist_net: gbp(110750),
    shipping_method: "delivery",
    shipping_address: { name: "Iris Collector", line1: "1 Harbour Row", city: "Bristol", postal_code: "BS1 4RN", country: "GB" },
    carrier: null,
    tracking_number: null,
    deadlines: { accept_by: "2026-12-06T10:00:00Z", ship_by: null, receive_by: null, release_at: null },
    payment_status: "authorised",
    captured: gbp(0),
    refunded: gbp(0),
    payout_status: "pending",
    paid_out: gbp(0),
    timeline: [{ from: "pending_payment", to: "paid", actor: "system", reason: "", at: "2026-12-03T10:01:00Z" }],
    created_at: "2026-12-03T10:00:00Z",
    ...overrides,
  };
}

export function checkoutView(overrides: Partial<Schemas["CheckoutView"]> = {}): Schemas["CheckoutView"] {
  return {
    id: "0190c4f6-c4ec-7000-8000-000000000001",
    status: "open",
    expires_at: new Date(Date.now() + 15 * 60_000).toISOString(),
    total: gbp(129500),
    payment: {
      provider: "sandbox",
      payment_id: "pi_sandbox_1",
      client_secret: "pi_sandbox_1_secret_x",
      publishable_key: null,
      state: "requires_payment_method",
      decline: null,
    },
    orders: [orderView({ status: "pending_payment", timeline: [], deadlines: {} })],
    ...overrides,
  };
}

export const NEGOTIATION = "0190c4f6-0ff0-7000-8000-000000000001";
export const FIRST_OFFER = "0190c4f6-0ff1-7000-8000-000000000001";
export const COUNTER_OFFER = "0190c4f6-0ff1-7000-8000-000000000002";

export function offerView(overrides: Partial<Schemas["OfferView"]> = {}): Schemas["OfferView"] {
  return {
    id: FIRST_OFFER,
    party: "buyer",
    amount: gbp(90000),
    note: null,
    status: "pending",
    expires_at: "2026-12-06T10:00:00Z",
    created_at: "2026-12-03T10:00:00Z",
    decided_at: null,
    reason: null,
    ...overrides,
  };
}

/**
 * Iris's offer of £900 on Hana's "Wave at Dawn" (listed at £1,250), as Iris
 * sees it: pending, awaiting the artist.
 */
export function negotiationView(overrides: Partial<Schemas["NegotiationView"]> = {}): Schemas["NegotiationView"] {
  const offers = overrides.offers ?? [offerView()];
  return {
    id: NEGOTIATION,
    artwork_id: WAVE,
    artwork_title: "Wave at Dawn",
    artist_id: ARTIST_A,
    artist_name: "Hana Okabe",
    artist_slug: "hana-okabe",
    buyer_name: "Iris Collector",
    status: "open",
    you_are: "buyer",
    awaiting: "artist",
    expires_at: offers.at(-1)!.status === "pending" ? offers.at(-1)!.expires_at : null,
    actions: ["revise", "withdraw"],
    latest: offers.at(-1)!,
    offers,
    order_id: null,
    created_at: "2026-12-03T10:00:00Z",
    updated_at: "2026-12-03T10:00:00Z",
    ...overrides,
  };
}

export const ORDER = "0190c4f6-0dd0-7000-8000-000000000001";
export const BUYER = "0190c4f6-9999-7000-8000-000000000001";
export const IRIS_REVIEW = "0190c4f6-7e71-7000-8000-000000000001";
export const HANA_REVIEW = "0190c4f6-7e71-7000-8000-000000000002";

/** Iris's review of Hana for "Wave at Dawn": five stars, sealed until Hana writes hers. */
export function reviewView(overrides: Partial<Schemas["ReviewView"]> = {}): Schemas["ReviewView"] {
  return {
    id: IRIS_REVIEW,
    order_id: ORDER,
    author_party: "buyer",
    reviewer: { name: "Iris Collector", artist_slug: null, collector_id: BUYER },
    subject: { name: "Hana Okabe", artist_slug: "hana-okabe", collector_id: null },
    rating: 5,
    body: "Beautifully packed,\nand even better in person.",
    works: ["Wave at Dawn"],
    created_at: "2026-12-10T09:00:00Z",
    published_at: null,
    hidden: null,
    ...overrides,
  };
}

/** Hana's review of Iris, as the other half of the exchange. */
export function artistReviewView(overrides: Partial<Schemas["ReviewView"]> = {}): Schemas["ReviewView"] {
  return reviewView({
    id: HANA_REVIEW,
    author_party: "artist",
    reviewer: { name: "Hana Okabe", artist_slug: "hana-okabe", collector_id: null },
    subject: { name: "Iris Collector", artist_slug: null, collector_id: BUYER },
    rating: 4,
    body: "Paid at once and kind in every message.",
    created_at: "2026-12-11T09:00:00Z",
    ...overrides,
  });
}

/**
 * The completed order's reviews as Iris (its buyer) sees them: the window
 * open until 21 December, nothing written on either side.
 */
export function orderReviews(overrides: Partial<Schemas["OrderReviews"]> = {}): Schemas["OrderReviews"] {
  return {
    order_id: ORDER,
    you_are: "buyer",
    other_party: { name: "Hana Okabe", artist_slug: "hana-okabe", collector_id: null },
    works: ["Wave at Dawn"],
    window: { state: "open", opens_at: "2026-12-07T10:00:00Z", closes_at: "2026-12-21T10:00:00Z" },
    can_write: true,
    mine: null,
    their_review: "not_written",
    theirs: null,
    ...overrides,
  };
}

/** The same order's reviews as Hana (its artist) sees them. */
export function saleReviews(overrides: Partial<Schemas["OrderReviews"]> = {}): Schemas["OrderReviews"] {
  return orderReviews({ you_are: "artist", other_party: { name: "Iris Collector", artist_slug: null, collector_id: BUYER }, ...overrides });
}

/** A review on an artist's public list. */
export function publicReview(overrides: Partial<Schemas["PublicReview"]> = {}): Schemas["PublicReview"] {
  return {
    id: IRIS_REVIEW,
    rating: 5,
    body: "Beautifully packed,\nand even better in person.",
    reviewer: { name: "Iris Collector", artist_slug: null, collector_id: null },
    works: ["Wave at Dawn"],
    verified_purchase: true,
    created_at: "2026-12-10T09:00:00Z",
    published_at: "2026-12-11T09:00:00Z",
    ...overrides,
  };
}
