import type { Schemas } from "./api/types";
import { messageLength } from "./messages";
import { formatMoney, moneyOf, parseMajor } from "./money";
import { relativeTo } from "./orders";

export type Negotiation = Schemas["NegotiationView"];
export type Offer = Schemas["OfferView"];
export type OfferParty = Schemas["OfferParty"];
export type OfferStatus = Schemas["OfferStatus"];
export type NegotiationStatus = Schemas["NegotiationStatus"];
export type OfferTerms = Schemas["OfferTermsView"];
export type OfferRole = "buyer" | "artist";

/** As the API counts a note or a reason: at most this many characters. */
export const MAX_NOTE_CHARS = 1000;

export const offerKeys = {
  /** Everything about offers: what any step in any negotiation makes stale. */
  all: ["offers"] as const,
  /** Pages of the viewer's negotiations on one side, most recently active first. */
  list: (role: OfferRole) => ["offers", "list", role] as const,
  /** The collector's open negotiation on a work, if any. */
  openOn: (artworkId: string) => ["offers", "open-on", artworkId] as const,
  /** Every list of negotiations: what a step taken here makes stale, besides the one negotiation. */
  lists: (query: { queryKey: readonly unknown[] }) => query.queryKey[0] === "offers" && query.queryKey[1] !== "one",
  one: (id: string) => ["offers", "one", id] as const,
  /** Whether a work takes offers (and, for its artist, the floor). */
  terms: (artworkId: string, userId: string | null) => ["offer-terms", artworkId, userId] as const,
};

export const OFFER_STATUS_LABEL: Record<OfferStatus, string> = {
  pending: "Awaiting an answer",
  countered: "Countered",
  superseded: "Changed",
  accepted: "Accepted",
  declined: "Declined",
  expired: "Expired",
  withdrawn: "Withdrawn",
};

export const NEGOTIATION_STATUS_LABEL: Record<NegotiationStatus, string> = {
  open: "Open",
  accepted: "Accepted",
  declined: "Declined",
  expired: "Expired",
  withdrawn: "Withdrawn",
};

type Tone = "waiting" | "done" | "ended";

export const NEGOTIATION_TONE: Record<NegotiationStatus, Tone> = {
  open: "waiting",
  accepted: "done",
  declined: "ended",
  expired: "ended",
  withdrawn: "ended",
};

export const OFFER_TONE: Record<OfferStatus, Tone> = {
  pending: "waiting",
  countered: "ended",
  superseded: "ended",
  accepted: "done",
  declined: "ended",
  expired: "ended",
  withdrawn: "ended",
};

/** The other side of a negotiation, by name, as the viewer sees it. */
export function otherSide(negotiation: Pick<Negotiation, "you_are" | "artist_name" | "buyer_name">): string {
  return negotiation.you_are === "buyer" ? negotiation.artist_name : negotiation.buyer_name;
}

/** Who made an offer, as the viewer reads it: "You", or the other side's name. */
export function madeBy(negotiation: Pick<Negotiation, "you_are" | "artist_name" | "buyer_name">, offer: Pick<Offer, "party">): string {
  if (offer.party === negotiation.you_are) return "You";
  return offer.party === "artist" ? negotiation.artist_name : negotiation.buyer_name;
}

/** Whether the pending offer waits for the viewer's answer. */
export function awaitsYou(negotiation: Pick<Negotiation, "awaiting" | "you_are" | "status">): boolean {
  return negotiation.status === "open" && negotiation.awaiting === negotiation.you_are;
}

/**
 * Where a negotiation stands, in a sentence for the viewer: whose turn it is
 * and until when, or how it ended.
 */
export function standing(negotiation: Negotiation, now: Date = new Date()): string {
  const latest = negotiation.latest;
  const amount = formatMoney(latest.amount);
  const other = otherSide(negotiation);
  const until = negotiation.expires_at ? ` It expires ${relativeTo(negotiation.expires_at, now)}.` : "";
  switch (negotiation.status) {
    case "open":
      if (awaitsYou(negotiation)) {
        return `${other} ${latest.party === "artist" ? "countered with" : "offered"} ${amount}: your answer is awaited.${until}`;
      }
      return `Your offer of ${amount} awaits ${other}'s answer.${until}`;
    case "accepted":
      return negotiation.you_are === "buyer"
        ? `Accepted at ${amount}: your order is placed and paid.`
        : `Accepted at ${amount}: the order is placed, paid and accepted. Ship it before its deadline.`;
    case "declined":
      return latest.reason ? `Declined: ${latest.reason}` : `The offer of ${amount} was declined.`;
    case "expired":
      return `The offer of ${amount} expired without an answer.`;
    case "withdrawn":
      return latest.party === negotiation.you_are ? `You withdrew your offer of ${amount}.` : `${other} withdrew the offer of ${amount}.`;
  }
}

/**
 * Negotiations for a list: those awaiting the viewer first, then the other
 * open ones, then those that ended, each group in the API's order (most
 * recently active first).
 */
export function awaitingFirst(negotiations: readonly Negotiation[]): Negotiation[] {
  const rank = (n: Negotiation) => (awaitsYou(n) ? 0 : n.status === "open" ? 1 : 2);
  return negotiations
    .map((negotiation, index) => ({ negotiation, index }))
    .sort((a, b) => rank(a.negotiation) - rank(b.negotiation) || a.index - b.index)
    .map(({ negotiation }) => negotiation);
}

/** An amount typed into an offer form: in minor units, or why it cannot be offered. */
export type TypedAmount = { ok: true; minor: number } | { ok: false; reason: "empty" | "format" | "zero" | "above"; message: string };

/**
 * Reads an amount typed in major units in `currency` ("900", "900.50"),
 * with that currency's decimals, no more than `max` (the listed price:
 * above it the work can simply be bought).
 */
export function readAmount(text: string, currency: string, max?: number): TypedAmount {
  const { exponent } = moneyOf(0, currency);
  if (!text.trim()) return { ok: false, reason: "empty", message: `Enter an amount in ${currency}.` };
  const minor = parseMajor(text, exponent);
  if (minor === null) {
    return {
      ok: false,
      reason: "format",
      message:
        exponent === 0
          ? `Enter a whole amount in ${currency}, such as 900.`
          : `Enter an amount in ${currency} with at most ${exponent} decimals, such as 900 or 900.50.`,
    };
  }
  if (minor <= 0) return { ok: false, reason: "zero", message: "Offer more than nothing." };
  if (max !== undefined && minor > max) {
    return {
      ok: false,
      reason: "above",
      message: `Offer at most the listed price, ${formatMoney(moneyOf(max, currency))}: at that price the work can be bought now.`,
    };
  }
  return { ok: true, minor };
}

/** A note as it is sent: trimmed, or left out when empty. */
export function noteOf(text: string): string | undefined {
  const trimmed = text.replace(/\r\n?/g, "\n").trim();
  return trimmed ? trimmed : undefined;
}

/** Whether a note fits the API's limit. */
export function noteFits(text: string): boolean {
  return messageLength(text) <= MAX_NOTE_CHARS;
}

/** "£900.00", for an offer's amount. */
export function amountOf(offer: Pick<Offer, "amount">): string {
  return formatMoney(offer.amount);
}

/** The deadline of the pending offer as people read it: "expires in 2 days". */
export function expiresIn(iso: string, now: Date = new Date()): string {
  return new Date(iso) > now ? `expires ${relativeTo(iso, now)}` : "has expired";
}

/** The thread of a negotiation. */
export function offerHref(negotiationId: string): string {
  return `/offers/?id=${negotiationId}`;
}
