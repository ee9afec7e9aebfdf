"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";

import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import {
  type Collection,
  MAX_NOTE_CHARS,
  MAX_TITLE_CHARS,
  charCount,
  collectionHref,
  collectionKeys,
  outcomeOf,
  putItem,
  removeItem,
  standingOf,
  textOrNull,
} from "@/lib/collections";
import { pluralise } from "@/lib/format";
import { useRequireSignIn } from "@/lib/signin";
import { useSession } from "@/lib/session";

import { useCreateCollection } from "./CollectionForm";
import { Dialog } from "./Dialog";
import { Field, FormAlert } from "./Field";

/** What a work needs to be collected: its id, and its title for the dialog. */
export type Collectable = { id: string; title: string };

/** The most collections one page of the list holds: all of them, for nearly everyone. */
const PAGE = 50;

/**
 * "Add to collection" for the work a page is about: a button opening the
 * dialog, or sending a visitor to sign in first.
 */
export function AddToCollection({ work }: { work: Collectable }) {
  const { collecting, start, close } = useCollecting();
  return (
    <>
      <button
        type="button"
        onClick={() => start(work)}
        className="inline-flex items-center justify-center gap-2 rounded-full border border-stone-300 bg-white px-5 py-2.5 text-sm font-medium text-stone-900 transition-colors hover:border-stone-500 motion-reduce:transition-none"
      >
        <CollectIcon />
        Add to collection
      </button>
      <CollectDialog collecting={collecting} onClose={close} />
    </>
  );
}

/** Which work's dialog is open (kept while it closes, for its title). */
export type Collecting = { work: Collectable; open: boolean } | null;

/** Opens the dialog for a work once the person is signed in. */
export function useCollecting() {
  const requireSignIn = useRequireSignIn();
  const [collecting, setCollecting] = useState<Collecting>(null);
  return {
    collecting,
    start: (work: Collectable) => void requireSignIn().then((signedIn) => signedIn && setCollecting({ work, open: true })),
    close: () => setCollecting((old) => (old ? { ...old, open: false } : old)),
  };
}

export function CollectDialog({ collecting, onClose }: { collecting: Collecting; onClose: () => void }) {
  const signedIn = useSession((s) => s.status === "signed-in");
  if (!collecting || !signedIn) return null;
  return (
    <Dialog open={collecting.open} title={`Add “${collecting.work.title}” to a collection`} onClose={onClose}>
      <CollectForm key={collecting.work.id} work={collecting.work} onDone={onClose} />
    </Dialog>
  );
}

export function CollectIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round">
      <rect x="3" y="3" width="14" height="14" rx="2" />
      <path d="M21 7v12a2 2 0 0 1-2 2H7M10 7v6M7 10h6" />
    </svg>
  );
}

type Outcome = { added: Collection[]; removed: Collection[] };
type Failure = { collection: Collection; adding: boolean; error: unknown };

/** Some of the changes were refused: the rest are made, and the list read again shows them. */
class PartlySaved extends Error {
  constructor(readonly failures: Failure[]) {
    super("Some collections could not be changed");
  }
}

function CollectForm({ work, onDone }: { work: Collectable; onDone: () => void }) {
  const queryClient = useQueryClient();
  const list = useInfiniteQuery({
    queryKey: collectionKeys.mine(work.id),
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/me/collections", {
          params: { query: { artwork_id: work.id, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
    staleTime: 0,
  });
  // Collections made in this dialog, shown first until the list read again has them.
  const [made, setMade] = useState<Collection[]>([]);
  const listed = list.data?.pages.flatMap((page) => page.items) ?? [];
  const collections = [...made.filter((m) => !listed.some((c) => c.id === m.id)), ...listed];
  // Choices made here, by collection id, over what the server said.
  const [ticked, setTicked] = useState<Record<string, boolean>>({});
  const isTicked = (c: Collection) => ticked[c.id] ?? c.contains_artwork ?? false;
  const [note, setNote] = useState("");
  const [noteProblem, setNoteProblem] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [created, setCreated] = useState("");

  const save = useMutation({
    mutationFn: async (): Promise<Outcome> => {
      const changes = collections.filter((c) => isTicked(c) !== Boolean(c.contains_artwork));
      const text = textOrNull(note);
      const results = await Promise.allSettled(
        changes.map((c) => (isTicked(c) ? putItem(c.id, work.id, text ?? undefined) : removeItem(c.id, work.id))),
      );
      const done: Outcome = { added: [], removed: [] };
      const failures: Failure[] = [];
      results.forEach((result, index) => {
        const collection = changes[index]!;
        const adding = isTicked(collection);
        if (result.status === "rejected") failures.push({ collection, adding, error: result.reason });
        else (adding ? done.added : done.removed).push(collection);
      });
      if (failures.length > 0) throw new PartlySaved(failures);
      return done;
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: collectionKeys.all }),
    onSuccess: (done) => {
      if (done.added.length + done.removed.length === 0) onDone();
      else setOutcome(done);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (charCount(note) > MAX_NOTE_CHARS) {
      setNoteProblem(`Keep the note to ${MAX_NOTE_CHARS} characters.`);
      return;
    }
    setNoteProblem(null);
    save.mutate();
  }

  function addCreated(collection: Schemas["CollectionView"]) {
    setMade((old) => [{ ...collection, contains_artwork: false }, ...old]);
    setTicked((old) => ({ ...old, [collection.id]: true }));
    setCreated(`“${collection.title}” is made and ticked: save to add the work to it.`);
  }

  if (outcome) return <Saved outcome={outcome} onDone={onDone} />;
  if (list.isPending) {
    return <div aria-busy="true" aria-label="Loading your collections…" className="h-40 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />;
  }
  if (list.isError) {
    return (
      <div className="flex flex-col gap-3">
        <FormAlert message={describeError(list.error)} />
        <button type="button" className="btn-secondary self-start" onClick={() => void list.refetch()}>
          Try again
        </button>
      </div>
    );
  }

  const failures = save.error instanceof PartlySaved ? save.error.failures : [];
  const alert = save.error
    ? failures.length > 0
      ? failures
          .map((f) => `Could not ${f.adding ? "add it to" : "take it out of"} “${f.collection.title}”: ${describeError(f.error)}`)
          .join(" ")
      : describeError(save.error)
    : null;

  return (
    <form onSubmit={submit} noValidate className="flex flex-col gap-5">
      {collections.length > 0 ? (
        <fieldset>
          <legend className="field-label">Your collections</legend>
          <ul className="mt-2 flex max-h-64 flex-col divide-y divide-stone-100 overflow-y-auto rounded-md border border-stone-200">
            {collections.map((c) => (
              <li key={c.id}>
                <label className="flex items-start gap-3 px-3 py-2.5 hover:bg-stone-50">
                  <input
                    type="checkbox"
                    checked={isTicked(c)}
                    onChange={(e) => setTicked((old) => ({ ...old, [c.id]: e.target.checked }))}
                    className="mt-1 h-4 w-4"
                  />
                  <span className="min-w-0 text-sm">
                    <span className="block truncate font-medium text-stone-900">{c.title}</span>
                    <span className="block text-stone-600">
                      {standingOf(c)} · {pluralise(c.item_count, "work")}
                    </span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
          {list.hasNextPage && (
            <button type="button" className="btn-secondary mt-2 px-3 py-1" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
              {list.isFetchingNextPage ? "Loading…" : "Show more collections"}
            </button>
          )}
        </fieldset>
      ) : (
        <p className="text-sm text-stone-700">You have no collections yet. Start one here, then save to add the work to it.</p>
      )}
      <p role="status" className="text-sm text-stone-700 empty:hidden">
        {created}
      </p>
      <NewCollection startOpen={collections.length === 0} onCreated={addCreated} />
      <Field
        label="Note (optional)"
        error={noteProblem}
        help={`Shown with the work in the collections you add it to now. ${charCount(note).toLocaleString()} / ${MAX_NOTE_CHARS} characters.`}
      >
        {(control) => <textarea {...control} rows={2} value={note} onChange={(e) => setNote(e.target.value)} className="field-input resize-y" />}
      </Field>
      <FormAlert message={alert} />
      <div>
        <button type="submit" className="btn-primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
      </div>
    </form>
  );
}

/**
 * Starting a collection from the dialog. It sits inside the dialog's form,
 * so Enter in its title makes the collection rather than saving the form.
 */
function NewCollection({ startOpen, onCreated }: { startOpen: boolean; onCreated: (c: Schemas["CollectionView"]) => void }) {
  const [open, setOpen] = useState(startOpen);
  const [title, setTitle] = useState("");
  const [visible, setVisible] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const groupId = useId();
  const toggle = useRef<HTMLButtonElement>(null);
  const create = useCreateCollection((made) => {
    onCreated(made);
    setTitle("");
    setVisible(false);
    setOpen(false);
  });
  // Back to the button that opened the form once it has done its work.
  const wasOpen = useRef(open);
  useEffect(() => {
    if (wasOpen.current && !open) toggle.current?.focus();
    wasOpen.current = open;
  }, [open]);

  const apiProblem = create.error instanceof ApiError ? create.error.fieldErrors.title : undefined;
  const shownProblem = problem ?? apiProblem ?? null;

  function make() {
    if (create.isPending) return;
    const trimmed = title.trim();
    if (!trimmed) return setProblem("Give the collection a title.");
    if (charCount(trimmed) > MAX_TITLE_CHARS) return setProblem(`Keep the title to ${MAX_TITLE_CHARS} characters.`);
    setProblem(null);
    create.mutate({ title: trimmed, visibility: visible ? "public" : "private" });
  }

  function onKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    make();
  }

  return (
    <div className="flex flex-col gap-3">
      <div>
        <button ref={toggle} type="button" className="btn-secondary px-4 py-1.5" aria-expanded={open} aria-controls={groupId} onClick={() => setOpen(!open)}>
          New collection
        </button>
      </div>
      {open && (
        <div id={groupId} role="group" aria-label="New collection" className="flex flex-col gap-3 rounded-md border border-stone-200 bg-stone-50 p-3">
          <Field label="Title of the new collection" error={shownProblem}>
            {(control) => (
              <input {...control} value={title} onChange={(e) => setTitle(e.target.value)} onKeyDown={onKey} maxLength={MAX_TITLE_CHARS} className="field-input" />
            )}
          </Field>
          <label className="flex items-center gap-3 text-sm text-stone-800">
            <input type="checkbox" checked={visible} onChange={(e) => setVisible(e.target.checked)} className="h-4 w-4" />
            Public: anyone with the link can see it
          </label>
          {create.error && !apiProblem && <FormAlert message={describeError(create.error)} />}
          <div>
            <button type="button" className="btn-primary px-4 py-1.5" disabled={create.isPending} onClick={make}>
              {create.isPending ? "Creating…" : "Create collection"}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function Saved({ outcome, onDone }: { outcome: Outcome; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const one = outcome.added.length === 1 ? outcome.added[0]! : null;
  return (
    <div className="flex flex-col gap-4">
      <h3 ref={heading} tabIndex={-1} className="font-serif text-xl focus:outline-none">
        {outcome.added.length > 0 ? "Added" : "Removed"}
      </h3>
      <p className="text-stone-800">{outcomeOf(outcome)}</p>
      <div className="flex flex-wrap gap-3">
        {one && (
          <a href={collectionHref(one)} className="btn-secondary">
            View “{one.title}”
          </a>
        )}
        <button type="button" className="btn-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
