"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import type { FormEvent, ReactNode } from "react";

import { Field, FormAlert, fieldMessages, formMessage } from "@/components/Field";
import type { Schemas } from "@/lib/api/types";
import { acceptSession } from "@/lib/session";

type Session = Schemas["SessionView"];

/**
 * Sends a sign-in or sign-up, keeps the session it returns and goes where
 * `destination` says; `null` is a step that opens no session yet (a second
 * factor to come). `fields` are the paths the form shows next to their
 * inputs; any other problem is said at the top of the form.
 */
export function useAccountForm(
  send: () => Promise<Session | null>,
  destination: (session: Session) => string,
  fields: readonly string[],
) {
  const router = useRouter();
  const mutation = useMutation({
    mutationFn: send,
    onSuccess: (session) => {
      if (!session) return;
      acceptSession(session);
      router.push(destination(session));
    },
  });
  return {
    pending: mutation.isPending,
    errors: fieldMessages(mutation.error),
    alert: formMessage(mutation.error, (field) => fields.includes(field)),
    submit: (event: FormEvent) => {
      event.preventDefault();
      mutation.mutate();
    },
  };
}

type Props = {
  title: string;
  intro: string;
  /** Width of the column, as a Tailwind max-width class. */
  width: string;
  form: ReturnType<typeof useAccountForm>;
  action: string;
  /** What the button says while the request is under way. */
  busy: string;
  /** The way to the other account page: "New to Atelier? Create an account". */
  other: { question: string; label: string; href: string };
  children: ReactNode;
};

/** The sign-in and sign-up pages: heading, fields, one button and the way to the other page. */
export function AccountForm({ title, intro, width, form, action, busy, other, children }: Props) {
  return (
    <div className={`mx-auto ${width}`}>
      <h1 className="font-serif text-3xl">{title}</h1>
      <p className="mt-2 text-stone-600">{intro}</p>
      <form onSubmit={form.submit} noValidate className="mt-8 flex flex-col gap-5">
        <FormAlert message={form.alert} />
        {children}
        <button type="submit" className="btn-primary" disabled={form.pending}>
          {form.pending ? busy : action}
        </button>
      </form>
      <p className="mt-8 text-sm text-stone-700">
        {other.question}{" "}
        <Link href={other.href} className="font-medium text-stone-900 underline underline-offset-2">
          {other.label}
        </Link>
      </p>
    </div>
  );
}

type InputProps = { value: string; onChange: (value: string) => void; error?: string };

export function EmailField({ value, onChange, error }: InputProps) {
  return (
    <Field label="Email" error={error}>
      {(control) => (
        <input
          {...control}
          type="email"
          name="email"
          autoComplete="email"
          required
          value={value}
          onChange={(e) => onChange(e.target.value)}
          className="field-input"
        />
      )}
    </Field>
  );
}

/**
 * A password being chosen says the API's rule and lets the browser suggest
 * one; a password being entered lets the browser fill the saved one.
 */
export function PasswordField({ value, onChange, error, choosing = false }: InputProps & { choosing?: boolean }) {
  return (
    <Field
      label="Password"
      error={error}
      help={
        choosing
          ? "8 to 128 characters and hard to guess: a few unrelated words work well. Avoid your name or e-mail."
          : undefined
      }
    >
      {(control) => (
        <input
          {...control}
          type="password"
          name="password"
          autoComplete={choosing ? "new-password" : "current-password"}
          required
          minLength={choosing ? 8 : undefined}
          maxLength={choosing ? 128 : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          className="field-input"
        />
      )}
    </Field>
  );
}
