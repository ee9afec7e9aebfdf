"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";

import { Field, readable } from "@/components/Field";
import { useLiveChannel } from "@/lib/live-react";
import { messageLength } from "@/lib/messages";
import { MAX_REVIEW_CHARS, reviewKeys, starsLabel } from "@/lib/reviews";

const STAR_WORDS = ["Poor", "Fair", "Good", "Very good", "Excellent"] as const;

/** A rating as five stars, read out as "4 out of 5 stars". */
export function Stars({ rating, size = "text-base" }: { rating: number; size?: string }) {
  return (
    <span role="img" aria-label={starsLabel(rating)} className={`inline-flex leading-none tracking-tight ${size}`}>
      {[1, 2, 3, 4, 5].map((star) => (
        <span key={star} aria-hidden="true" className={star <= rating ? "text-amber-600" : "text-stone-300"}>
          ★
        </span>
      ))}
    </span>
  );
}

/**
 * Whole stars from 1 to 5 as a radio group: arrow keys move between them as
 * in any radio group, each is named "3 stars", and what a choice means
 * ("Good") is shown beside them.
 */
export function StarRatingInput({
  value,
  onChange,
  error,
  legend = "Your rating",
}: {
  value: number | null;
  onChange: (rating: number) => void;
  error?: string | null;
  legend?: string;
}) {
  const name = useId();
  const errorId = `${name}-error`;
  const [preview, setPreview] = useState<number | null>(null);
  const shown = preview ?? value ?? 0;
  return (
    <fieldset aria-describedby={error ? errorId : undefined} aria-invalid={error ? true : undefined}>
      <legend className="field-label">{legend}</legend>
      <div className="mt-1 flex flex-wrap items-center gap-3">
        <div className="flex" onMouseLeave={() => setPreview(null)}>
          {[1, 2, 3, 4, 5].map((star) => (
            <label key={star} className="relative p-0.5" onMouseEnter={() => setPreview(star)}>
              {/* The radio itself lies over its star, unseen: a click on the star is a click on it. */}
              <input
                type="radio"
                name={name}
                value={star}
                checked={value === star}
                onChange={() => onChange(star)}
                className="peer absolute inset-0 z-10 m-0 h-full w-full cursor-pointer opacity-0"
              />
              <span className="sr-only">{star === 1 ? "1 star" : `${star} stars`}</span>
              <span
                aria-hidden="true"
                className={`block rounded text-3xl leading-none peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-stone-900 ${
                  star <= shown ? "text-amber-600" : "text-stone-300"
                }`}
              >
                ★
              </span>
            </label>
          ))}
        </div>
        <span aria-hidden="true" className="text-sm text-stone-700">
          {shown ? STAR_WORDS[shown - 1] : "Choose from 1 to 5 stars"}
        </span>
      </div>
      {error && (
        <p id={errorId} className="field-error">
          {readable("Rating", error)}
        </p>
      )}
    </fieldset>
  );
}

/** A review's text, with the count of characters the API will hold it to. */
export function ReviewTextField({
  label,
  value,
  onChange,
  error,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
}) {
  const length = messageLength(value);
  return (
    <Field
      label={label}
      error={error}
      help={
        <span className={length > MAX_REVIEW_CHARS ? "text-red-700" : undefined}>
          {length.toLocaleString()} / {MAX_REVIEW_CHARS.toLocaleString()} characters
        </span>
      }
    >
      {(control) => (
        <textarea {...control} rows={5} value={value} onChange={(e) => onChange(e.target.value)} className="field-input resize-y" />
      )}
    </Field>
  );
}

/** A review's text: plain text, its line breaks kept, never markup. */
export function ReviewBody({ body }: { body: string }) {
  return <p className="mt-2 leading-relaxed break-words whitespace-pre-wrap text-stone-800">{body}</p>;
}

/** A small mark that a review comes from a completed order between the two. */
export function VerifiedPurchase() {
  return (
    <span className="inline-flex items-center gap-1 text-xs font-medium text-emerald-800">
      <svg aria-hidden="true" viewBox="0 0 16 16" className="h-3.5 w-3.5 fill-current">
        <path d="M8 0a8 8 0 1 0 0 16A8 8 0 0 0 8 0Zm3.7 6.2-4.3 4.3a.75.75 0 0 1-1.06 0L4.3 8.46a.75.75 0 1 1 1.06-1.06l1.5 1.5 3.77-3.77a.75.75 0 1 1 1.07 1.07Z" />
      </svg>
      Verified purchase
    </span>
  );
}

/**
 * Reviews change as the other party writes theirs: it reaches the viewer as
 * a `review` notification on their own channel, and whatever is shown of
 * reviews is read again.
 */
export function useReviewsLive(userId: string) {
  const queryClient = useQueryClient();
  useLiveChannel(`user:${userId}`, (message) => {
    const review =
      message.type === "event" && message.kind === "notification" && (message.data as { kind?: string } | null)?.kind === "review";
    if (review || message.type === "reload") void queryClient.invalidateQueries({ queryKey: reviewKeys.all });
  });
}
