import type { Metadata } from "next";
import { Suspense } from "react";

import { EditArtwork } from "./EditArtwork";

export const metadata: Metadata = { title: "Edit artwork" };

// The id is a query parameter: a static export has no page per artwork here.
export default function Page() {
  return (
    <Suspense>
      <EditArtwork />
    </Suspense>
  );
}
