import type { ArtworkCard as Card } from "@/lib/api/types";
import { formatPrice } from "@/lib/format";

import { CollectIcon } from "./AddToCollection";
import { Picture } from "./Picture";

/** The drawn width of a card in the full-width grid (page padding and gaps
 * taken off), so phones fetch the small variant when it is sharp enough. */
export const GRID_SIZES =
  "(min-width: 1280px) 234px, (min-width: 1024px) calc(25vw - 1.5rem), (min-width: 640px) calc(33.3vw - 1.7rem), calc(50vw - 1.5rem)";

/** One work in a grid. Artwork pages are plain links (not client routing):
 * their ids are resolved on the host by a rewrite to the exported page. */
type Props = {
  work: Card;
  note?: string | null;
  priority?: boolean;
  sizes?: string;
  /** News about the work heard live ("Just sold"), over its image. */
  badge?: string | null;
  /** Opens "add to collection" for the work, from a button over its image. */
  onCollect?: () => void;
};

export function ArtworkCard({ work, note, priority, sizes = GRID_SIZES, badge, onCollect }: Props) {
  return (
    <article className="group relative flex flex-col gap-2 rounded-md focus-within:ring-2 focus-within:ring-stone-900 focus-within:ring-offset-4">
      <div className="relative overflow-hidden rounded-md bg-stone-100">
        {badge && (
          <span className="absolute top-2 left-2 z-10 rounded-full bg-white/95 px-2.5 py-0.5 text-xs font-semibold text-stone-900 shadow-sm ring-1 ring-stone-300">
            {badge}
          </span>
        )}
        {onCollect && (
          // Above the card's stretched link, so it is a button of its own.
          <button
            type="button"
            onClick={onCollect}
            aria-label={`Add “${work.title}” to a collection`}
            title="Add to a collection"
            className="absolute top-2 right-2 z-10 flex h-9 w-9 items-center justify-center rounded-full bg-white/95 text-stone-900 shadow-sm ring-1 ring-stone-300 hover:bg-white hover:ring-stone-500"
          >
            <CollectIcon />
          </button>
        )}
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
        <h3 className="font-medium text-stone-900">
          {/* A block, so the link's own box stays inside the card however long the title. */}
          <a
            href={`/artworks/${work.id}`}
            className="block truncate after:absolute after:inset-0 focus-visible:outline-none"
          >
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
