import type { ArtworkCard, Schemas } from "@/lib/api/types";

/** A grid card from a full artwork (saved lists return whole artworks). */
export function cardFrom(work: Schemas["ArtworkView"]): ArtworkCard {
  const cover = work.images[0];
  return {
    id: work.id,
    title: work.title,
    artist: work.artist,
    year: work.year,
    category: work.category.slug,
    styles: work.styles,
    price: work.price,
    thumbnail: cover?.variants ?? null,
    dominant_color: cover?.palette[0]?.hex ?? null,
  };
}
