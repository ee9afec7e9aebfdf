"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";

import { ApiError } from "@/lib/api/problem";
import { newIdempotencyKey } from "@/lib/checkout";
import {
  type Collection,
  type CollectionView,
  MAX_DESCRIPTION_CHARS,
  MAX_TITLE_CHARS,
  type NewCollection,
  charCount,
  collectionKeys,
  createCollection,
  textOrNull,
  updateCollection,
} from "@/lib/collections";

import { Field, FormAlert, formMessage } from "./Field";

/**
 * Starting a collection. The same collection sent again (after a lost
 * answer) keeps its Idempotency-Key, so it is made once; another one gets a
 * new key.
 */
export function useCreateCollection(onCreated?: (created: CollectionView) => void) {
  const queryClient = useQueryClient();
  const sent = useRef<{ body: string; key: string } | null>(null);
  return useMutation({
    mutationFn: (body: NewCollection) => {
      const text = JSON.stringify(body);
      if (sent.current?.body !== text) sent.current = { body: text, key: newIdempotencyKey() };
      return createCollection(body, sent.current.key);
    },
    onSuccess: (created) => {
      sent.current = null;
      void queryClient.invalidateQueries({ predicate: collectionKeys.lists });
      onCreated?.(created);
    },
  });
}

export type Draft = { title: string; description: string; public: boolean; editorial: boolean };

export const emptyDraft: Draft = { title: "", description: "", public: false, editorial: false };

export function draftOf(collection: Collection): Draft {
  return {
    title: collection.title,
    description: collection.description ?? "",
    public: collection.visibility === "public",
    editorial: collection.kind === "editorial",
  };
}

/** What is wrong with a draft before it is sent, by field. */
export function draftProblems(draft: Draft): { title?: string; description?: string } {
  const problems: { title?: string; description?: string } = {};
  if (!draft.title.trim()) problems.title = "Give the collection a title.";
  else if (charCount(draft.title) > MAX_TITLE_CHARS) problems.title = `Keep the title to ${MAX_TITLE_CHARS} characters.`;
  if (charCount(draft.description) > MAX_DESCRIPTION_CHARS) {
    problems.description = `Keep the description to ${MAX_DESCRIPTION_CHARS.toLocaleString()} characters.`;
  }
  return problems;
}

type FormProps = {
  /** The collection being edited; none for a new one. */
  collection?: Collection;
  /** Whether the person may start editorial collections (moderators). */
  editor?: boolean;
  submitLabel: string;
  onDone: (saved: CollectionView) => void;
  onCancel?: () => void;
};

/** A collection's title, description and who sees it: for a new collection, or to change one. */
export function CollectionForm({ collection, editor = false, submitLabel, onDone, onCancel }: FormProps) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(collection ? draftOf(collection) : emptyDraft);
  const [local, setLocal] = useState<{ title?: string; description?: string }>({});
  const create = useCreateCollection(onDone);
  const update = useMutation({
    mutationFn: (body: Parameters<typeof updateCollection>[1]) => updateCollection(collection!.id, body),
    // The lists are read again; a page showing the collection takes the answer.
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ predicate: collectionKeys.lists });
      onDone(saved);
    },
  });
  const send = collection ? update : create;
  const apiErrors = send.error instanceof ApiError ? send.error.fieldErrors : {};
  const errors = { title: local.title ?? apiErrors.title, description: local.description ?? apiErrors.description };
  const editorial = collection ? collection.kind === "editorial" : draft.editorial;
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((old) => ({ ...old, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems = draftProblems(draft);
    setLocal(problems);
    if (problems.title || problems.description) {
      send.reset();
      return;
    }
    const description = textOrNull(draft.description);
    const visibility = editorial ? undefined : draft.public ? ("public" as const) : ("private" as const);
    if (collection) {
      update.mutate({ title: draft.title.trim(), description, ...(visibility ? { visibility } : {}) });
    } else {
      create.mutate({
        title: draft.title.trim(),
        ...(description ? { description } : {}),
        ...(editorial ? { kind: "editorial" as const } : { visibility }),
      });
    }
  }

  return (
    <form onSubmit={submit} noValidate className="flex flex-col gap-4">
      <Field label="Title" error={errors.title}>
        {(control) => (
          <input {...control} value={draft.title} onChange={(e) => set("title", e.target.value)} maxLength={MAX_TITLE_CHARS} className="field-input" />
        )}
      </Field>
      <Field
        label="Description (optional)"
        error={errors.description}
        help={`${charCount(draft.description).toLocaleString()} / ${MAX_DESCRIPTION_CHARS.toLocaleString()} characters`}
      >
        {(control) => (
          <textarea {...control} rows={3} value={draft.description} onChange={(e) => set("description", e.target.value)} className="field-input resize-y" />
        )}
      </Field>
      {!collection && editor && (
        <label className="flex items-start gap-3">
          <input type="checkbox" checked={draft.editorial} onChange={(e) => set("editorial", e.target.checked)} className="mt-1 h-4 w-4" />
          <span className="text-sm text-stone-800">
            <span className="font-medium">Editorial collection</span>
            <span className="block text-stone-600">Made for the home page: a draft until you publish it, then on view to everyone.</span>
          </span>
        </label>
      )}
      {!editorial && (
        <label className="flex items-start gap-3">
          <input type="checkbox" checked={draft.public} onChange={(e) => set("public", e.target.checked)} className="mt-1 h-4 w-4" />
          <span className="text-sm text-stone-800">
            <span className="font-medium">Public</span>
            <span className="block text-stone-600">Anyone with the link can see it, and it can appear in search. Otherwise only you can.</span>
          </span>
        </label>
      )}
      <FormAlert message={formMessage(send.error, (field) => field === "title" || field === "description")} />
      <div className="flex flex-wrap gap-3">
        <button type="submit" className="btn-primary" disabled={send.isPending}>
          {send.isPending ? "Saving…" : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="btn-secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
