"use client";

import { useRouteId } from "@/lib/route";

export function ArtworkPage() {
  const id = useRouteId("artworks");
  return <h1>{id ?? "Artwork"}</h1>;
}
