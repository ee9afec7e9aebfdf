"use client";

import { useRouteId } from "@/lib/route";

export function ArtistPage() {
  const slug = useRouteId("artists");
  return <h1>{slug ?? "Artist"}</h1>;
}
