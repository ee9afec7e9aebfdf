import { api, call } from "./api/client";
import type { Schemas } from "./api/types";
import { pluralise } from "./format";

export type Collection = Schemas["CollectionSummary"];
export type CollectionView = Schemas["CollectionView"];
export type CollectionItem = Schemas["CollectionItem"];

/** As the API counts them: longer text is refused. */
export const MAX_TITLE_CHARS = 120;
export const MAX_DESCRIPTION_CHARS = 2000;
export const MAX_NOTE_CHARS = 500;

export const collectionKeys = {
  /** Everything about collections: what a change to one makes stale. */
  all: ["collections"] as const,
  /** The signed-in person's collections, optionally each saying whether it holds a work. */
  mine: (artworkId?: string) => ["collections", "mine", artworkId ?? null] as const,
  /** One collection as its page shows it, by the reference in its address. */
  one: (ref: CollectionRef) => ["collections", "one", ref.kind, ref.value] as const,
  items: (id: string) => ["collections", "items", id] as const,
  editorial: (state: "published" | "draft") => ["collections", "editorial", state] as const,
  /** Every list of collections: what any change to one may reorder or change. */
  lists: (query: { queryKey: readonly unknown[] }) =>
    query.queryKey[0] === "collections" && (query.queryKey[1] === "mine" || query.queryKey[1] === "editorial"),
};

/**
 * Where a collection's page is. Editorial collections have a slug the
 * editors chose; personal ones are reached by id (they have no slug), after
 * their title's words so the address still reads as the collection. Only the
 * id counts: a renamed collection's old links keep working.
 */
export function collectionHref(collection: Pick<Collection, "id" | "slug" | "title">): string {
  if (collection.slug) return `/collections/${collection.slug}`;
  const words = titleWords(collection.title);
  return `/collections/${words ? `${words}-` : ""}${collection.id}`;
}

/** A title as address words: lower-case letters and digits, accents dropped, joined by hyphens. */
export function titleWords(title: string): string {
  const words = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let joined = "";
  for (const word of words) {
    const next = joined ? `${joined}-${word}` : word;
    if (next.length > 60) break;
    joined = next;
  }
  return joined;
}

export type CollectionRef = { kind: "id" | "slug"; value: string };

const TRAILING_ID = /(?:^|-)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** What the last segment of `/collections/<…>` names: an id at its end, or else an editorial slug. */
export function parseCollectionRef(segment: string): CollectionRef | null {
  const value = segment.toLowerCase();
  const id = TRAILING_ID.exec(value)?.[1];
  if (id) return { kind: "id", value: id };
  return SLUG.test(value) && value.length <= 80 ? { kind: "slug", value } : null;
}

/** The collection an address names, as the viewer may see it. */
export async function loadCollection(ref: CollectionRef, signal?: AbortSignal): Promise<CollectionView> {
  if (ref.kind === "slug") {
    return call(() => api.GET("/api/collections/by-slug/{slug}", { params: { path: { slug: ref.value } }, signal }));
  }
  return call(() => api.GET("/api/collections/{id}", { params: { path: { id: ref.value } }, signal }));
}

export type NewCollection = Schemas["CreateCollection"];

/** Starts a collection; sent again with the same `key`, it is still made once. */
export function createCollection(body: NewCollection, key: string): Promise<CollectionView> {
  return call(() => api.POST("/api/collections", { params: { header: { "Idempotency-Key": key } }, body }));
}

export function updateCollection(id: string, body: Schemas["UpdateCollection"]): Promise<CollectionView> {
  return call(() => api.PATCH("/api/collections/{id}", { params: { path: { id } }, body }));
}

export function deleteCollection(id: string): Promise<void> {
  return call(() => api.DELETE("/api/collections/{id}", { params: { path: { id } } })).then(() => undefined);
}

/** Adds the work (or, when it is in already, sets its note if one is given). */
export function putItem(id: string, artworkId: string, note?: string | null): Promise<CollectionItem> {
  return call(() =>
    api.PUT("/api/collections/{id}/items/{artwork_id}", {
      params: { path: { id, artwork_id: artworkId } },
      body: note === undefined ? {} : { note },
    }),
  );
}

export function removeItem(id: string, artworkId: string): Promise<void> {
  return call(() =>
    api.DELETE("/api/collections/{id}/items/{artwork_id}", { params: { path: { id, artwork_id: artworkId } } }),
  ).then(() => undefined);
}

export function reorder(id: string, artworkIds: string[]): Promise<CollectionView> {
  return call(() => api.PUT("/api/collections/{id}/order", { params: { path: { id } }, body: { artwork_ids: artworkIds } }));
}

export function setPublished(id: string, published: boolean): Promise<CollectionView> {
  return published
    ? call(() => api.PUT("/api/collections/{id}/publication", { params: { path: { id } } }))
    : call(() => api.DELETE("/api/collections/{id}/publication", { params: { path: { id } } }));
}

/** Text as the API stores it: trimmed, and nothing when empty. */
export function textOrNull(text: string): string | null {
  const trimmed = text.trim();
  return trimmed ? trimmed : null;
}

/** The API counts characters (code points), not UTF-16 units. */
export function charCount(text: string): number {
  return [...text].length;
}

/** Who a collection is by, as its card and page say. */
export function curatorOf(collection: Pick<Collection, "kind" | "owner">): string {
  return collection.kind === "editorial" ? "Atelier editors" : (collection.owner?.name ?? "");
}

/** Who may see it, in a word, for its owner or the editors. */
export function standingOf(collection: Pick<Collection, "kind" | "visibility" | "published_at">): string {
  if (collection.kind === "editorial") return collection.published_at ? "Published" : "Draft";
  return collection.visibility === "public" ? "Public" : "Private";
}

/** Moderators (and administrators) publish editorial collections. */
export function isEditor(user: Pick<Schemas["UserView"], "role"> | null | undefined): boolean {
  return user?.role === "moderator" || user?.role === "admin";
}

/** What saving the "add to collection" dialog did, as one sentence. */
export function outcomeOf({ added, removed }: { added: Pick<Collection, "title">[]; removed: Pick<Collection, "title">[] }): string {
  const named = (list: Pick<Collection, "title">[]) => (list.length === 1 ? `“${list[0]!.title}”` : pluralise(list.length, "collection"));
  const parts = [added.length > 0 ? `added to ${named(added)}` : "", removed.length > 0 ? `taken out of ${named(removed)}` : ""];
  const text = parts.filter(Boolean).join(" and ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
