import { describe, expect, it } from "vitest";

import { COUNTER_OFFER, gbp, negotiationView, offerView } from "@/test/commerce";

import { awaitingFirst, awaitsYou, expiresIn, madeBy, noteFits, noteOf, readAmount, standing } from "./offers";

// Browsers put a no-break space between a currency code and the amount.
const plain = (text: string) => text.replace(/\u00a0/g, " ");

describe("amounts typed into an offer", () => {
  it("become minor units by the currency's exponent", () => {
    expect(readAmount("900", "GBP", 125000)).toEqual({ ok: true, minor: 90000 });
    expect(readAmount("900.5", "GBP", 125000)).toEqual({ ok: true, minor: 90050 });
    expect(readAmount("1,249.99", "GBP", 125000)).toEqual({ ok: true, minor: 124999 });
    expect(readAmount("1250", "GBP", 125000)).toEqual({ ok: true, minor: 125000 });
    expect(readAmount("50000", "JPY", 80000)).toEqual({ ok: true, minor: 50000 });
    expect(readAmount("12.345", "BHD")).toEqual({ ok: true, minor: 12345 });
  });

  it("say why an amount cannot be offered", () => {
    expect(readAmount(" ", "GBP")).toMatchObject({ ok: false, reason: "empty", message: "Enter an amount in GBP." });
    expect(readAmount("12.345", "GBP")).toMatchObject({ ok: false, reason: "format" });
    expect(readAmount("1.5", "JPY")).toMatchObject({ ok: false, reason: "format", message: "Enter a whole amount in JPY, such as 900." });
    expect(readAmount("-3", "GBP")).toMatchObject({ ok: false, reason: "format" });
    expect(readAmount("0", "GBP")).toMatchObject({ ok: false, reason: "zero" });
    const above = readAmount("1250.01", "GBP", 125000);
    expect(above).toMatchObject({ ok: false, reason: "above" });
    expect(!above.ok && plain(above.message)).toMatch(/^Offer at most the listed price, £1,250\.00/);
  });
});

describe("notes", () => {
  it("are trimmed, left out when empty, and held to 1,000 characters", () => {
    expect(noteOf("  Would you take £900?\r\n")).toBe("Would you take £900?");
    expect(noteOf(" \n ")).toBeUndefined();
    expect(noteFits("é".repeat(1000))).toBe(true);
    expect(noteFits("é".repeat(1001))).toBe(false);
    expect(noteFits(`  ${"a".repeat(1000)}  `)).toBe(true);
  });
});

describe("negotiations as the viewer reads them", () => {
  const countered = negotiationView({
    offers: [offerView({ status: "countered", decided_at: "2026-12-04T09:00:00Z" }), offerView({ id: COUNTER_OFFER, party: "artist", amount: gbp(110000) })],
    awaiting: "buyer",
    actions: ["accept", "counter", "decline"],
  });

  it("name who made each offer", () => {
    expect(madeBy(countered, countered.offers[0]!)).toBe("You");
    expect(madeBy(countered, countered.offers[1]!)).toBe("Hana Okabe");
    expect(madeBy({ ...countered, you_are: "artist" }, countered.offers[0]!)).toBe("Iris Collector");
  });

  it("say whose answer is awaited, and until when", () => {
    const now = new Date("2026-12-04T10:00:00Z");
    expect(awaitsYou(countered)).toBe(true);
    expect(plain(standing(countered, now))).toBe("Hana Okabe countered with £1,100.00: your answer is awaited. It expires in 2 days.");
    expect(plain(standing(negotiationView(), now))).toBe("Your offer of £900.00 awaits Hana Okabe's answer. It expires in 2 days.");
    expect(expiresIn("2026-12-06T10:00:00Z", now)).toBe("expires in 2 days");
    expect(expiresIn("2026-12-04T09:00:00Z", now)).toBe("has expired");
  });

  it("say how they ended, with the artist's reason", () => {
    const declined = negotiationView({
      status: "declined",
      awaiting: null,
      actions: [],
      offers: [offerView({ status: "declined", reason: "It is below what the artist can accept." })],
    });
    expect(standing(declined)).toBe("Declined: It is below what the artist can accept.");
    const accepted = negotiationView({ status: "accepted", awaiting: null, actions: [], offers: [offerView({ status: "accepted" })] });
    expect(plain(standing(accepted))).toBe("Accepted at £900.00: your order is placed and paid.");
    expect(plain(standing({ ...accepted, you_are: "artist" }))).toMatch(/^Accepted at £900\.00: the order is placed, paid and accepted\./);
    expect(plain(standing(negotiationView({ status: "withdrawn", awaiting: null, offers: [offerView({ status: "withdrawn" })] })))).toBe(
      "You withdrew your offer of £900.00.",
    );
  });

  it("list those awaiting the viewer first, the open ones next, keeping the API's order within each", () => {
    const mineOpen = negotiationView({ id: "a" });
    const ended = negotiationView({ id: "b", status: "expired", awaiting: null });
    const theirTurnDone = { ...countered, id: "c" };
    const alsoMine = negotiationView({ id: "d" });
    expect(awaitingFirst([mineOpen, ended, theirTurnDone, alsoMine]).map((n) => n.id)).toEqual(["c", "a", "d", "b"]);
  });
});
