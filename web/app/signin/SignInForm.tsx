"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Field, FormAlert, fieldMessages, formMessage } from "@/components/Field";
import { api, call } from "@/lib/api/client";
import { acceptSession, safeNextPath } from "@/lib/session";

export function SignInForm() {
  const router = useRouter();
  const next = safeNextPath(useSearchParams().get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const signIn = useMutation({
    mutationFn: () => call(() => api.POST("/api/auth/login", { body: { email: email.trim(), password } })),
    onSuccess: (session) => {
      acceptSession(session);
      router.push(next);
    },
  });
  const errors = fieldMessages(signIn.error);
  const alert = formMessage(signIn.error, (field) => field === "email" || field === "password");

  function submit(event: FormEvent) {
    event.preventDefault();
    signIn.mutate();
  }

  return (
    <div className="mx-auto max-w-sm">
      <h1 className="font-serif text-3xl">Sign in</h1>
      <p className="mt-2 text-stone-600">Welcome back to Atelier.</p>
      <form onSubmit={submit} noValidate className="mt-8 flex flex-col gap-5">
        <FormAlert message={alert} />
        <Field label="Email" error={errors.email}>
          {(control) => (
            <input
              {...control}
              type="email"
              name="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              className="field-input"
            />
          )}
        </Field>
        <Field label="Password" error={errors.password}>
          {(control) => (
            <input
              {...control}
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              className="field-input"
            />
          )}
        </Field>
        <button type="submit" className="btn-primary" disabled={signIn.isPending}>
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="mt-8 text-sm text-stone-700">
        New to Atelier?{" "}
        <Link
          href={next === "/" ? "/signup/" : `/signup/?next=${encodeURIComponent(next)}`}
          className="font-medium text-stone-900 underline underline-offset-2"
        >
          Create an account
        </Link>
      </p>
    </div>
  );
}
