"use client";

import { useSearchParams } from "next/navigation";
import { useState } from "react";

import { AccountForm, EmailField, PasswordField, useAccountForm } from "@/components/AccountForm";
import { Field, sentence } from "@/components/Field";
import { api, call } from "@/lib/api/client";
import type { Schemas } from "@/lib/api/types";
import { safeNextPath } from "@/lib/session";

type Role = Schemas["SignupRole"];

export function SignUpForm() {
  const nextParam = useSearchParams().get("next");
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("collector");

  const form = useAccountForm(
    () =>
      call(() =>
        api.POST("/api/auth/register", {
          body: { display_name: displayName.trim(), email: email.trim(), password, role },
        }),
      ),
    (session) => (session.user.role === "artist" ? "/studio/" : safeNextPath(nextParam)),
    ["display_name", "email", "password", "role"],
  );
  const { errors } = form;

  return (
    <AccountForm
      title="Join Atelier"
      intro="Collect original work, or sell your own."
      width="max-w-md"
      form={form}
      action="Create account"
      busy="Creating your account…"
      other={{
        question: "Already have an account?",
        label: "Sign in",
        href: nextParam ? `/signin/?next=${encodeURIComponent(safeNextPath(nextParam))}` : "/signin/",
      }}
    >
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
      <EmailField value={email} onChange={setEmail} error={errors.email} />
      <PasswordField value={password} onChange={setPassword} error={errors.password} choosing />
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
    </AccountForm>
  );
}
