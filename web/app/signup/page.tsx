import type { Metadata } from "next";
import { Suspense } from "react";

import { SignUpForm } from "./SignUpForm";

export const metadata: Metadata = { title: "Join Atelier" };

export default function Page() {
  return (
    <Suspense>
      <SignUpForm />
    </Suspense>
  );
}
