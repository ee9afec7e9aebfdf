"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { LoadMore } from "@/components/ArtworkGrid";
import { CollectionCard } from "@/components/CollectionCard";
import { CollectionForm } from "@/components/CollectionForm";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { Dialog } from "@/components/Dialog";
import { RequireSession } from "@/components/RequireSession";
import { ErrorState } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";
import type { User } from "@/lib/api/types";
import { type Collection, collectionKeys, deleteCollection, isEditor, standingOf, updateCollection } from "@/lib/collections";

const GRID = "grid grid-cols-1 gap-x-6 gap-y-10 sm:grid-cols-2 lg:grid-cols-3";

export function MyCollections() {
  return (
    <RequireSession reason="Sign in to keep collections of the works you love, with a note on each.">
      {(user) => <Shelf user={user} />}
    </RequireSession>
  );
}

function Shelf({ user }: { user: User }) {
  const editor = isEditor(user);
  const [creating, setCreating] = useState(false);
  const [status, setStatus] = useState("");
  return (
    <div className="flex flex-col gap-10">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="font-serif text-3xl">Your collections</h1>
          <p className="mt-1 max-w-2xl text-stone-600">
            Group the works you love, in your order, with a note on each. Keep a collection to yourself or make it public to share it.
          </p>
        </div>
        <button type="button" className="btn-primary" aria-expanded={creating} onClick={() => setCreating(true)}>
          New collection
        </button>
      </div>
      <p role="status" className="text-sm text-stone-700 empty:hidden">
        {status}
      </p>
      <Dialog open={creating} title="New collection" onClose={() => setCreating(false)}>
        <CollectionForm
          editor={editor}
          submitLabel="Create collection"
          onCancel={() => setCreating(false)}
          onDone={(made) => {
            setCreating(false);
            setStatus(`“${made.title}” is made. Add works to it from their pages.`);
          }}
        />
      </Dialog>
      <Owned onStatus={setStatus} />
      {editor && <Drafts onStatus={setStatus} />}
    </div>
  );
}

function Owned({ onStatus }: { onStatus: (message: string) => void }) {
  const list = useInfiniteQuery({
    queryKey: collectionKeys.mine(),
    queryFn: ({ pageParam, signal }) =>
      call(() => api.GET("/api/me/collections", { params: { query: { limit: 24, ...(pageParam ? { cursor: pageParam } : {}) } }, signal })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
  if (list.isPending) return <ShelfSkeleton />;
  if (list.isError) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  const collections = list.data.pages.flatMap((page) => page.items);
  if (collections.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-stone-300 bg-white px-6 py-10 text-center text-stone-600">
        <p>No collections yet. Start one here, or from any work with “Add to collection”.</p>
      </div>
    );
  }
  return (
    <section aria-labelledby="owned-heading">
      <h2 id="owned-heading" className="sr-only">
        Your collections
      </h2>
      <ul aria-label="Your collections" className={GRID}>
        {collections.map((collection, index) => (
          <li key={collection.id}>
            <Shelved collection={collection} priority={index < 3} onStatus={onStatus} />
          </li>
        ))}
      </ul>
      <LoadMore hasMore={list.hasNextPage} loading={list.isFetchingNextPage} onMore={() => void list.fetchNextPage()} />
    </section>
  );
}

/** Editorial collections not yet published, whoever started them: any editor may finish one. */
function Drafts({ onStatus }: { onStatus: (message: string) => void }) {
  const drafts = useInfiniteQuery({
    queryKey: collectionKeys.editorial("draft"),
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/collections/editorial", {
          params: { query: { state: "draft", limit: 24, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
  const items = drafts.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section aria-labelledby="drafts-heading" className="border-t border-stone-200 pt-10">
      <h2 id="drafts-heading" className="font-serif text-2xl">
        Editorial drafts
      </h2>
      <p className="mt-1 text-sm text-stone-600">Collections for the home page that no editor has published yet. Publish one from its page.</p>
      <div className="mt-6">
        {drafts.isPending ? (
          <ShelfSkeleton />
        ) : drafts.isError ? (
          <ErrorState error={drafts.error} onRetry={() => void drafts.refetch()} />
        ) : items.length === 0 ? (
          <p className="text-stone-600">No drafts: every editorial collection is published.</p>
        ) : (
          <>
            <ul aria-label="Editorial drafts" className={GRID}>
              {items.map((collection) => (
                <li key={collection.id}>
                  <Shelved collection={collection} onStatus={onStatus} />
                </li>
              ))}
            </ul>
            <LoadMore hasMore={drafts.hasNextPage} loading={drafts.isFetchingNextPage} onMore={() => void drafts.fetchNextPage()} />
          </>
        )}
      </div>
    </section>
  );
}

/** A collection on the shelf, with what its owner may do to it. */
function Shelved({ collection, priority, onStatus }: { collection: Collection; priority?: boolean; onStatus: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const title = collection.title;
  const personal = collection.kind === "personal";
  const changed = () => queryClient.invalidateQueries({ predicate: collectionKeys.lists });

  const visibility = useMutation({
    mutationFn: (visible: boolean) => updateCollection(collection.id, { visibility: visible ? "public" : "private" }),
    onSuccess: (saved) =>
      onStatus(saved.visibility === "public" ? `“${title}” is public: anyone with its link can see it.` : `“${title}” is private: only you can see it.`),
    onError: (error) => onStatus(`“${title}” could not be changed: ${describeError(error)}`),
    onSettled: changed,
  });
  const remove = useMutation({
    mutationFn: () => deleteCollection(collection.id),
    onSuccess: () => {
      setDeleting(false);
      onStatus(`“${title}” is deleted.`);
      // Not shown again while the list is read afresh.
      queryClient.removeQueries({ queryKey: collectionKeys.one({ kind: "id", value: collection.id }) });
      void changed();
    },
  });
  const busy = visibility.isPending || remove.isPending;
  const publicNow = visibility.isPending ? visibility.variables : collection.visibility === "public";

  return (
    <CollectionCard collection={collection} priority={priority}>
      <span className="rounded-full bg-stone-100 px-2.5 py-0.5 text-xs font-medium text-stone-700">
        {personal ? (publicNow ? "Public" : "Private") : standingOf(collection)}
      </span>
      {collection.can_edit && (
        <>
          <button type="button" className="btn-secondary px-3 py-1 text-xs" aria-label={`Edit “${title}”`} onClick={() => setEditing(true)}>
            Edit
          </button>
          {personal && (
            <button
              type="button"
              className="btn-secondary px-3 py-1 text-xs"
              aria-label={`${publicNow ? "Make private" : "Make public"} “${title}”`}
              disabled={busy}
              onClick={() => visibility.mutate(!publicNow)}
            >
              {publicNow ? "Make private" : "Make public"}
            </button>
          )}
          <button
            type="button"
            className="btn-secondary px-3 py-1 text-xs text-red-800"
            aria-label={`Delete “${title}”`}
            disabled={busy}
            onClick={() => setDeleting(true)}
          >
            Delete
          </button>
          <Dialog open={editing} title={`Edit “${title}”`} onClose={() => setEditing(false)}>
            <CollectionForm
              collection={collection}
              submitLabel="Save changes"
              onCancel={() => setEditing(false)}
              onDone={(saved) => {
                setEditing(false);
                onStatus(`“${saved.title}” is saved.`);
              }}
            />
          </Dialog>
          <ConfirmDialog
            open={deleting}
            title={`Delete “${title}”?`}
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
        </>
      )}
    </CollectionCard>
  );
}

function ShelfSkeleton() {
  return (
    <div aria-hidden="true" data-testid="shelf-skeleton" className={GRID}>
      {Array.from({ length: 3 }, (_, i) => (
        <div key={i} className="flex flex-col gap-2">
          <div className="aspect-[4/3] w-full animate-pulse rounded-md bg-stone-200 motion-reduce:animate-none" />
          <div className="h-4 w-3/4 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
      ))}
    </div>
  );
}
