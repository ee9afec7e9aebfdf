import { create } from "zustand";

import type { Schemas, User } from "./api/types";

/**
 * The signed-in session. The access token lives only in memory; the refresh
 * token is an HttpOnly cookie scoped to `/api/auth` that scripts cannot read,
 * so a reload restores the session through `POST /api/auth/refresh`.
 */
type SessionState = {
  status: "restoring" | "signed-out" | "signed-in";
  user: User | null;
  accessToken: string | null;
};

export const useSession = create<SessionState>(() => ({ status: "restoring", user: null, accessToken: null }));

export function currentAccessToken(): string | null {
  return useSession.getState().accessToken;
}

/** Remembers that this browser holds a refresh cookie. Scripts cannot read
 * the cookie itself (HttpOnly), and without this mark every visitor's page
 * load would ask to refresh a session that does not exist. */
const SESSION_MARK = "atelier.session";

function markSession(present: boolean): void {
  try {
    if (present) localStorage.setItem(SESSION_MARK, "1");
    else localStorage.removeItem(SESSION_MARK);
  } catch {
    // Storage can be disabled; the restore then simply always asks.
  }
}

function mayHaveSession(): boolean {
  try {
    return localStorage.getItem(SESSION_MARK) !== null;
  } catch {
    return true;
  }
}

export function acceptSession(session: Schemas["SessionView"]): void {
  markSession(true);
  useSession.setState({ status: "signed-in", user: session.user, accessToken: session.access_token });
}

export function updateUser(user: User): void {
  useSession.setState({ user });
}

export function forgetSession(): void {
  markSession(false);
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
}

/** On page load: signs back in through the refresh cookie when this browser
 * has signed in before, and settles as signed out at once otherwise. */
export function restoreSession(): Promise<boolean> {
  if (!mayHaveSession()) {
    forgetSession();
    return Promise.resolve(false);
  }
  return refreshSession();
}

let refreshing: Promise<boolean> | null = null;

/** Exchanges the refresh cookie for a new access token. Concurrent callers
 * share one request: the API rotates refresh tokens, so two would race. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const response = await fetch("/api/auth/refresh", { method: "POST", credentials: "same-origin" });
      if (!response.ok) {
        forgetSession();
        return false;
      }
      acceptSession((await response.json()) as Schemas["SessionView"]);
      return true;
    } catch {
      // Unreachable (offline, or the page unloading mid-request): keep
      // whatever we had, and settle a restore as signed out for now without
      // forgetting the cookie, which may well be good: the next page load
      // asks again.
      if (useSession.getState().status === "restoring") useSession.setState({ status: "signed-out", user: null, accessToken: null });
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function signOut(): Promise<void> {
  const token = currentAccessToken();
  forgetSession();
  await fetch("/api/auth/logout", {
    method: "POST",
    credentials: "same-origin",
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  }).catch(() => undefined);
}

/**
 * Where to go after signing in: only a path on this site. An absolute URL,
 * a protocol-relative `//host` or a backslash form browsers read as one would
 * turn the sign-in page into an open redirect.
 */
export function safeNextPath(raw: string | null | undefined, fallback = "/"): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return fallback;
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f\s\\]/.test(raw)) return fallback;
  return raw;
}
