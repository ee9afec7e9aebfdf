"use client";

import { useSyncExternalStore } from "react";

/**
 * The real id of a page exported once for the placeholder id `_`
 * (`/artworks/_/`), read from the address the host rewrote to it. Null
 * while rendering the export itself and when the address has no id.
 */
export function idFromPath(pathname: string, section: string): string | null {
  const match = new RegExp(`^/${section}/([^/]+)/?$`).exec(pathname);
  const id = match?.[1] ? decodeURIComponent(match[1]) : null;
  return id && id !== "_" ? id : null;
}

const noSubscription = () => () => undefined;

export function useRouteId(section: string): string | null | undefined {
  return useSyncExternalStore(
    noSubscription,
    () => idFromPath(window.location.pathname, section),
    // During the static export there is no address yet: undefined means
    // "not known", so pages render their skeleton rather than a 404.
    () => undefined,
  );
}
