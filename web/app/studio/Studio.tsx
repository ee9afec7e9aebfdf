"use client";

import Link from "next/link";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";

import { LoadMore } from "@/components/ArtworkGrid";
import { Picture } from "@/components/Picture";
import { ErrorState } from "@/components/StateMessage";
import { StatusBadge } from "@/components/StatusBadge";
import { api, call } from "@/lib/api/client";
import type { Schemas } from "@/lib/api/types";
import { formatPrice, pluralise } from "@/lib/format";

import { CreateProfileForm } from "./CreateProfileForm";
import { StudioGate } from "./StudioGate";
import { StudioNav } from "./StudioNav";

type Artwork = Schemas["ArtworkView"];
/** Which works a shelf lists: the API's default (what collectors can see) or one status. */
type Shelf = "draft" | "listed" | "archived";

export const studioKey = (artistId: string, shelf: Shelf) => ["studio", artistId, shelf] as const;

export function Studio() {
  return (
    <StudioGate>
      {(user) => (user.artist_id ? <Works artistId={user.artist_id} /> : <CreateProfileForm user={user} />)}
    </StudioGate>
  );
}

function Works({ artistId }: { artistId: string }) {
  const artist = useQuery({
    queryKey: ["artist", artistId],
    queryFn: () => call(() => api.GET("/api/artists/{id}", { params: { path: { id: artistId } } })),
  });
  const drafts = useShelf(artistId, "draft");
  const listed = useShelf(artistId, "listed");
  const archived = useShelf(artistId, "archived");
  const loading = drafts.isPending || listed.isPending;
  const empty = !loading && count(drafts.data) + count(listed.data) + count(archived.data) === 0;

  return (
    <div className="flex flex-col gap-10">
      <StudioNav />
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="font-serif text-3xl">Studio</h1>
          <p className="mt-1 min-h-6 text-stone-600">
            {artist.data && (
              <>
                {artist.data.name} ·{" "}
                <a href={`/artists/${artist.data.slug}`} className="underline underline-offset-2 hover:text-stone-900">
                  View your public profile
                </a>
              </>
            )}
          </p>
        </div>
        <Link href="/studio/new/" className="btn-primary">
          New artwork
        </Link>
      </div>

      {empty ? (
        <div className="rounded-lg border border-dashed border-stone-300 bg-white px-6 py-12 text-center">
          <h2 className="text-lg font-semibold">Your studio is empty</h2>
          <p className="mx-auto mt-2 max-w-md text-stone-600">
            List your first work: add its details as a draft, upload photographs, and publish it when it is ready.
          </p>
          <Link href="/studio/new/" className="btn-primary mt-6">
            List your first work
          </Link>
        </div>
      ) : (
        <>
          <ShelfSection title="Drafts" hint="Only you can see these." shelf={drafts} />
          <ShelfSection title="Listed" hint="Published, reserved and sold works." shelf={listed} />
          {count(archived.data) > 0 && (
            <ShelfSection title="Archived" hint="Out of the catalog; their history stays." shelf={archived} />
          )}
        </>
      )}
    </div>
  );
}

function useShelf(artistId: string, shelf: Shelf) {
  return useInfiniteQuery({
    queryKey: studioKey(artistId, shelf),
    queryFn: ({ pageParam }) =>
      call(() =>
        api.GET("/api/artists/{id}/artworks", {
          params: {
            path: { id: artistId },
            query: {
              ...(shelf === "listed" ? {} : { status: shelf }),
              sort: "newest",
              limit: 24,
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
}

type ShelfQuery = ReturnType<typeof useShelf>;

const count = (data: ShelfQuery["data"]) => data?.pages.reduce((sum, page) => sum + page.items.length, 0) ?? 0;

function ShelfSection({ title, hint, shelf }: { title: string; hint: string; shelf: ShelfQuery }) {
  const works = shelf.data?.pages.flatMap((page) => page.items) ?? [];
  const id = `shelf-${title.toLowerCase()}`;
  return (
    <section aria-labelledby={id}>
      <div className="flex items-baseline justify-between gap-4 border-b border-stone-200 pb-2">
        <h2 id={id} className="font-serif text-xl">
          {title}
          {shelf.data && <span className="ml-2 text-base text-stone-600">({works.length}{shelf.hasNextPage ? "+" : ""})</span>}
        </h2>
        <p className="text-sm text-stone-600">{hint}</p>
      </div>
      {shelf.isPending ? (
        <ul aria-hidden="true" className="divide-y divide-stone-200">
          {[0, 1, 2].map((i) => (
            <li key={i} className="flex gap-4 py-4">
              <div className="h-20 w-16 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
              <div className="flex-1 space-y-2 pt-1">
                <div className="h-4 w-1/3 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
                <div className="h-3 w-1/4 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
              </div>
            </li>
          ))}
        </ul>
      ) : shelf.isError ? (
        <ErrorState error={shelf.error} onRetry={() => void shelf.refetch()} />
      ) : works.length === 0 ? (
        <p className="py-6 text-sm text-stone-600">Nothing here yet.</p>
      ) : (
        <>
          <ul className="divide-y divide-stone-200">
            {works.map((work) => (
              <WorkRow key={work.id} work={work} />
            ))}
          </ul>
          <LoadMore
            hasMore={shelf.hasNextPage}
            loading={shelf.isFetchingNextPage}
            onMore={() => void shelf.fetchNextPage()}
          />
        </>
      )}
    </section>
  );
}

function WorkRow({ work }: { work: Artwork }) {
  const cover = work.images[0];
  return (
    <li className="relative flex gap-4 py-4 focus-within:bg-stone-100 hover:bg-stone-100/60">
      <div className="w-16 shrink-0 overflow-hidden rounded bg-stone-100">
        <Picture
          variants={cover?.variants}
          alt=""
          sizes="64px"
          placeholder={cover?.palette[0]?.hex}
          className="aspect-[4/5] h-auto w-full object-cover"
        />
      </div>
      <div className="min-w-0 flex-1">
        <h3 className="font-medium">
          <Link
            href={`/studio/edit/?id=${work.id}`}
            className="after:absolute after:inset-0 hover:underline focus-visible:outline-none"
          >
            {work.title}
          </Link>
        </h3>
        <p className="mt-1 text-sm text-stone-600">
          {formatPrice(work.price)} · {work.images.length === 0 ? "no images" : pluralise(work.images.length, "image")} ·
          updated {new Date(work.updated_at).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" })}
        </p>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <StatusBadge status={work.status} held={work.held_for_review} />
          <Completeness value={work.completeness} />
        </div>
      </div>
    </li>
  );
}

function Completeness({ value }: { value: number }) {
  return (
    <span className="flex items-center gap-2 text-xs text-stone-600">
      <span className="h-1.5 w-16 overflow-hidden rounded-full bg-stone-200" aria-hidden="true">
        <span className="block h-full bg-stone-700" style={{ width: `${value}%` }} />
      </span>
      {value}% complete
    </span>
  );
}
