import type { Metadata } from "next";
import { Suspense } from "react";

import { VerifyEmail } from "./VerifyEmail";

export const metadata: Metadata = { title: "Confirm your e-mail address" };

export default function Page() {
  return (
    <Suspense>
      <VerifyEmail />
    </Suspense>
  );
}
