import type { Metadata } from "next";
import { Suspense } from "react";

import { Payouts } from "./Payouts";

export const metadata: Metadata = { title: "Payouts" };

export default function Page() {
  return (
    <Suspense>
      <Payouts />
    </Suspense>
  );
}
