"use client";

import { createContext, useContext, useEffect, useEffectEvent, useState, type ReactNode } from "react";

import { api, call } from "./api/client";
import { LiveConnection, type LiveHub, type LiveMessage, type SocketLike } from "./live";
import { currentAccessToken, refreshSession, useSession } from "./session";

const LiveContext = createContext<LiveHub | null>(null);

/**
 * The WebSocket API the site was built for (the AWS stack's
 * `RealtimeSocketUrl`; next.config.ts refuses anything but a ws(s) address).
 * Unset, the socket is the site's own.
 */
const SOCKET_URL = process.env.NEXT_PUBLIC_REALTIME_SOCKET_URL || undefined;

function browserConnection(): LiveConnection {
  return new LiveConnection({
    origin: () => window.location.origin,
    socketUrl: SOCKET_URL === undefined ? undefined : () => SOCKET_URL,
    fetch: (input, init) => fetch(input, init),
    openSocket: typeof WebSocket === "function" ? (url) => new WebSocket(url) as unknown as SocketLike : undefined,
    token: currentAccessToken,
    ticket: async () => (await call(() => api.POST("/api/realtime/ticket"))).ticket,
    refresh: refreshSession,
  });
}

/**
 * The tab's one live connection, for every component below. It follows the
 * session: nothing opens while the session is being restored, signing in or
 * out starts a new connection under the new identity, and a renewed token
 * (or the network coming back) brings a waiting connection back at once.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [connection] = useState(() => (typeof window === "undefined" ? null : browserConnection()));

  useEffect(() => {
    if (!connection) return;
    let token = currentAccessToken();
    const follow = (state: ReturnType<typeof useSession.getState>) => {
      connection.setIdentity(state.status === "restoring" ? undefined : state.status === "signed-in" ? (state.user?.id ?? null) : null);
      if (state.accessToken !== token) {
        token = state.accessToken;
        connection.retryNow();
      }
    };
    follow(useSession.getState());
    const stop = useSession.subscribe(follow);
    const online = () => connection.retryNow();
    window.addEventListener("online", online);
    return () => {
      stop();
      window.removeEventListener("online", online);
      connection.close();
    };
  }, [connection]);

  return <LiveContext value={connection}>{children}</LiveContext>;
}

/** For tests: components under this hear from `hub` instead of a connection. */
export const LiveHubProvider = LiveContext.Provider;

/** The live connection, or null where there is none (the static export, unit tests). */
export function useLive(): LiveHub | null {
  return useContext(LiveContext);
}

/** Calls `onMessage` with every message on `channel` while mounted; null listens to nothing. */
export function useLiveChannel(channel: string | null, onMessage: (message: LiveMessage) => void): void {
  const hub = useLive();
  const handle = useEffectEvent(onMessage);
  useEffect(() => {
    if (!hub || !channel) return;
    return hub.subscribe(channel, (message) => handle(message));
  }, [hub, channel]);
}

/** {@link useLiveChannel} for several channels at once (the works on screen). */
export function useLiveChannels(channels: readonly string[], onMessage: (message: LiveMessage) => void): void {
  const hub = useLive();
  const handle = useEffectEvent(onMessage);
  const key = channels.join(",");
  useEffect(() => {
    if (!hub || !key) return;
    const stops = key.split(",").map((channel) => hub.subscribe(channel, (message) => handle(message)));
    return () => stops.forEach((stop) => stop());
  }, [hub, key]);
}
