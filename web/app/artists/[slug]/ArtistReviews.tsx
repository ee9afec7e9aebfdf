"use client";

import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";

import { Dialog } from "@/components/Dialog";
import { Field, FormAlert, fieldMessages, formMessage } from "@/components/Field";
import { ReviewBody, Stars, VerifiedPurchase } from "@/components/ReviewParts";
import { ErrorState } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { pluralise } from "@/lib/format";
import { messageLength } from "@/lib/messages";
import { formatDate } from "@/lib/orders";
import { MAX_REASON_CHARS, type PublicReview, type RatingSummary, formatAverage, reviewKeys, worksOf } from "@/lib/reviews";
import { useSession } from "@/lib/session";

/** How many reviews show at first, and how many more each "Show more" adds. */
const FIRST = 3;
const MORE = 10;

/** The artist's published reviews, page by page (20 each), with the summary of them all. */
function useArtistReviews(artistId: string) {
  return useInfiniteQuery({
    queryKey: reviewKeys.artist(artistId),
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/artists/{id}/reviews", {
          params: { path: { id: artistId }, query: pageParam ? { cursor: pageParam } : {} },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
}

/** "4.6 ★ · 12 reviews" beside the artist's name, leading to the reviews; nothing before the first review. */
export function ArtistRating({ artistId }: { artistId: string }) {
  const reviews = useArtistReviews(artistId);
  const summary = reviews.data?.pages[0]?.summary;
  if (!summary || summary.count === 0 || summary.average == null) return null;
  return (
    <a
      href="#reviews"
      aria-label={`Rated ${formatAverage(summary.average)} out of 5, ${pluralise(summary.count, "review")}`}
      className="inline-flex items-center gap-1.5 text-stone-800 hover:underline"
    >
      <span className="font-medium">
        {formatAverage(summary.average)} <span className="text-amber-600">★</span>
      </span>
      <span>{pluralise(summary.count, "review")}</span>
    </a>
  );
}

export function ArtistReviews({ artistId, artistName }: { artistId: string; artistName: string }) {
  const reviews = useArtistReviews(artistId);
  const [shown, setShown] = useState(FIRST);
  const signedIn = useSession((s) => s.status === "signed-in");

  let body;
  if (reviews.isPending) {
    body = <div aria-hidden="true" className="h-32 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />;
  } else if (!reviews.data || (reviews.isError && !reviews.isFetchNextPageError)) {
    body = <ErrorState error={reviews.error} onRetry={() => void reviews.refetch()} />;
  } else {
    const summary = reviews.data.pages[0]!.summary;
    const items = reviews.data.pages.flatMap((page) => page.items);
    const more = items.length > shown || reviews.hasNextPage;
    body =
      summary.count === 0 ? (
        <p className="text-stone-600">
          No reviews yet. Collectors who buy from {artistName} can review them once their order is complete.
        </p>
      ) : (
        <div className="grid gap-8 md:grid-cols-[16rem_minmax(0,1fr)]">
          <Summary summary={summary} />
          <div>
            <ul aria-label={`Reviews of ${artistName}`} className="flex flex-col divide-y divide-stone-200">
              {items.slice(0, shown).map((review) => (
                <ReviewItem key={review.id} review={review} canReport={signedIn} />
              ))}
            </ul>
            {more && (
              <button
                type="button"
                className="btn-secondary mt-4"
                disabled={reviews.isFetchingNextPage}
                onClick={() => {
                  setShown(shown + MORE);
                  if (items.length < shown + MORE && reviews.hasNextPage) void reviews.fetchNextPage();
                }}
              >
                {reviews.isFetchingNextPage ? "Loading…" : "Show more reviews"}
              </button>
            )}
            {reviews.isFetchNextPageError && <ErrorState error={reviews.error} onRetry={() => void reviews.fetchNextPage()} />}
          </div>
        </div>
      );
  }
  return (
    <section id="reviews" aria-labelledby="reviews-heading" className="mb-12 scroll-mt-24 border-b border-stone-200 pb-10">
      <h2 id="reviews-heading" className="mb-6 font-serif text-2xl font-semibold text-stone-900">
        Reviews
      </h2>
      {body}
    </section>
  );
}

/** The average, and how many reviews gave each number of stars. */
function Summary({ summary }: { summary: RatingSummary }) {
  return (
    <div>
      {summary.average != null && (
        <p className="flex items-center gap-3">
          <span className="font-serif text-4xl font-semibold">{formatAverage(summary.average)}</span>
          <Stars rating={Math.round(summary.average)} size="text-xl" />
        </p>
      )}
      <p className="mt-1 text-sm text-stone-600">
        {summary.count === 1 ? "1 review, from a verified purchase" : `${pluralise(summary.count, "review")}, each from a verified purchase`}
      </p>
      <ul aria-label="Reviews by stars" className="mt-4 flex flex-col gap-1.5 text-sm">
        {[5, 4, 3, 2, 1].map((stars) => {
          const count = summary.stars[stars - 1] ?? 0;
          const share = summary.count ? Math.round((count / summary.count) * 100) : 0;
          return (
            <li key={stars} className="grid grid-cols-[4.5rem_minmax(0,1fr)_2rem] items-center gap-2">
              <span>{stars === 1 ? "1 star" : `${stars} stars`}</span>
              <span className="h-2 overflow-hidden rounded-full bg-stone-200" aria-hidden="true">
                <span className="block h-full bg-amber-500" style={{ width: `${share}%` }} />
              </span>
              <span className="text-right tabular-nums text-stone-700">
                <span className="sr-only">: </span>
                {count}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function ReviewItem({ review, canReport }: { review: PublicReview; canReport: boolean }) {
  const headingId = useId();
  const [reporting, setReporting] = useState(false);
  const [reported, setReported] = useState(false);
  return (
    <li aria-labelledby={headingId} className="py-5 first:pt-0">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 id={headingId} className="font-medium">
          {review.reviewer.name}
        </h3>
        <Stars rating={review.rating} />
        {review.verified_purchase && <VerifiedPurchase />}
      </div>
      <p className="text-sm text-stone-600">
        <time dateTime={review.created_at}>{formatDate(review.created_at)}</time> · bought {worksOf(review.works)}
      </p>
      <ReviewBody body={review.body} />
      {canReport && (
        <div className="mt-2 flex flex-wrap items-center gap-3 text-sm">
          <button
            type="button"
            aria-label={`Report the review by ${review.reviewer.name}`}
            className="text-stone-600 underline underline-offset-2 hover:text-stone-900"
            onClick={() => setReporting(true)}
          >
            Report
          </button>
          <p role="status" className="text-stone-700">
            {reported ? "Reported: a moderator will look at it." : ""}
          </p>
        </div>
      )}
      {canReport && (
        <ReportDialog
          review={review}
          open={reporting}
          onClose={() => setReporting(false)}
          onReported={() => {
            setReported(true);
            setReporting(false);
          }}
        />
      )}
    </li>
  );
}

function ReportDialog({
  review,
  open,
  onClose,
  onReported,
}: {
  review: PublicReview;
  open: boolean;
  onClose: () => void;
  onReported: () => void;
}) {
  const [reason, setReason] = useState("");
  const [local, setLocal] = useState<Record<string, string>>({});
  const report = useMutation({
    mutationFn: (text: string) => call(() => api.POST("/api/reviews/{id}/reports", { params: { path: { id: review.id } }, body: { reason: text } })),
    onSuccess: () => {
      setReason("");
      onReported();
    },
  });
  const errors = { ...fieldMessages(report.error), ...local };
  const length = messageLength(reason);

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (length === 0) problems.reason = "Say what is wrong with this review.";
    else if (length > MAX_REASON_CHARS) problems.reason = `Shorten the reason to ${MAX_REASON_CHARS.toLocaleString()} characters.`;
    setLocal(problems);
    if (Object.keys(problems).length === 0) report.mutate(reason.replace(/\r\n?/g, "\n").trim());
  }

  return (
    <Dialog
      open={open}
      title="Report this review"
      onClose={() => {
        report.reset();
        setLocal({});
        onClose();
      }}
    >
      <form onSubmit={submit} noValidate className="flex flex-col gap-4">
        <p className="text-sm text-stone-700">
          Atelier&apos;s moderators read every report. They hide reviews that are abusive, off topic or share private details; a
          review stays if it is an honest account of the purchase, even an unhappy one.
        </p>
        <FormAlert message={formMessage(report.error, (field) => field === "reason")} />
        <Field
          label="What is wrong with it?"
          error={errors.reason}
          help={
            <span className={length > MAX_REASON_CHARS ? "text-red-700" : undefined}>
              {length.toLocaleString()} / {MAX_REASON_CHARS.toLocaleString()} characters
            </span>
          }
        >
          {(control) => (
            <textarea
              {...control}
              rows={4}
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                setLocal({});
              }}
              className="field-input resize-y"
            />
          )}
        </Field>
        <button type="submit" className="btn-primary self-start" disabled={report.isPending}>
          {report.isPending ? "Sending…" : "Send report"}
        </button>
      </form>
    </Dialog>
  );
}
