"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";

import { api, call } from "@/lib/api/client";

/** Top-level categories as a row of links into search. Quietly absent when
 * the list cannot be loaded: the feed below still works without it. */
export function CategoryStrip() {
  const { data } = useQuery({
    queryKey: ["categories"],
    queryFn: () => call(() => api.GET("/api/categories")),
    staleTime: 10 * 60_000,
  });
  const categories = (data ?? []).filter((category) => category.artwork_count > 0);
  return (
    <nav aria-label="Categories" className="mb-8 min-h-9">
      {categories.length > 0 && (
        // One row that scrolls sideways on narrow screens: wrapping would
        // push the feed down when the list arrives.
        <ul className="-mx-1 flex gap-2 overflow-x-auto px-1 pb-1">
          {categories.map((category) => (
            <li key={category.id}>
              <Link
                href={`/search/?category=${encodeURIComponent(category.slug)}`}
                prefetch={false}
                className="inline-block whitespace-nowrap rounded-full border border-stone-300 bg-white px-4 py-1.5 text-sm text-stone-800 hover:border-stone-500"
              >
                {category.name}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
