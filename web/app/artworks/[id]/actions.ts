"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";

import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { useSignedInToggle } from "@/lib/signin";
import { useSession } from "@/lib/session";

function record(artworkId: string, kind: Schemas["InteractionKind"]) {
  return call(() => api.POST("/api/interactions", { body: { artwork_id: artworkId, kind } }));
}

/** Counts the visit once per page load for a signed-in collector. It only
 * feeds recommendations, so a failure is not worth troubling anyone with. */
export function useRecordView(artworkId: string) {
  const signedIn = useSession((s) => s.status === "signed-in");
  const recorded = useRef<string | null>(null);
  useEffect(() => {
    if (!signedIn || recorded.current === artworkId) return;
    recorded.current = artworkId;
    record(artworkId, "view").catch(() => undefined);
  }, [signedIn, artworkId]);
}

/** The largest page the saves list serves: enough to know, for nearly every
 * collector, whether this work is among theirs. */
const SAVES_CHECKED = 100;

export function useArtworkActions(artworkId: string) {
  const queryClient = useQueryClient();
  const userId = useSession((s) => (s.status === "signed-in" ? (s.user?.id ?? null) : null));

  const saves = useQuery({
    queryKey: ["saves", userId],
    queryFn: () => call(() => api.GET("/api/me/saves", { params: { query: { limit: SAVES_CHECKED } } })),
    enabled: userId !== null,
  });
  const savedOnServer = saves.data?.items.some((work) => work.id === artworkId) ?? false;

  // Whether this collector likes the work: their memory of it holds a like.
  const memory = useQuery({
    queryKey: ["interactions", userId, artworkId],
    queryFn: () => call(() => api.GET("/api/me/interactions", { params: { query: { artwork_id: artworkId, limit: 200 } } })),
    enabled: userId !== null,
  });
  const likedOnServer = memory.data?.some((entry) => entry.kind === "like") ?? false;

  const [failure, setFailure] = useState("");
  const save = useSignedInToggle({
    current: savedOnServer,
    send: async (on) => {
      if (on) await record(artworkId, "save");
      else await call(() => api.DELETE("/api/me/saves/{artwork_id}", { params: { path: { artwork_id: artworkId } } }));
      await queryClient.invalidateQueries({ queryKey: ["saves"] });
    },
    report: setFailure,
    describe: (on, error) => (on ? `Could not save: ${describeError(error)}` : `Could not remove from saved: ${describeError(error)}`),
  });
  const saved = userId === null ? false : save.on;

  const like = useSignedInToggle({
    current: likedOnServer,
    send: async (on) => {
      if (on) await record(artworkId, "like");
      else await call(() => api.DELETE("/api/me/likes/{artwork_id}", { params: { path: { artwork_id: artworkId } } }));
      await queryClient.invalidateQueries({ queryKey: ["interactions"] });
    },
    report: setFailure,
    describe: (on, error) => (on ? `Could not like: ${describeError(error)}` : `Could not take back the like: ${describeError(error)}`),
  });
  const liked = userId === null ? false : like.on;

  return { saved, liked, saving: save.busy, liking: like.busy, failure, toggleSave: save.toggle, toggleLike: like.toggle };
}
