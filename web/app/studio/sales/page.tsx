import type { Metadata } from "next";
import { Suspense } from "react";

import { Sales } from "./Sales";

export const metadata: Metadata = { title: "Sales" };

// One sale is `?id=…`: a static export has no page per order.
export default function Page() {
  return (
    <Suspense>
      <Sales />
    </Suspense>
  );
}
