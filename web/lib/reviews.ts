import type { Schemas } from "./api/types";
import { messageLength } from "./messages";
import { formatDate, relativeTo } from "./orders";

export type OrderReviews = Schemas["OrderReviews"];
export type Review = Schemas["ReviewView"];
export type PublicReview = Schemas["PublicReview"];
export type ReviewPage = Schemas["ReviewPage"];
export type RatingSummary = Schemas["RatingSummary"];
export type ReportedReview = Schemas["ReportedReview"];
export type ReviewParty = Schemas["ReviewParty"];

/** As the API counts a review's text: at most this many characters. */
export const MAX_REVIEW_CHARS = 2000;
/** As the API counts a report's reason or a moderator's note. */
export const MAX_REASON_CHARS = 1000;

export const reviewKeys = {
  /** Everything about reviews: what a review written or hidden anywhere makes stale. */
  all: ["reviews"] as const,
  /** An order's two reviews, as the viewer (one of its parties) sees them. */
  order: (orderId: string) => ["reviews", "order", orderId] as const,
  /** The orders the viewer may still review. */
  pending: ["reviews", "pending"] as const,
  /** Pages of an artist's published reviews, with their summary. */
  artist: (artistId: string) => ["reviews", "artist", artistId] as const,
  /** The moderators' queue of open reports. */
  reports: ["reviews", "reports"] as const,
};

/** "4 out of 5 stars", as a rating is read out. */
export function starsLabel(rating: number): string {
  return `${rating} out of 5 stars`;
}

/** "4.6", an average as the API rounds it (to tenths), always with its tenth. */
export function formatAverage(average: number, locale?: string): string {
  return average.toLocaleString(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** A review's text as it is sent: line breaks as `\n`, surrounding space trimmed. */
export function reviewTextOf(text: string): string {
  return text.replace(/\r\n?/g, "\n").trim();
}

/** Why a review cannot be sent as typed, field by field (empty when it can). */
export function reviewProblems(rating: number | null, text: string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (rating === null) problems.rating = "Choose from 1 to 5 stars.";
  const length = messageLength(text);
  if (length === 0) problems.body = "Say a few words about how it went.";
  else if (length > MAX_REVIEW_CHARS) {
    problems.body = `Shorten your review to ${MAX_REVIEW_CHARS.toLocaleString()} characters (it has ${length.toLocaleString()}).`;
  }
  return problems;
}

/** Where a party reads and writes an order's reviews: the buyer's order, or the artist's sale. */
export function orderReviewHref(reviews: Pick<OrderReviews, "order_id" | "you_are">): string {
  return reviews.you_are === "buyer" ? `/orders/?id=${reviews.order_id}` : `/studio/sales/?id=${reviews.order_id}`;
}

/** The works of an order for a sentence: "“Low Tide”", "“Low Tide” and 2 more". */
export function worksOf(works: readonly string[]): string {
  const [first, ...rest] = works;
  if (!first) return "your order";
  return rest.length === 0 ? `“${first}”` : `“${first}” and ${rest.length} more`;
}

/** "by 20 Dec 2026 (in 14 days)": when a window closes, for a prompt. */
export function deadline(closesAt: string, now: Date = new Date()): string {
  return `by ${formatDate(closesAt)} (${relativeTo(closesAt, now)})`;
}

/**
 * Where the viewer's side of the double-blind exchange stands, in a
 * sentence: what they may do and until when, or when what they wrote is
 * read. Null once there is nothing more to say (both reviews are shown).
 */
export function reviewStanding(reviews: OrderReviews, now: Date = new Date()): string | null {
  const other = reviews.other_party.name;
  const closes = reviews.window.closes_at;
  const closing = closes ? formatDate(closes) : null;
  const mine = reviews.mine;
  if (reviews.window.state === "not_open") return null;
  if (reviews.can_write) {
    const by = closes ? ` ${deadline(closes, now)}` : "";
    return reviews.their_review === "sealed"
      ? `${other} has reviewed you. Write yours${by} to read theirs: both are published together.`
      : `Write your review${by}. Neither of you reads the other's review until both are written${closing ? ` or the time to review ends on ${closing}` : ""}.`;
  }
  if (mine && !mine.published_at) {
    return `Your review is written; it will be published when ${other} writes theirs${closing ? ` or on ${closing}` : ""}.`;
  }
  if (!mine) {
    return closing ? `The time to review this order ended on ${closing}.` : "The time to review this order has ended.";
  }
  if (reviews.their_review === "not_written") return `${other} did not write a review.`;
  return null;
}
