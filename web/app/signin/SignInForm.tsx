"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState } from "react";

import { AccountForm, EmailField, PasswordField, useAccountForm } from "@/components/AccountForm";
import { Field } from "@/components/Field";
import { api, call } from "@/lib/api/client";
import { ApiError } from "@/lib/api/problem";
import { safeNextPath } from "@/lib/session";

export function SignInForm() {
  const next = safeNextPath(useSearchParams().get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  // Set once the password is right for an account with a second factor.
  const [challenge, setChallenge] = useState<string | null>(null);
  const [code, setCode] = useState("");

  const form = useAccountForm(
    async () => {
      if (challenge) {
        try {
          return await call(() => api.POST("/api/auth/login/mfa", { body: { mfa_token: challenge, code: code.trim() } }));
        } catch (error) {
          // The step expired or took too many wrong codes: back to the password.
          if (error instanceof ApiError && error.status === 401) {
            setChallenge(null);
            setCode("");
          }
          throw error;
        }
      }
      const answer = await call(() => api.POST("/api/auth/login", { body: { email: email.trim(), password } }));
      if ("mfa_token" in answer) {
        setChallenge(answer.mfa_token);
        return null;
      }
      return answer;
    },
    () => next,
    ["email", "password", "code"],
  );

  if (challenge) {
    return (
      <AccountForm
        title="Sign in"
        intro="Enter the code your authenticator app shows, or one of your recovery codes."
        width="max-w-sm"
        form={form}
        action="Sign in"
        busy="Checking…"
        other={{ question: "Not now?", label: "Cancel", href: "/" }}
      >
        <Field label="Code" error={form.errors.code}>
          {(control) => (
            <input
              {...control}
              name="code"
              inputMode="text"
              autoComplete="one-time-code"
              autoFocus
              maxLength={16}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              className="field-input font-mono"
            />
          )}
        </Field>
      </AccountForm>
    );
  }

  return (
    <AccountForm
      title="Sign in"
      intro="Welcome back to Atelier."
      width="max-w-sm"
      form={form}
      action="Sign in"
      busy="Signing in…"
      other={{
        question: "New to Atelier?",
        label: "Create an account",
        href: next === "/" ? "/signup/" : `/signup/?next=${encodeURIComponent(next)}`,
      }}
    >
      <EmailField value={email} onChange={setEmail} error={form.errors.email} />
      <PasswordField value={password} onChange={setPassword} error={form.errors.password} />
      <Link href="/forgot-password/" className="-mt-2 text-sm text-stone-700 underline underline-offset-2">
        Forgot your password?
      </Link>
    </AccountForm>
  );
}
