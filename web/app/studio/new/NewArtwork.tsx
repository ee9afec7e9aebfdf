"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";

import { ArtworkForm } from "@/components/ArtworkForm";

import { artworkKey } from "../edit/EditArtwork";
import { NeedsProfile, StudioGate } from "../StudioGate";

export function NewArtwork() {
  const router = useRouter();
  const queryClient = useQueryClient();
  return (
    <StudioGate>
      {(user) =>
        user.artist_id ? (
          <div className="mx-auto max-w-3xl">
            <Link href="/studio/" className="text-sm text-stone-700 hover:underline">
              ← Studio
            </Link>
            <h1 className="mt-2 font-serif text-3xl">New artwork</h1>
            <p className="mt-2 text-stone-600">
              Save it as a draft to add images next; publish when collectors should see it.
            </p>
            <div className="mt-8">
              <ArtworkForm
                onSaved={(artwork, etag) => {
                  queryClient.setQueryData(artworkKey(artwork.id), { artwork, etag });
                  void queryClient.invalidateQueries({ queryKey: ["studio"] });
                  router.push(`/studio/edit/?id=${artwork.id}`);
                }}
              />
            </div>
          </div>
        ) : (
          <NeedsProfile />
        )
      }
    </StudioGate>
  );
}
