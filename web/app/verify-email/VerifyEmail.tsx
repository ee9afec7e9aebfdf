"use client";

import { useSearchParams } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { StateMessage } from "@/components/StateMessage";
import { confirmEmail, reloadUser, resendVerification } from "@/lib/account";
import { ApiError, describeError } from "@/lib/api/problem";
import { useSession } from "@/lib/session";

/** Where the link mailed to an address leads: it confirms the address as soon as it opens. */
export function VerifyEmail() {
  const token = useSearchParams().get("token") ?? "";
  const { status } = useSession();
  const confirm = useMutation({
    mutationFn: async () => {
      await confirmEmail(token);
      // Signed in here too: the banner and the account's rights follow at once.
      if (useSession.getState().status === "signed-in") await reloadUser();
    },
  });
  const resend = useMutation({ mutationFn: resendVerification });
  const started = useRef(false);

  useEffect(() => {
    // Once the session has settled, so the confirmed account is read back into it.
    if (started.current || !token || status === "restoring") return;
    started.current = true;
    confirm.mutate();
  }, [token, status, confirm]);

  if (!token) {
    return (
      <StateMessage title="This link is incomplete" link={{ href: "/", label: "Go to Atelier" }}>
        <p>Open the link from the mail again, or copy all of it into the address bar.</p>
      </StateMessage>
    );
  }
  if (confirm.isSuccess) {
    return (
      <div role="status">
        <StateMessage title="Your e-mail address is confirmed" link={{ href: "/", label: "Discover art" }}>
          <p>You can buy, sell and message artists now.</p>
        </StateMessage>
      </div>
    );
  }
  if (confirm.isError) {
    const gone = confirm.error instanceof ApiError && confirm.error.status === 410;
    return (
      <div role="alert">
        <StateMessage
          title={gone ? "This link has expired" : "We could not confirm your address"}
          action={
            status === "signed-in" &&
            (resend.isSuccess ? (
              <p role="status">A new link is on its way.</p>
            ) : (
              <button type="button" className="btn-primary" disabled={resend.isPending} onClick={() => resend.mutate()}>
                Send a new link
              </button>
            ))
          }
        >
          <p>
            {gone
              ? "Links work once, for a day, and only the newest one counts."
              : describeError(confirm.error)}
            {status !== "signed-in" && " Sign in to have a new link sent."}
          </p>
          {resend.isError && <p className="mt-2">{describeError(resend.error)}</p>}
        </StateMessage>
      </div>
    );
  }
  return (
    <p role="status" className="mx-auto my-16 max-w-md text-center text-stone-700">
      Confirming your address…
    </p>
  );
}
