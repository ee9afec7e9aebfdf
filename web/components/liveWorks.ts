"use client";

import { useEffect, useState, type RefObject } from "react";

import type { Schemas } from "@/lib/api/types";
import { artworkOfChannel, isStatus, type Availability } from "@/lib/availability";
import { useLiveChannels } from "@/lib/live-react";

/** A list listens to at most this many works at once: the connection carries fifty channels. */
export const MAX_LIVE_WORKS = 50;
/** Scrolling settles for this long before the works listened to change. */
const SETTLE_MS = 300;

/**
 * The works among `ids` on screen or about to be (each item under `list`
 * carries its id in `data-work`), in list order and at most
 * {@link MAX_LIVE_WORKS}. Without IntersectionObserver, the first ones.
 */
export function useWorksOnScreen(list: RefObject<HTMLElement | null>, ids: readonly string[]): string[] {
  const key = ids.join(",");
  const [onScreen, setOnScreen] = useState<ReadonlySet<string>>(() => new Set());
  const observable = typeof IntersectionObserver !== "undefined";
  useEffect(() => {
    const root = list.current;
    if (!root || typeof IntersectionObserver === "undefined") return;
    const seen = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const id = (entry.target as HTMLElement).dataset.work;
          if (!id) continue;
          if (entry.isIntersecting) seen.add(id);
          else seen.delete(id);
        }
        timer ??= setTimeout(() => {
          timer = null;
          setOnScreen(new Set(seen));
        }, SETTLE_MS);
      },
      { rootMargin: "200px 0px" },
    );
    root.querySelectorAll<HTMLElement>("[data-work]").forEach((node) => observer.observe(node));
    return () => {
      observer.disconnect();
      if (timer !== null) clearTimeout(timer);
    };
  }, [list, key]);
  return (observable ? ids.filter((id) => onScreen.has(id)) : ids).slice(0, MAX_LIVE_WORKS);
}

/** The status each of these works was last heard to change to, while they are listened to. */
export function useLiveStatuses(ids: readonly string[]): Record<string, Schemas["ArtworkStatus"]> {
  const [statuses, setStatuses] = useState<Record<string, Schemas["ArtworkStatus"]>>({});
  useLiveChannels(
    ids.map((id) => `artwork:${id}`),
    (message) => {
      if (message.type !== "event" || message.kind !== "availability") return;
      const id = artworkOfChannel(message.channel);
      const status = (message.data as Availability | null)?.status;
      if (id && isStatus(status)) setStatuses((old) => (old[id] === status ? old : { ...old, [id]: status }));
    },
  );
  return statuses;
}
