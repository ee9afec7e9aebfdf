import type { Metadata } from "next";

import { ForgotPassword } from "./ForgotPassword";

export const metadata: Metadata = { title: "Forgot your password?" };

export default function Page() {
  return <ForgotPassword />;
}
