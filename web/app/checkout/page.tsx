import type { Metadata } from "next";
import { Suspense } from "react";

import { CheckoutPage } from "./CheckoutPage";

export const metadata: Metadata = { title: "Payment" };

// The checkout is a query parameter: a static export has no page per checkout.
export default function Page() {
  return (
    <Suspense>
      <CheckoutPage />
    </Suspense>
  );
}
