import type { Metadata } from "next";
import { Suspense } from "react";

import { GridSkeleton } from "@/components/ArtworkGrid";

import { SearchPage } from "./SearchPage";

export const metadata: Metadata = { title: "Search" };

export default function Page() {
  return (
    <>
      <h1 className="mb-4 font-serif text-3xl font-semibold tracking-tight text-stone-900">Search</h1>
      {/* The search lives in the address, which the export cannot know. */}
      <Suspense fallback={<GridSkeleton />}>
        <SearchPage />
      </Suspense>
    </>
  );
}
