"use client";

import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { ArtworkGrid, GridSkeleton, LoadMore } from "@/components/ArtworkGrid";
import { PageSkeleton } from "@/components/PageSkeleton";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { StyleLink } from "@/components/StyleLink";
import { ToggleAction } from "@/components/ToggleAction";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { cardFromView, lifespan, linkLabel } from "@/lib/artwork";
import { pluralise } from "@/lib/format";
import { useRouteId } from "@/lib/route";
import { useSignedInToggle } from "@/lib/signin";
import { useSession } from "@/lib/session";

import { ArtistRating, ArtistReviews } from "./ArtistReviews";

type Artist = Schemas["ArtistView"];

export function ArtistPage() {
  const slug = useRouteId("artists");
  // `following` is part of the profile for a signed-in caller only, so the
  // profile is asked for again once the session is known.
  const status = useSession((s) => s.status);
  const userId = useSession((s) => s.user?.id ?? null);
  const artist = useQuery({
    queryKey: ["artist", slug, userId],
    queryFn: ({ signal }) => call(() => api.GET("/api/artists/{id}", { params: { path: { id: slug! } }, signal })),
    enabled: Boolean(slug) && status !== "restoring",
  });

  const name = artist.data?.name;
  const missing = slug === null || (artist.error instanceof ApiError && artist.error.isNotFound);
  useEffect(() => {
    if (name) document.title = `${name} · Atelier`;
    else if (missing) document.title = "Artist not found · Atelier";
  }, [name, missing]);

  if (missing) {
    return (
      <StateMessage title="This artist is not on Atelier" link={{ href: "/search/", label: "Search the collection" }}>
        <p>The profile may have been removed, or the link may be mistyped.</p>
      </StateMessage>
    );
  }
  if (artist.isError) return <ErrorState error={artist.error} onRetry={() => void artist.refetch()} />;
  if (!artist.data) return <ProfileSkeleton />;
  return (
    <>
      <Profile artist={artist.data} />
      <ArtistReviews artistId={artist.data.id} artistName={artist.data.name} />
      <Works artist={artist.data} />
    </>
  );
}

function Profile({ artist }: { artist: Artist }) {
  const details = [lifespan(artist), artist.location].filter(Boolean).join(" · ");
  return (
    <header className="mb-12 grid gap-6 border-b border-stone-200 pb-10 md:grid-cols-[minmax(0,1fr)_auto]">
      <div className="max-w-3xl">
        <h1 className="font-serif text-3xl font-semibold tracking-tight text-stone-900 sm:text-4xl">{artist.name}</h1>
        {details && <p className="mt-1 text-stone-700">{details}</p>}
        <div className="mt-1 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-stone-600">
          <ArtistRating artistId={artist.id} />
          <p>
            {pluralise(artist.artwork_count, "work")} · {pluralise(artist.follower_count, "follower")}
          </p>
        </div>
        {artist.bio && <p className="mt-4 leading-relaxed whitespace-pre-line text-stone-800">{artist.bio}</p>}
        {artist.styles.length > 0 && (
          <ul aria-label="Styles" className="mt-4 flex flex-wrap gap-2 text-sm">
            {artist.styles.map((style) => (
              <li key={style}>
                <StyleLink style={style} />
              </li>
            ))}
          </ul>
        )}
        {artist.links.length > 0 && (
          <ul aria-label="Links" className="mt-4 flex flex-wrap gap-x-5 gap-y-1 text-sm">
            {artist.links.map((url) => (
              <li key={url}>
                <a href={url} rel="nofollow noopener noreferrer" className="text-stone-800 underline underline-offset-4 hover:text-stone-600">
                  {linkLabel(url)}
                </a>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="md:pt-2">
        <FollowButton artist={artist} />
      </div>
    </header>
  );
}

function FollowButton({ artist }: { artist: Artist }) {
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState("");
  const follow = useSignedInToggle({
    current: artist.following ?? false,
    send: async (on) => {
      const path = { params: { path: { id: artist.id } } };
      await call(() => (on ? api.PUT("/api/artists/{id}/follow", path) : api.DELETE("/api/artists/{id}/follow", path)));
      await queryClient.invalidateQueries({ queryKey: ["artist"] });
    },
    report: setFailure,
    describe: (_, error) => describeError(error),
  });

  return (
    <div className="flex flex-col items-start gap-2">
      <ToggleAction label="Follow" icon="follow" pressed={follow.on} busy={follow.busy} onToggle={() => void follow.toggle()} />
      <p role="status" className="text-sm text-red-700">
        {failure}
      </p>
    </div>
  );
}

function Works({ artist }: { artist: Artist }) {
  const works = useInfiniteQuery({
    queryKey: ["artist-works", artist.id],
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/artists/{id}/artworks", {
          params: { path: { id: artist.id }, query: { cursor: pageParam, limit: 20 } },
          signal,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });

  let body;
  if (works.isPending) body = <GridSkeleton count={5} />;
  else if (!works.data || (works.isError && !works.isFetchNextPageError))
    body = <ErrorState error={works.error} onRetry={() => void works.refetch()} />;
  else {
    const cards = works.data.pages.flatMap((page) => page.items.map(cardFromView));
    body =
      cards.length === 0 ? (
        <p className="text-stone-600">{artist.name} has no works for sale at the moment.</p>
      ) : (
        <>
          <ArtworkGrid works={cards} label={`Works by ${artist.name}`} />
          <LoadMore hasMore={works.hasNextPage} loading={works.isFetchingNextPage} onMore={() => void works.fetchNextPage()} />
          {works.isFetchNextPageError && <ErrorState error={works.error} onRetry={() => void works.fetchNextPage()} />}
        </>
      );
  }
  return (
    <section aria-labelledby="works-heading">
      <h2 id="works-heading" className="mb-6 font-serif text-2xl font-semibold text-stone-900">
        Works
      </h2>
      {body}
    </section>
  );
}

function ProfileSkeleton() {
  return (
    <PageSkeleton label="Loading artist…">
      <div className="mb-12 flex flex-col gap-3 border-b border-stone-200 pb-10" aria-hidden="true">
        <div className="h-10 w-1/2 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        <div className="h-5 w-1/4 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        <div className="h-16 w-2/3 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
      </div>
      <GridSkeleton count={5} />
    </PageSkeleton>
  );
}
