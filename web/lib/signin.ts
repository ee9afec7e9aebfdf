"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { restoreSession, useSession } from "./session";

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
    if (useSession.getState().status === "restoring") await restoreSession();
    if (useSession.getState().status === "signed-in") return true;
    router.push(signInHref(window.location));
    return false;
  };
}

type ToggleOptions = {
  /** The state the server last reported. */
  current: boolean;
  send: (on: boolean) => Promise<unknown>;
  /** Receives "" when a change starts and the failure's message if it is refused. */
  report: (message: string) => void;
  describe: (on: boolean, error: unknown) => string;
};

/**
 * An on/off choice that needs an account (follow, save): shown as soon as it
 * is made, then sent; if the API refuses, the previous state comes back and
 * the reason is reported. Until then the choice made here wins over
 * `current`, which may still be the answer from before it.
 */
export function useSignedInToggle({ current, send, report, describe }: ToggleOptions) {
  const requireSignIn = useRequireSignIn();
  const [choice, setChoice] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const on = choice ?? current;

  async function toggle() {
    if (busy || !(await requireSignIn())) return;
    const next = !on;
    setChoice(next);
    setBusy(true);
    report("");
    try {
      await send(next);
    } catch (error) {
      setChoice(!next);
      report(describe(next, error));
    } finally {
      setBusy(false);
    }
  }

  return { on, busy, toggle };
}
