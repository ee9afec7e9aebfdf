"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState } from "react";

import { AccountForm, EmailField, PasswordField, useAccountForm } from "@/components/AccountForm";
import { api, call } from "@/lib/api/client";
import { safeNextPath } from "@/lib/session";

export function SignInForm() {
  const next = safeNextPath(useSearchParams().get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const form = useAccountForm(
    () => call(() => api.POST("/api/auth/login", { body: { email: email.trim(), password } })),
    () => next,
    ["email", "password"],
  );

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
