import Link from "next/link";

import { styleLabel } from "@/lib/artwork";

/** A style as a chip that searches for more works in it. */
export function StyleLink({ style }: { style: string }) {
  return (
    <Link
      href={`/search/?style=${encodeURIComponent(style)}`}
      className="inline-block rounded-full border border-stone-300 bg-white px-3 py-1 text-stone-800 hover:border-stone-500"
    >
      {styleLabel(style)}
    </Link>
  );
}
