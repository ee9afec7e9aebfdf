"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";

import { LoadMore } from "@/components/ArtworkGrid";
import { PageSkeleton } from "@/components/PageSkeleton";
import { RequireSession } from "@/components/RequireSession";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import type { User } from "@/lib/api/types";
import { useLiveChannel } from "@/lib/live-react";
import { conversationKeys, otherParty, type Conversation } from "@/lib/messages";
import { formatDateTime } from "@/lib/orders";

import { ConversationView } from "./ConversationView";

/** `/messages/` is the inbox; `/messages/?c=<id>` one conversation (a static export has no page per id). */
export function MessagesPage() {
  const id = useSearchParams().get("c");
  return (
    <RequireSession reason="Sign in to read and answer your messages.">
      {(user) => (id ? <ConversationView key={id} id={id} user={user} /> : <Inbox user={user} />)}
    </RequireSession>
  );
}

function Inbox({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const inbox = useInfiniteQuery({
    queryKey: conversationKeys.inbox,
    queryFn: ({ pageParam, signal }) =>
      call(() => api.GET("/api/conversations", { params: { query: pageParam ? { cursor: pageParam } : {} }, signal })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
    staleTime: 0,
  });
  // A message in any conversation arrives as a notification on the person's
  // channel; so does a step in an offer, which is told in the conversation too.
  useLiveChannel(`user:${user.id}`, (message) => {
    const kind = message.type === "event" ? (message.data as { kind?: string } | null)?.kind : null;
    if (message.type === "reload" || kind === "message" || kind === "offer") void queryClient.invalidateQueries({ queryKey: conversationKeys.inbox });
  });
  const items = inbox.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-8">
      <div>
        <h1 className="font-serif text-3xl">Messages</h1>
        <p className="mt-1 text-stone-600">Your conversations with artists and collectors, most recent first.</p>
      </div>
      {inbox.isPending ? (
        <PageSkeleton label="Loading your conversations…">
          <div aria-hidden="true" className="space-y-3">
            {[0, 1, 2].map((i) => (
              <div key={i} className="h-20 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
            ))}
          </div>
        </PageSkeleton>
      ) : inbox.isError ? (
        <ErrorState error={inbox.error} onRetry={() => void inbox.refetch()} />
      ) : items.length === 0 ? (
        <StateMessage title="No conversations yet" link={{ href: "/search/", label: "Discover works" }}>
          <p>Ask an artist about one of their works, and your conversation appears here.</p>
        </StateMessage>
      ) : (
        <>
          <ul aria-label="Conversations" className="flex flex-col gap-3">
            {items.map((conversation) => (
              <ConversationRow key={conversation.id} conversation={conversation} me={user.id} />
            ))}
          </ul>
          <LoadMore hasMore={inbox.hasNextPage} loading={inbox.isFetchingNextPage} onMore={() => void inbox.fetchNextPage()} />
        </>
      )}
    </div>
  );
}

function ConversationRow({ conversation, me }: { conversation: Conversation; me: string }) {
  const other = otherParty(conversation, me);
  const last = conversation.last_message;
  const unread = conversation.unread > 0;
  return (
    <li
      className={`relative flex items-start justify-between gap-4 rounded-lg border bg-white p-4 focus-within:ring-2 focus-within:ring-stone-900 hover:border-stone-400 ${unread ? "border-stone-400" : "border-stone-200"}`}
    >
      <div className="min-w-0 flex-1">
        <h2 className={`truncate ${unread ? "font-semibold" : "font-medium"}`}>
          <Link href={`/messages/?c=${conversation.id}`} className="after:absolute after:inset-0 focus-visible:outline-none">
            {other.name}
          </Link>
        </h2>
        <p className="truncate text-sm text-stone-600">About “{conversation.artwork_title}”</p>
        {last && (
          <p className={`mt-1 truncate text-sm ${unread ? "text-stone-900" : "text-stone-600"}`}>
            {last.sender_id === me ? "You: " : ""}
            {last.excerpt}
          </p>
        )}
      </div>
      <div className="flex shrink-0 flex-col items-end gap-1 text-xs text-stone-600">
        <time dateTime={conversation.last_message_at}>{formatDateTime(conversation.last_message_at)}</time>
        {unread && (
          <span className="rounded-full bg-red-700 px-2 py-0.5 font-semibold text-white">
            {conversation.unread} unread
          </span>
        )}
        {conversation.blocked && <span className="text-stone-600">Blocked</span>}
      </div>
    </li>
  );
}
