"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type FormEvent } from "react";

import { ConfirmDialog } from "@/components/ConfirmDialog";
import { FormAlert } from "@/components/Field";
import { useOffersLive } from "@/components/OfferList";
import { AmountField, NegotiationStatusBadge, NoteField, OfferHistory } from "@/components/OfferParts";
import { PageSkeleton } from "@/components/PageSkeleton";
import { SaveCard, useSavedCard } from "@/components/SaveCard";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { User } from "@/lib/api/types";
import { cardLabel } from "@/lib/cards";
import { newIdempotencyKey } from "@/lib/checkout";
import { useLiveChannels } from "@/lib/live-react";
import { formatMoney, moneyOf } from "@/lib/money";
import {
  MAX_NOTE_CHARS,
  type Negotiation,
  awaitsYou,
  expiresIn,
  noteFits,
  noteOf,
  offerKeys,
  otherSide,
  readAmount,
  standing,
} from "@/lib/offers";
import { formatDateTime } from "@/lib/orders";

/** The conversations the negotiation's steps are told in: the viewer's about the work, with the other side. */
function useStepConversations(negotiation: Negotiation | undefined) {
  const conversations = useQuery({
    queryKey: ["conversations", "about", negotiation?.artwork_id],
    queryFn: ({ signal }) => call(() => api.GET("/api/conversations", { signal })),
    enabled: negotiation !== undefined,
  });
  if (!negotiation) return [];
  const other = otherSide(negotiation);
  return (conversations.data?.items ?? []).filter((c) => {
    if (c.artwork_id !== negotiation.artwork_id) return false;
    const party = negotiation.you_are === "buyer" ? c.artist : c.collector;
    return party.name === other;
  });
}

export function OfferThread({ id, user }: { id: string; user: User }) {
  const queryClient = useQueryClient();
  // Why the viewer's last answer was refused, when the negotiation had moved on.
  const [refusal, setRefusal] = useState<string | null>(null);
  const negotiation = useQuery({
    queryKey: offerKeys.one(id),
    queryFn: ({ signal }) => call(() => api.GET("/api/offers/{id}", { params: { path: { id } }, signal })),
    staleTime: 0,
    refetchOnWindowFocus: true,
    // The deadline's "in 2 days" stays current, and a connection that is down is made up for.
    refetchInterval: (query) => (query.state.data?.status === "open" ? 60_000 : false),
  });

  // The other side's steps: a notification on the viewer's channel, and a
  // message on the conversation about the work.
  useOffersLive(user.id);
  const conversations = useStepConversations(negotiation.data);
  useLiveChannels(
    conversations.map((c) => `conversation:${c.id}`),
    (message) => {
      const step = message.type === "event" && message.kind === "message" && (message.data as { offer_id?: string | null } | null)?.offer_id;
      if (step || message.type === "reload") void queryClient.invalidateQueries({ queryKey: offerKeys.one(id) });
    },
  );

  if (negotiation.isPending) {
    return (
      <PageSkeleton label="Loading the offer…">
        <div aria-hidden="true" className="mx-auto max-w-3xl space-y-4">
          <div className="h-9 w-2/3 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-64 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
      </PageSkeleton>
    );
  }
  if (negotiation.isError) {
    if (negotiation.error instanceof ApiError && [400, 404, 422].includes(negotiation.error.status)) {
      return (
        <StateMessage title="Offer not found" link={{ href: "/offers/", label: "All your offers", secondary: true }}>
          <p>It may belong to another account, or the link may be mistyped.</p>
        </StateMessage>
      );
    }
    return <ErrorState error={negotiation.error} onRetry={() => void negotiation.refetch()} />;
  }

  const data = negotiation.data;
  const buyer = data.you_are === "buyer";
  const conversation = conversations.length === 1 ? conversations[0] : undefined;
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-8">
      <div>
        <Link href={buyer ? "/offers/" : "/studio/offers/"} className="text-sm text-stone-700 hover:underline">
          ← All offers
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-2">
          <h1 className="font-serif text-3xl break-words">
            Offer on{" "}
            <a href={`/artworks/${data.artwork_id}`} className="underline-offset-4 hover:underline">
              {data.artwork_title}
            </a>
          </h1>
          <NegotiationStatusBadge status={data.status} />
        </div>
        <p className="mt-1 text-stone-600">
          {buyer ? (
            <>
              Between you and{" "}
              <a href={`/artists/${data.artist_slug}`} className="font-medium text-stone-900 underline-offset-2 hover:underline">
                {data.artist_name}
              </a>
            </>
          ) : (
            <>From {data.buyer_name}</>
          )}
          {conversation && (
            <>
              {" · "}
              <Link href={`/messages/?c=${conversation.id}`} className="font-medium text-stone-900 underline underline-offset-2">
                Open the conversation
              </Link>
            </>
          )}
        </p>
        <p role="status" className="mt-3 text-stone-800">
          {standing(data)}
        </p>
        <div className="has-[p]:mt-3">
          <FormAlert message={refusal} />
        </div>
        {data.status === "accepted" && data.order_id && (
          <Link href={buyer ? `/orders/?id=${data.order_id}` : `/studio/sales/?id=${data.order_id}`} className="btn-primary mt-4 inline-block">
            {buyer ? "See your order" : "See the sale"}
          </Link>
        )}
      </div>

      {data.actions.length > 0 && <Answer key={data.latest.id} negotiation={data} onRefused={setRefusal} />}
      {buyer && data.status === "open" && <YourCard userId={user.id} />}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading" className="mb-4 font-serif text-xl">
          History
        </h2>
        <OfferHistory negotiation={data} />
      </section>
    </div>
  );
}

type Panel = "counter" | "revise" | null;

/** What the viewer may do with the pending offer: answer it, or change or withdraw their own. */
function Answer({ negotiation, onRefused }: { negotiation: Negotiation; onRefused: (message: string | null) => void }) {
  const queryClient = useQueryClient();
  const latest = negotiation.latest;
  const offerId = latest.id;
  const id = negotiation.id;
  const can = (action: Negotiation["actions"][number]) => negotiation.actions.includes(action);
  const [panel, setPanel] = useState<Panel>(null);
  const [confirming, setConfirming] = useState<"accept" | "decline" | "withdraw" | null>(null);
  const [reason, setReason] = useState("");
  const reasonId = useId();
  // One key per offer accepted: a retry after a lost answer charges once.
  const acceptKey = useRef(newIdempotencyKey());

  const changed = (next: Negotiation) => {
    onRefused(null);
    queryClient.setQueryData(offerKeys.one(id), next);
    void queryClient.invalidateQueries({ predicate: offerKeys.lists });
  };
  const stale = (error: unknown) => {
    // The other side's step got there first, the work sold, or the card was
    // refused: the answer is closed, the reason said above it, and the
    // negotiation shown as it now stands (another pending offer, perhaps,
    // which this answer would not have been to).
    if (!(error instanceof ApiError && error.status === 409)) return;
    setConfirming(null);
    setPanel(null);
    onRefused(describeError(error));
    void queryClient.invalidateQueries({ queryKey: offerKeys.one(id) });
  };
  const close = () => {
    setConfirming(null);
    accept.reset();
    decline.reset();
    withdraw.reset();
  };
  const accept = useMutation({
    mutationFn: () =>
      call(() =>
        api.POST("/api/offers/{id}/accept", {
          params: { path: { id }, header: { "Idempotency-Key": acceptKey.current } },
          body: { offer_id: offerId },
        }),
      ),
    onSuccess: (next) => {
      setConfirming(null);
      changed(next);
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      void queryClient.invalidateQueries({ queryKey: ["sales"] });
    },
    onError: stale,
  });
  const decline = useMutation({
    mutationFn: () =>
      call(() => api.POST("/api/offers/{id}/decline", { params: { path: { id } }, body: { offer_id: offerId, ...(noteOf(reason) ? { reason: noteOf(reason) } : {}) } })),
    onSuccess: (next) => {
      setConfirming(null);
      changed(next);
    },
    onError: stale,
  });
  const withdraw = useMutation({
    mutationFn: () => call(() => api.POST("/api/offers/{id}/withdraw", { params: { path: { id } }, body: { offer_id: offerId } })),
    onSuccess: (next) => {
      setConfirming(null);
      changed(next);
    },
    onError: stale,
  });

  const amount = formatMoney(latest.amount);
  const theirs = awaitsYou(negotiation);
  const buyer = negotiation.you_are === "buyer";
  const other = otherSide(negotiation);

  return (
    <section aria-labelledby="answer-heading" className="rounded-lg border border-amber-300 bg-amber-50 p-5">
      <h2 id="answer-heading" className="font-serif text-xl">
        {theirs ? `${other} offers ${amount}` : `Your offer of ${amount}`}
      </h2>
      {negotiation.expires_at && (
        <p className="mt-1 text-sm text-amber-950">
          It {expiresIn(negotiation.expires_at)} (<time dateTime={negotiation.expires_at}>{formatDateTime(negotiation.expires_at)}</time>)
          {theirs ? " unless you answer first." : ` unless ${other} answers first.`}
        </p>
      )}
      <div className="mt-4 flex flex-wrap gap-3">
        {can("accept") && (
          <button type="button" className="btn-primary" onClick={() => setConfirming("accept")}>
            Accept {amount}
          </button>
        )}
        {can("counter") && (
          <button type="button" className="btn-secondary" aria-expanded={panel === "counter"} onClick={() => setPanel(panel === "counter" ? null : "counter")}>
            Counter
          </button>
        )}
        {can("decline") && (
          <button type="button" className="btn-secondary" onClick={() => setConfirming("decline")}>
            Decline
          </button>
        )}
        {can("revise") && (
          <button type="button" className="btn-secondary" aria-expanded={panel === "revise"} onClick={() => setPanel(panel === "revise" ? null : "revise")}>
            Change your offer
          </button>
        )}
        {can("withdraw") && (
          <button type="button" className="btn-secondary" onClick={() => setConfirming("withdraw")}>
            Withdraw
          </button>
        )}
      </div>
      {panel && <CounterForm negotiation={negotiation} revise={panel === "revise"} onDone={changed} onCancel={() => setPanel(null)} onStale={stale} />}

      <ConfirmDialog
        open={confirming === "accept"}
        tone="go"
        title={`Accept ${amount}?`}
        confirmLabel={buyer ? `Accept and pay ${amount}` : `Accept ${amount}`}
        pending={accept.isPending}
        error={accept.isError ? describeError(accept.error) : null}
        onConfirm={() => accept.mutate()}
        onCancel={close}
      >
        <p>
          {buyer
            ? `Your saved card is charged ${amount} plus shipping at once, and the order is placed: the work is yours.`
            : `${other}'s saved card is charged ${amount} plus shipping at once, and the order is placed, paid and accepted: you then ship it.`}{" "}
          This cannot be undone.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === "decline"}
        title={`Decline ${amount}?`}
        confirmLabel="Decline offer"
        pending={decline.isPending}
        error={decline.isError ? describeError(decline.error) : null}
        onConfirm={() => decline.mutate()}
        onCancel={close}
      >
        <p>The negotiation ends. {buyer ? "You can make a new offer afterwards if the work is still for sale." : `${other} can make a new offer.`}</p>
        <label htmlFor={reasonId} className="field-label mt-4">
          Reason for {other} (optional)
        </label>
        <textarea id={reasonId} value={reason} maxLength={MAX_NOTE_CHARS} rows={2} onChange={(e) => setReason(e.target.value)} className="field-input" />
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming === "withdraw"}
        title="Withdraw your offer?"
        confirmLabel="Withdraw offer"
        pending={withdraw.isPending}
        error={withdraw.isError ? describeError(withdraw.error) : null}
        onConfirm={() => withdraw.mutate()}
        onCancel={close}
      >
        <p>
          Your offer of {amount} is taken back and the negotiation ends. {other} can no longer accept it.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function CounterForm({
  negotiation,
  revise,
  onDone,
  onCancel,
  onStale,
}: {
  negotiation: Negotiation;
  revise: boolean;
  onDone: (next: Negotiation) => void;
  onCancel: () => void;
  onStale: (error: unknown) => void;
}) {
  const currency = negotiation.latest.amount.currency;
  const [amount, setAmount] = useState("");
  const [note, setNote] = useState("");
  const [local, setLocal] = useState<{ amount?: string; note?: string }>({});
  const counter = useMutation({
    mutationFn: (amountMinor: number) =>
      call(() =>
        api.POST("/api/offers/{id}/counter", {
          params: { path: { id: negotiation.id } },
          body: { offer_id: negotiation.latest.id, amount_minor: amountMinor, ...(noteOf(note) ? { note: noteOf(note) } : {}) },
        }),
      ),
    onSuccess: onDone,
    onError: onStale,
  });
  const apiErrors = counter.error instanceof ApiError ? counter.error.fieldErrors : {};
  const errors = { amount: local.amount ?? apiErrors.amount_minor, note: local.note ?? apiErrors.note };
  const placed = Boolean(apiErrors.amount_minor || apiErrors.note);
  const typed = readAmount(amount, currency);

  function submit(event: FormEvent) {
    event.preventDefault();
    const read = readAmount(amount, currency);
    const problems: { amount?: string; note?: string } = {};
    if (!read.ok) problems.amount = read.message;
    if (!noteFits(note)) problems.note = `Keep the note to ${MAX_NOTE_CHARS.toLocaleString()} characters.`;
    setLocal(problems);
    if (!read.ok || problems.note) {
      counter.reset();
      return;
    }
    counter.mutate(read.minor);
  }

  const label = revise ? "Your new offer" : "Your counter-offer";
  return (
    <form onSubmit={submit} noValidate aria-label={label} className="mt-5 flex max-w-md flex-col gap-4">
      <AmountField
        label={label}
        currency={currency}
        value={amount}
        onChange={setAmount}
        error={errors.amount}
        help={revise ? "It replaces your pending offer, and its deadline starts again." : `Instead of ${formatMoney(negotiation.latest.amount)}.`}
      />
      <NoteField label={`Note for ${otherSide(negotiation)} (optional)`} value={note} onChange={setNote} error={errors.note} />
      <FormAlert message={counter.error && !placed ? describeError(counter.error) : null} />
      <div className="flex flex-wrap gap-3">
        <button type="submit" className="btn-primary" disabled={counter.isPending}>
          {counter.isPending
            ? "Sending…"
            : `${revise ? "Change offer" : "Send counter-offer"}${typed.ok ? ` of ${formatMoney(moneyOf(typed.minor, currency))}` : ""}`}
        </button>
        <button type="button" className="btn-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The collector's saved card, which an accepted offer is charged to, and a way to replace it. */
function YourCard({ userId }: { userId: string }) {
  const saved = useSavedCard(userId);
  const [replacing, setReplacing] = useState(false);
  const [done, setDone] = useState(false);
  if (saved.card === undefined) return null;
  return (
    <section aria-labelledby="card-heading" className="rounded-lg border border-stone-200 bg-white p-5">
      <h2 id="card-heading" className="font-serif text-xl">
        Your card
      </h2>
      <p className="mt-1 text-sm text-stone-700">
        {saved.card
          ? `If the offer is accepted, your ${cardLabel(saved.card)} is charged at once.`
          : "You have no saved card: the artist cannot accept until you save one."}
      </p>
      {replacing ? (
        <div className="mt-4 flex flex-col gap-3">
          <SaveCard
            userId={userId}
            onSaved={() => {
              setReplacing(false);
              setDone(true);
            }}
          />
          <button type="button" className="btn-secondary self-start" onClick={() => setReplacing(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="btn-secondary mt-4"
          onClick={() => {
            setDone(false);
            setReplacing(true);
          }}
        >
          {saved.card ? "Use another card" : "Save a card"}
        </button>
      )}
      <p role="status" className="mt-2 text-sm text-emerald-800 empty:hidden">
        {done ? "Card saved." : ""}
      </p>
    </section>
  );
}
