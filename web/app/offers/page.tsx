import type { Metadata } from "next";
import { Suspense } from "react";

import { OffersPage } from "./OffersPage";

export const metadata: Metadata = { title: "Offers" };

// One negotiation is `?id=…`: a static export has no page per negotiation.
export default function Page() {
  return (
    <Suspense>
      <OffersPage />
    </Suspense>
  );
}
