"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Field, FormAlert } from "@/components/Field";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { formatMoney, moneyOf, toMajor } from "@/lib/money";
import { type OfferTerms as Terms, offerKeys, readAmount } from "@/lib/offers";
import { useSession } from "@/lib/session";

type Artwork = Schemas["ArtworkView"];

/** Why a floor cannot be set, where the offer form's words do not fit. */
const FLOOR_PROBLEM: Partial<Record<"empty" | "format" | "zero" | "above", string>> = {
  zero: "Set it above nothing, or leave it empty.",
  above: "Set it no higher than the work's price.",
};

/**
 * Whether collectors may make offers on a work, and the artist's private
 * floor: offers below it are declined at once, politely, without reaching
 * the artist. Shown for works on sale.
 */
export function OfferTerms({ artwork }: { artwork: Artwork }) {
  const userId = useSession((s) => s.user?.id ?? null);
  const onSale = artwork.status === "published" && !artwork.held_for_review;
  const terms = useQuery({
    queryKey: offerKeys.terms(artwork.id, userId),
    queryFn: ({ signal }) => call(() => api.GET("/api/artworks/{id}/offer-terms", { params: { path: { id: artwork.id } }, signal })),
    enabled: onSale,
  });
  const [done, setDone] = useState<string | null>(null);
  if (!onSale || !terms.data) return null;
  // The form starts again from what was saved whenever that changes.
  const saved = `${terms.data.accepts_offers}-${terms.data.floor_minor ?? ""}`;
  return <TermsForm key={saved} artwork={artwork} terms={terms.data} userId={userId} done={done} onDone={setDone} />;
}

type FormProps = {
  artwork: Artwork;
  terms: Terms;
  userId: string | null;
  /** What the last save did, said until the form changes again. */
  done: string | null;
  onDone: (notice: string | null) => void;
};

function TermsForm({ artwork, terms, userId, done, onDone: setDone }: FormProps) {
  const queryClient = useQueryClient();
  const currency = terms.currency;
  const exponent = moneyOf(0, currency).exponent;
  const [accepts, setAccepts] = useState(terms.accepts_offers);
  const [floor, setFloor] = useState(terms.floor_minor == null ? "" : toMajor(terms.floor_minor, exponent));
  const [local, setLocal] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: async (next: { accepts: boolean; floor: number | null }): Promise<Terms> => {
      if (!next.accepts) {
        await call(() => api.DELETE("/api/artworks/{id}/offer-terms", { params: { path: { id: artwork.id } } }));
        return { ...terms, accepts_offers: false, floor_minor: null };
      }
      return call(() => api.PUT("/api/artworks/{id}/offer-terms", { params: { path: { id: artwork.id } }, body: { floor_minor: next.floor } }));
    },
    onSuccess: (next) => {
      setDone(next.accepts_offers ? "This work now takes offers." : "This work no longer takes new offers.");
      queryClient.setQueryData(offerKeys.terms(artwork.id, userId), next);
    },
  });

  const error = local ?? (save.error instanceof ApiError ? save.error.fieldErrors.floor_minor : undefined);
  const alert = save.error && !(save.error instanceof ApiError && save.error.fieldErrors.floor_minor) ? describeError(save.error) : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    let minor: number | null = null;
    if (accepts && floor.trim()) {
      const read = readAmount(floor, currency, artwork.price.amount_minor);
      if (!read.ok) {
        setLocal(FLOOR_PROBLEM[read.reason] ?? read.message);
        save.reset();
        return;
      }
      minor = read.minor;
    }
    setLocal(null);
    save.mutate({ accepts, floor: minor });
  }

  return (
    <section aria-labelledby="offers-heading" className="mt-12 rounded-md border border-stone-200 bg-white p-5">
      <h2 id="offers-heading" className="font-medium">
        Offers
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        {terms.accepts_offers
          ? "Collectors may offer a price for this work. You accept, counter or decline each offer in Offers."
          : "Collectors can only buy this work at its price. Let them make offers, and answer each one in Offers."}
      </p>
      <form onSubmit={submit} noValidate className="mt-4 flex max-w-md flex-col gap-4">
        <FormAlert message={alert} />
        <label className="flex items-start gap-3">
          <input
            type="checkbox"
            checked={accepts}
            onChange={(e) => {
              setAccepts(e.target.checked);
              setDone(null);
            }}
            className="mt-1 h-4 w-4"
          />
          <span className="text-sm font-medium text-stone-800">Take offers on this work</span>
        </label>
        {accepts && (
          <Field
            label={`Lowest offer you will consider (${currency}, optional)`}
            error={error}
            help={`Private: collectors never see it. Offers below it are declined at once, politely, without reaching you. At most the price, ${formatMoney(moneyOf(artwork.price.amount_minor, currency))}.`}
          >
            {(control) => (
              <input
                {...control}
                inputMode="decimal"
                autoComplete="off"
                value={floor}
                onChange={(e) => {
                  setFloor(e.target.value);
                  setDone(null);
                }}
                className="field-input tabular-nums"
              />
            )}
          </Field>
        )}
        <div className="flex flex-wrap items-center gap-4">
          <button type="submit" className="btn-primary" disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save offer settings"}
          </button>
          <p role="status" className="text-sm text-emerald-800">
            {done ?? ""}
          </p>
        </div>
      </form>
    </section>
  );
}
