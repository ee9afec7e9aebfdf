import type { Metadata } from "next";

import { MyCollections } from "./MyCollections";

export const metadata: Metadata = { title: "Your collections" };

export default function Page() {
  return <MyCollections />;
}
