"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";

import { api, call } from "@/lib/api/client";
import { ApiError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";

import {
  buildArtwork,
  creationBody,
  CURRENCIES,
  draftFrom,
  FIELD_SLOTS,
  slotErrors,
  type ArtworkBody,
  type ArtworkDraft,
} from "./artworkDraft";
import { useCategories } from "./categories";
import { ChipsInput } from "./ChipsInput";
import { Field, FormAlert, fieldMessages, formMessage, sentence } from "./Field";

type Artwork = Schemas["ArtworkView"];

type Props = {
  /** The work being edited; absent when listing a new one. */
  artwork?: Artwork;
  /** The ETag the work was read with, sent as If-Match so edits never overwrite each other. */
  etag?: string | null;
  onSaved: (artwork: Artwork, etag: string | null) => void;
  /** The work changed since it was read (412): the page reloads it. */
  onStale?: () => void;
  /** Reserved and sold works are shown but cannot be changed. */
  readOnly?: boolean;
};

type Saved = { artwork: Artwork; etag: string | null };

/**
 * Every catalog field of an artwork. Creating sends an Idempotency-Key so a
 * retried submission (a dropped connection, a double click) lists the work
 * once; editing sends the ETag it read.
 */
export function ArtworkForm({ artwork, etag, onSaved, onStale, readOnly }: Props) {
  const [draft, setDraft] = useState<ArtworkDraft>(() => draftFrom(artwork));
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const categories = useCategories();
  const tagSuggestions = useTagSuggestions(draft.tagsText);

  const save = useMutation({
    mutationFn: async (body: ArtworkBody): Promise<Saved> => {
      let nextEtag: string | null = null;
      const keep = <T extends { response: Response }>(outcome: T) => {
        nextEtag = outcome.response.headers.get("ETag");
        return outcome;
      };
      if (artwork) {
        const patch: Schemas["UpdateArtwork"] = { ...body };
        // Reserved and sold are set by orders; sending them back would be refused.
        if (body.status === artwork.status && !isEditableStatus(artwork.status)) delete patch.status;
        const updated = await call(async () =>
          keep(
            await api.PATCH("/api/artworks/{id}", {
              params: { path: { id: artwork.id }, header: { "If-Match": etag ?? "" } },
              body: patch,
            }),
          ),
        );
        return { artwork: updated, etag: nextEtag };
      }
      const serialised = JSON.stringify(body);
      // One key per submission: a retry of the same body reuses it, a changed body gets a new one.
      if (attempt.current?.body !== serialised) attempt.current = { key: crypto.randomUUID(), body: serialised };
      const key = attempt.current.key;
      const created = await call(async () =>
        keep(
          await api.POST("/api/artworks", {
            params: { header: { "Idempotency-Key": key } },
            body: creationBody(body),
          }),
        ),
      );
      return { artwork: created, etag: nextEtag };
    },
    onSuccess: (saved) => {
      attempt.current = null;
      onSaved(saved.artwork, saved.etag);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) onStale?.();
    },
  });

  const errors = slotErrors({ ...fieldMessages(save.error), ...clientErrors });
  const stale = save.error instanceof ApiError && save.error.status === 412;
  const alert = stale ? null : formMessage(save.error, (field) => field in FIELD_SLOTS);
  const showErrors = Object.keys(clientErrors).length > 0 || save.isError;

  useEffect(() => {
    if (!showErrors) return;
    form.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [showErrors, save.error, clientErrors]);

  function set<K extends keyof ArtworkDraft>(key: K, value: ArtworkDraft[K]) {
    setDraft((current) => ({ ...current, [key]: value }));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const built = buildArtwork(draft);
    setClientErrors(built.errors);
    if (Object.keys(built.errors).length > 0) {
      save.reset();
      return;
    }
    save.mutate(built.body);
  }

  const text = (key: keyof ArtworkDraft) => ({
    value: draft[key] as string,
    onChange: (e: { target: { value: string } }) => set(key, e.target.value as never),
  });

  return (
    <form ref={form} onSubmit={submit} noValidate>
      <fieldset disabled={readOnly} className="flex min-w-0 flex-col gap-10">
        <Section title="About the work">
          <Field label="Title" error={errors.title} className="sm:col-span-2">
            {(c) => <input {...c} {...text("title")} required maxLength={200} className="field-input" />}
          </Field>
          <Field
            label="Description"
            error={errors.description}
            className="sm:col-span-2"
            help="What collectors should know: subject, technique, what inspired it."
          >
            {(c) => <textarea {...c} {...text("description")} rows={5} maxLength={5000} className="field-input" />}
          </Field>
          <Field label="Medium" error={errors.medium} help="For example: oil on linen.">
            {(c) => <input {...c} {...text("medium")} maxLength={300} className="field-input" />}
          </Field>
          <Field label="Category" error={errors.category}>
            {(c) => (
              <select {...c} {...text("category")} required className="field-input">
                <option value="">{categories.isPending ? "Loading categories…" : "Choose a category"}</option>
                {categories.data?.map((category) => (
                  <option key={category.slug} value={category.slug}>
                    {"\u2003".repeat(category.depth)}
                    {category.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Styles" error={errors.styles} help="Up to 10, separated by commas: e.g. abstract, minimalism.">
            {(c) => (
              <ChipsInput
                control={c}
                noun="style"
                values={draft.styles}
                text={draft.stylesText}
                onValues={(v) => set("styles", v)}
                onText={(v) => set("stylesText", v)}
              />
            )}
          </Field>
          <Field label="Tags" error={errors.tags} help="Up to 30, separated by commas: what the work shows.">
            {(c) => (
              <ChipsInput
                control={c}
                noun="tag"
                values={draft.tags}
                text={draft.tagsText}
                onValues={(v) => set("tags", v)}
                onText={(v) => set("tagsText", v)}
                suggestions={tagSuggestions}
              />
            )}
          </Field>
          <Field label="Year" error={errors.year}>
            {(c) => <input {...c} {...text("year")} inputMode="numeric" maxLength={4} className="field-input" />}
          </Field>
        </Section>

        <Section title="Size and edition">
          <fieldset className="sm:col-span-2" aria-describedby={errors.dimensions ? "dimensions-error" : undefined}>
            <legend className="sr-only">Dimensions</legend>
            <div className="grid grid-cols-3 gap-3">
              <Field label="Height (cm)" error={errors.heightCm}>
                {(c) => <input {...c} {...text("heightCm")} inputMode="decimal" className="field-input" />}
              </Field>
              <Field label="Width (cm)" error={errors.widthCm}>
                {(c) => <input {...c} {...text("widthCm")} inputMode="decimal" className="field-input" />}
              </Field>
              <Field label="Depth (cm)" error={errors.depthCm}>
                {(c) => <input {...c} {...text("depthCm")} inputMode="decimal" className="field-input" />}
              </Field>
            </div>
            {errors.dimensions ? (
              <p id="dimensions-error" className="field-error">
                {sentence(errors.dimensions)}
              </p>
            ) : (
              <p className="mt-1 text-sm text-stone-600">Leave depth empty for flat works.</p>
            )}
          </fieldset>
          <Checkbox label="Framed" checked={draft.framed} onChange={(v) => set("framed", v)} error={errors.framed} />
          <div className="hidden sm:block" />
          <Field label="Edition" error={errors.edition}>
            {(c) => (
              <select {...c} {...text("edition")} className="field-input">
                <option value="unique">Unique</option>
                <option value="limited">Limited</option>
                <option value="open">Open</option>
              </select>
            )}
          </Field>
          {draft.edition === "limited" ? (
            <div className="grid grid-cols-2 gap-3">
              <Field label="Edition size" error={errors.editionSize}>
                {(c) => <input {...c} {...text("editionSize")} inputMode="numeric" className="field-input" />}
              </Field>
              <Field label="Available" error={errors.editionAvailable}>
                {(c) => <input {...c} {...text("editionAvailable")} inputMode="numeric" className="field-input" />}
              </Field>
            </div>
          ) : (
            <div className="hidden sm:block" />
          )}
        </Section>

        <Section title="Price and status">
          <div className="grid grid-cols-[1fr_auto] gap-3">
            <Field label="Price" error={errors.price} help="In whole units, e.g. 1250 or 1250.50.">
              {(c) => <input {...c} {...text("price")} inputMode="decimal" required className="field-input" />}
            </Field>
            <Field label="Currency" error={errors.currency}>
              {(c) => (
                <select {...c} {...text("currency")} className="field-input">
                  {CURRENCIES.map((code) => (
                    <option key={code} value={code}>
                      {code}
                    </option>
                  ))}
                  {!(CURRENCIES as readonly string[]).includes(draft.currency) && (
                    <option value={draft.currency}>{draft.currency}</option>
                  )}
                </select>
              )}
            </Field>
          </div>
          <Field
            label="Status"
            error={errors.status}
            help={draft.status === "published" ? "Visible to collectors." : "Only you can see drafts."}
          >
            {(c) => (
              <select {...c} {...text("status")} className="field-input">
                <option value="draft">Draft</option>
                <option value="published">Published</option>
                {artwork && !isEditableStatus(artwork.status) && (
                  <option value={artwork.status} disabled={artwork.status !== "archived"}>
                    {capitalise(artwork.status)}
                  </option>
                )}
              </select>
            )}
          </Field>
        </Section>

        <Section title="Provenance and authenticity">
          <Field
            label="Provenance"
            error={errors.provenance}
            className="sm:col-span-2"
            help="The work's history: where it was shown, who owned it."
          >
            {(c) => <textarea {...c} {...text("provenance")} rows={3} maxLength={2000} className="field-input" />}
          </Field>
          <Field label="Signature" error={errors.signature} help="Where and how the work is signed, e.g. signed lower right.">
            {(c) => <input {...c} {...text("signature")} maxLength={200} className="field-input" />}
          </Field>
          <Field label="Ships from" error={errors.shippingOrigin} help="Two-letter country code, e.g. GB.">
            {(c) => (
              <input {...c} {...text("shippingOrigin")} maxLength={2} autoComplete="country" className="field-input uppercase" />
            )}
          </Field>
          <Checkbox
            label="Certificate of authenticity"
            hint="The work comes with a signed certificate."
            checked={draft.certificate}
            onChange={(v) => set("certificate", v)}
            error={errors.certificate}
          />
        </Section>

        <div className="flex flex-col gap-4 border-t border-stone-200 pt-6">
          {/* Next to the button, where the eye is after pressing it; field errors also take the focus. */}
          <FormAlert message={alert} />
          <div className="flex flex-wrap items-center gap-4">
            <button type="submit" className="btn-primary" disabled={save.isPending}>
              {save.isPending ? "Saving…" : "Save artwork"}
            </button>
            <p role="status" className="text-sm text-stone-700">
              {save.isSuccess && !save.isPending ? "Saved." : ""}
            </p>
          </div>
        </div>
      </fieldset>
    </form>
  );
}

function isEditableStatus(status: Schemas["ArtworkStatus"]) {
  return status === "draft" || status === "published";
}

const capitalise = (word: string) => word[0]!.toUpperCase() + word.slice(1);

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="grid gap-x-6 gap-y-5 sm:grid-cols-2">
      <h2 className="font-serif text-xl sm:col-span-2">{title}</h2>
      {children}
    </section>
  );
}

function Checkbox(props: {
  label: string;
  hint?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error?: string;
}) {
  return (
    <Field label={props.label} error={props.error} help={props.hint} className="flex flex-wrap items-center gap-x-3 [&>label]:order-2 [&>p]:order-3 [&>p]:w-full">
      {(c) => (
        <input
          {...c}
          type="checkbox"
          checked={props.checked}
          onChange={(e) => props.onChange(e.target.checked)}
          className="order-1 size-4 accent-stone-900"
        />
      )}
    </Field>
  );
}

/** Existing tags starting with what is typed, most used first. */
function useTagSuggestions(typed: string): string[] {
  const prefix = typed.trim();
  const { data } = useQuery({
    queryKey: ["tags", prefix],
    queryFn: () => call(() => api.GET("/api/tags", { params: { query: { prefix, limit: 8 } } })),
    enabled: prefix.length >= 2,
    staleTime: 5 * 60_000,
    placeholderData: (previous) => previous,
  });
  return prefix.length >= 2 ? (data ?? []).map((tag) => tag.name) : [];
}
