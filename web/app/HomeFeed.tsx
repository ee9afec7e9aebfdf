"use client";

import { infiniteQueryOptions, useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";

import { ArtworkGrid, GridSkeleton, LoadMore } from "@/components/ArtworkGrid";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import type { Schemas } from "@/lib/api/types";
import { useSession } from "@/lib/session";

/** Only recommendations explain themselves; curated and fresh works need no reason. */
export function feedCards(items: Schemas["FeedItem"][]) {
  return items.map((item) => ({ ...item, reason: item.source === "recommended" ? item.reason : null }));
}

function feedQuery(userId: string | null) {
  return infiniteQueryOptions({
    queryKey: ["feed", userId],
    queryFn: ({ pageParam }) => call(() => api.GET("/api/feed", { params: { query: { cursor: pageParam } } })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

export function HomeFeed() {
  const status = useSession((s) => s.status);
  const userId = useSession((s) => (s.status === "signed-in" ? (s.user?.id ?? null) : null));
  const queryClient = useQueryClient();
  // Most visitors have no session to restore: their feed is fetched while
  // the session is still being checked, so it is ready when the check ends.
  useEffect(() => {
    if (useSession.getState().status === "restoring") void queryClient.prefetchInfiniteQuery(feedQuery(null));
  }, [queryClient]);
  // Members' feed is personal, so nothing is shown until the session is
  // known, rather than the visitors' feed flashing before being replaced.
  const feed = useInfiniteQuery({ ...feedQuery(userId), enabled: status !== "restoring" });

  const heading = (
    <h2 id="feed-heading" className="mb-4 text-lg font-semibold text-stone-900">
      {userId ? "For you" : "Selected works"}
    </h2>
  );

  if (status === "restoring" || feed.isPending) {
    return (
      <section aria-labelledby="feed-heading" aria-busy="true">
        {heading}
        <GridSkeleton />
      </section>
    );
  }
  if (!feed.data) {
    return <ErrorState error={feed.error} onRetry={() => void feed.refetch()} />;
  }
  const works = feedCards(feed.data.pages.flatMap((page) => page.items));
  if (works.length === 0) {
    return (
      <StateMessage title="Nothing to show yet" link={{ href: "/search/", label: "Search the collection" }}>
        <p>New works appear here as artists publish them.</p>
      </StateMessage>
    );
  }
  return (
    <section aria-labelledby="feed-heading">
      {heading}
      <ArtworkGrid works={works} label="Artworks" />
      <LoadMore hasMore={feed.hasNextPage} loading={feed.isFetchingNextPage} onMore={() => void feed.fetchNextPage()} />
      {feed.isFetchNextPageError && <ErrorState error={feed.error} onRetry={() => void feed.fetchNextPage()} />}
    </section>
  );
}
