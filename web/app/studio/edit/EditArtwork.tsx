"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";

import { ArtworkForm } from "@/components/ArtworkForm";
import { ArtworkImages } from "@/components/ArtworkImages";
import { ConfirmDialog } from "@/components/ConfirmDialog";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { StatusBadge } from "@/components/StatusBadge";
import { api, call } from "@/lib/api/client";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";

import { NeedsProfile, StudioGate } from "../StudioGate";
import { OfferTerms } from "./OfferTerms";

type Loaded = { artwork: Schemas["ArtworkView"]; etag: string | null };

export const artworkKey = (id: string) => ["studio-artwork", id] as const;

export function EditArtwork() {
  const id = useSearchParams().get("id");
  return (
    <StudioGate>
      {(user) =>
        !user.artist_id ? (
          <NeedsProfile />
        ) : id ? (
          <Editor id={id} />
        ) : (
          <StateMessage
            title="No artwork chosen"
            link={{ href: "/studio/", label: "Back to the studio", secondary: true }}
          >
            <p>Pick a work from your studio to edit it.</p>
          </StateMessage>
        )
      }
    </StudioGate>
  );
}

async function loadArtwork(id: string): Promise<Loaded> {
  let etag: string | null = null;
  const artwork = await call(async () => {
    // Revalidate rather than trust a cached copy: the ETag must be the current one.
    const outcome = await api.GET("/api/artworks/{id}", { params: { path: { id } }, cache: "no-cache" });
    etag = outcome.response.headers.get("ETag");
    return outcome;
  });
  return { artwork, etag };
}

function Editor({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  const query = useQuery({ queryKey: artworkKey(id), queryFn: () => loadArtwork(id) });
  const { refetch } = query;

  const reloadImages = useCallback(() => {
    void refetch();
    void queryClient.invalidateQueries({ queryKey: ["studio"] });
  }, [refetch, queryClient]);

  async function reloadStale() {
    setNotice(
      "This work was changed elsewhere (perhaps in another tab) since you opened it. The latest version is loaded below: check it and make your changes again.",
    );
    await refetch();
    setGeneration((g) => g + 1);
  }

  const archive = useMutation({
    mutationFn: () => call(() => api.DELETE("/api/artworks/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["studio"] });
      queryClient.removeQueries({ queryKey: artworkKey(id) });
      router.push("/studio/");
    },
  });

  if (query.isPending) {
    return (
      <div aria-busy="true" className="mx-auto max-w-6xl space-y-4">
        <div className="h-4 w-20 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        <div className="h-9 w-2/3 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
        <div className="h-96 animate-pulse rounded bg-stone-200 motion-reduce:animate-none" />
      </div>
    );
  }
  if (query.isError) {
    if (query.error instanceof ApiError && (query.error.isNotFound || query.error.status === 403)) {
      return (
        <StateMessage
          title="Artwork not found"
          link={{ href: "/studio/", label: "Back to the studio", secondary: true }}
        >
          <p>It may have been removed, or it belongs to another artist.</p>
        </StateMessage>
      );
    }
    return <ErrorState error={query.error} onRetry={() => void refetch()} />;
  }

  const { artwork, etag } = query.data;
  const visible = artwork.status !== "draft" && artwork.status !== "archived" && !artwork.held_for_review;

  return (
    <div className="mx-auto max-w-6xl">
      <Link href="/studio/" className="text-sm text-stone-700 hover:underline">
        ← Studio
      </Link>
      <div className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-2">
        <h1 className="font-serif text-3xl">{artwork.title}</h1>
        <StatusBadge status={artwork.status} held={artwork.held_for_review} />
        {visible && (
          <a href={`/artworks/${artwork.id}`} className="text-sm underline underline-offset-2">
            View listing
          </a>
        )}
      </div>
      <p className="mt-1 text-sm text-stone-600">Listing {artwork.completeness}% complete</p>

      {(artwork.status === "reserved" || artwork.status === "sold") && (
        <p role="status" className="mt-6 rounded-md border border-stone-300 bg-white px-4 py-3 text-sm text-stone-800">
          This work is {artwork.status}: its listing can no longer be edited.
        </p>
      )}
      {notice && (
        <div role="alert" className="mt-6 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950">
          {notice}
        </div>
      )}

      <div className="mt-8 grid gap-10 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <aside className="lg:sticky lg:top-20 lg:order-2 lg:self-start">
          <ArtworkImages artwork={artwork} onSettled={reloadImages} />
        </aside>
        <div className="lg:order-1">
          <ArtworkForm
            key={generation}
            artwork={artwork}
            etag={etag}
            readOnly={artwork.status === "reserved" || artwork.status === "sold"}
            onSaved={(saved, nextEtag) => {
              setNotice(null);
              queryClient.setQueryData<Loaded>(artworkKey(id), { artwork: saved, etag: nextEtag });
              void queryClient.invalidateQueries({ queryKey: ["studio"] });
            }}
            onStale={() => void reloadStale()}
          />
          <OfferTerms artwork={artwork} />
          {(artwork.status === "draft" || artwork.status === "published") && (
            <section aria-labelledby="archive-heading" className="mt-12 rounded-md border border-stone-200 bg-white p-5">
              <h2 id="archive-heading" className="font-medium">
                Archive this work
              </h2>
              <p className="mt-1 text-sm text-stone-600">
                It leaves the catalog and your public profile. Its history and sales records stay.
              </p>
              <button type="button" className="btn-secondary mt-4" onClick={() => setConfirming(true)}>
                Archive artwork
              </button>
            </section>
          )}
        </div>
      </div>

      <ConfirmDialog
        open={confirming}
        title={`Archive “${artwork.title}”?`}
        confirmLabel="Archive"
        pending={archive.isPending}
        error={archive.isError ? describeError(archive.error) : null}
        onConfirm={() => archive.mutate()}
        onCancel={() => {
          setConfirming(false);
          archive.reset();
        }}
      >
        <p>Collectors will no longer find it and no images can be added. You can bring it back later by setting its status to Draft.</p>
      </ConfirmDialog>
    </div>
  );
}
