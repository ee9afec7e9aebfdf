"use client";

import Link from "next/link";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";

import { LoadMore } from "@/components/ArtworkGrid";
import { NegotiationStatusBadge } from "@/components/OfferParts";
import { PageSkeleton } from "@/components/PageSkeleton";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { useLiveChannel } from "@/lib/live-react";
import { formatMoney } from "@/lib/money";
import { type Negotiation, type OfferRole, awaitingFirst, awaitsYou, offerHref, offerKeys } from "@/lib/offers";
import { formatDate, formatDateTime, relativeTo } from "@/lib/orders";

/** The viewer's negotiations on one side, pages of them, most recently active first. */
export function useNegotiations(role: OfferRole, enabled = true) {
  return useInfiniteQuery({
    queryKey: offerKeys.list(role),
    queryFn: ({ pageParam, signal }) =>
      call(() => api.GET("/api/offers", { params: { query: pageParam ? { role, before: pageParam } : { role } }, signal })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_before ?? null,
    enabled,
  });
}

/**
 * Offers change as the other side answers: each step reaches the viewer as
 * a notification on their own channel, and whatever is shown of offers is
 * read again.
 */
export function useOffersLive(userId: string) {
  const queryClient = useQueryClient();
  useLiveChannel(`user:${userId}`, (message) => {
    const offer = message.type === "event" && message.kind === "notification" && (message.data as { kind?: string } | null)?.kind === "offer";
    if (offer || message.type === "reload") void queryClient.invalidateQueries({ queryKey: offerKeys.all });
  });
}

const EMPTY = {
  buyer: {
    title: "No offers yet",
    text: "When a work's artist takes offers, its page has a Make an offer button. Your offers and the artists' answers appear here.",
    link: { href: "/search/", label: "Discover works" },
  },
  artist: {
    title: "No offers yet",
    text: "Open a work to offers from its page in your studio. Collectors' offers then appear here for you to answer.",
    link: { href: "/studio/", label: "Go to your works", secondary: true },
  },
} as const;

/**
 * The viewer's offers, those awaiting their answer first, each with the
 * pending offer's deadline and a link to its thread.
 */
export function OfferList({ role, userId }: { role: OfferRole; userId: string }) {
  const negotiations = useNegotiations(role);
  useOffersLive(userId);
  const items = awaitingFirst(negotiations.data?.pages.flatMap((page) => page.items) ?? []);
  const waiting = items.filter(awaitsYou);
  const others = items.filter((n) => !awaitsYou(n));

  if (negotiations.isPending) {
    return (
      <PageSkeleton label="Loading your offers…">
        <div aria-hidden="true" className="h-48 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
      </PageSkeleton>
    );
  }
  if (negotiations.isError) return <ErrorState error={negotiations.error} onRetry={() => void negotiations.refetch()} />;
  if (items.length === 0) {
    const empty = EMPTY[role];
    return (
      <StateMessage title={empty.title} link={empty.link}>
        <p>{empty.text}</p>
      </StateMessage>
    );
  }
  return (
    <>
      <NegotiationSection title="Awaiting your answer" empty="Nothing is waiting for you." negotiations={waiting} />
      <NegotiationSection title={waiting.length > 0 ? "All other offers" : "Your offers"} empty="No other offers yet." negotiations={others} />
      <LoadMore hasMore={negotiations.hasNextPage} loading={negotiations.isFetchingNextPage} onMore={() => void negotiations.fetchNextPage()} />
    </>
  );
}

function NegotiationSection({ title, empty, negotiations }: { title: string; empty: string; negotiations: Negotiation[] }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} className="border-b border-stone-200 pb-2 font-serif text-xl">
        {title}
      </h2>
      {negotiations.length === 0 ? (
        <p className="py-4 text-sm text-stone-600">{empty}</p>
      ) : (
        <ul aria-label={title} className="divide-y divide-stone-200">
          {negotiations.map((negotiation) => (
            <NegotiationRow key={negotiation.id} negotiation={negotiation} />
          ))}
        </ul>
      )}
    </section>
  );
}

function NegotiationRow({ negotiation }: { negotiation: Negotiation }) {
  const latest = negotiation.latest;
  const who = negotiation.you_are === "buyer" ? `with ${negotiation.artist_name}` : `from ${negotiation.buyer_name}`;
  const yours = latest.party === negotiation.you_are;
  return (
    <li className="relative flex flex-wrap items-center justify-between gap-3 py-4 focus-within:bg-stone-100 hover:bg-stone-100/60">
      <div className="min-w-0">
        <h3 className="font-medium">
          <Link href={offerHref(negotiation.id)} className="after:absolute after:inset-0 hover:underline focus-visible:outline-none">
            {negotiation.artwork_title}
          </Link>
        </h3>
        <p className="text-sm text-stone-600">
          {who} · {yours ? "your" : "their"} {negotiation.offers.length > 1 ? "latest offer" : "offer"}{" "}
          <span className="tabular-nums text-stone-900">{formatMoney(latest.amount)}</span> · since{" "}
          <time dateTime={negotiation.created_at}>{formatDate(negotiation.created_at)}</time>
        </p>
        {negotiation.status === "open" && negotiation.expires_at && (
          <p className="text-sm text-stone-800">
            {awaitsYou(negotiation) ? "Answer by" : "Expires"} <time dateTime={negotiation.expires_at}>{formatDateTime(negotiation.expires_at)}</time> (
            {relativeTo(negotiation.expires_at)})
          </p>
        )}
      </div>
      <NegotiationStatusBadge status={negotiation.status} />
    </li>
  );
}
