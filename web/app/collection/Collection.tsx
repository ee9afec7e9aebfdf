"use client";

import Link from "next/link";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

import { ArtworkCard } from "@/components/ArtworkCard";
import { ArtworkGrid, GridSkeleton, LoadMore } from "@/components/ArtworkGrid";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { RequireSession } from "@/components/RequireSession";
import { ErrorState } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";
import { cardFromView } from "@/lib/artwork";

import { TasteForm } from "./TasteForm";

export const collectionKeys = {
  saves: ["me", "saves"] as const,
  recommendations: ["me", "recommendations"] as const,
  interactions: ["me", "interactions"] as const,
  preferences: ["me", "preferences"] as const,
};

export function Collection() {
  return (
    <RequireSession reason="Sign in to see the works you saved and the ones we picked for you.">
      {(user) => (
        <div className="flex flex-col gap-14">
          <div>
            <h1 className="font-serif text-3xl">Your collection</h1>
            <p className="mt-1 text-stone-600">Saved works and recommendations for {user.display_name}.</p>
          </div>
          <SavedWorks />
          <Recommendations />
          <TasteForm />
          <History />
        </div>
      )}
    </RequireSession>
  );
}

function Section({ id, title, intro, children }: { id: string; title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id} className="font-serif text-2xl">
        {title}
      </h2>
      {intro && <div className="mt-1 text-sm text-stone-600">{intro}</div>}
      <div className="mt-6">{children}</div>
    </section>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return <div className="rounded-lg border border-dashed border-stone-300 bg-white px-6 py-10 text-center text-stone-600">{children}</div>;
}

function SavedWorks() {
  const queryClient = useQueryClient();
  const saves = useInfiniteQuery({
    queryKey: collectionKeys.saves,
    queryFn: ({ pageParam }) =>
      call(() => api.GET("/api/me/saves", { params: { query: { limit: 24, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
  const remove = useMutation({
    mutationFn: (artworkId: string) =>
      call(() => api.DELETE("/api/me/saves/{artwork_id}", { params: { path: { artwork_id: artworkId } } })),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: collectionKeys.saves });
      void queryClient.invalidateQueries({ queryKey: collectionKeys.recommendations });
    },
  });
  const works = (saves.data?.pages.flatMap((page) => page.items) ?? []).filter(
    (work) => !(remove.isPending && remove.variables === work.id),
  );

  return (
    <Section id="saved-heading" title="Saved works">
      {remove.isError && (
        <p role="alert" className="mb-4 text-sm text-red-800">
          That work could not be removed. {describeError(remove.error)}
        </p>
      )}
      {saves.isPending ? (
        <GridSkeleton count={5} />
      ) : saves.isError ? (
        <ErrorState error={saves.error} onRetry={() => void saves.refetch()} />
      ) : works.length === 0 ? (
        <Empty>
          <p>Nothing saved yet. Save works you love and they will wait for you here.</p>
          <Link href="/search/" className="btn-secondary mt-4">
            Explore works
          </Link>
        </Empty>
      ) : (
        <>
          <ul aria-label="Saved works" className="grid grid-cols-2 gap-x-4 gap-y-8 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5">
            {works.map((work, index) => (
              <li key={work.id} className="flex flex-col gap-2">
                <ArtworkCard work={cardFromView(work)} priority={index < 4} />
                <button
                  type="button"
                  onClick={() => remove.mutate(work.id)}
                  aria-label={`Remove ${work.title} from saved works`}
                  className="relative z-10 self-start rounded-full border border-stone-300 bg-white px-3 py-1 text-xs font-medium text-stone-800 hover:border-stone-500"
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <LoadMore hasMore={saves.hasNextPage} loading={saves.isFetchingNextPage} onMore={() => void saves.fetchNextPage()} />
        </>
      )}
    </Section>
  );
}

function Recommendations() {
  const recommendations = useQuery({
    queryKey: collectionKeys.recommendations,
    queryFn: () => call(() => api.GET("/api/me/recommendations", { params: { query: { limit: 10 } } })),
  });
  const source = recommendations.data?.source;
  return (
    <Section
      id="recommended-heading"
      title="Recommended for you"
      intro={
        source === "taste"
          ? "Picked from the works you viewed, liked and saved."
          : source
            ? "Picked from your preferences and what collectors are looking at now. They get more personal as you explore."
            : null
      }
    >
      {recommendations.isPending ? (
        <GridSkeleton count={5} />
      ) : recommendations.isError ? (
        <ErrorState error={recommendations.error} onRetry={() => void recommendations.refetch()} />
      ) : recommendations.data.items.length === 0 ? (
        <Empty>
          <p>No recommendations yet. Tell us your taste below, or explore a few works.</p>
        </Empty>
      ) : (
        <ArtworkGrid works={recommendations.data.items} label="Recommended for you" />
      )}
    </Section>
  );
}

const KIND_LABEL: Record<string, string> = {
  view: "Viewed",
  like: "Liked",
  save: "Saved",
  share: "Shared",
  not_interested: "Not interested in",
  purchase: "Bought",
};

function History() {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [forgotten, setForgotten] = useState(false);
  const history = useQuery({
    queryKey: collectionKeys.interactions,
    queryFn: () => call(() => api.GET("/api/me/interactions", { params: { query: { limit: 50 } } })),
  });
  const forget = useMutation({
    mutationFn: () => call(() => api.DELETE("/api/me/interactions")),
    onSuccess: () => {
      setConfirming(false);
      setForgotten(true);
      queryClient.setQueryData(collectionKeys.interactions, []);
      void queryClient.invalidateQueries({ queryKey: collectionKeys.interactions });
      void queryClient.invalidateQueries({ queryKey: collectionKeys.recommendations });
    },
  });
  const entries = history.data ?? [];

  return (
    <Section
      id="history-heading"
      title="Your history"
      intro="What you looked at and liked: recommendations learn from it. Only you can see it."
    >
      <p role="status" className="mb-4 text-sm text-emerald-900 empty:hidden">
        {forgotten ? "Your history is forgotten. Recommendations now start again from your saved works and preferences." : ""}
      </p>
      {history.isPending ? (
        <div className="h-32 animate-pulse rounded-md bg-stone-200 motion-reduce:animate-none" aria-hidden="true" />
      ) : history.isError ? (
        <ErrorState error={history.error} onRetry={() => void history.refetch()} />
      ) : entries.length === 0 ? (
        <Empty>
          <p>No history yet.</p>
        </Empty>
      ) : (
        <ol className="divide-y divide-stone-200 rounded-md border border-stone-200 bg-white">
          {entries.map((entry) => (
            <li key={entry.id} className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 px-4 py-3 text-sm">
              <span>
                <span className="text-stone-600">{KIND_LABEL[entry.kind] ?? entry.kind} </span>
                <a href={`/artworks/${entry.artwork_id}`} className="font-medium text-stone-900 hover:underline">
                  {entry.artwork_title}
                </a>
              </span>
              <time dateTime={entry.created_at} className="text-stone-600">
                {new Date(entry.created_at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}
              </time>
            </li>
          ))}
        </ol>
      )}
      <button
        type="button"
        className="btn-secondary mt-6"
        onClick={() => {
          forget.reset();
          setConfirming(true);
        }}
      >
        Forget my history
      </button>
      <ConfirmDialog
        open={confirming}
        title="Forget your history?"
        confirmLabel="Forget history"
        pending={forget.isPending}
        error={forget.isError ? describeError(forget.error) : null}
        onConfirm={() => forget.mutate()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Everything you viewed, liked and shared is deleted, with the taste learnt from it. Your saved works and
          preferences stay.
        </p>
      </ConfirmDialog>
    </Section>
  );
}
