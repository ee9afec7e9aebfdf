import type { Metadata } from "next";
import { Suspense } from "react";

import { MessagesPage } from "./MessagesPage";

export const metadata: Metadata = { title: "Messages" };

// One conversation is `?c=…`: a static export has no page per conversation.
export default function Page() {
  return (
    <Suspense>
      <MessagesPage />
    </Suspense>
  );
}
