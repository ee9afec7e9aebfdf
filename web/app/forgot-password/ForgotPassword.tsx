"use client";

import Link from "next/link";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { EmailField } from "@/components/AccountForm";
import { FormAlert, fieldMessages, formMessage } from "@/components/Field";
import { requestPasswordReset } from "@/lib/account";

/** Asks for a reset link. What it says after is the same whether or not the address has an account. */
export function ForgotPassword() {
  const [email, setEmail] = useState("");
  const request = useMutation({ mutationFn: () => requestPasswordReset(email.trim()) });

  function submit(event: FormEvent) {
    event.preventDefault();
    request.mutate();
  }

  return (
    <div className="mx-auto max-w-sm">
      <h1 className="font-serif text-3xl">Forgot your password?</h1>
      {request.isSuccess ? (
        <div role="status" className="mt-4 text-stone-700">
          <p>
            If an account uses <strong className="font-medium">{email.trim()}</strong>, a link to choose a new password is on
            its way. It works once, for 30 minutes.
          </p>
          <p className="mt-4">Nothing arrived? Check your spam folder, or ask again in a few minutes.</p>
        </div>
      ) : (
        <>
          <p className="mt-2 text-stone-600">We will mail you a link to choose a new one.</p>
          <form onSubmit={submit} noValidate className="mt-8 flex flex-col gap-5">
            <FormAlert message={formMessage(request.error, (field) => field === "email")} />
            <EmailField value={email} onChange={setEmail} error={fieldMessages(request.error).email} />
            <button type="submit" className="btn-primary" disabled={request.isPending}>
              {request.isPending ? "Sending…" : "Send the link"}
            </button>
          </form>
        </>
      )}
      <p className="mt-8 text-sm text-stone-700">
        Remembered it?{" "}
        <Link href="/signin/" className="font-medium text-stone-900 underline underline-offset-2">
          Sign in
        </Link>
      </p>
    </div>
  );
}
