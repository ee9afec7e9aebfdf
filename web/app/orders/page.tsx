import type { Metadata } from "next";
import { Suspense } from "react";

import { OrdersPage } from "./OrdersPage";

export const metadata: Metadata = { title: "Your orders" };

// One order is `?id=…`: a static export has no page per order.
export default function Page() {
  return (
    <Suspense>
      <OrdersPage />
    </Suspense>
  );
}
