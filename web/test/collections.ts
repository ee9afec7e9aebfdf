import type { Schemas } from "@/lib/api/types";

import { similarWorks } from "./fixtures";

// Collections shaped as the API sends them, for the pages' tests.

export const OWNER = "01a20ffd-9999-7000-8000-000000000001";
export const SEA = "0190c4f6-cccc-7000-8000-000000000001";
export const PORTRAITS = "0190c4f6-cccc-7000-8000-000000000002";
export const SPRING = "0190c4f6-cccc-7000-8000-000000000003";

/** Cards of the seeded catalogue: Lion Hunt, then the other similar works. */
export const cards: Schemas["ArtworkCard"][] = similarWorks.map(({ score: _score, ...card }) => card);

export function card(index: number, title: string): Schemas["ArtworkCard"] {
  return { ...cards[0]!, id: `01a20ffd-0000-7000-8000-${String(index).padStart(12, "0")}`, title };
}

export function summary(overrides: Partial<Schemas["CollectionSummary"]> = {}): Schemas["CollectionSummary"] {
  return {
    id: SEA,
    kind: "personal",
    title: "Sea studies",
    description: null,
    visibility: "private",
    slug: null,
    published_at: null,
    owner: { id: OWNER, name: "Dee" },
    item_count: 0,
    cover: null,
    previews: [],
    created_at: "2026-12-01T10:00:00Z",
    updated_at: "2026-12-02T10:00:00Z",
    can_edit: true,
    ...overrides,
  };
}

export function item(work: Schemas["ArtworkCard"], note: string | null = null): Schemas["CollectionItem"] {
  return { artwork: work, note, added_at: "2026-12-02T10:00:00Z" };
}

export function collectionView(
  items: Schemas["CollectionItem"][] = [],
  overrides: Partial<Schemas["CollectionView"]> = {},
): Schemas["CollectionView"] {
  return {
    ...summary({ item_count: items.length, cover: items[0]?.artwork ?? null, previews: items.slice(1, 4).map((i) => i.artwork) }),
    items,
    next_cursor: null,
    unavailable_count: 0,
    ...overrides,
  };
}

/** Moderators' editorial collection "Spring light", published. */
export function editorial(overrides: Partial<Schemas["CollectionSummary"]> = {}): Schemas["CollectionSummary"] {
  return summary({
    id: SPRING,
    kind: "editorial",
    title: "Spring light",
    visibility: "public",
    slug: "spring-light",
    published_at: "2026-12-03T09:00:00Z",
    owner: null,
    item_count: 3,
    cover: cards[0]!,
    previews: cards.slice(1, 3),
    can_edit: false,
    ...overrides,
  });
}
