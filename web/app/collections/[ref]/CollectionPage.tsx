"use client";

import Link from "next/link";
import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { CollectDialog, useCollecting } from "@/components/AddToCollection";
import { ArtworkCard, GRID_SIZES } from "@/components/ArtworkCard";
import { GridSkeleton, LoadMore } from "@/components/ArtworkGrid";
import { CollectionForm } from "@/components/CollectionForm";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { Dialog } from "@/components/Dialog";
import { Field, FormAlert } from "@/components/Field";
import { useLiveStatuses, useWorksOnScreen } from "@/components/liveWorks";
import { PageSkeleton } from "@/components/PageSkeleton";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { liveBadge } from "@/lib/availability";
import {
  type CollectionItem,
  type CollectionRef,
  type CollectionView,
  MAX_NOTE_CHARS,
  charCount,
  collectionHref,
  collectionKeys,
  curatorOf,
  deleteCollection,
  isEditor,
  loadCollection,
  parseCollectionRef,
  putItem,
  removeItem,
  reorder,
  setPublished,
  textOrNull,
  updateCollection,
} from "@/lib/collections";
import { pluralise } from "@/lib/format";
import { useRouteId } from "@/lib/route";
import { signInHref } from "@/lib/signin";
import { useSession } from "@/lib/session";

/** Works read per page after the first ones the collection comes with. */
const ITEMS_PAGE = 48;

type ItemPages = InfiniteData<Schemas["ItemPage"], string | null>;

export function CollectionPage() {
  const segment = useRouteId("collections");
  const ref = segment ? parseCollectionRef(segment) : null;
  const status = useSession((s) => s.status);
  const userId = useSession((s) => (s.status === "signed-in" ? (s.user?.id ?? null) : null));
  const key = ref ? ([...collectionKeys.one(ref), userId] as const) : null;
  const collection = useQuery({
    queryKey: key ?? ["collections", "none"],
    queryFn: ({ signal }) => loadCollection(ref!, signal),
    // A private collection answers its owner only: ask once the session is known.
    enabled: ref !== null && status !== "restoring",
  });

  const title = collection.data?.title;
  const unavailable = segment === null || (segment !== undefined && ref === null) || isUnavailable(collection.error);
  useEffect(() => {
    if (title) document.title = `${title} · Atelier`;
    else if (unavailable) document.title = "Collection not available · Atelier";
  }, [title, unavailable]);

  if (unavailable) return <NotAvailable signedIn={status === "signed-in"} />;
  if (collection.isError) return <ErrorState error={collection.error} onRetry={() => void collection.refetch()} />;
  if (!collection.data || !key || !ref) return <CollectionSkeleton />;
  return <CollectionDetail view={collection.data} viewKey={key} address={ref} />;
}

/** Missing, private to someone else, or not a collection's address at all: to the visitor these are one thing. */
function isUnavailable(error: unknown): boolean {
  return error instanceof ApiError && (error.isNotFound || error.status === 422 || error.status === 400);
}

function NotAvailable({ signedIn }: { signedIn: boolean }) {
  return (
    <StateMessage
      title="This collection is not available"
      action={
        <div className="flex flex-wrap justify-center gap-3">
          {!signedIn && (
            <Link href={signInHref(window.location)} className="btn-primary">
              Sign in
            </Link>
          )}
          <Link href="/" className={signedIn ? "btn-primary" : "btn-secondary"}>
            Discover works
          </Link>
        </div>
      }
    >
      <p>It may be private or deleted, or the link may be mistyped.{signedIn ? "" : " If it is yours, sign in to see it."}</p>
    </StateMessage>
  );
}

function CollectionDetail({ view, viewKey, address }: { view: CollectionView; viewKey: readonly unknown[]; address: CollectionRef }) {
  const queryClient = useQueryClient();
  const user = useSession((s) => (s.status === "signed-in" ? s.user : null));
  const [status, setStatus] = useState("");

  // The address follows the collection's title (and an editorial one's
  // slug) where it names the same collection, so a copied link reads well.
  const canonical = collectionHref(view);
  const { kind, value } = address;
  useEffect(() => {
    const here = window.location.pathname.replace(/\/$/, "");
    const named = parseCollectionRef(canonical.slice("/collections/".length));
    if (here !== canonical && named?.kind === kind && named.value === value) {
      window.history.replaceState(window.history.state, "", canonical + window.location.search);
    }
  }, [canonical, kind, value]);

  /** The collection as a change to it answered; the lists that show it are read again. */
  const setView = (next: CollectionView) => {
    queryClient.setQueryData(viewKey, next);
    void queryClient.invalidateQueries({ predicate: collectionKeys.lists });
  };
  /** After a change to its works (which are kept in step here by hand): its count and cover, and the lists. */
  const worksChanged = () => {
    void queryClient.invalidateQueries({ queryKey: viewKey });
    void queryClient.invalidateQueries({ predicate: collectionKeys.lists });
  };

  return (
    <article className="flex flex-col gap-10">
      <header className="flex max-w-3xl flex-col gap-3">
        <p className="text-xs font-medium tracking-wide text-stone-600 uppercase">
          {view.kind === "editorial" ? "An Atelier editors’ collection" : "Collection"}
        </p>
        <h1 className="font-serif text-3xl font-semibold tracking-tight text-balance text-stone-900 sm:text-4xl">{view.title}</h1>
        <p className="text-stone-700">
          {view.kind === "personal" && view.owner ? <>Curated by {curatorOf(view)} · </> : null}
          {pluralise(view.item_count, "work")}
        </p>
        {view.description && <p className="leading-relaxed whitespace-pre-line text-stone-800">{view.description}</p>}
        {view.can_edit && <OwnerBar view={view} editor={isEditor(user)} onView={setView} onStatus={setStatus} />}
        <p role="status" className="text-sm text-stone-700 empty:hidden">
          {status}
        </p>
      </header>
      <Works view={view} onChanged={worksChanged} onStatus={setStatus} />
    </article>
  );
}

/** What the owner (or, for an editorial collection, an editor) may do with the collection itself. */
function OwnerBar({
  view,
  editor,
  onView,
  onStatus,
}: {
  view: CollectionView;
  editor: boolean;
  onView: (view: CollectionView) => void;
  onStatus: (message: string) => void;
}) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const personal = view.kind === "personal";
  const done = (next: CollectionView, message: string) => {
    onView(next);
    onStatus(message);
  };
  const visibility = useMutation({
    mutationFn: (visible: boolean) => updateCollection(view.id, { visibility: visible ? "public" : "private" }),
    onSuccess: (next) =>
      done(next, next.visibility === "public" ? "It is public: anyone with its link can see it." : "It is private: only you can see it."),
  });
  const publication = useMutation({
    mutationFn: (publish: boolean) => setPublished(view.id, publish),
    onSuccess: (next) => done(next, next.published_at ? "Published: it is on the home page." : "Unpublished: it is a draft again."),
  });
  const remove = useMutation({
    mutationFn: () => deleteCollection(view.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ predicate: collectionKeys.lists });
      router.push("/collections/");
    },
  });
  const failure = visibility.error ?? publication.error;

  return (
    <div className="flex flex-col gap-3 rounded-md border border-stone-200 bg-white p-4">
      <p className="text-sm text-stone-700">
        {personal
          ? view.visibility === "public"
            ? "Public: anyone with the link can see it, and it can appear in search."
            : "Private: only you can see it."
          : view.published_at
            ? "Published: on the home page and open to everyone."
            : "Draft: only editors can see it until it is published."}
        {view.unavailable_count ? ` ${pluralise(view.unavailable_count, "work")} in it ${view.unavailable_count === 1 ? "is" : "are"} no longer on view, and hidden until ${view.unavailable_count === 1 ? "it is" : "they are"} again.` : ""}
      </p>
      <div className="flex flex-wrap gap-2">
        <button type="button" className="btn-secondary px-4 py-1.5" onClick={() => setEditing(true)}>
          Edit details
        </button>
        {personal && (
          <button
            type="button"
            className="btn-secondary px-4 py-1.5"
            disabled={visibility.isPending}
            onClick={() => visibility.mutate(view.visibility !== "public")}
          >
            {view.visibility === "public" ? "Make private" : "Make public"}
          </button>
        )}
        {!personal && editor && (
          <button
            type="button"
            className="btn-primary px-4 py-1.5"
            disabled={publication.isPending}
            onClick={() => publication.mutate(!view.published_at)}
          >
            {view.published_at ? "Unpublish" : "Publish on the home page"}
          </button>
        )}
        <button type="button" className="btn-secondary px-4 py-1.5 text-red-800" onClick={() => setDeleting(true)}>
          Delete collection
        </button>
      </div>
      {failure && <FormAlert message={describeError(failure)} />}
      <Dialog open={editing} title="Edit the collection" onClose={() => setEditing(false)}>
        <CollectionForm
          collection={view}
          submitLabel="Save changes"
          onCancel={() => setEditing(false)}
          onDone={(saved) => {
            setEditing(false);
            done(saved, "Your changes are saved.");
          }}
        />
      </Dialog>
      <ConfirmDialog
        open={deleting}
        title={`Delete “${view.title}”?`}
        confirmLabel="Delete collection"
        pending={remove.isPending}
        error={remove.isError ? describeError(remove.error) : null}
        onConfirm={() => remove.mutate()}
        onCancel={() => {
          setDeleting(false);
          remove.reset();
        }}
      >
        <p>The collection and its notes are deleted for good. The works stay on Atelier.</p>
      </ConfirmDialog>
    </div>
  );
}

/** Where focus goes once a moved work is drawn in its new place. */
type Focus = { id: string; control: "up" | "down"; index: number };

function Works({ view, onChanged, onStatus }: { view: CollectionView; onChanged: () => void; onStatus: (message: string) => void }) {
  const queryClient = useQueryClient();
  const itemsKey = collectionKeys.items(view.id);
  // The works the collection came with are the first page; more are read as asked for.
  const works = useInfiniteQuery({
    queryKey: itemsKey,
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/collections/{id}/items", {
          params: { path: { id: view.id }, query: { limit: ITEMS_PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
    initialData: { pages: [{ items: view.items, next_cursor: view.next_cursor }], pageParams: [null] },
    staleTime: 60_000,
  });
  const items = works.data.pages.flatMap((page) => page.items);
  const list = useRef<HTMLOListElement>(null);
  const statuses = useLiveStatuses(useWorksOnScreen(list, items.map((item) => item.artwork.id)));
  const { collecting, start, close } = useCollecting();
  const [announcement, setAnnouncement] = useState("");
  const [failure, setFailure] = useState<string | null>(null);
  const controls = useRef(new Map<string, HTMLButtonElement>());
  // React moves a work's element to draw it in its new place, and focus does
  // not survive the move: it is put back on the button that was pressed.
  const focus = useRef<Focus | null>(null);
  useEffect(() => {
    const wanted = focus.current;
    if (!wanted || items[wanted.index]?.artwork.id !== wanted.id) return;
    controls.current.get(`${wanted.id}:${wanted.control}`)?.focus();
    focus.current = null;
  });

  /** Shows every work, in this order, at once; the answers that follow change nothing on screen. */
  const show = (next: CollectionItem[]) =>
    queryClient.setQueryData<ItemPages>(itemsKey, { pages: [{ items: next, next_cursor: null }], pageParams: [null] });
  /** Changes the works read so far, keeping the pages still to come. */
  const edit = (change: (items: CollectionItem[]) => CollectionItem[]) =>
    queryClient.setQueryData<ItemPages>(itemsKey, (old) =>
      old ? { ...old, pages: old.pages.map((page) => ({ ...page, items: change(page.items) })) } : old,
    );
  const reread = () => void queryClient.invalidateQueries({ queryKey: itemsKey });

  // One order at a time, in the order they were asked for: the last one asked for is the one that stays.
  const order = useMutation({
    mutationFn: (ids: string[]) => reorder(view.id, ids),
    scope: { id: `collection-order:${view.id}` },
    onSuccess: () => onChanged(),
    onError: (error) => {
      setFailure(`The new order could not be saved: ${describeError(error)}`);
      reread();
    },
  });
  const removal = useMutation({
    mutationFn: (item: CollectionItem) => removeItem(view.id, item.artwork.id),
    onSuccess: (_, item) => {
      onStatus(`“${item.artwork.title}” is taken out of the collection.`);
      onChanged();
    },
    onError: (error, item) => {
      setFailure(`“${item.artwork.title}” could not be taken out: ${describeError(error)}`);
      reread();
    },
  });

  /** Every work, for a new order must name them all. */
  async function all(): Promise<CollectionItem[]> {
    let more = works.hasNextPage;
    let pages = works.data.pages;
    while (more) {
      const result = await works.fetchNextPage();
      if (result.isError || !result.data) throw result.error ?? new Error("The works could not be read.");
      pages = result.data.pages;
      more = result.hasNextPage;
    }
    return pages.flatMap((page) => page.items);
  }

  async function move(item: CollectionItem, by: -1 | 1) {
    let current = items;
    try {
      if (works.hasNextPage) current = await all();
    } catch (error) {
      setFailure(`The rest of the works could not be read to move this one: ${describeError(error)}`);
      return;
    }
    const from = current.findIndex((i) => i.artwork.id === item.artwork.id);
    const to = from + by;
    if (from < 0 || to < 0 || to >= current.length) return;
    const next = [...current];
    next.splice(from, 1);
    next.splice(to, 0, item);
    setFailure(null);
    show(next);
    focus.current = { id: item.artwork.id, control: by < 0 ? "up" : "down", index: to };
    setAnnouncement(`“${item.artwork.title}” is now ${to + 1} of ${next.length}.`);
    order.mutate(next.map((i) => i.artwork.id));
  }

  function take(item: CollectionItem) {
    setFailure(null);
    edit((page) => page.filter((i) => i.artwork.id !== item.artwork.id));
    removal.mutate(item);
  }

  function noted(saved: CollectionItem) {
    edit((page) => page.map((i) => (i.artwork.id === saved.artwork.id ? saved : i)));
  }

  if (items.length === 0) {
    return (
      <section aria-labelledby="works-heading" className="rounded-lg border border-dashed border-stone-300 bg-white px-6 py-10 text-center text-stone-600">
        <h2 id="works-heading" className="font-medium text-stone-900">
          No works in this collection yet
        </h2>
        {view.can_edit && (
          <>
            <p className="mt-1">Add works from their pages, or from any grid of works, with “Add to collection”.</p>
            <Link href="/search/" className="btn-secondary mt-4">
              Find works
            </Link>
          </>
        )}
      </section>
    );
  }

  return (
    <section aria-labelledby="works-heading">
      <h2 id="works-heading" className="sr-only">
        Works
      </h2>
      <p role="status" className="sr-only">
        {announcement}
      </p>
      {failure && (
        <p role="alert" className="mb-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          {failure}
        </p>
      )}
      <ol ref={list} aria-label="Works in this collection" className="grid grid-cols-2 gap-x-4 gap-y-10 sm:grid-cols-3 lg:grid-cols-4">
        {items.map((item, index) => (
          <li key={item.artwork.id} data-work={item.artwork.id} className="flex flex-col gap-2">
            <ArtworkCard
              work={item.artwork}
              priority={index < 2}
              sizes={GRID_SIZES}
              badge={liveBadge(statuses[item.artwork.id])}
              onCollect={() => start(item.artwork)}
            />
            {view.can_edit ? (
              <Curating
                item={item}
                first={index === 0}
                last={index === items.length - 1 && !works.hasNextPage}
                collectionId={view.id}
                register={(control, node) => {
                  const name = `${item.artwork.id}:${control}`;
                  if (node) controls.current.set(name, node);
                  else controls.current.delete(name);
                }}
                onMove={(by) => void move(item, by)}
                onRemove={() => take(item)}
                onNoted={noted}
                onStatus={onStatus}
              />
            ) : (
              item.note && <Note text={item.note} />
            )}
          </li>
        ))}
      </ol>
      <LoadMore hasMore={works.hasNextPage} loading={works.isFetchingNextPage} onMore={() => void works.fetchNextPage()} />
      {works.isFetchNextPageError && <ErrorState error={works.error} onRetry={() => void works.fetchNextPage()} />}
      <CollectDialog collecting={collecting} onClose={close} />
    </section>
  );
}

function Note({ text }: { text: string }) {
  return <p className="border-l-2 border-stone-300 pl-3 text-sm leading-relaxed whitespace-pre-line text-stone-700">{text}</p>;
}

/** A work's note and the owner's controls: move it, write its note, take it out. */
function Curating({
  item,
  first,
  last,
  collectionId,
  register,
  onMove,
  onRemove,
  onNoted,
  onStatus,
}: {
  item: CollectionItem;
  first: boolean;
  last: boolean;
  collectionId: string;
  register: (control: "up" | "down", node: HTMLButtonElement | null) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
  onNoted: (saved: CollectionItem) => void;
  onStatus: (message: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const title = item.artwork.title;
  const small = "rounded-full border border-stone-300 bg-white px-3 py-1 text-xs font-medium text-stone-800 hover:border-stone-500 aria-disabled:cursor-not-allowed aria-disabled:opacity-50";
  return (
    <div className="flex flex-col gap-2">
      {editing ? (
        <NoteForm
          item={item}
          collectionId={collectionId}
          onCancel={() => setEditing(false)}
          onSaved={(saved) => {
            onNoted(saved);
            setEditing(false);
            onStatus(saved.note ? `The note on “${title}” is saved.` : `The note on “${title}” is removed.`);
          }}
        />
      ) : (
        item.note && <Note text={item.note} />
      )}
      <div className="flex flex-wrap gap-1.5">
        {/* aria-disabled rather than disabled: a work moved to an end keeps focus on its button. */}
        <button
          type="button"
          ref={(node) => register("up", node)}
          className={small}
          aria-label={`Move up “${title}”`}
          aria-disabled={first || undefined}
          onClick={() => !first && onMove(-1)}
        >
          Move up
        </button>
        <button
          type="button"
          ref={(node) => register("down", node)}
          className={small}
          aria-label={`Move down “${title}”`}
          aria-disabled={last || undefined}
          onClick={() => !last && onMove(1)}
        >
          Move down
        </button>
        {!editing && (
          <button type="button" className={small} aria-label={`${item.note ? "Edit note" : "Add note"} on “${title}”`} onClick={() => setEditing(true)}>
            {item.note ? "Edit note" : "Add note"}
          </button>
        )}
        <button type="button" className={`${small} text-red-800`} aria-label={`Remove “${title}”`} onClick={onRemove}>
          Remove
        </button>
      </div>
    </div>
  );
}

function NoteForm({
  item,
  collectionId,
  onCancel,
  onSaved,
}: {
  item: CollectionItem;
  collectionId: string;
  onCancel: () => void;
  onSaved: (saved: CollectionItem) => void;
}) {
  const [text, setText] = useState(item.note ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({ mutationFn: (note: string | null) => putItem(collectionId, item.artwork.id, note), onSuccess: onSaved });
  const apiProblem = save.error instanceof ApiError ? save.error.fieldErrors.note : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (charCount(text) > MAX_NOTE_CHARS) return setProblem(`Keep the note to ${MAX_NOTE_CHARS} characters.`);
    setProblem(null);
    save.mutate(textOrNull(text));
  }

  return (
    <form onSubmit={submit} noValidate className="flex flex-col gap-2">
      <Field label={`Note on “${item.artwork.title}”`} error={problem ?? apiProblem} help={`${charCount(text)} / ${MAX_NOTE_CHARS} characters`}>
        {(control) => (
          // The form replaces the button that opened it: focus follows.
          <textarea {...control} autoFocus rows={3} value={text} onChange={(e) => setText(e.target.value)} className="field-input resize-y text-sm" />
        )}
      </Field>
      {save.error && !apiProblem && <FormAlert message={describeError(save.error)} />}
      <div className="flex gap-2">
        <button type="submit" className="btn-primary px-3 py-1 text-xs" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save note"}
        </button>
        <button type="button" className="btn-secondary px-3 py-1 text-xs" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Shaped like the page, so nothing jumps when it arrives. */
function CollectionSkeleton() {
  return (
    <PageSkeleton label="Loading collection…">
      <div aria-hidden="true" className="flex flex-col gap-10">
        <div className="flex max-w-3xl flex-col gap-3">
          <div className="h-3 w-24 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-10 w-2/3 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-5 w-1/3 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
        <GridSkeleton count={8} />
      </div>
    </PageSkeleton>
  );
}
