import type { Metadata } from "next";
import { Suspense } from "react";

import { Insights } from "./Insights";

export const metadata: Metadata = { title: "Insights" };

// The period, one work (`?work=…`) and the table's order are in the address:
// a static export has no page per work.
export default function Page() {
  return (
    <Suspense>
      <Insights />
    </Suspense>
  );
}
