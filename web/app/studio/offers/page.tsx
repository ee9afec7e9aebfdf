import type { Metadata } from "next";

import { StudioOffers } from "./StudioOffers";

export const metadata: Metadata = { title: "Offers" };

export default function Page() {
  return <StudioOffers />;
}
