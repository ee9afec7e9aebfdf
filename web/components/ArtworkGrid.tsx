"use client";

import { useEffect, useEffectEvent, useRef } from "react";

import type { ArtworkCard as Card } from "@/lib/api/types";
import { liveBadge } from "@/lib/availability";

import { CollectDialog, useCollecting } from "./AddToCollection";
import { ArtworkCard, GRID_SIZES } from "./ArtworkCard";
import { useLiveStatuses, useWorksOnScreen } from "./liveWorks";

/** `wide` fills the page; `narrow` sits beside a sidebar, where five columns
 * would make every work a postage stamp. */
const GRIDS = {
  wide: { className: "grid grid-cols-2 gap-x-4 gap-y-8 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5", sizes: GRID_SIZES },
  narrow: {
    className: "grid grid-cols-2 gap-x-4 gap-y-8 sm:grid-cols-3 xl:grid-cols-4",
    // Beside the 15rem filter column from lg up.
    sizes:
      "(min-width: 1280px) 228px, (min-width: 1024px) calc(33.3vw - 7.4rem), (min-width: 640px) calc(33.3vw - 1.7rem), calc(50vw - 1.5rem)",
  },
} as const;

export type GridLayout = keyof typeof GRIDS;

/** The first row on a phone: fetched first and at once, as one of them is
 * usually the largest thing on screen. Later images load as they near view. */
const EAGER_IMAGES = 2;

type Item = Card & { reason?: string | null };

type GridProps = {
  works: Item[];
  label: string;
  layout?: GridLayout;
  /** Whether the first row is above the fold, and so loaded eagerly. */
  eager?: boolean;
};

/** A grid of works; those on screen show live when they are reserved or sold.
 * Each can be added to a collection, through one dialog for the grid. */
export function ArtworkGrid({ works, label, layout = "wide", eager = true }: GridProps) {
  const grid = GRIDS[layout];
  const list = useRef<HTMLUListElement>(null);
  const statuses = useLiveStatuses(useWorksOnScreen(list, works.map((work) => work.id)));
  const { collecting, start, close } = useCollecting();
  return (
    <>
      <ul ref={list} className={grid.className} aria-label={label}>
        {works.map((work, index) => (
          <li key={work.id} data-work={work.id}>
            <ArtworkCard
              work={work}
              note={work.reason}
              priority={eager && index < EAGER_IMAGES}
              sizes={grid.sizes}
              badge={liveBadge(statuses[work.id])}
              onCollect={() => start(work)}
            />
          </li>
        ))}
      </ul>
      <CollectDialog collecting={collecting} onClose={close} />
    </>
  );
}

export function GridSkeleton({ count = 10, layout = "wide" }: { count?: number; layout?: GridLayout }) {
  return (
    <div className={GRIDS[layout].className} aria-hidden="true" data-testid="grid-skeleton">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} className="flex flex-col gap-2">
          <div className="aspect-[4/5] w-full animate-pulse rounded-md bg-stone-200 motion-reduce:animate-none" />
          <div className="h-4 w-3/4 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-3 w-1/2 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
      ))}
    </div>
  );
}

type MoreProps = {
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
};

/**
 * Loads the next page when it scrolls into view, and is also a button, so
 * keyboard and screen-reader users (and browsers without
 * IntersectionObserver) can ask for more themselves.
 */
export function LoadMore({ hasMore, loading, onMore }: MoreProps) {
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useEffectEvent(onMore);

  useEffect(() => {
    const node = sentinel.current;
    if (!node || !hasMore || loading || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) more();
      },
      { rootMargin: "600px 0px" },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [hasMore, loading]);

  if (!hasMore) return null;
  return (
    <div ref={sentinel} className="mt-10 flex justify-center">
      <button type="button" onClick={onMore} disabled={loading} className="btn-secondary">
        {loading ? "Loading…" : "Show more"}
      </button>
    </div>
  );
}
