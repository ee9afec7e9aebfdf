import type { Schemas } from "./api/types";
import type { Cart } from "./cart";
import { countryName } from "./countries";
import { type Money, sumMoney } from "./money";

export type Method = Schemas["ShippingMethod"];
type Group = Schemas["CartGroup"];

/** What getting one artist's works to the buyer costs, or why it cannot be done. */
export type Quote =
  | { kind: "cost"; method: Method; cost: Money }
  /** Delivery is priced by the country, which the buyer has not chosen yet. */
  | { kind: "needs-country" }
  | { kind: "impossible"; reason: string };

/** How buyers may get an artist's works: delivery when a rate is offered, collection when allowed. */
export function methodsOffered(options: Schemas["ShippingOptions"] | null | undefined): Method[] {
  if (!options) return [];
  const methods: Method[] = [];
  if (options.domestic != null || options.international != null) methods.push("delivery");
  if (options.collection) methods.push("collection");
  return methods;
}

/** The method a buyer starts with: delivery when offered. */
export function defaultMethod(options: Schemas["ShippingOptions"] | null | undefined): Method {
  return methodsOffered(options)[0] ?? "delivery";
}

/**
 * The cost of an artist's part of the cart by `method` to `country`, as the
 * API prices it: collection is free, delivery is the domestic rate within the
 * artist's country and the international rate elsewhere, and a rate the
 * artist left out is not offered.
 */
export function quote(group: Pick<Group, "artist_name" | "shipping" | "subtotal">, method: Method, country: string): Quote {
  const options = group.shipping;
  const name = group.artist_name;
  if (!options) return { kind: "impossible", reason: `${name} has not said how they ship yet, so their works cannot be bought yet.` };
  const free = { ...group.subtotal, amount_minor: 0 };
  if (method === "collection") {
    return options.collection
      ? { kind: "cost", method, cost: free }
      : { kind: "impossible", reason: `${name} does not offer collection.` };
  }
  if (options.domestic == null && options.international == null) {
    return { kind: "impossible", reason: `${name} does not deliver: choose collection.` };
  }
  if (!country) return { kind: "needs-country" };
  const rate = country === options.origin_country ? options.domestic : options.international;
  if (rate == null) {
    return {
      kind: "impossible",
      reason: `${name} does not deliver to ${countryName(country)}${options.collection ? ": choose collection instead" : ""}.`,
    };
  }
  return { kind: "cost", method, cost: rate.amount_minor === 0 ? free : rate };
}

export type Totals = { works: Money | null; shipping: Money | null; total: Money | null };

/** The cart's totals for these quotes; a total is null while a part is unknown or currencies differ. */
export function totals(cart: Cart, quotes: readonly Quote[]): Totals {
  const works = sumMoney(cart.groups.map((group) => group.subtotal));
  const costs = quotes.flatMap((q) => (q.kind === "cost" ? [q.cost] : []));
  const shipping = costs.length === quotes.length && works ? sumMoney([{ ...works, amount_minor: 0 }, ...costs]) : null;
  const total = works && shipping ? sumMoney([works, shipping]) : null;
  return { works, shipping, total };
}

/** Why the cart cannot be checked out as it stands, in the buyer's words; empty when it can. */
export function blockers(cart: Cart, quotes: readonly Quote[]): string[] {
  const reasons: string[] = [];
  if (cart.mixed_currencies) {
    reasons.push("Your cart has works priced in different currencies. One checkout takes one currency: remove the others and buy them separately.");
  }
  if (cart.unavailable.length > 0) reasons.push("Remove the works that are no longer for sale.");
  for (const line of cart.groups.flatMap((group) => group.lines)) {
    if (!line.purchasable) reasons.push(unavailableLine(line));
    else if (line.price_changed) reasons.push(`Confirm the new price of “${line.title}”.`);
  }
  for (const q of quotes) if (q.kind === "impossible") reasons.push(q.reason);
  return reasons;
}

/** Why a line in the cart cannot be bought in its quantity. */
export function unavailableLine(line: Schemas["CartLineView"]): string {
  if (line.available == null || line.available === 0) return `“${line.title}” is no longer available: remove it.`;
  return `Only ${line.available} of “${line.title}” ${line.available === 1 ? "is" : "are"} left: lower the quantity.`;
}

/**
 * A new Idempotency-Key: random, so two checkouts never share one. Checking
 * out again with the same request reuses its key (see CheckoutForm), so a
 * retry after a lost answer finds the checkout already made.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
