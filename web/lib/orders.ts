import type { Schemas } from "./api/types";

export type Order = Schemas["OrderView"];
export type OrderStatus = Schemas["OrderStatus"];

export const STATUS_LABEL: Record<OrderStatus, string> = {
  pending_payment: "Awaiting payment",
  paid: "Paid",
  accepted: "Accepted",
  shipped: "Shipped",
  received: "Received",
  completed: "Completed",
  payment_expired: "Payment expired",
  declined: "Declined",
  lapsed: "Lapsed",
  cancelled: "Cancelled",
  disputed: "Disputed",
  refunded: "Refunded",
};

type Tone = "waiting" | "moving" | "done" | "ended" | "trouble";

export const STATUS_TONE: Record<OrderStatus, Tone> = {
  pending_payment: "waiting",
  paid: "waiting",
  accepted: "moving",
  shipped: "moving",
  received: "moving",
  completed: "done",
  payment_expired: "ended",
  declined: "ended",
  lapsed: "ended",
  cancelled: "ended",
  disputed: "trouble",
  refunded: "ended",
};

/** What a status means to the buyer, in a sentence. */
export const BUYER_MEANING: Record<OrderStatus, string> = {
  pending_payment: "The works are held for you until you pay.",
  paid: "Your card is authorised. The artist will accept or decline the order; you are charged only if they accept.",
  accepted: "The artist accepted the order and is preparing it.",
  shipped: "On its way. Tell us when it arrives.",
  received: "You have it. The order completes once the short protection period ends.",
  completed: "Complete. Enjoy your work.",
  payment_expired: "The payment was not made in time, so the works went back on sale.",
  declined: "The artist declined the order. Your card was not charged.",
  lapsed: "The artist did not answer in time. Your card was not charged.",
  cancelled: "Cancelled. Any hold on your card was released.",
  disputed: "Your bank is disputing the payment. We will be in touch.",
  refunded: "Refunded.",
};

/** What a status asks of the artist, in a sentence. */
export const ARTIST_MEANING: Record<OrderStatus, string> = {
  pending_payment: "The buyer has not paid yet.",
  paid: "Paid: accept or decline it before the deadline, or it lapses.",
  accepted: "Accepted: ship it before the deadline, or it is cancelled and refunded.",
  shipped: "Shipped. The buyer confirms receipt, or it counts as received after the deadline.",
  received: "Received. The money is released to you after the payout hold.",
  completed: "Complete: your share is paid out to your payout account.",
  payment_expired: "The buyer did not pay in time.",
  declined: "You declined it.",
  lapsed: "Nobody answered before the accept deadline.",
  cancelled: "Cancelled.",
  disputed: "The buyer's bank is disputing the payment.",
  refunded: "Refunded to the buyer.",
};

/** Whether the buyer may still cancel: before the artist has accepted. */
export function buyerMayCancel(status: OrderStatus): boolean {
  return status === "pending_payment" || status === "paid";
}

/**
 * Whether an order may have reached completion, which opens the time for
 * its parties to review each other: it is complete, or it was and a dispute
 * or refund followed.
 */
export function mayHaveReviews(status: OrderStatus): boolean {
  return status === "completed" || status === "disputed" || status === "refunded";
}

/** An order's works, by title ("Low tide", "Low tide and 2 more"). */
export function orderTitle(order: Pick<Order, "lines">): string {
  const [first, ...rest] = order.lines;
  if (!first) return "Order";
  return rest.length === 0 ? first.title : `${first.title} and ${rest.length} more`;
}

export function formatDateTime(iso: string, locale?: string): string {
  return new Date(iso).toLocaleString(locale, {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function formatDate(iso: string, locale?: string): string {
  return new Date(iso).toLocaleDateString(locale, { day: "numeric", month: "short", year: "numeric" });
}

/** "in 3 days", "in 5 hours", "2 hours ago": how far a deadline is from `now`. */
export function relativeTo(iso: string, now: Date = new Date()): string {
  const seconds = (new Date(iso).getTime() - now.getTime()) / 1000;
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  const abs = Math.abs(seconds);
  if (abs < 60) return format.format(Math.round(seconds), "second");
  if (abs < 3600) return format.format(Math.round(seconds / 60), "minute");
  if (abs < 48 * 3600) return format.format(Math.round(seconds / 3600), "hour");
  return format.format(Math.round(seconds / 86400), "day");
}
