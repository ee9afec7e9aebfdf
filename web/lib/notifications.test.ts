import { describe, expect, it } from "vitest";

import { KINDS, describeNotification } from "./notifications";

const WORK = "0190c4f6-1111-7000-8000-00000000000a";
const TALK = "0190c4f6-cccc-7000-8000-000000000001";
const ORDER = "0190c4f6-0dd0-7000-8000-000000000001";

describe("notifications in words", () => {
  it("say who wrote about what, and lead to the conversation", () => {
    expect(
      describeNotification({
        kind: "message",
        data: { conversation_id: TALK, message_id: "m", artwork_id: WORK, artwork_title: "Wave at Dawn", from: "Iris", excerpt: "Is it framed?" },
      }),
    ).toEqual({ text: "Iris wrote about “Wave at Dawn”: “Is it framed?”", href: `/messages/?c=${TALK}` });
  });

  it("lead from news about a saved work to the work", () => {
    expect(describeNotification({ kind: "saved_sold", data: { artwork_id: WORK, artwork_title: "Wave at Dawn" } })).toEqual({
      text: "“Wave at Dawn”, which you saved, has sold.",
      href: `/artworks/${WORK}`,
    });
    expect(describeNotification({ kind: "saved_reserved", data: { artwork_id: WORK, title: "Low Tide" } }).text).toBe(
      "“Low Tide”, which you saved, was reserved by a buyer.",
    );
    expect(
      describeNotification({
        kind: "saved_price_drop",
        data: { artwork_id: WORK, artwork_title: "Low Tide", price: { amount_minor: 40000, currency: "GBP" }, old_price: { amount_minor: 48000, currency: "GBP" } },
      }).text,
    ).toBe("“Low Tide”, which you saved, now costs £400.00 (was £480.00).");
    expect(describeNotification({ kind: "new_work", data: { artwork_id: WORK, artwork_title: "Low Tide", artist_name: "Ada Lind" } })).toEqual({
      text: "Ada Lind listed a new work: “Low Tide”.",
      href: `/artworks/${WORK}`,
    });
  });

  it("lead orders to the buyer's orders and sales to the artist's", () => {
    expect(describeNotification({ kind: "order_update", data: { order_id: ORDER, status: "shipped", artwork_title: "Wave at Dawn" } })).toEqual({
      text: "Your order of “Wave at Dawn” has shipped.",
      href: `/orders/?id=${ORDER}`,
    });
    expect(describeNotification({ kind: "order_update", data: {} })).toEqual({ text: "Your order has news.", href: "/orders/" });
    expect(describeNotification({ kind: "sale", data: { order_id: ORDER, artwork_title: "Wave at Dawn" } })).toEqual({
      text: "You sold “Wave at Dawn”.",
      href: `/studio/sales/?id=${ORDER}`,
    });
    expect(describeNotification({ kind: "sale", data: {} }).href).toBe("/studio/sales/");
  });

  it("tell artists about their uploads", () => {
    expect(describeNotification({ kind: "upload_rejected", data: { artwork_id: WORK, artwork_title: "Low Tide", reason: "The file is not an image." } })).toEqual({
      text: "Your image for “Low Tide” was refused: The file is not an image.",
      href: `/studio/edit/?id=${WORK}`,
    });
    expect(describeNotification({ kind: "duplicate_flagged", data: null }).text).toBe(
      "Your image for a work looks like another artist's work and is held for review.",
    );
  });

  it("tell each party of an offer what became of it, and lead to its thread", () => {
    const NEGOTIATION = "0190c4f6-0ff0-7000-8000-000000000001";
    const offer = (status: string) =>
      describeNotification({
        kind: "offer",
        data: {
          negotiation_id: NEGOTIATION,
          offer_id: "0190c4f6-0ff1-7000-8000-000000000001",
          conversation_id: TALK,
          artwork_id: WORK,
          artwork_title: "Wave at Dawn",
          status,
          amount: { amount_minor: 90000, currency: "GBP", exponent: 2 },
          message: "Offered GBP 900.00.",
        },
      });
    expect(offer("pending")).toEqual({ text: "An offer of £900.00 on “Wave at Dawn” awaits your answer.", href: `/offers/?id=${NEGOTIATION}` });
    expect(offer("accepted").text).toBe("An offer of £900.00 on “Wave at Dawn” was accepted: the order is placed and paid.");
    expect(offer("declined").text).toBe("An offer of £900.00 on “Wave at Dawn” was declined.");
    expect(offer("withdrawn").text).toBe("An offer of £900.00 on “Wave at Dawn” was withdrawn.");
    expect(offer("expired").text).toBe("An offer of £900.00 on “Wave at Dawn” expired without an answer.");
    // A refused card comes with what the collector should do about it.
    const refused = describeNotification({
      kind: "offer",
      data: { negotiation_id: NEGOTIATION, artwork_title: "Wave at Dawn", status: "card_refused", message: "Your offer was accepted, but your saved card could not be charged." },
    });
    expect(refused).toEqual({ text: "Your offer was accepted, but your saved card could not be charged.", href: `/offers/?id=${NEGOTIATION}` });
    expect(describeNotification({ kind: "offer", data: {} })).toEqual({ text: "There is news about an offer on a work.", href: "/offers/" });
  });

  it("tell each party where their review stands, and lead to their side of the order", () => {
    const ORDER = "0190c4f6-0dd0-7000-8000-000000000001";
    const review = (data: Record<string, unknown>) =>
      describeNotification({ kind: "review", data: { order_id: ORDER, title: "Low Tide", closes_at: "2026-12-20T10:00:00Z", ...data } });
    const bought = review({ event: "open", role: "buyer" });
    expect(bought.text).toMatch(/^Your order of “Low Tide” is complete: review the artist by .*2026\.$/);
    expect(bought.href).toBe(`/orders/?id=${ORDER}`);
    const sold = review({ event: "open", role: "artist" });
    expect(sold.text).toMatch(/^Your sale of “Low Tide” is complete: review the buyer by .*2026\.$/);
    expect(sold.href).toBe(`/studio/sales/?id=${ORDER}`);
    expect(review({ event: "written", role: "artist", from: "Iris Collector" }).text).toMatch(
      /^Iris Collector reviewed you for “Low Tide”\. Write your review by .*2026 to read theirs\.$/,
    );
    expect(review({ event: "published", role: "buyer", from: "Hana Okabe" })).toEqual({
      text: "Hana Okabe reviewed you for “Low Tide”: both reviews are now published.",
      href: `/orders/?id=${ORDER}`,
    });
    expect(describeNotification({ kind: "review", data: { artwork_id: WORK, artwork_title: "Low Tide" } })).toEqual({
      text: "There is news about a review of “Low Tide”.",
      href: `/artworks/${WORK}`,
    });
  });

  it("read as a sentence whatever the data lacks", () => {
    for (const { kind } of KINDS) {
      const { text } = describeNotification({ kind, data: null });
      expect(text, kind).toMatch(/^[A-Z“].+[.”]$/);
    }
  });
});
