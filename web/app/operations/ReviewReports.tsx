"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";

import { Field, FormAlert, fieldMessages, formMessage } from "@/components/Field";
import { ReviewBody, Stars } from "@/components/ReviewParts";
import { ErrorState } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";
import { messageLength } from "@/lib/messages";
import { formatDateTime } from "@/lib/orders";
import { MAX_REASON_CHARS, type ReportedReview, type Review, reviewKeys, worksOf } from "@/lib/reviews";

/** What a moderator did with a report here, kept on screen so a hiding can be undone. */
type Handled = { item: ReportedReview; outcome: "hidden" | "kept"; note: string };

/**
 * Moderators' queue of open reports on reviews, oldest first: each with the
 * review and the report, to hide the review (saying why, which its author
 * reads) or keep it. What was handled here stays listed below, where a
 * hidden review can be shown again.
 */
export function ReviewReports() {
  const headingId = useId();
  const queryClient = useQueryClient();
  const reports = useQuery({
    queryKey: reviewKeys.reports,
    queryFn: ({ signal }) => call(() => api.GET("/api/review-reports", { signal })),
  });
  const [handled, setHandled] = useState<Handled[]>([]);
  const done = (entry: Handled) => {
    setHandled((list) => [entry, ...list]);
    // Hiding a review closes every report on it, not only this one.
    void queryClient.invalidateQueries({ queryKey: reviewKeys.all });
  };
  const handledIds = new Set(handled.map((entry) => entry.item.report.id));
  const open = (reports.data ?? []).filter((item) => !handledIds.has(item.report.id));

  return (
    <section aria-labelledby={headingId} className="flex flex-col gap-4">
      <div>
        <h2 id={headingId} className="font-serif text-2xl">
          Reported reviews
        </h2>
        <p className="mt-1 text-stone-600">Hide a review that breaks the rules, saying why: its author reads your reason.</p>
      </div>
      {reports.isPending ? (
        <div aria-hidden="true" className="h-24 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
      ) : reports.isError ? (
        <ErrorState error={reports.error} onRetry={() => void reports.refetch()} />
      ) : open.length === 0 ? (
        <p className="text-sm text-stone-600">No review is waiting for a decision.</p>
      ) : (
        <ul aria-label="Reported reviews" className="flex flex-col gap-4">
          {open.map((item) => (
            <ReportedItem key={item.report.id} item={item} onDone={done} />
          ))}
        </ul>
      )}
      {handled.length > 0 && (
        <ul aria-label="Handled just now" className="flex flex-col gap-4">
          {handled.map((entry) => (
            <HandledItem key={entry.item.report.id} entry={entry} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ReviewSummary({ review, headingId }: { review: Review; headingId: string }) {
  return (
    <>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="font-medium">
          {review.reviewer.name} on {review.subject.name}
        </h3>
        <Stars rating={review.rating} />
      </div>
      <p className="text-sm text-stone-600">
        {review.author_party === "buyer" ? "The buyer" : "The artist"} of {worksOf(review.works)}, written{" "}
        <time dateTime={review.created_at}>{formatDateTime(review.created_at)}</time>
      </p>
      <ReviewBody body={review.body} />
    </>
  );
}

function ReportedItem({ item, onDone }: { item: ReportedReview; onDone: (entry: Handled) => void }) {
  const headingId = useId();
  const [note, setNote] = useState("");
  const [local, setLocal] = useState<Record<string, string>>({});
  const { report, review } = item;
  const decide = useMutation({
    mutationFn: async ({ outcome, text }: { outcome: "hidden" | "kept"; text: string }) => {
      if (outcome === "hidden") {
        await call(() => api.PUT("/api/reviews/{id}/hidden", { params: { path: { id: review.id } }, body: { reason: text } }));
      } else {
        await call(() => api.POST("/api/review-reports/{id}/resolve", { params: { path: { id: report.id } }, body: { resolution: text } }));
      }
      return { outcome, text };
    },
    onSuccess: ({ outcome, text }) => onDone({ item, outcome, note: text }),
  });
  const apiErrors = fieldMessages(decide.error);
  const errors = { ...(apiErrors.reason || apiErrors.resolution ? { note: apiErrors.reason ?? apiErrors.resolution } : {}), ...local };
  const length = messageLength(note);

  function submit(outcome: "hidden" | "kept") {
    return (event: FormEvent) => {
      event.preventDefault();
      const problems: Record<string, string> = {};
      if (length === 0) problems.note = outcome === "hidden" ? "Say why the review is hidden." : "Say why the review stays.";
      else if (length > MAX_REASON_CHARS) problems.note = `Shorten the note to ${MAX_REASON_CHARS.toLocaleString()} characters.`;
      setLocal(problems);
      if (Object.keys(problems).length === 0) decide.mutate({ outcome, text: note.replace(/\r\n?/g, "\n").trim() });
    };
  }

  return (
    <li aria-labelledby={headingId} className="rounded-lg border border-stone-200 bg-white p-5">
      <ReviewSummary review={review} headingId={headingId} />
      <div className="mt-4 rounded-md bg-stone-100 p-3 text-sm">
        <p className="text-stone-700">
          Reported by {report.reporter_name} on <time dateTime={report.created_at}>{formatDateTime(report.created_at)}</time>
        </p>
        <p className="mt-1 break-words whitespace-pre-wrap text-stone-900">“{report.reason}”</p>
      </div>
      <form onSubmit={submit("hidden")} noValidate className="mt-4 flex max-w-xl flex-col gap-3">
        <FormAlert message={formMessage(decide.error, (field) => field === "reason" || field === "resolution")} />
        <Field
          label="Your decision's reason"
          error={errors.note}
          help={`If you hide the review, its author reads this. Up to ${MAX_REASON_CHARS.toLocaleString()} characters.`}
        >
          {(control) => (
            <textarea
              {...control}
              rows={2}
              value={note}
              onChange={(e) => {
                setNote(e.target.value);
                setLocal({});
              }}
              className="field-input resize-y"
            />
          )}
        </Field>
        <div className="flex flex-wrap gap-3">
          <button type="submit" className="btn-primary" disabled={decide.isPending}>
            Hide review
          </button>
          <button type="button" className="btn-secondary" disabled={decide.isPending} onClick={submit("kept")}>
            Keep review
          </button>
        </div>
      </form>
    </li>
  );
}

function HandledItem({ entry }: { entry: Handled }) {
  const headingId = useId();
  const queryClient = useQueryClient();
  const review = entry.item.review;
  const unhide = useMutation({
    mutationFn: () => call(() => api.DELETE("/api/reviews/{id}/hidden", { params: { path: { id: review.id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: reviewKeys.all }),
  });
  return (
    <li aria-labelledby={headingId} className="rounded-lg border border-stone-200 bg-stone-50 p-5">
      <ReviewSummary review={review} headingId={headingId} />
      <p role="status" className="mt-3 text-sm text-stone-800">
        {entry.outcome === "kept"
          ? `Kept: ${entry.note}`
          : unhide.isSuccess
            ? "Shown again: the review is back on view."
            : `Hidden: ${entry.note}`}
      </p>
      {entry.outcome === "hidden" && !unhide.isSuccess && (
        <button type="button" className="btn-secondary mt-3" disabled={unhide.isPending} onClick={() => unhide.mutate()}>
          {unhide.isPending ? "Working…" : "Show it again"}
        </button>
      )}
      {unhide.isError && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {describeError(unhide.error)}
        </p>
      )}
    </li>
  );
}
