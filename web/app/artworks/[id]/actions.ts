"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";

import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import { useRequireSignIn, useSignedInToggle } from "@/lib/signin";
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
  const requireSignIn = useRequireSignIn();
  const userId = useSession((s) => (s.status === "signed-in" ? (s.user?.id ?? null) : null));

  const saves = useQuery({
    queryKey: ["saves", userId],
    queryFn: () => call(() => api.GET("/api/me/saves", { params: { query: { limit: SAVES_CHECKED } } })),
    enabled: userId !== null,
  });
  const savedOnServer = saves.data?.items.some((work) => work.id === artworkId) ?? false;

  const [liked, setLiked] = useState(false);
  const [liking, setLiking] = useState(false);
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

  // A like is a signal for recommendations, with no way to take it back in
  // the API, so pressing it again leaves it liked.
  async function like() {
    if (liking || liked || !(await requireSignIn())) return;
    setLiked(true);
    setLiking(true);
    setFailure("");
    try {
      await record(artworkId, "like");
    } catch (error) {
      setLiked(false);
      setFailure(`Could not like: ${describeError(error)}`);
    } finally {
      setLiking(false);
    }
  }

  return { saved, liked, saving: save.busy, liking, failure, toggleSave: save.toggle, like };
}
