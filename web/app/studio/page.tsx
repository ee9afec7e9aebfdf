import type { Metadata } from "next";

import { Studio } from "./Studio";

export const metadata: Metadata = { title: "Studio" };

export default function Page() {
  return <Studio />;
}
