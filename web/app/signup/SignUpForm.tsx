"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Field, FormAlert, fieldMessages, formMessage, sentence } from "@/components/Field";
import { api, call } from "@/lib/api/client";
import type { Schemas } from "@/lib/api/types";
import { acceptSession, safeNextPath } from "@/lib/session";

type Role = Schemas["SignupRole"];

const FIELDS = new Set(["display_name", "email", "password", "role"]);

export function SignUpForm() {
  const router = useRouter();
  const nextParam = useSearchParams().get("next");
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("collector");

  const register = useMutation({
    mutationFn: () =>
      call(() =>
        api.POST("/api/auth/register", {
          body: { display_name: displayName.trim(), email: email.trim(), password, role },
        }),
      ),
    onSuccess: (session) => {
      acceptSession(session);
      router.push(session.user.role === "artist" ? "/studio/" : safeNextPath(nextParam));
    },
  });
  const errors = fieldMessages(register.error);
  const alert = formMessage(register.error, (field) => FIELDS.has(field));

  function submit(event: FormEvent) {
    event.preventDefault();
    register.mutate();
  }

  return (
    <div className="mx-auto max-w-md">
      <h1 className="font-serif text-3xl">Join Atelier</h1>
      <p className="mt-2 text-stone-600">Collect original work, or sell your own.</p>
      <form onSubmit={submit} noValidate className="mt-8 flex flex-col gap-5">
        <FormAlert message={alert} />
        <Field label="Display name" error={errors.display_name} help="Shown on your profile; up to 80 characters.">
          {(control) => (
            <input
              {...control}
              name="display_name"
              autoComplete="name"
              required
              maxLength={80}
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              className="field-input"
            />
          )}
        </Field>
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
        <Field
          label="Password"
          error={errors.password}
          help="8 to 128 characters and hard to guess: a few unrelated words work well. Avoid your name or e-mail."
        >
          {(control) => (
            <input
              {...control}
              type="password"
              name="password"
              autoComplete="new-password"
              required
              minLength={8}
              maxLength={128}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              className="field-input"
            />
          )}
        </Field>
        <fieldset aria-describedby={errors.role ? "role-error" : undefined}>
          <legend className="field-label">I am joining as</legend>
          <div className="mt-2 grid grid-cols-2 gap-3">
            {(
              [
                ["collector", "Collector", "Discover and save works"],
                ["artist", "Artist", "List and sell your work"],
              ] as const
            ).map(([value, label, hint]) => (
              <div
                key={value}
                className="relative flex gap-2 rounded-md border border-stone-300 bg-white p-3 has-[:checked]:border-stone-900 has-[:checked]:ring-1 has-[:checked]:ring-stone-900"
              >
                <input
                  id={`role-${value}`}
                  type="radio"
                  name="role"
                  value={value}
                  checked={role === value}
                  onChange={() => setRole(value)}
                  aria-describedby={`role-${value}-hint`}
                  className="relative z-10 mt-1 accent-stone-900"
                />
                <div>
                  {/* The label stretches over the card so all of it selects the option. */}
                  <label htmlFor={`role-${value}`} className="block cursor-pointer font-medium after:absolute after:inset-0">
                    {label}
                  </label>
                  <p id={`role-${value}-hint`} className="text-sm text-stone-600">
                    {hint}
                  </p>
                </div>
              </div>
            ))}
          </div>
          {errors.role && (
            <p id="role-error" className="field-error">
              {sentence(errors.role)}
            </p>
          )}
        </fieldset>
        <button type="submit" className="btn-primary" disabled={register.isPending}>
          {register.isPending ? "Creating your account…" : "Create account"}
        </button>
      </form>
      <p className="mt-8 text-sm text-stone-700">
        Already have an account?{" "}
        <Link
          href={nextParam ? `/signin/?next=${encodeURIComponent(safeNextPath(nextParam))}` : "/signin/"}
          className="font-medium text-stone-900 underline underline-offset-2"
        >
          Sign in
        </Link>
      </p>
    </div>
  );
}
