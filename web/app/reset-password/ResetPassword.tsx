"use client";

import { useSearchParams } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { PasswordField } from "@/components/AccountForm";
import { FormAlert, fieldMessages, formMessage } from "@/components/Field";
import { StateMessage } from "@/components/StateMessage";
import { completePasswordReset } from "@/lib/account";
import { ApiError } from "@/lib/api/problem";
import { forgetSession } from "@/lib/session";

/** Where a reset link leads: a new password, after which every session of the account has ended. */
export function ResetPassword() {
  const token = useSearchParams().get("token") ?? "";
  const [password, setPassword] = useState("");
  const reset = useMutation({
    mutationFn: () => completePasswordReset(token, password),
    // This browser's session ended with all the others.
    onSuccess: () => forgetSession(),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    reset.mutate();
  }

  if (reset.isSuccess) {
    return (
      <div role="status">
        <StateMessage title="Your password is changed" link={{ href: "/signin/", label: "Sign in" }}>
          <p>You were signed out everywhere; sign in with the new password.</p>
        </StateMessage>
      </div>
    );
  }
  if (!token || (reset.error instanceof ApiError && reset.error.status === 410)) {
    return (
      <div role="alert">
        <StateMessage title="This link has expired" link={{ href: "/forgot-password/", label: "Ask for a new link" }}>
          <p>Reset links work once, for 30 minutes, and only the newest one counts.</p>
        </StateMessage>
      </div>
    );
  }
  return (
    <div className="mx-auto max-w-sm">
      <h1 className="font-serif text-3xl">Choose a new password</h1>
      <p className="mt-2 text-stone-600">Every session of your account ends when you save it.</p>
      <form onSubmit={submit} noValidate className="mt-8 flex flex-col gap-5">
        <FormAlert message={formMessage(reset.error, (field) => field === "new_password")} />
        <PasswordField value={password} onChange={setPassword} error={fieldMessages(reset.error).new_password} choosing />
        <button type="submit" className="btn-primary" disabled={reset.isPending}>
          {reset.isPending ? "Saving…" : "Save the new password"}
        </button>
      </form>
    </div>
  );
}
