"use client";

import Link from "next/link";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type UseInfiniteQueryResult } from "@tanstack/react-query";
import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";

import { Field, FormAlert, fieldMessages, formMessage } from "@/components/Field";
import { useNegotiations } from "@/components/OfferList";
import { OfferStatusBadge } from "@/components/OfferParts";
import { PageSkeleton } from "@/components/PageSkeleton";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { User } from "@/lib/api/types";
import type { LiveMessage } from "@/lib/live";
import { useLive, useLiveChannel } from "@/lib/live-react";
import {
  MAX_MESSAGE_CHARS,
  chronological,
  conversationKeys,
  isReadUpTo,
  messageLength,
  otherParty,
  withMessage,
  type Conversation,
  type Message,
  type MessagePages,
} from "@/lib/messages";
import { formatMoney } from "@/lib/money";
import { notificationKeys } from "@/lib/notifications";
import { type Negotiation, type Offer, type OfferRole, offerHref, offerKeys } from "@/lib/offers";
import { formatDateTime } from "@/lib/orders";

/** How long "… is typing" shows after the last sign of it. */
export const TYPING_SHOWN_MS = 4_000;
/** At most one typing signal this often. */
export const TYPING_EVERY_MS = 2_000;

const visible = () => typeof document === "undefined" || document.visibilityState === "visible";

export function ConversationView({ id, user }: { id: string; user: User }) {
  const queryClient = useQueryClient();
  const conversation = useQuery({
    queryKey: conversationKeys.one(id),
    queryFn: ({ signal }) => call(() => api.GET("/api/conversations/{id}", { params: { path: { id } }, signal })),
    staleTime: 0,
  });
  const messages = useInfiniteQuery({
    queryKey: conversationKeys.messages(id),
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/conversations/{id}/messages", { params: { path: { id }, query: pageParam ? { before: pageParam } : {} }, signal }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_before ?? null,
    staleTime: 0,
  });

  const setConversation = (change: (old: Conversation) => Conversation) =>
    queryClient.setQueryData<Conversation>(conversationKeys.one(id), (old) => (old ? change(old) : old));
  const addMessage = (message: Message) =>
    queryClient.setQueryData<MessagePages>(conversationKeys.messages(id), (old) => withMessage(old, message));

  // Reading: when the conversation opens with unread messages, and whenever
  // the other side writes while it is open (and the tab is in view).
  const { mutate: markRead } = useMutation({
    mutationFn: () => call(() => api.POST("/api/conversations/{id}/read", { params: { path: { id } } })),
    onSuccess: () => {
      setConversation((old) => ({ ...old, unread: 0 }));
      void queryClient.invalidateQueries({ queryKey: conversationKeys.inbox });
    },
  });
  const unreadOnOpen = conversation.data ? conversation.data.unread > 0 : false;
  const readLater = useRef(false);
  const readNow = () => {
    if (visible()) markRead();
    else readLater.current = true;
  };
  const readOnce = useRef(false);
  useEffect(() => {
    if (!unreadOnOpen || readOnce.current) return;
    readOnce.current = true;
    if (visible()) markRead();
    else readLater.current = true;
  }, [unreadOnOpen, markRead]);
  useEffect(() => {
    const shown = () => {
      if (visible() && readLater.current) {
        readLater.current = false;
        markRead();
      }
    };
    document.addEventListener("visibilitychange", shown);
    return () => document.removeEventListener("visibilitychange", shown);
  }, [markRead]);

  const [typingUntil, setTypingUntil] = useState<number | null>(null);
  useEffect(() => {
    if (typingUntil === null) return;
    const timer = setTimeout(() => setTypingUntil(null), Math.max(0, typingUntil - Date.now()));
    return () => clearTimeout(timer);
  }, [typingUntil]);

  const channel = `conversation:${id}`;
  useLiveChannel(channel, (message: LiveMessage) => {
    if (message.type === "reload") {
      void queryClient.invalidateQueries({ queryKey: conversationKeys.one(id) });
      void queryClient.invalidateQueries({ queryKey: conversationKeys.messages(id) });
    } else if (message.type === "typing") {
      if (message.user_id !== user.id) setTypingUntil(Date.now() + TYPING_SHOWN_MS);
    } else if (message.type === "event" && message.kind === "message") {
      const arrived = message.data as Message;
      const known = queryClient
        .getQueryData<MessagePages>(conversationKeys.messages(id))
        ?.pages.some((page) => page.items.some((item) => item.id === arrived.id));
      if (known) return;
      addMessage(arrived);
      // A step in a negotiation: the offers it tells of have changed.
      if (arrived.offer_id) void queryClient.invalidateQueries({ queryKey: offerKeys.all });
      setConversation((old) => ({ ...old, last_message_at: arrived.created_at }));
      if (arrived.sender_id !== user.id) {
        setTypingUntil(null);
        readNow();
      }
    } else if (message.type === "event" && message.kind === "read") {
      const mark = message.data as { user_id?: string; last_read_id?: string | null };
      if (mark.user_id && mark.user_id !== user.id && mark.last_read_id) {
        const lastRead = mark.last_read_id;
        setConversation((old) =>
          isReadUpTo(lastRead, old.their_last_read_id) ? old : { ...old, their_last_read_id: lastRead },
        );
      }
    }
  });

  // The notification about a message read here, as it arrives, is read too.
  const { mutate: readNotification } = useMutation({
    mutationFn: (notificationId: string) =>
      call(() => api.POST("/api/me/notifications/{id}/read", { params: { path: { id: notificationId } } })),
    onSuccess: (count) => queryClient.setQueryData(notificationKeys.unread(user.id), count),
  });
  useLiveChannel(`user:${user.id}`, (message) => {
    if (message.type !== "event" || message.kind !== "notification" || !visible()) return;
    const notification = message.data as { id?: string; kind?: string; data?: { conversation_id?: string } };
    if (notification.kind === "message" && notification.data?.conversation_id === id && notification.id) {
      readNotification(notification.id);
    }
  });

  if (conversation.isPending) {
    return (
      <PageSkeleton label="Loading the conversation…">
        <div aria-hidden="true" className="mx-auto max-w-3xl space-y-4">
          <div className="h-9 w-1/2 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
          <div className="h-80 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        </div>
      </PageSkeleton>
    );
  }
  if (conversation.isError) {
    if (conversation.error instanceof ApiError && [400, 404, 422].includes(conversation.error.status)) {
      return (
        <StateMessage title="Conversation not found" link={{ href: "/messages/", label: "All your messages", secondary: true }}>
          <p>It may belong to another account, or the link may be mistyped.</p>
        </StateMessage>
      );
    }
    return <ErrorState error={conversation.error} onRetry={() => void conversation.refetch()} />;
  }

  const data = conversation.data;
  const other = otherParty(data, user.id);
  const participant = data.collector.user_id === user.id || data.artist.user_id === user.id;
  const role: OfferRole | null = data.collector.user_id === user.id ? "buyer" : data.artist.user_id === user.id ? "artist" : null;
  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-6">
      <div>
        <Link href="/messages/" className="text-sm text-stone-700 hover:underline">
          ← All messages
        </Link>
        <h1 className="mt-2 font-serif text-3xl break-words">
          {other.artist_slug ? (
            <a href={`/artists/${other.artist_slug}`} className="underline-offset-4 hover:underline">
              {other.name}
            </a>
          ) : (
            other.name
          )}
        </h1>
        <p className="mt-1 text-stone-600">
          About{" "}
          <a href={`/artworks/${data.artwork_id}`} className="font-medium text-stone-900 underline underline-offset-2">
            {data.artwork_title}
          </a>
        </p>
      </div>

      <Thread
        me={user.id}
        role={role}
        otherName={other.name}
        theirLastRead={data.their_last_read_id ?? null}
        messages={messages}
        typing={typingUntil !== null}
      />

      {participant && (
        <>
          <Composer
            id={id}
            channel={channel}
            blocked={data.blocked}
            onSent={(message) => {
              addMessage(message);
              setConversation((old) => ({ ...old, last_message_at: message.created_at }));
              void queryClient.invalidateQueries({ queryKey: conversationKeys.inbox });
            }}
          />
          <Safety
            id={id}
            blocked={data.blocked}
            otherName={other.name}
            onBlocked={(blocked) => {
              setConversation((old) => ({ ...old, blocked }));
              void queryClient.invalidateQueries({ queryKey: conversationKeys.inbox });
            }}
          />
        </>
      )}
    </div>
  );
}

type ThreadProps = {
  me: string;
  /** The viewer's side in the offers the conversation tells of; null for someone reading it who is neither. */
  role: OfferRole | null;
  otherName: string;
  theirLastRead: string | null;
  messages: UseInfiniteQueryResult<MessagePages>;
  typing: boolean;
};

function Thread({ me, role, otherName, theirLastRead, messages, typing }: ThreadProps) {
  const list = chronological(messages.data);
  const steps = useOfferSteps(role, list.flatMap((message) => (message.offer_id ? [message.offer_id] : [])));
  const scroller = useRef<HTMLDivElement>(null);
  // Whether the reader is at the newest message: then new ones scroll into view.
  const atEnd = useRef(true);
  // The scroll height before older messages were added above, to keep the reader's place.
  const heightBeforeOlder = useRef<number | null>(null);
  const newest = list.at(-1);
  const oldest = list[0]?.id;

  useLayoutEffect(() => {
    const node = scroller.current;
    if (!node) return;
    if (heightBeforeOlder.current !== null) {
      node.scrollTop += node.scrollHeight - heightBeforeOlder.current;
      heightBeforeOlder.current = null;
    }
  }, [oldest]);
  useLayoutEffect(() => {
    const node = scroller.current;
    if (node && (atEnd.current || newest?.sender_id === me)) node.scrollTop = node.scrollHeight;
  }, [newest?.id, newest?.sender_id, me]);

  const myLast = [...list].reverse().find((message) => message.sender_id === me);
  const seen = myLast ? isReadUpTo(myLast.id, theirLastRead) : false;

  if (messages.isPending) {
    return <div aria-busy="true" className="h-64 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />;
  }
  if (messages.isError) return <ErrorState error={messages.error} onRetry={() => void messages.refetch()} />;

  return (
    <section aria-label="Conversation" className="flex flex-col rounded-lg border border-stone-200 bg-white">
      <div
        ref={scroller}
        onScroll={(event) => {
          const node = event.currentTarget;
          atEnd.current = node.scrollHeight - node.scrollTop - node.clientHeight < 80;
        }}
        className="max-h-[60vh] min-h-48 overflow-y-auto p-4"
      >
        {messages.hasNextPage && (
          <div className="mb-4 flex justify-center">
            <button
              type="button"
              className="btn-secondary px-4 py-1.5"
              disabled={messages.isFetchingNextPage}
              onClick={() => {
                heightBeforeOlder.current = scroller.current?.scrollHeight ?? null;
                void messages.fetchNextPage();
              }}
            >
              {messages.isFetchingNextPage ? "Loading…" : "Load older messages"}
            </button>
          </div>
        )}
        {list.length === 0 ? (
          <p className="py-10 text-center text-stone-600">No messages yet.</p>
        ) : (
          <ol aria-label="Messages" className="flex flex-col gap-3">
            {list.map((message) => {
              const mine = message.sender_id === me;
              if (message.offer_id) {
                return (
                  <li key={message.id} className={`flex flex-col ${mine ? "items-end" : "items-start"}`}>
                    <OfferCard message={message} who={mine ? "You" : otherName} step={steps.get(message.offer_id)} role={role} />
                    <p className="mt-1 text-xs text-stone-600">
                      <time dateTime={message.created_at}>{formatDateTime(message.created_at)}</time>
                    </p>
                  </li>
                );
              }
              return (
                <li key={message.id} className={`flex flex-col ${mine ? "items-end" : "items-start"}`}>
                  <div
                    className={`max-w-[85%] rounded-2xl px-4 py-2 ${mine ? "rounded-br-sm bg-stone-900 text-white" : "rounded-bl-sm bg-stone-100 text-stone-900"}`}
                  >
                    <span className="sr-only">{mine ? "You" : otherName}: </span>
                    {/* Plain text, never markup: React escapes it, and the line breaks are the writer's. */}
                    <p className="break-words whitespace-pre-wrap">{message.body}</p>
                  </div>
                  <p className="mt-1 text-xs text-stone-600">
                    <time dateTime={message.created_at}>{formatDateTime(message.created_at)}</time>
                    {mine && message.id === myLast?.id && seen && <span> · Seen</span>}
                  </p>
                </li>
              );
            })}
          </ol>
        )}
      </div>
      <p aria-live="polite" className="min-h-6 border-t border-stone-100 px-4 py-1 text-sm text-stone-600 italic">
        {typing ? `${otherName} is typing…` : ""}
      </p>
    </section>
  );
}

/** The pages of negotiations the viewer's side holds that a conversation's offers are looked up in, at most. */
const STEP_PAGES = 4;

/**
 * The negotiation and offer each step in the conversation tells of, by
 * offer id. Messages name only the offer, so they are found among the
 * viewer's negotiations (most recently active first), reading further pages
 * while some are missing.
 */
function useOfferSteps(role: OfferRole | null, offerIds: string[]): Map<string, { negotiation: Negotiation; offer: Offer }> {
  const negotiations = useNegotiations(role ?? "buyer", role !== null && offerIds.length > 0);
  const found = new Map<string, { negotiation: Negotiation; offer: Offer }>();
  for (const negotiation of negotiations.data?.pages.flatMap((page) => page.items) ?? []) {
    for (const offer of negotiation.offers) found.set(offer.id, { negotiation, offer });
  }
  const missing = offerIds.some((id) => !found.has(id));
  const pages = negotiations.data?.pages.length ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = negotiations;
  useEffect(() => {
    if (missing && hasNextPage && !isFetchingNextPage && pages < STEP_PAGES) void fetchNextPage();
  }, [missing, hasNextPage, isFetchingNextPage, pages, fetchNextPage]);
  return found;
}

/** A step in a negotiation, told in the conversation: the offer's amount and where it stands, and the way to its thread. */
function OfferCard({
  message,
  who,
  step,
  role,
}: {
  message: Message;
  who: string;
  step: { negotiation: Negotiation; offer: Offer } | undefined;
  role: OfferRole | null;
}) {
  return (
    <div className="w-full max-w-[85%] rounded-2xl border border-amber-300 bg-amber-50 px-4 py-3 text-stone-900 sm:w-auto sm:min-w-72">
      <span className="sr-only">{who}: </span>
      <p className="text-xs font-medium tracking-wide text-amber-900 uppercase">Offer</p>
      {step && (
        <p className="mt-1 flex flex-wrap items-center gap-2">
          <span className="text-lg font-semibold tabular-nums">{formatMoney(step.offer.amount)}</span>
          <OfferStatusBadge status={step.offer.status} />
        </p>
      )}
      {/* Plain text, never markup, as every message. */}
      <p className="mt-1 break-words whitespace-pre-wrap">{message.body}</p>
      <p className="mt-2 text-sm">
        {step ? (
          <Link href={offerHref(step.negotiation.id)} className="font-medium underline underline-offset-2">
            View the offer
          </Link>
        ) : (
          <Link href={role === "artist" ? "/studio/offers/" : "/offers/"} className="font-medium underline underline-offset-2">
            All your offers
          </Link>
        )}
      </p>
    </div>
  );
}

function Composer({
  id,
  channel,
  blocked,
  onSent,
}: {
  id: string;
  channel: string;
  blocked: boolean;
  onSent: (message: Message) => void;
}) {
  const live = useLive();
  const [text, setText] = useState("");
  const typedAt = useRef(0);
  const send = useMutation({
    mutationFn: (body: string) => call(() => api.POST("/api/conversations/{id}/messages", { params: { path: { id } }, body: { body } })),
    onSuccess: (message) => {
      setText("");
      onSent(message);
    },
  });
  const length = messageLength(text);
  const fields = fieldMessages(send.error);
  const failure = formMessage(send.error, (field) => field === "body");

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (length === 0 || send.isPending) return;
    send.mutate(text);
  };
  const typed = (value: string) => {
    setText(value);
    if (send.error) send.reset();
    const now = Date.now();
    if (value.trim() && live && now - typedAt.current >= TYPING_EVERY_MS && live.typing(channel)) typedAt.current = now;
  };
  const keys = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) submit();
  };

  if (blocked) {
    return (
      <p className="rounded-lg border border-stone-200 bg-white p-4 text-sm text-stone-700">
        You blocked this conversation: neither of you can write until you unblock it.
      </p>
    );
  }
  return (
    <form onSubmit={submit} className="flex flex-col gap-3" noValidate>
      <FormAlert message={failure} />
      <Field
        label="Your message"
        error={fields.body}
        help={
          <span className={length > MAX_MESSAGE_CHARS ? "text-red-700" : undefined}>
            {length.toLocaleString()} / {MAX_MESSAGE_CHARS.toLocaleString()} characters · Ctrl+Enter sends
          </span>
        }
      >
        {(control) => (
          <textarea
            {...control}
            rows={3}
            value={text}
            onChange={(event) => typed(event.target.value)}
            onKeyDown={keys}
            className="field-input resize-y"
          />
        )}
      </Field>
      <div className="flex justify-end">
        <button type="submit" className="btn-primary" disabled={length === 0 || send.isPending}>
          {send.isPending ? "Sending…" : "Send"}
        </button>
      </div>
    </form>
  );
}

function Safety({
  id,
  blocked,
  otherName,
  onBlocked,
}: {
  id: string;
  blocked: boolean;
  otherName: string;
  onBlocked: (blocked: boolean) => void;
}) {
  const block = useMutation({
    mutationFn: (on: boolean) =>
      call(() =>
        on
          ? api.PUT("/api/conversations/{id}/block", { params: { path: { id } } })
          : api.DELETE("/api/conversations/{id}/block", { params: { path: { id } } }),
      ),
    onSuccess: (_, on) => onBlocked(on),
  });
  const [reporting, setReporting] = useState(false);
  const [reason, setReason] = useState("");
  const report = useMutation({
    mutationFn: () => call(() => api.POST("/api/conversations/{id}/reports", { params: { path: { id } }, body: { reason } })),
    onSuccess: () => {
      setReporting(false);
      setReason("");
    },
  });
  const reportFields = fieldMessages(report.error);

  return (
    <section aria-label="Safety" className="flex flex-col gap-3 border-t border-stone-200 pt-4 text-sm">
      <div className="flex flex-wrap gap-3">
        <button type="button" className="btn-secondary px-4 py-1.5" disabled={block.isPending} onClick={() => block.mutate(!blocked)}>
          {blocked ? `Unblock ${otherName}` : `Block ${otherName}`}
        </button>
        {!reporting && (
          <button type="button" className="btn-secondary px-4 py-1.5" onClick={() => setReporting(true)}>
            Report this conversation
          </button>
        )}
      </div>
      {block.error && (
        <p role="alert" className="text-red-700">
          {describeError(block.error)}
        </p>
      )}
      {reporting && (
        <form
          className="flex flex-col gap-3 rounded-lg border border-stone-200 bg-white p-4"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            if (reason.trim()) report.mutate();
          }}
        >
          <p className="text-stone-700">A moderator will read this conversation and decide what to do.</p>
          <Field label="What is wrong?" error={reportFields.reason}>
            {(control) => (
              <textarea {...control} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} className="field-input" />
            )}
          </Field>
          {report.error && !reportFields.reason && (
            <p role="alert" className="text-red-700">
              {describeError(report.error)}
            </p>
          )}
          <div className="flex flex-wrap gap-3">
            <button type="submit" className="btn-primary px-4 py-1.5" disabled={!reason.trim() || report.isPending}>
              Send report
            </button>
            <button type="button" className="btn-secondary px-4 py-1.5" onClick={() => setReporting(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <p role="status" className="text-stone-700 empty:hidden">
        {report.isSuccess && !reporting ? "Thank you. A moderator will look at this conversation." : ""}
      </p>
    </section>
  );
}
