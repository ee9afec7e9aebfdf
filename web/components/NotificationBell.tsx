"use client";

import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";

import { api, call } from "@/lib/api/client";
import type { LiveMessage } from "@/lib/live";
import { useLiveChannel } from "@/lib/live-react";
import { notificationKeys, type Notification } from "@/lib/notifications";

type Unread = { unread: number };

/**
 * The signed-in person's unread notifications, counted live: read once, then
 * one more for each notification their channel brings, and read again when
 * the channel says the client fell too far behind. The person's channel also
 * marks stale what a notification says has changed (the list of
 * notifications, the inbox, the orders) so those pages show it when opened.
 */
export function NotificationBell({ userId }: { userId: string }) {
  const queryClient = useQueryClient();
  const key = notificationKeys.unread(userId);
  const unread = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => call(() => api.GET("/api/me/notifications/unread-count", { signal })),
    staleTime: 60_000,
  });

  useLiveChannel(`user:${userId}`, (message: LiveMessage) => {
    if (message.type === "reload") {
      void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
      void queryClient.invalidateQueries({ queryKey: ["conversations"] });
      return;
    }
    if (message.type !== "event" || message.kind !== "notification") return;
    // A count being read now may or may not include this one: read it again.
    if (queryClient.isFetching({ queryKey: key }) > 0 || queryClient.getQueryData(key) === undefined) {
      void queryClient.invalidateQueries({ queryKey: key });
    } else {
      queryClient.setQueryData<Unread>(key, (old) => ({ unread: (old?.unread ?? 0) + 1 }));
    }
    void queryClient.invalidateQueries({ queryKey: notificationKeys.list(userId), refetchType: "none" });
    const kind = (message.data as Partial<Notification> | null)?.kind;
    if (kind === "message") void queryClient.invalidateQueries({ queryKey: ["conversations"] });
    if (kind === "order_update") void queryClient.invalidateQueries({ queryKey: ["orders"] });
  });

  const count = unread.data?.unread ?? 0;
  return (
    <Link
      href="/notifications/"
      prefetch={false}
      aria-label={count > 0 ? `Notifications, ${count} unread` : "Notifications"}
      className="relative inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full text-stone-700 hover:bg-stone-100 hover:text-stone-900"
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" className="h-5 w-5">
        <path strokeLinecap="round" strokeLinejoin="round" d="M6 9a6 6 0 1 1 12 0c0 4.5 1.5 6.5 2.5 7.5h-17C4.5 15.5 6 13.5 6 9Z" />
        <path strokeLinecap="round" d="M10 19.5a2 2 0 0 0 4 0" />
      </svg>
      {count > 0 && (
        <span
          aria-hidden="true"
          className="absolute -top-0.5 -right-0.5 min-w-5 rounded-full bg-red-700 px-1 text-center text-[0.7rem] leading-5 font-semibold text-white"
        >
          {count > 99 ? "99+" : count}
        </span>
      )}
    </Link>
  );
}
