"use client";

import { useQuery } from "@tanstack/react-query";

import { CollectionRow } from "@/components/CollectionCard";
import { api, call } from "@/lib/api/client";
import { collectionKeys } from "@/lib/collections";

/** As many as a row shows before it scrolls, and a few more. */
const SHOWN = 12;

/**
 * The editors' published collections, as a row above the feed. Nothing is
 * drawn until they arrive, and nothing at all when there are none or they
 * cannot be read: the feed does not depend on them.
 */
export function EditorialCollections() {
  const editorial = useQuery({
    queryKey: collectionKeys.editorial("published"),
    queryFn: ({ signal }) => call(() => api.GET("/api/collections/editorial", { params: { query: { limit: SHOWN } }, signal })),
    staleTime: 5 * 60_000,
  });
  const collections = editorial.data?.items ?? [];
  if (collections.length === 0) return null;
  return (
    <section aria-labelledby="editorial-heading" className="mb-10">
      <h2 id="editorial-heading" className="mb-4 text-lg font-semibold text-stone-900">
        Collections from our editors
      </h2>
      <CollectionRow collections={collections} label="Editors’ collections" />
    </section>
  );
}
