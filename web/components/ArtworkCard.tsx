import type { ArtworkCard as Card } from "@/lib/api/types";
import { formatPrice } from "@/lib/format";

import { Picture } from "./Picture";

export const GRID_SIZES = "(min-width: 1280px) 20vw, (min-width: 1024px) 25vw, (min-width: 640px) 33vw, 50vw";

/** One work in a grid. Artwork pages are plain links (not client routing):
 * their ids are resolved on the host by a rewrite to the exported page. */
type Props = { work: Card; note?: string | null; priority?: boolean; sizes?: string };

export function ArtworkCard({ work, note, priority, sizes = GRID_SIZES }: Props) {
  return (
    <article className="group relative flex flex-col gap-2 rounded-md focus-within:ring-2 focus-within:ring-stone-900 focus-within:ring-offset-4">
      <div className="overflow-hidden rounded-md bg-stone-100">
        <Picture
          variants={work.thumbnail}
          alt={work.title}
          sizes={sizes}
          placeholder={work.dominant_color}
          priority={priority}
          className="aspect-[4/5] h-auto w-full object-cover transition-transform duration-300 group-hover:scale-[1.02] motion-reduce:transition-none motion-reduce:group-hover:scale-100"
        />
      </div>
      <div className="min-w-0">
        <h3 className="truncate font-medium text-stone-900">
          <a href={`/artworks/${work.id}`} className="after:absolute after:inset-0 focus-visible:outline-none">
            {work.title}
          </a>
        </h3>
        <p className="truncate text-sm text-stone-600">
          {work.artist.name}
          {work.year ? `, ${work.year}` : ""}
        </p>
        <p className="text-sm font-medium text-stone-900">{formatPrice(work.price)}</p>
        {note && <p className="mt-1 text-xs text-stone-600">{note}</p>}
      </div>
    </article>
  );
}
