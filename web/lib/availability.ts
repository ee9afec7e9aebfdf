import type { Schemas } from "./api/types";

type Artwork = Schemas["ArtworkView"];
type Status = Schemas["ArtworkStatus"];

/**
 * What an `availability` event on a work's channel says: its status, the
 * copies left of a limited edition (null for the others) and its price.
 */
export type Availability = {
  status?: string;
  available_quantity?: number | null;
  price?: { amount_minor?: number; currency?: string };
};

const STATUSES: readonly Status[] = ["draft", "published", "reserved", "sold", "archived"];

export function isStatus(value: unknown): value is Status {
  return typeof value === "string" && (STATUSES as readonly string[]).includes(value);
}

/** The work as the event leaves it; whatever the event leaves out or gets wrong stays as it was. */
export function withAvailability(artwork: Artwork, change: Availability | null | undefined): Artwork {
  if (!change || typeof change !== "object") return artwork;
  let next = artwork;
  if (isStatus(change.status) && change.status !== artwork.status) next = { ...next, status: change.status };
  const copies = change.available_quantity;
  if (artwork.edition.kind === "limited" && typeof copies === "number" && Number.isInteger(copies)) {
    const available = Math.max(0, Math.min(artwork.edition.size, copies));
    if (available !== artwork.edition.available) next = { ...next, edition: { ...artwork.edition, available } };
  }
  const price = change.price;
  if (
    price &&
    typeof price.amount_minor === "number" &&
    typeof price.currency === "string" &&
    (price.amount_minor !== artwork.price.amount_minor || price.currency !== artwork.price.currency)
  ) {
    next = { ...next, price: { amount_minor: price.amount_minor, currency: price.currency as Schemas["CurrencyCode"] } };
  }
  return next;
}

/** The badge a card shows for a status heard live: news worth a glance, not the status of every work. */
export function liveBadge(status: Status | undefined): string | null {
  if (status === "sold") return "Just sold";
  if (status === "reserved") return "Reserved";
  return null;
}

/** The id in an `artwork:<id>` channel name. */
export function artworkOfChannel(channel: string): string | null {
  return channel.startsWith("artwork:") ? channel.slice("artwork:".length) : null;
}
