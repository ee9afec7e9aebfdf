import type { Schemas } from "./api/types";
import { formatPrice } from "./format";
import { formatMoney } from "./money";
import { offerHref } from "./offers";
import { formatDate } from "./orders";

export type Notification = Schemas["Notification"];
export type NotificationKind = Schemas["Kind"];

export const notificationKeys = {
  all: ["notifications"] as const,
  unread: (userId: string) => ["notifications", userId, "unread"] as const,
  list: (userId: string) => ["notifications", userId, "list"] as const,
  preferences: (userId: string) => ["notifications", userId, "preferences"] as const,
};

/** Every kind, in the order the preferences list them, with what turning it off means. */
export const KINDS: { kind: NotificationKind; label: string; who: "collector" | "artist" | "everyone" }[] = [
  { kind: "message", label: "New messages in your conversations", who: "everyone" },
  { kind: "order_update", label: "Updates on your orders", who: "collector" },
  { kind: "saved_reserved", label: "A work you saved is reserved", who: "collector" },
  { kind: "saved_sold", label: "A work you saved is sold", who: "collector" },
  { kind: "saved_price_drop", label: "A work you saved costs less", who: "collector" },
  { kind: "new_work", label: "New works from artists you follow", who: "collector" },
  { kind: "sale", label: "Your sales", who: "artist" },
  { kind: "upload_processed", label: "Your images are ready", who: "artist" },
  { kind: "upload_rejected", label: "Your images were refused", who: "artist" },
  { kind: "duplicate_flagged", label: "Your images are held for review", who: "artist" },
  { kind: "offer", label: "Offers: made, countered, accepted, declined or expired", who: "everyone" },
  { kind: "review", label: "Reviews you can write, and reviews of you", who: "everyone" },
];

type Data = Record<string, unknown>;

function text(data: Data, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = data[key];
    if (typeof value === "string" && value.trim()) return value.trim();
  }
  return null;
}

function price(data: Data, key: string): string | null {
  const value = data[key];
  if (typeof value !== "object" || value === null) return null;
  const { amount_minor, currency } = value as Record<string, unknown>;
  if (typeof amount_minor !== "number" || typeof currency !== "string") return null;
  try {
    return formatPrice({ amount_minor, currency } as Schemas["Price"]);
  } catch {
    return null;
  }
}

/** An amount the API sent with its exponent (`Money`), as people read it. */
function money(data: Data, key: string): string | null {
  const value = data[key];
  if (typeof value !== "object" || value === null) return null;
  const { amount_minor, currency, exponent } = value as Record<string, unknown>;
  if (typeof amount_minor !== "number" || typeof currency !== "string" || typeof exponent !== "number") return price(data, key);
  try {
    return formatMoney({ amount_minor, currency, exponent });
  } catch {
    return null;
  }
}

/** What became of an offer, told to the party who did not take the step. */
const OFFER_STATUS: Record<string, (offer: string) => string> = {
  pending: (offer) => `${capital(offer)} awaits your answer.`,
  accepted: (offer) => `${capital(offer)} was accepted: the order is placed and paid.`,
  declined: (offer) => `${capital(offer)} was declined.`,
  withdrawn: (offer) => `${capital(offer)} was withdrawn.`,
  expired: (offer) => `${capital(offer)} expired without an answer.`,
};

const ORDER_STATUS: Record<string, string> = {
  pending_payment: "is awaiting payment",
  paid: "is paid",
  accepted: "was accepted by the artist",
  declined: "was declined by the artist",
  shipped: "has shipped",
  received: "was received",
  completed: "is complete",
  payment_expired: "lapsed unpaid",
  lapsed: "lapsed without an answer from the artist",
  cancelled: "was cancelled",
  refunded: "was refunded",
  disputed: "is disputed",
};

/**
 * A notification as a sentence and where it leads. Its data holds what the
 * site links to (an order, a conversation, a work) and, depending on the
 * kind, names and titles; anything missing falls back to a plainer sentence.
 */
export function describeNotification(notification: Pick<Notification, "kind" | "data">): { text: string; href: string | null } {
  const data: Data = typeof notification.data === "object" && notification.data !== null ? (notification.data as Data) : {};
  const title = text(data, "artwork_title", "title");
  const work = title ? `“${title}”` : "a work";
  const artworkId = text(data, "artwork_id");
  const artworkHref = artworkId ? `/artworks/${artworkId}` : null;
  const orderId = text(data, "order_id");
  const status = text(data, "status", "to");
  switch (notification.kind) {
    case "order_update": {
      const what = title ? `Your order of ${work}` : "Your order";
      const change = status ? (ORDER_STATUS[status] ?? `is now ${status.replaceAll("_", " ")}`) : "has news";
      return { text: `${what} ${change}.`, href: orderId ? `/orders/?id=${orderId}` : "/orders/" };
    }
    case "sale": {
      const buyer = text(data, "buyer", "buyer_name");
      let sentence: string;
      if (status && status !== "paid") {
        sentence = `Your sale of ${work} ${ORDER_STATUS[status] ?? `is now ${status.replaceAll("_", " ")}`}.`;
      } else {
        sentence = buyer ? `${buyer} bought ${work}.` : `You sold ${work}.`;
      }
      return { text: sentence, href: orderId ? `/studio/sales/?id=${orderId}` : "/studio/sales/" };
    }
    case "message": {
      const from = text(data, "from", "sender_name") ?? "Someone";
      const excerpt = text(data, "excerpt");
      const about = title ? ` about ${work}` : "";
      const conversation = text(data, "conversation_id");
      return {
        text: excerpt ? `${from} wrote${about}: “${excerpt}”` : `${from} sent you a message${about}.`,
        href: conversation ? `/messages/?c=${conversation}` : "/messages/",
      };
    }
    case "new_work": {
      const artist = text(data, "artist_name", "artist");
      return { text: artist ? `${artist} listed a new work: ${work}.` : `An artist you follow listed ${work}.`, href: artworkHref };
    }
    case "saved_reserved":
      return { text: `${capital(work)}, which you saved, was reserved by a buyer.`, href: artworkHref };
    case "saved_sold":
      return { text: `${capital(work)}, which you saved, has sold.`, href: artworkHref };
    case "saved_price_drop": {
      const now = price(data, "price") ?? price(data, "new_price");
      const before = price(data, "old_price") ?? price(data, "previous_price");
      const change = now ? ` now costs ${now}${before ? ` (was ${before})` : ""}` : " costs less now";
      return { text: `${capital(work)}, which you saved,${change}.`, href: artworkHref };
    }
    case "upload_processed":
      return { text: `Your image for ${work} is processed and on the work.`, href: editHref(artworkId) };
    case "upload_rejected": {
      const reason = text(data, "reason", "detail");
      return { text: `Your image for ${work} was refused${reason ? `: ${reason.replace(/\.$/, "")}` : ""}.`, href: editHref(artworkId) };
    }
    case "duplicate_flagged":
      return {
        text: `Your image for ${work} looks like another artist's work and is held for review.`,
        href: editHref(artworkId),
      };
    case "offer": {
      const negotiation = text(data, "negotiation_id");
      const amount = money(data, "amount");
      const offer = `${amount ? `an offer of ${amount}` : "an offer"} on ${work}`;
      // A refused card says in full what the collector should do.
      const said = status === "card_refused" ? text(data, "message") : null;
      const tell = status ? OFFER_STATUS[status] : undefined;
      return {
        text: said ?? (tell ? tell(offer) : `There is news about ${offer}.`),
        href: negotiation ? offerHref(negotiation) : "/offers/",
      };
    }
    case "review": {
      // The reader's side of the order: their purchase, or their sale.
      const sold = text(data, "role") === "artist";
      const href = orderId ? (sold ? `/studio/sales/?id=${orderId}` : `/orders/?id=${orderId}`) : artworkHref;
      const from = text(data, "from") ?? (sold ? "The buyer" : "The artist");
      const closes = text(data, "closes_at");
      const by = closes && !Number.isNaN(Date.parse(closes)) ? ` by ${formatDate(closes)}` : "";
      const about = title ? ` for ${work}` : "";
      switch (text(data, "event")) {
        case "open":
          return {
            text: `${sold ? "Your sale" : "Your order"}${title ? ` of ${work}` : ""} is complete: review ${sold ? "the buyer" : "the artist"}${by}.`,
            href,
          };
        case "written":
          return { text: `${from} reviewed you${about}. Write your review${by} to read theirs.`, href };
        case "published":
          return { text: `${from} reviewed you${about}: both reviews are now published.`, href };
        default:
          return { text: title ? `There is news about a review of ${work}.` : "There is news about a review.", href };
      }
    }
    default:
      return { text: "Something new happened.", href: null };
  }
}

/** Artists' uploads lead to the work in the studio, where its images are managed. */
function editHref(artworkId: string | null): string {
  return artworkId ? `/studio/edit/?id=${artworkId}` : "/studio/";
}

function capital(phrase: string): string {
  return phrase.startsWith("“") ? phrase : phrase[0]!.toUpperCase() + phrase.slice(1);
}

/** Whether a link goes to a page exported for a placeholder id, which must load in full (a plain `<a>`). */
export function isDocumentLink(href: string): boolean {
  return href.startsWith("/artworks/") || href.startsWith("/artists/");
}
