"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useId } from "react";

import { useReviewsLive } from "@/components/ReviewParts";
import { api, call } from "@/lib/api/client";
import { type ReviewParty, deadline, orderReviewHref, reviewKeys, worksOf } from "@/lib/reviews";

/**
 * The orders the viewer may still review on one side (what they bought, or
 * what they sold), the soonest to close first, each leading to its page.
 * Nothing at all when there are none, or when the list cannot be read: it
 * is a prompt, not the page's subject.
 */
export function PendingReviews({ side, userId }: { side: ReviewParty; userId: string }) {
  const headingId = useId();
  const pending = useQuery({
    queryKey: reviewKeys.pending,
    queryFn: ({ signal }) => call(() => api.GET("/api/me/reviews/pending", { signal })),
    refetchOnWindowFocus: true,
  });
  useReviewsLive(userId);
  const items = (pending.data ?? []).filter((order) => order.you_are === side);
  if (items.length === 0) return null;

  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-amber-300 bg-amber-50 p-5">
      <h2 id={headingId} className="font-serif text-xl">
        Reviews to write
      </h2>
      <p className="mt-1 text-sm text-amber-950">
        {side === "buyer"
          ? "Tell other collectors how these went. The artist reads your review once they have written theirs."
          : "Say how these sales went. The collector reads your review once they have written theirs."}
      </p>
      <ul aria-label="Reviews to write" className="mt-3 flex flex-col gap-2">
        {items.map((order) => (
          <li key={order.order_id} className="flex flex-wrap items-baseline gap-x-2 text-sm">
            <Link href={orderReviewHref(order)} className="font-medium text-stone-900 underline underline-offset-2 hover:text-stone-700">
              Review {order.other_party.name} for {worksOf(order.works)}
            </Link>
            <span className="text-stone-700">
              {order.window.closes_at && deadline(order.window.closes_at)}
              {order.their_review === "sealed" && <> · they have reviewed you</>}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
