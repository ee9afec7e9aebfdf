"use client";

import Link from "next/link";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useState } from "react";

import { LoadMore } from "@/components/ArtworkGrid";
import { PageSkeleton } from "@/components/PageSkeleton";
import { RequireSession } from "@/components/RequireSession";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";
import type { Schemas, User } from "@/lib/api/types";
import { useLiveChannel } from "@/lib/live-react";
import { KINDS, describeNotification, isDocumentLink, notificationKeys, type Notification, type NotificationKind } from "@/lib/notifications";
import { formatDateTime } from "@/lib/orders";

type Page = Schemas["NotificationPage"];
type PreferenceChange = Schemas["PreferenceChange"];

export function NotificationsPage() {
  return (
    <RequireSession reason="Sign in to see your notifications.">
      {(user) => (
        <div className="mx-auto flex max-w-3xl flex-col gap-12">
          <Inbox user={user} />
          <Preferences user={user} />
        </div>
      )}
    </RequireSession>
  );
}

function Inbox({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const listKey = notificationKeys.list(user.id);
  const unreadKey = notificationKeys.unread(user.id);
  const list = useInfiniteQuery({
    queryKey: listKey,
    queryFn: ({ pageParam, signal }) =>
      call(() => api.GET("/api/me/notifications", { params: { query: pageParam ? { cursor: pageParam } : {} }, signal })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
    staleTime: 0,
  });
  const unread = useQuery({
    queryKey: unreadKey,
    queryFn: ({ signal }) => call(() => api.GET("/api/me/notifications/unread-count", { signal })),
    staleTime: 60_000,
  });

  // New notifications join the top of the list as they arrive.
  useLiveChannel(`user:${user.id}`, (message) => {
    if (message.type === "reload") {
      void queryClient.invalidateQueries({ queryKey: listKey });
      return;
    }
    if (message.type !== "event" || message.kind !== "notification") return;
    const arrived = message.data as Notification;
    queryClient.setQueryData<InfiniteData<Page, string | null>>(listKey, (old) => {
      if (!old || old.pages.length === 0) return old;
      if (old.pages.some((page) => page.items.some((item) => item.id === arrived.id))) return old;
      const [first, ...rest] = old.pages;
      return { ...old, pages: [{ ...first!, items: [arrived, ...first!.items] }, ...rest] };
    });
  });

  const markedRead = (id: string | null, count: Schemas["UnreadCount"]) => {
    queryClient.setQueryData(unreadKey, count);
    const now = new Date().toISOString();
    queryClient.setQueryData<InfiniteData<Page, string | null>>(listKey, (old) =>
      old
        ? {
            ...old,
            pages: old.pages.map((page) => ({
              ...page,
              items: page.items.map((item) => ((id === null || item.id === id) && !item.read_at ? { ...item, read_at: now } : item)),
            })),
          }
        : old,
    );
  };
  const markOne = useMutation({
    mutationFn: (id: string) => call(() => api.POST("/api/me/notifications/{id}/read", { params: { path: { id } } })),
    onSuccess: (count, id) => markedRead(id, count),
  });
  const markAll = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/notifications/read")),
    onSuccess: (count) => markedRead(null, count),
  });

  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const count = unread.data?.unread ?? list.data?.pages[0]?.unread ?? 0;
  const failure = markOne.error ?? markAll.error;

  return (
    <section aria-labelledby="notifications-heading" className="flex flex-col gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="notifications-heading" className="font-serif text-3xl">
            Notifications
          </h1>
          <p className="mt-1 text-stone-600" aria-live="polite">
            {count === 0 ? "You are all caught up." : `${count} unread`}
          </p>
        </div>
        <button
          type="button"
          className="btn-secondary"
          disabled={count === 0 || markAll.isPending}
          onClick={() => markAll.mutate()}
        >
          Mark all as read
        </button>
      </div>
      {failure && (
        <p role="alert" className="text-sm text-red-700">
          {describeError(failure)}
        </p>
      )}
      {list.isPending ? (
        <PageSkeleton label="Loading your notifications…">
          <div aria-hidden="true" className="space-y-3">
            {[0, 1, 2, 3].map((i) => (
              <div key={i} className="h-16 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
            ))}
          </div>
        </PageSkeleton>
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <StateMessage title="Nothing yet">
          <p>Messages, orders and news about works you saved appear here as they happen.</p>
        </StateMessage>
      ) : (
        <>
          <ul aria-label="Your notifications" className="flex flex-col divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white">
            {items.map((item) => (
              <NotificationRow
                key={item.id}
                notification={item}
                busy={markOne.isPending && markOne.variables === item.id}
                onRead={() => markOne.mutate(item.id)}
              />
            ))}
          </ul>
          <LoadMore hasMore={list.hasNextPage} loading={list.isFetchingNextPage} onMore={() => void list.fetchNextPage()} />
        </>
      )}
    </section>
  );
}

function NotificationRow({ notification, busy, onRead }: { notification: Notification; busy: boolean; onRead: () => void }) {
  const { text, href } = describeNotification(notification);
  const unread = !notification.read_at;
  // Following a notification reads it; the request need not hold the page up.
  const follow = () => {
    if (unread) onRead();
  };
  const className = "font-medium text-stone-900 underline-offset-4 hover:underline";
  return (
    <li className={`flex flex-wrap items-start gap-x-4 gap-y-2 p-4 sm:flex-nowrap ${unread ? "bg-amber-50/60" : ""}`}>
      <span
        aria-hidden="true"
        className={`mt-2 inline-block h-2 w-2 shrink-0 rounded-full ${unread ? "bg-red-700" : "bg-transparent"}`}
      />
      <div className="min-w-0 flex-1">
        <p className="break-words text-stone-800">
          {unread && <span className="sr-only">Unread: </span>}
          {href === null ? (
            text
          ) : isDocumentLink(href) ? (
            <a href={href} onClick={follow} className={className}>
              {text}
            </a>
          ) : (
            <Link href={href} onClick={follow} className={className}>
              {text}
            </Link>
          )}
        </p>
        <p className="mt-0.5 text-sm text-stone-600">
          <time dateTime={notification.created_at}>{formatDateTime(notification.created_at)}</time>
        </p>
      </div>
      {unread && (
        <button type="button" className="btn-secondary shrink-0 px-3 py-1 text-xs" disabled={busy} onClick={onRead}>
          Mark as read
        </button>
      )}
    </li>
  );
}

type Channel = "in_app" | "email";

function Preferences({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const key = notificationKeys.preferences(user.id);
  const preferences = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => call(() => api.GET("/api/me/notification-preferences", { signal })),
  });
  const [saved, setSaved] = useState<NotificationKind | null>(null);
  const change = useMutation({
    mutationFn: (change: PreferenceChange) => call(() => api.PUT("/api/me/notification-preferences", { body: [change] })),
    onMutate: () => setSaved(null),
    onSuccess: (next, change) => {
      queryClient.setQueryData(key, next);
      setSaved(change.kind);
    },
  });

  const current = new Map((preferences.data ?? []).map((p) => [p.kind, p]));
  function checked(kind: NotificationKind, channel: Channel): boolean {
    // While a change is on its way, the box shows what was chosen.
    const pending = change.isPending && change.variables?.kind === kind ? change.variables[channel] : undefined;
    return pending ?? current.get(kind)?.[channel] ?? channel === "in_app";
  }
  const artist = user.role === "artist" || user.role === "admin" || user.artist_id != null;
  const kinds = KINDS.filter((k) => k.who === "everyone" || k.who === "collector" || artist);

  return (
    <section aria-labelledby="preferences-heading" className="rounded-lg border border-stone-200 bg-white p-5">
      <h2 id="preferences-heading" className="font-serif text-xl">
        What to tell me about
      </h2>
      <p className="mt-1 text-sm text-stone-600">
        In the app: on this page and the bell. By e-mail: a message a few minutes later, for what you have not read
        here by then.
      </p>
      {preferences.isPending ? (
        <p className="mt-4 text-sm text-stone-600">Loading…</p>
      ) : preferences.isError ? (
        <ErrorState error={preferences.error} onRetry={() => void preferences.refetch()} />
      ) : (
        <table className="mt-4 w-full text-left text-sm text-stone-800">
          <caption className="sr-only">Notifications to get, in the app and by e-mail</caption>
          <thead>
            <tr className="border-b border-stone-200 text-stone-600">
              <th scope="col" className="py-2 font-medium">
                News
              </th>
              <th scope="col" className="w-24 py-2 text-center font-medium">
                In the app
              </th>
              <th scope="col" className="w-24 py-2 text-center font-medium">
                By e-mail
              </th>
            </tr>
          </thead>
          <tbody>
            {kinds.map(({ kind, label }) => (
              <tr key={kind} className="border-b border-stone-100 last:border-0">
                <th scope="row" className="py-2 pr-2 font-normal">
                  {label}
                </th>
                {(["in_app", "email"] as const).map((channel) => (
                  <td key={channel} className="py-2 text-center">
                    <input
                      type="checkbox"
                      aria-label={`${label}: ${channel === "in_app" ? "in the app" : "by e-mail"}`}
                      className="h-4 w-4 accent-stone-900"
                      checked={checked(kind, channel)}
                      disabled={change.isPending}
                      onChange={(event) => change.mutate({ kind, [channel]: event.target.checked })}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p role="status" className="mt-3 text-sm text-stone-700 empty:hidden">
        {saved && !change.isPending && "Saved."}
      </p>
      {change.error && (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {describeError(change.error)}
        </p>
      )}
    </section>
  );
}
