"use client";

import { useRouter } from "next/navigation";

import { refreshSession, useSession } from "./session";

/** The sign-in page's address that comes back to where the person was. */
export function signInHref(location: Pick<Location, "pathname" | "search">): string {
  return `/signin/?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/**
 * For actions that need an account: resolves true when signed in, and
 * otherwise sends the person to sign in and back. A click made while the
 * session is still being restored waits for it rather than guessing.
 */
export function useRequireSignIn(): () => Promise<boolean> {
  const router = useRouter();
  return async () => {
    if (useSession.getState().status === "restoring") await refreshSession();
    if (useSession.getState().status === "signed-in") return true;
    router.push(signInHref(window.location));
    return false;
  };
}
