import { act } from "@testing-library/react";
import type { ReactElement } from "react";
import { vi } from "vitest";

import type { LiveHub, LiveListener, LiveMessage } from "@/lib/live";
import { LiveHubProvider } from "@/lib/live-react";

import { renderWithQueries } from "./render";

/** A live connection the test speaks for: it records what is listened to and delivers what the test sends. */
export function fakeLive() {
  const listeners = new Map<string, Set<LiveListener>>();
  const typing = vi.fn<(channel: string) => boolean>(() => true);
  const hub: LiveHub = {
    subscribe(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(channel);
      };
    },
    typing,
  };
  let offset = 0;
  return {
    hub,
    /** What the page told the other side of a conversation about typing. */
    typing,
    /** The channels someone listens to now. */
    channels: () => [...listeners.keys()],
    send(message: LiveMessage) {
      act(() => {
        for (const listener of [...(listeners.get(message.channel ?? "") ?? [])]) listener(message);
      });
    },
    /** An event on `channel`, numbered after the last. */
    event(channel: string, kind: string, data: unknown) {
      offset += 1;
      this.send({ type: "event", channel, offset, kind, data, at: new Date().toISOString() });
    },
  };
}

export type FakeLive = ReturnType<typeof fakeLive>;

export function renderWithLive(ui: ReactElement, live: FakeLive) {
  return renderWithQueries(<LiveHubProvider value={live.hub}>{ui}</LiveHubProvider>);
}
