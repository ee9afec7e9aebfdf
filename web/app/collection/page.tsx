import type { Metadata } from "next";

import { Collection } from "./Collection";

export const metadata: Metadata = { title: "Your collection" };

export default function Page() {
  return <Collection />;
}
