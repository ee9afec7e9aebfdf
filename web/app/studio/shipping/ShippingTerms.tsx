"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { CURRENCIES } from "@/components/artworkDraft";
import { Field, FormAlert, sentence } from "@/components/Field";
import { PageSkeleton } from "@/components/PageSkeleton";
import { ErrorState } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { countryName, countryOptions } from "@/lib/countries";
import { currencyExponent, formatMoney, moneyOf, parseMajor, toMajor } from "@/lib/money";

import { NeedsProfile, StudioGate } from "../StudioGate";
import { StudioNav } from "../StudioNav";

type Profile = Schemas["ShippingProfile"];
const shippingKey = ["me", "shipping"] as const;

export function ShippingTerms() {
  return <StudioGate>{(user) => (user.artist_id ? <Terms /> : <NeedsProfile />)}</StudioGate>;
}

/** The artist's terms, or null when none are set yet (a 404). */
async function loadTerms(signal?: AbortSignal): Promise<Profile | null> {
  try {
    return await call(() => api.GET("/api/me/shipping", { signal }));
  } catch (error) {
    if (error instanceof ApiError && error.isNotFound) return null;
    throw error;
  }
}

function Terms() {
  const terms = useQuery({ queryKey: shippingKey, queryFn: ({ signal }) => loadTerms(signal) });
  return (
    <div className="flex flex-col gap-8">
      <StudioNav />
      <div>
        <h1 className="font-serif text-3xl">Shipping terms</h1>
        <p className="mt-1 max-w-2xl text-stone-600">
          How collectors get your works: flat rates within your country and abroad, and whether they may collect in
          person. Collectors cannot buy your works until these are set.
        </p>
      </div>
      {terms.isPending ? (
        <PageSkeleton label="Loading your shipping terms…">
          <div aria-hidden="true" className="h-80 max-w-xl animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
        </PageSkeleton>
      ) : terms.isError ? (
        <ErrorState error={terms.error} onRetry={() => void terms.refetch()} />
      ) : (
        <TermsForm initial={terms.data} />
      )}
    </div>
  );
}

type Draft = { origin: string; currency: string; domestic: string; international: string; collection: boolean };

function draftOf(profile: Profile | null): Draft {
  if (!profile) return { origin: "", currency: "GBP", domestic: "", international: "", collection: false };
  const exponent = currencyExponent(profile.currency);
  return {
    origin: profile.origin_country,
    currency: profile.currency,
    domestic: profile.domestic_minor == null ? "" : toMajor(profile.domestic_minor, exponent),
    international: profile.international_minor == null ? "" : toMajor(profile.international_minor, exponent),
    collection: profile.collection ?? false,
  };
}

const FIELDS = ["origin_country", "currency", "domestic_minor", "international_minor", "collection"] as const;

function TermsForm({ initial }: { initial: Profile | null }) {
  const queryClient = useQueryClient();
  const countries = countryOptions();
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial));
  const [local, setLocal] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const exponent = currencyExponent(draft.currency);

  const save = useMutation({
    mutationFn: (profile: Profile) => call(() => api.PUT("/api/me/shipping", { body: profile })),
    onSuccess: (profile) => {
      queryClient.setQueryData(shippingKey, profile);
      setDraft(draftOf(profile));
      setSaved(true);
    },
  });

  const apiErrors = save.error instanceof ApiError ? save.error.fieldErrors : {};
  const errors: Record<string, string | undefined> = { ...apiErrors, ...local };
  const unplaced =
    save.error instanceof ApiError
      ? (save.error.problem.errors ?? []).filter((e) => !(FIELDS as readonly string[]).includes(e.field)).map((e) => sentence(e.message))
      : [];
  const alert =
    local.form ?? (unplaced.length > 0 ? unplaced.join(" ") : save.error && !Object.keys(apiErrors).length ? describeError(save.error) : null);

  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const problems: Record<string, string> = {};
    const rate = (text: string, field: string): number | null => {
      if (!text.trim()) return null;
      const minor = parseMajor(text, exponent);
      if (minor === null) {
        problems[field] =
          exponent === 0 ? "Enter a whole amount, or leave it empty." : `Enter an amount with at most ${exponent} decimals, or leave it empty.`;
      }
      return minor;
    };
    const domestic = rate(draft.domestic, "domestic_minor");
    const international = rate(draft.international, "international_minor");
    if (!draft.origin) problems.origin_country = "Choose where your works ship from.";
    if (!problems.domestic_minor && !problems.international_minor && domestic === null && international === null && !draft.collection) {
      problems.form = "Offer at least one way for collectors to get your works: a rate, or collection.";
    }
    setLocal(problems);
    if (Object.keys(problems).length > 0) {
      save.reset();
      return;
    }
    save.mutate({
      origin_country: draft.origin,
      currency: draft.currency as Profile["currency"],
      domestic_minor: domestic,
      international_minor: international,
      collection: draft.collection,
    });
  }

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setSaved(false);
    setDraft((current) => ({ ...current, [key]: value }));
  };
  const origin = draft.origin ? countryName(draft.origin) : "your country";
  const example = formatMoney(moneyOf(exponent === 0 ? 1500 : 15 * 10 ** exponent, draft.currency));

  return (
    <form onSubmit={submit} noValidate className="flex max-w-xl flex-col gap-5">
      <FormAlert message={alert} />
      <Field label="Ships from" error={errors.origin_country}>
        {(control) => (
          <select {...control} value={draft.origin} onChange={(e) => set("origin", e.target.value)} className="field-input">
            <option value="">Choose a country</option>
            {countries.map(({ code, name }) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Currency" error={errors.currency} help="The currency your works are priced in: rates are charged in it.">
        {(control) => (
          <select {...control} value={draft.currency} onChange={(e) => set("currency", e.target.value)} className="field-input">
            {CURRENCIES.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
            {!(CURRENCIES as readonly string[]).includes(draft.currency) && <option value={draft.currency}>{draft.currency}</option>}
          </select>
        )}
      </Field>
      <Field
        label={`Delivery within ${origin} (${draft.currency})`}
        error={errors.domestic_minor}
        help={`A flat rate per order, e.g. ${example}. 0 for free delivery; leave empty if you do not deliver within ${origin}.`}
      >
        {(control) => (
          <input
            {...control}
            inputMode="decimal"
            value={draft.domestic}
            onChange={(e) => set("domestic", e.target.value)}
            className="field-input"
          />
        )}
      </Field>
      <Field
        label={`Delivery abroad (${draft.currency})`}
        error={errors.international_minor}
        help="A flat rate per order to any other country. 0 for free; leave empty if you do not ship abroad."
      >
        {(control) => (
          <input
            {...control}
            inputMode="decimal"
            value={draft.international}
            onChange={(e) => set("international", e.target.value)}
            className="field-input"
          />
        )}
      </Field>
      <div>
        <label className="flex items-start gap-3">
          <input
            type="checkbox"
            checked={draft.collection}
            onChange={(e) => set("collection", e.target.checked)}
            aria-describedby="collection-help"
            className="mt-1 h-4 w-4"
          />
          <span className="text-sm font-medium text-stone-800">Collectors may collect in person</span>
        </label>
        <p id="collection-help" className="mt-1 ml-7 text-sm text-stone-600">
          Free for the collector; you arrange a time with them after accepting the order.
        </p>
        {errors.collection && <p className="field-error ml-7">{sentence(errors.collection)}</p>}
      </div>
      <div className="flex flex-wrap items-center gap-4">
        <button type="submit" className="btn-primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save shipping terms"}
        </button>
        <p role="status" className="text-sm text-emerald-800">
          {saved ? "Shipping terms saved." : ""}
        </p>
      </div>
    </form>
  );
}
