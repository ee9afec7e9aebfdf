import type { ReactNode } from "react";

import { type Collection, collectionHref, curatorOf } from "@/lib/collections";
import { pluralise } from "@/lib/format";

import { Picture } from "./Picture";

type Props = {
  collection: Collection;
  /** The drawn width of the cover, for the browser's choice of image. */
  sizes?: string;
  priority?: boolean;
  /** Below the card's text: its owner's actions, say. Above the card's link, so they stay clickable. */
  children?: ReactNode;
};

/**
 * One collection in a list: a mosaic of its first works, its title (the
 * link to its page), who made it and how many works it holds. The images
 * are decoration: the title names the card.
 */
export function CollectionCard({ collection, sizes = "(min-width: 640px) 18rem, 80vw", priority, children }: Props) {
  const curator = curatorOf(collection);
  return (
    <article className="group relative flex flex-col gap-2 rounded-md focus-within:ring-2 focus-within:ring-stone-900 focus-within:ring-offset-4">
      <Mosaic collection={collection} sizes={sizes} priority={priority} />
      <div className="min-w-0">
        <h3 className="font-medium text-stone-900">
          <a href={collectionHref(collection)} className="block truncate after:absolute after:inset-0 focus-visible:outline-none">
            {collection.title}
          </a>
        </h3>
        <p className="truncate text-sm text-stone-600">
          {curator && <>{collection.kind === "editorial" ? curator : `By ${curator}`} · </>}
          {pluralise(collection.item_count, "work")}
        </p>
      </div>
      {children && <div className="relative z-10 flex flex-wrap items-center gap-2">{children}</div>}
    </article>
  );
}

/** The cover large, and up to two more works beside it. */
function Mosaic({ collection, sizes, priority }: { collection: Collection; sizes: string; priority?: boolean }) {
  const cover = collection.cover;
  const side = collection.previews.slice(0, 2);
  if (!cover) {
    return (
      <div aria-hidden="true" className="flex aspect-[4/3] items-center justify-center rounded-md bg-stone-200 text-sm text-stone-600">
        No works yet
      </div>
    );
  }
  return (
    <div aria-hidden="true" className="grid aspect-[4/3] grid-cols-3 grid-rows-2 gap-0.5 overflow-hidden rounded-md bg-stone-100">
      <div className={side.length > 0 ? "col-span-2 row-span-2" : "col-span-3 row-span-2"}>
        <Picture variants={cover.thumbnail} alt="" sizes={sizes} placeholder={cover.dominant_color} priority={priority} className="h-full w-full object-cover" />
      </div>
      {side.map((work) => (
        <div key={work.id} className={side.length === 1 ? "row-span-2" : undefined}>
          <Picture variants={work.thumbnail} alt="" sizes="8rem" placeholder={work.dominant_color} className="h-full w-full object-cover" />
        </div>
      ))}
    </div>
  );
}

/** Cards in a row that scrolls sideways on narrow screens. */
export function CollectionRow({ collections, label, priority }: { collections: Collection[]; label: string; priority?: boolean }) {
  return (
    <ul aria-label={label} className="-mx-1 flex snap-x gap-4 overflow-x-auto px-1 pb-2">
      {collections.map((collection, index) => (
        <li key={collection.id} className="w-64 shrink-0 snap-start sm:w-72">
          <CollectionCard collection={collection} priority={priority && index < 2} />
        </li>
      ))}
    </ul>
  );
}

export function CollectionRowSkeleton({ count = 4 }: { count?: number }) {
  return (
    <div aria-hidden="true" className="-mx-1 flex gap-4 overflow-hidden px-1 pb-2">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} className="flex w-64 shrink-0 flex-col gap-2 sm:w-72">
          <div className="aspect-[4/3] w-full animate-pulse rounded-md bg-stone-200 motion-reduce:animate-none" />
          <div className="h-4 w-3/4 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-3 w-1/2 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
      ))}
    </div>
  );
}
