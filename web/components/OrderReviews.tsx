"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { FormAlert, fieldMessages, formMessage } from "@/components/Field";
import { ReviewBody, ReviewTextField, StarRatingInput, Stars, useReviewsLive } from "@/components/ReviewParts";
import { ErrorState } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { ApiError } from "@/lib/api/problem";
import { formatDate, formatDateTime } from "@/lib/orders";
import { type OrderReviews as Reviews, type Review, reviewKeys, reviewProblems, reviewStanding, reviewTextOf } from "@/lib/reviews";

/**
 * An order's reviews for one of its parties, once the order has completed:
 * the form to review the other party while the window is open, where the
 * double-blind exchange stands, and both reviews once they are published.
 * Renders nothing before the order completes.
 */
export function OrderReviews({ orderId, userId }: { orderId: string; userId: string }) {
  const reviews = useQuery({
    queryKey: reviewKeys.order(orderId),
    queryFn: ({ signal }) => call(() => api.GET("/api/orders/{id}/reviews", { params: { path: { id: orderId } }, signal })),
    staleTime: 0,
    refetchOnWindowFocus: true,
  });
  useReviewsLive(userId);
  const heading = useRef<HTMLHeadingElement>(null);
  const written = useRef<HTMLParagraphElement>(null);
  const [justWrote, setJustWrote] = useState(false);
  // The form is gone once the review is sent: focus goes to what became of
  // it (or, when both are now published, to the section), so it is read out.
  useEffect(() => {
    if (justWrote) (written.current ?? heading.current)?.focus();
  }, [justWrote]);

  if (reviews.isPending) return null;
  if (reviews.isError) {
    return (
      <section aria-label="Reviews" className="rounded-lg border border-stone-200 bg-white p-5">
        <ErrorState error={reviews.error} onRetry={() => void reviews.refetch()} />
      </section>
    );
  }
  const data = reviews.data;
  if (data.window.state === "not_open") return null;
  const other = data.other_party.name;
  const standing = reviewStanding(data);

  return (
    <section aria-labelledby={`reviews-${orderId}`} className="rounded-lg border border-stone-200 bg-white p-5">
      <h2 id={`reviews-${orderId}`} ref={heading} tabIndex={-1} className="font-serif text-xl focus:outline-none">
        Reviews
      </h2>
      {standing && (
        <p ref={written} tabIndex={-1} className="mt-1 text-sm text-stone-700 focus:outline-none">
          {standing}
        </p>
      )}
      {data.can_write && <ReviewForm reviews={data} onWritten={() => setJustWrote(true)} />}
      {(data.mine || data.theirs || data.their_review === "hidden") && (
        <div className="mt-5 grid gap-5 md:grid-cols-2">
          {data.mine && <OrderReview review={data.mine} title="Your review" />}
          {data.theirs ? (
            <OrderReview review={data.theirs} title={`${other}'s review`} />
          ) : (
            data.their_review === "hidden" && <p className="text-sm text-stone-600">A moderator hid {other}&apos;s review.</p>
          )}
        </div>
      )}
    </section>
  );
}

function OrderReview({ review, title }: { review: Review; title: string }) {
  const headingId = useId();
  return (
    <article aria-labelledby={headingId} className="rounded-md border border-stone-200 p-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="font-medium">
          {title}
        </h3>
        <Stars rating={review.rating} />
      </div>
      <p className="text-sm text-stone-600">
        Written <time dateTime={review.created_at}>{formatDate(review.created_at)}</time>
        {review.published_at && (
          <>
            {" "}
            · published <time dateTime={review.published_at}>{formatDate(review.published_at)}</time>
          </>
        )}
      </p>
      <ReviewBody body={review.body} />
      {review.hidden && (
        <p className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950">
          A moderator hid this review on <time dateTime={review.hidden.at}>{formatDateTime(review.hidden.at)}</time>: {review.hidden.reason}
        </p>
      )}
    </article>
  );
}

const PLACED = ["rating", "body"];

function ReviewForm({ reviews, onWritten }: { reviews: Reviews; onWritten: () => void }) {
  const queryClient = useQueryClient();
  const headingId = useId();
  const [rating, setRating] = useState<number | null>(null);
  const [text, setText] = useState("");
  const [local, setLocal] = useState<Record<string, string>>({});
  const other = reviews.other_party.name;
  const write = useMutation({
    mutationFn: (body: { rating: number; body: string }) =>
      call(() => api.POST("/api/orders/{id}/reviews", { params: { path: { id: reviews.order_id } }, body })),
    onSuccess: (next) => {
      queryClient.setQueryData(reviewKeys.order(reviews.order_id), next);
      void queryClient.invalidateQueries({ queryKey: reviewKeys.pending });
      void queryClient.invalidateQueries({ queryKey: ["reviews", "artist"] });
      onWritten();
    },
    // A review is written once, within its window: when the API says this one
    // was (in another tab) or the window has closed, the page shows where
    // things stand now instead of a form that cannot be sent.
    onError: (error) => {
      if (error instanceof ApiError && error.status === 409) void queryClient.invalidateQueries({ queryKey: reviewKeys.order(reviews.order_id) });
    },
  });
  const errors = { ...fieldMessages(write.error), ...local };
  // A field's own complaint goes as soon as the field is changed.
  const edited = (field: string) => setLocal(({ [field]: _, ...rest }) => rest);

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems = reviewProblems(rating, text);
    setLocal(problems);
    if (Object.keys(problems).length === 0 && rating !== null) write.mutate({ rating, body: reviewTextOf(text) });
  }

  return (
    <form aria-labelledby={headingId} onSubmit={submit} noValidate className="mt-4 flex max-w-xl flex-col gap-4">
      <h3 id={headingId} className="font-medium">
        Review {other}
      </h3>
      <p className="-mt-3 text-sm text-stone-600">
        {reviews.you_are === "buyer"
          ? "Say how the work, its packing and the artist's care matched what you expected."
          : "Say how the sale went with this collector: payment, messages, collection or delivery."}{" "}
        Once sent, a review cannot be changed.
      </p>
      <FormAlert message={formMessage(write.error, (field) => PLACED.includes(field))} />
      <StarRatingInput
        value={rating}
        onChange={(stars) => {
          setRating(stars);
          edited("rating");
        }}
        error={errors.rating}
      />
      <ReviewTextField
        label="Your review"
        value={text}
        onChange={(next) => {
          setText(next);
          edited("body");
        }}
        error={errors.body}
      />
      <button type="submit" className="btn-primary self-start" disabled={write.isPending}>
        {write.isPending ? "Sending…" : "Send review"}
      </button>
    </form>
  );
}
