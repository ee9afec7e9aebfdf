"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { useCategories } from "@/components/categories";
import { ChipsInput } from "@/components/ChipsInput";
import { mergeLabels } from "@/components/artworkDraft";
import { Field, FormAlert, fieldMessages, formMessage, sentence } from "@/components/Field";
import { ErrorState } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import type { Schemas } from "@/lib/api/types";
import { fromMinorUnits, toMinorUnits } from "@/lib/format";

type Preferences = Schemas["Preferences"];

/** Preferences carry prices without a currency; the catalog's is sterling. */
const CURRENCY = "GBP";
const FIELDS = new Set(["categories", "styles", "min_price", "max_price"]);

export function TasteForm() {
  const preferences = useQuery({
    queryKey: ["me", "preferences"],
    queryFn: () => call(() => api.GET("/api/me/preferences")),
  });
  return (
    <section aria-labelledby="taste-heading">
      <h2 id="taste-heading" className="font-serif text-2xl">
        Your taste
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        Tell us what you like and recommendations start from it, even before you have explored.
      </p>
      <div className="mt-6">
        {preferences.isPending ? (
          <div className="h-64 animate-pulse rounded-md bg-stone-200 motion-reduce:animate-none" aria-hidden="true" />
        ) : preferences.isError ? (
          <ErrorState error={preferences.error} onRetry={() => void preferences.refetch()} />
        ) : (
          <Form initial={preferences.data} />
        )}
      </div>
    </section>
  );
}

function Form({ initial }: { initial: Preferences }) {
  const queryClient = useQueryClient();
  const categories = useCategories();
  const [chosen, setChosen] = useState<string[]>(initial.categories ?? []);
  const [styles, setStyles] = useState<string[]>(initial.styles ?? []);
  const [stylesText, setStylesText] = useState("");
  const [min, setMin] = useState(initial.min_price != null ? fromMinorUnits(initial.min_price, CURRENCY) : "");
  const [max, setMax] = useState(initial.max_price != null ? fromMinorUnits(initial.max_price, CURRENCY) : "");
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});

  const save = useMutation({
    mutationFn: (body: Preferences) => call(() => api.PUT("/api/me/preferences", { body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(["me", "preferences"], saved);
      void queryClient.invalidateQueries({ queryKey: ["me", "recommendations"] });
    },
  });
  const errors = { ...fieldMessages(save.error), ...clientErrors };
  const alert = formMessage(save.error, (field) => FIELDS.has(field));

  function submit(event: FormEvent) {
    event.preventDefault();
    const next: Record<string, string> = {};
    const price = (text: string, field: string) => {
      if (!text.trim()) return null;
      const minor = toMinorUnits(text, CURRENCY);
      if (minor === null) next[field] = "Enter an amount in pounds, e.g. 500.";
      return minor;
    };
    const body: Preferences = {
      categories: chosen,
      styles: mergeLabels(styles, stylesText),
      min_price: price(min, "min_price"),
      max_price: price(max, "max_price"),
    };
    setClientErrors(next);
    if (Object.keys(next).length > 0) return;
    save.mutate(body);
  }

  function toggle(slug: string, on: boolean) {
    setChosen((current) => (on ? [...current, slug] : current.filter((c) => c !== slug)));
  }

  return (
    <form onSubmit={submit} noValidate className="flex max-w-3xl flex-col gap-6 rounded-lg border border-stone-200 bg-white p-5 sm:p-6">
      <FormAlert message={alert} />
      <fieldset aria-describedby={errors.categories ? "taste-categories-error" : undefined}>
        <legend className="field-label">Categories</legend>
        {categories.isPending ? (
          <div className="mt-2 h-20 animate-pulse rounded bg-stone-100 motion-reduce:animate-none" aria-hidden="true" />
        ) : (
          <ul className="mt-2 gap-x-6 sm:columns-2">
            {categories.data?.map((category) => (
              <li key={category.slug} className="break-inside-avoid py-1" style={{ paddingInlineStart: `${category.depth * 1.25}rem` }}>
                <label className="flex items-center gap-2 text-sm text-stone-800">
                  <input
                    type="checkbox"
                    checked={chosen.includes(category.slug)}
                    onChange={(e) => toggle(category.slug, e.target.checked)}
                    className="size-4 accent-stone-900"
                  />
                  {category.name}
                </label>
              </li>
            ))}
          </ul>
        )}
        {errors.categories && (
          <p id="taste-categories-error" className="field-error">
            {sentence(errors.categories)}
          </p>
        )}
      </fieldset>
      <Field label="Styles" error={errors.styles} help="Separated by commas, e.g. abstract, landscape, pop art.">
        {(c) => (
          <ChipsInput
            control={c}
            noun="style"
            values={styles}
            text={stylesText}
            onValues={setStyles}
            onText={setStylesText}
          />
        )}
      </Field>
      <div className="grid grid-cols-2 gap-4 sm:max-w-md">
        <Field label="Minimum price (£)" error={errors.min_price}>
          {(c) => <input {...c} value={min} onChange={(e) => setMin(e.target.value)} inputMode="decimal" className="field-input" />}
        </Field>
        <Field label="Maximum price (£)" error={errors.max_price}>
          {(c) => <input {...c} value={max} onChange={(e) => setMax(e.target.value)} inputMode="decimal" className="field-input" />}
        </Field>
      </div>
      <div className="flex flex-wrap items-center gap-4">
        <button type="submit" className="btn-primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save preferences"}
        </button>
        <p role="status" className="text-sm text-stone-700">
          {save.isSuccess ? "Preferences saved. Your recommendations are updated." : ""}
        </p>
      </div>
    </form>
  );
}
