import type { Metadata } from "next";

import { NewArtwork } from "./NewArtwork";

export const metadata: Metadata = { title: "New artwork" };

export default function Page() {
  return <NewArtwork />;
}
