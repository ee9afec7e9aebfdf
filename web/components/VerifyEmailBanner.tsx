"use client";

import { usePathname } from "next/navigation";
import { useMutation } from "@tanstack/react-query";

import { describeError } from "@/lib/api/problem";
import { resendVerification } from "@/lib/account";
import { useSession } from "@/lib/session";

/**
 * Tells a signed-in person whose address is not confirmed what that keeps
 * them from, where the link went, and lets them have it sent again.
 */
export function VerifyEmailBanner() {
  const { user } = useSession();
  const pathname = usePathname();
  const resend = useMutation({ mutationFn: resendVerification });
  // The confirmation page says it all itself.
  if (!user || user.email_verified || pathname.startsWith("/verify-email")) return null;
  return (
    <section aria-label="Confirm your e-mail address" className="border-b border-amber-200 bg-amber-50">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 text-sm text-amber-950 sm:px-6">
        <p>
          Confirm your e-mail address to buy, sell and message artists: we sent a link to{" "}
          <strong className="font-medium">{user.email}</strong>.
        </p>
        {resend.isSuccess ? (
          <p role="status">A new link is on its way.</p>
        ) : (
          <button
            type="button"
            className="font-medium underline underline-offset-2 disabled:opacity-60"
            disabled={resend.isPending}
            onClick={() => resend.mutate()}
          >
            {resend.isPending ? "Sending…" : "Send the link again"}
          </button>
        )}
        {resend.isError && (
          <p role="alert" className="text-red-800">
            {describeError(resend.error)}
          </p>
        )}
      </div>
    </section>
  );
}
