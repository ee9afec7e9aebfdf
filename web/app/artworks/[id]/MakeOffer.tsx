"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { type AddressDraft, AddressFields, addressBody, addressErrors, emptyAddress, unplacedMessages } from "@/components/AddressFields";
import { Dialog } from "@/components/Dialog";
import { FormAlert, sentence } from "@/components/Field";
import { AmountField, NoteField } from "@/components/OfferParts";
import { SaveCard, useSavedCard } from "@/components/SaveCard";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { allSavedCards, cardLabel } from "@/lib/cards";
import { newIdempotencyKey } from "@/lib/checkout";
import { formatPrice } from "@/lib/format";
import { formatMoney, moneyOf } from "@/lib/money";
import { type Negotiation, MAX_NOTE_CHARS, noteFits, noteOf, offerHref, offerKeys, readAmount, standing } from "@/lib/offers";
import { useRequireSignIn } from "@/lib/signin";
import { useSession } from "@/lib/session";

import { availability } from "./BuyBox";

type Artwork = Schemas["ArtworkView"];

/**
 * Making an offer on a work its artist opened to offers. Collectors who have
 * one open on the work are shown it instead; the dialog first saves a card
 * when they have none, since an accepted offer is charged to it at once.
 */
export function MakeOffer({ artwork }: { artwork: Artwork }) {
  const requireSignIn = useRequireSignIn();
  const user = useSession((s) => (s.status === "signed-in" ? s.user : null));
  const userId = user?.id ?? null;
  const own = user?.artist_id != null && user.artist_id === artwork.artist.id;
  const { buyable } = availability(artwork);
  const [open, setOpen] = useState(false);
  // Once an offer is made, the button that opened the dialog gives way to the link to it.
  const section = useRef<HTMLElement>(null);

  const terms = useQuery({
    queryKey: offerKeys.terms(artwork.id, userId),
    queryFn: ({ signal }) => call(() => api.GET("/api/artworks/{id}/offer-terms", { params: { path: { id: artwork.id } }, signal })),
    enabled: buyable && !own,
  });
  // An offer still open on this work: the collector answers or withdraws it there.
  const mine = useQuery({
    queryKey: offerKeys.openOn(artwork.id),
    queryFn: ({ signal }) => call(() => api.GET("/api/offers", { params: { query: { role: "buyer", open: true } }, signal })),
    enabled: userId !== null && !own && terms.data?.accepts_offers === true,
  });
  const current = mine.data?.items.find((n) => n.artwork_id === artwork.id && n.status === "open");

  if (own || !buyable || !terms.data?.accepts_offers) return null;

  return (
    <section ref={section} tabIndex={-1} aria-labelledby="offer-heading" className="flex flex-col gap-2 focus:outline-none">
      <h2 id="offer-heading" className="sr-only">
        Make an offer
      </h2>
      {current ? (
        <p className="text-sm text-stone-800">
          Your offer of {formatMoney(current.latest.amount)} is open.{" "}
          <Link href={offerHref(current.id)} className="font-medium underline underline-offset-2">
            View your offer
          </Link>
        </p>
      ) : (
        <>
          <div>
            <button
              type="button"
              className="btn-secondary"
              onClick={() => void requireSignIn().then((signedIn) => signedIn && setOpen(true))}
            >
              Make an offer
            </button>
          </div>
          <p className="text-sm text-stone-600">The artist takes offers on this work.</p>
        </>
      )}
      {userId && (
        <Dialog open={open} title={`Make an offer on “${artwork.title}”`} onClose={() => setOpen(false)} fallbackFocus={section}>
          <OfferFlow artwork={artwork} currency={terms.data.currency} userId={userId} />
        </Dialog>
      )}
    </section>
  );
}

function OfferFlow({ artwork, currency, userId }: { artwork: Artwork; currency: string; userId: string }) {
  const saved = useSavedCard(userId);
  const [made, setMade] = useState<Negotiation | null>(null);
  // Kept here, so that offering again after a refusal starts from what was typed.
  const [draft, setDraft] = useState<Draft>({ amount: "", note: "", collect: false, address: emptyAddress });

  if (made) return <Outcome negotiation={made} onAgain={() => setMade(null)} />;
  if (saved.isError) {
    return (
      <div className="flex flex-col gap-3">
        <FormAlert message={describeError(saved.error)} />
        <button type="button" className="btn-secondary self-start" onClick={() => void saved.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  if (saved.card === undefined) {
    return <div aria-busy="true" aria-label="Loading your card…" className="h-40 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />;
  }
  if (saved.card === null) {
    return (
      <div className="flex flex-col gap-4">
        <p className="text-sm text-stone-700">
          First, save a card. Offers are binding: if the artist accepts yours, the agreed price and shipping are charged to
          this card at once, and the work is yours.
        </p>
        {/* Once saved, the card is the collector's and the offer form follows. */}
        <SaveCard userId={userId} />
      </div>
    );
  }
  return <OfferForm artwork={artwork} currency={currency} card={cardLabel(saved.card)} draft={draft} onDraft={setDraft} onMade={setMade} />;
}

type Draft = { amount: string; note: string; collect: boolean; address: AddressDraft };

function OfferForm({
  artwork,
  currency,
  card,
  draft,
  onDraft: setDraft,
  onMade,
}: {
  artwork: Artwork;
  currency: string;
  card: string;
  draft: Draft;
  onDraft: (change: (old: Draft) => Draft) => void;
  onMade: (negotiation: Negotiation) => void;
}) {
  const queryClient = useQueryClient();
  const [local, setLocal] = useState<{ amount?: string; note?: string }>({});
  const sent = useRef<{ body: string; key: string } | null>(null);
  const offerFields = useRef<HTMLDivElement>(null);

  const make = useMutation({
    mutationFn: (body: Schemas["MakeOfferRequest"]) => {
      // The same offer sent again (after a lost answer) keeps its key, so it is made once.
      const text = JSON.stringify(body);
      if (sent.current?.body !== text) sent.current = { body: text, key: newIdempotencyKey() };
      const key = sent.current.key;
      return call(() =>
        api.POST("/api/artworks/{id}/offers", { params: { path: { id: artwork.id }, header: { "Idempotency-Key": key } }, body }),
      );
    },
    onSuccess: (negotiation) => {
      queryClient.setQueryData(offerKeys.one(negotiation.id), negotiation);
      void queryClient.invalidateQueries({ predicate: offerKeys.lists });
      onMade(negotiation);
    },
    onError: (error) => {
      if (!(error instanceof ApiError && error.status === 409)) return;
      // The saved card may have been forgotten meanwhile (the dialog asks for
      // one again if so), or an offer made elsewhere is still open (the page
      // leads to it).
      void queryClient.invalidateQueries({ queryKey: allSavedCards });
      void queryClient.invalidateQueries({ predicate: offerKeys.lists });
    },
  });

  const apiErrors = make.error instanceof ApiError ? make.error.fieldErrors : {};
  const errors = { amount: local.amount ?? apiErrors.amount_minor, note: local.note ?? apiErrors.note };
  const unplaced = unplacedMessages(make.error, ["amount_minor", "note", "collect"]);
  const alert = !make.error
    ? null
    : make.error instanceof ApiError && make.error.status === 422 && (make.error.problem.errors ?? []).length > 0
      ? unplaced.length > 0
        ? unplaced.join(" ")
        : "Please correct the fields marked above."
      : describeError(make.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    const amount = readAmount(draft.amount, currency, artwork.price.amount_minor);
    const problems: { amount?: string; note?: string } = {};
    if (!amount.ok) problems.amount = amount.message;
    if (!noteFits(draft.note)) problems.note = `Keep the note to ${MAX_NOTE_CHARS.toLocaleString()} characters.`;
    setLocal(problems);
    if (!amount.ok || problems.note) {
      make.reset();
      offerFields.current?.querySelector<HTMLElement>(problems.amount ? "input" : "textarea")?.focus();
      return;
    }
    const note = noteOf(draft.note);
    make.mutate({
      amount_minor: amount.minor,
      ...(note ? { note } : {}),
      shipping_address: addressBody(draft.address),
      ...(draft.collect ? { collect: true } : {}),
    });
  }

  const typed = readAmount(draft.amount, currency, artwork.price.amount_minor);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((old) => ({ ...old, [key]: value }));

  return (
    <form onSubmit={submit} noValidate className="flex flex-col gap-4">
      <p className="text-sm text-stone-700">
        Listed at {formatPrice(artwork.price)}. The artist may accept, counter or decline; an offer nobody answers expires.
        If it is accepted, the price and shipping are charged to your {card} at once.
      </p>
      <div ref={offerFields} className="flex flex-col gap-4">
        <AmountField
          label="Your offer"
          currency={currency}
          value={draft.amount}
          onChange={(value) => set("amount", value)}
          error={errors.amount}
        />
        <NoteField label="Note for the artist (optional)" value={draft.note} onChange={(value) => set("note", value)} error={errors.note} />
      </div>
      <div>
        <label className="flex items-start gap-3">
          <input
            type="checkbox"
            checked={draft.collect}
            onChange={(e) => set("collect", e.target.checked)}
            aria-describedby="offer-collect-help"
            className="mt-1 h-4 w-4"
          />
          <span className="text-sm font-medium text-stone-800">I will collect it in person</span>
        </label>
        <p id="offer-collect-help" className="mt-1 ml-7 text-sm text-stone-600">
          Where the artist offers collection; there is no shipping to pay.
        </p>
        {apiErrors.collect && <p className="field-error ml-7">{sentence(apiErrors.collect)}</p>}
      </div>
      <fieldset className="flex flex-col gap-4">
        <legend className="font-serif text-lg">{draft.collect ? "Your address" : "Shipping address"}</legend>
        <p className="text-sm text-stone-600">Where the work goes if your offer is accepted, and the billing name for collections.</p>
        <AddressFields address={draft.address} onAddress={(address) => set("address", address)} errors={addressErrors(make.error)} />
      </fieldset>
      <FormAlert message={alert} />
      <button type="submit" className="btn-primary" disabled={make.isPending}>
        {make.isPending ? "Sending your offer…" : typed.ok ? `Send offer of ${formatMoney(moneyOf(typed.minor, currency))}` : "Send offer"}
      </button>
    </form>
  );
}

/** What became of the offer: sent and awaiting the artist, or declined at once below their floor. */
function Outcome({ negotiation, onAgain }: { negotiation: Negotiation; onAgain: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const declined = negotiation.status === "declined";
  return (
    <div className="flex flex-col gap-4">
      <h3 ref={heading} tabIndex={-1} className="font-serif text-xl focus:outline-none">
        {declined ? "Your offer was declined" : "Your offer is sent"}
      </h3>
      <p className="text-stone-800">{declined ? (negotiation.latest.reason ?? standing(negotiation)) : standing(negotiation)}</p>
      <div className="flex flex-wrap gap-3">
        <Link href={offerHref(negotiation.id)} className="btn-primary">
          View your offer
        </Link>
        {declined && (
          <button type="button" className="btn-secondary" onClick={onAgain}>
            Make another offer
          </button>
        )}
      </div>
    </div>
  );
}
