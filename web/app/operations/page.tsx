import type { Metadata } from "next";
import { Suspense } from "react";

import { Operations } from "./Operations";

export const metadata: Metadata = { title: "Operations" };

export default function Page() {
  return (
    <Suspense>
      <Operations />
    </Suspense>
  );
}
