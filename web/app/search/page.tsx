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
      <Suspense fallback={<SearchShell />}>
        <SearchPage />
      </Suspense>
    </>
  );
}

/** The page's frame before the address is read, so nothing moves when it is. */
function SearchShell() {
  return (
    <div className="grid gap-8 lg:grid-cols-[15rem_minmax(0,1fr)]" aria-hidden="true">
      <div className="h-[3.125rem] rounded-full border border-stone-300 bg-white lg:col-span-2" />
      <div className="h-[24.5rem] lg:h-auto" />
      <div>
        <div className="mb-4 h-6" />
        <GridSkeleton layout="narrow" count={8} />
      </div>
    </div>
  );
}
