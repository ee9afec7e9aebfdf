import type { Metadata } from "next";

import { ShippingTerms } from "./ShippingTerms";

export const metadata: Metadata = { title: "Shipping terms" };

export default function Page() {
  return <ShippingTerms />;
}
