"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { QRCodeSVG } from "qrcode.react";
import { useState, type FormEvent, type ReactNode } from "react";

import { EmailField, PasswordField } from "@/components/AccountForm";
import { Field, FormAlert, fieldMessages, formMessage } from "@/components/Field";
import { RequireSession } from "@/components/RequireSession";
import { ErrorState } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { describeError } from "@/lib/api/problem";
import type { Schemas, User } from "@/lib/api/types";
import { formatDateTime } from "@/lib/orders";
import { forgetSession, updateUser } from "@/lib/session";

type Session = Schemas["SessionInfo"];

const sessionsKey = (userId: string) => ["me", "sessions", userId] as const;

/** The account's address, password and the places it is signed in. */
export function SecurityPage() {
  return (
    <RequireSession reason="Your account's settings are yours alone.">
      {(user) => (
        <div className="mx-auto flex max-w-2xl flex-col gap-8">
          <h1 className="font-serif text-3xl">Account and security</h1>
          <EmailSection user={user} />
          <PasswordSection />
          <SecondFactorSection user={user} />
          <SessionsSection user={user} />
        </div>
      )}
    </RequireSession>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="rounded-lg border border-stone-200 bg-white p-5">
      <h2 id={id} className="font-serif text-xl">
        {title}
      </h2>
      {children}
    </section>
  );
}

function EmailSection({ user }: { user: User }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const change = useMutation({
    mutationFn: () =>
      call(() => api.PUT("/api/me/email", { body: { email: email.trim(), current_password: password } })),
    onSuccess: () => setPassword(""),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    change.mutate();
  }
  const errors = fieldMessages(change.error);
  return (
    <Section id="email-heading" title="E-mail address">
      <p className="mt-2 text-sm text-stone-700">
        <strong className="font-medium">{user.email}</strong>{" "}
        {user.email_verified ? "is confirmed." : "is not confirmed yet: open the link we sent to it."}
      </p>
      {change.isSuccess ? (
        <p role="status" className="mt-4 text-sm text-stone-800">
          We sent a link to {email.trim()}. Your account moves to it when you open the link; until then it keeps{" "}
          {user.email}.
        </p>
      ) : (
        <form onSubmit={submit} noValidate className="mt-4 flex flex-col gap-4">
          <FormAlert message={formMessage(change.error, (field) => field === "email" || field === "current_password")} />
          <EmailField value={email} onChange={setEmail} error={errors.email} />
          <CurrentPassword value={password} onChange={setPassword} error={errors.current_password} />
          <button type="submit" className="btn-secondary self-start" disabled={change.isPending}>
            {change.isPending ? "Sending…" : "Change address"}
          </button>
        </form>
      )}
    </Section>
  );
}

function PasswordSection() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: () => call(() => api.PATCH("/api/me", { body: { current_password: current, new_password: next } })),
    onSuccess: (user) => {
      updateUser(user);
      setCurrent("");
      setNext("");
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    change.mutate();
  }
  const errors = fieldMessages(change.error);
  return (
    <Section id="password-heading" title="Password">
      <p className="mt-2 text-sm text-stone-600">Changing it signs out every other session.</p>
      <form onSubmit={submit} noValidate className="mt-4 flex flex-col gap-4">
        <FormAlert message={formMessage(change.error, (field) => field === "current_password" || field === "new_password")} />
        <CurrentPassword value={current} onChange={setCurrent} error={errors.current_password} />
        <PasswordField value={next} onChange={setNext} error={errors.new_password} choosing />
        <button type="submit" className="btn-secondary self-start" disabled={change.isPending}>
          {change.isPending ? "Saving…" : "Change password"}
        </button>
        <p role="status" className="text-sm text-stone-700 empty:hidden">
          {change.isSuccess && "Your password is changed; your other sessions are signed out."}
        </p>
      </form>
    </Section>
  );
}

/** A password field for confirming a change to how the account is protected. */
function CurrentPassword({ value, onChange, error }: { value: string; onChange: (value: string) => void; error?: string }) {
  return (
    <Field label="Current password" error={error}>
      {(control) => (
        <input
          {...control}
          type="password"
          name="current_password"
          autoComplete="current-password"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          className="field-input"
        />
      )}
    </Field>
  );
}

function CodeField({ label, value, onChange, error }: { label: string; value: string; onChange: (value: string) => void; error?: string }) {
  return (
    <Field label={label} error={error}>
      {(control) => (
        <input
          {...control}
          name="code"
          inputMode="text"
          autoComplete="one-time-code"
          maxLength={16}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          className="field-input font-mono"
        />
      )}
    </Field>
  );
}

function RecoveryCodeList({ codes }: { codes: string[] }) {
  return (
    <div role="status" className="mt-4">
      <p className="text-sm text-stone-800">
        Your recovery codes. Keep them somewhere safe, away from your phone: each signs you in once if the app is not at
        hand. They are shown only now.
      </p>
      <ul aria-label="Recovery codes" className="mt-3 grid grid-cols-2 gap-2 font-mono text-sm">
        {codes.map((code) => (
          <li key={code} className="rounded bg-stone-100 px-2 py-1">
            {code}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The authenticator app: enrolling it (QR code, a first code), its recovery codes, turning it off. */
function SecondFactorSection({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const key = ["me", "mfa", user.id] as const;
  const status = useQuery({ queryKey: key, queryFn: ({ signal }) => call(() => api.GET("/api/me/mfa", { signal })) });
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [codes, setCodes] = useState<string[] | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: key });

  const start = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/mfa/totp", { body: { current_password: password } })),
    onSuccess: () => setPassword(""),
  });
  const confirm = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/mfa/totp/confirm", { body: { code: code.trim() } })),
    onSuccess: (answer) => {
      setCodes(answer.codes);
      setCode("");
      start.reset();
      refresh();
    },
  });
  const renew = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/mfa/recovery-codes", { body: { current_password: password } })),
    onSuccess: (answer) => {
      setCodes(answer.codes);
      setPassword("");
      refresh();
    },
  });
  const stop = useMutation({
    mutationFn: () => call(() => api.DELETE("/api/me/mfa/totp", { body: { current_password: password, code: code.trim() } })),
    onSuccess: () => {
      setPassword("");
      setCode("");
      setCodes(null);
      refresh();
    },
  });
  const failure = start.error ?? confirm.error ?? renew.error ?? stop.error;
  const errors = fieldMessages(failure);
  const alert = formMessage(failure, (field) => field === "current_password" || field === "code");
  const submit = (run: () => void) => (event: FormEvent) => {
    event.preventDefault();
    run();
  };

  let body: ReactNode;
  if (status.isPending) body = <p className="mt-4 text-sm text-stone-600">Loading…</p>;
  else if (status.isError) body = <ErrorState error={status.error} onRetry={() => void status.refetch()} />;
  else if (start.data) {
    const enrolment = start.data;
    body = (
      <form onSubmit={submit(() => confirm.mutate())} noValidate className="mt-4 flex flex-col gap-4">
        <p className="text-sm text-stone-700">
          Scan the code with your authenticator app, or type the key into it, then enter the code the app shows.
        </p>
        <QRCodeSVG value={enrolment.otpauth_url} size={176} title="QR code for your authenticator app" className="self-start" />
        <p className="text-sm text-stone-700">
          Key: <code className="font-mono break-all">{enrolment.secret}</code>
        </p>
        <FormAlert message={alert} />
        <CodeField label="Code from the app" value={code} onChange={setCode} error={errors.code} />
        <button type="submit" className="btn-primary self-start" disabled={confirm.isPending}>
          {confirm.isPending ? "Checking…" : "Turn on"}
        </button>
      </form>
    );
  } else if (!status.data.totp) {
    body = (
      <form onSubmit={submit(() => start.mutate())} noValidate className="mt-4 flex flex-col gap-4">
        <p className="text-sm text-stone-700">
          Off. With an authenticator app, signing in also asks for the code it shows, so a stolen password is not enough.
        </p>
        <FormAlert message={alert} />
        <CurrentPassword value={password} onChange={setPassword} error={errors.current_password} />
        <button type="submit" className="btn-secondary self-start" disabled={start.isPending}>
          Set up an authenticator app
        </button>
      </form>
    );
  } else {
    body = (
      <div className="mt-4 flex flex-col gap-4">
        <p className="text-sm text-stone-700">
          On: signing in asks for a code from your app. {status.data.recovery_codes_left} recovery{" "}
          {status.data.recovery_codes_left === 1 ? "code" : "codes"} left.
        </p>
        <FormAlert message={alert} />
        <CurrentPassword value={password} onChange={setPassword} error={errors.current_password} />
        <button type="button" className="btn-secondary self-start" disabled={renew.isPending} onClick={() => renew.mutate()}>
          New recovery codes
        </button>
        <form onSubmit={submit(() => stop.mutate())} noValidate className="flex flex-col gap-4 border-t border-stone-100 pt-4">
          <CodeField label="Code from the app, or a recovery code" value={code} onChange={setCode} error={errors.code} />
          <button type="submit" className="btn-secondary self-start" disabled={stop.isPending}>
            Turn off
          </button>
        </form>
      </div>
    );
  }

  return (
    <Section id="mfa-heading" title="Authenticator app">
      {body}
      {codes && <RecoveryCodeList codes={codes} />}
    </Section>
  );
}

function SessionsSection({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const key = sessionsKey(user.id);
  const sessions = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => call(() => api.GET("/api/me/sessions", { signal })),
  });
  const end = useMutation({
    mutationFn: (session: Session) => call(() => api.DELETE("/api/me/sessions/{id}", { params: { path: { id: session.id } } })),
    onSuccess: (_, session) => {
      // Signing this session out is signing out.
      if (session.current) forgetSession();
      else void queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const others = useMutation({
    mutationFn: () => call(() => api.POST("/api/me/sessions/sign-out-others")),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: key }),
  });
  const failure = end.error ?? others.error;

  return (
    <Section id="sessions-heading" title="Where you are signed in">
      {sessions.isPending ? (
        <p className="mt-4 text-sm text-stone-600">Loading…</p>
      ) : sessions.isError ? (
        <ErrorState error={sessions.error} onRetry={() => void sessions.refetch()} />
      ) : (
        <>
          <ul aria-label="Sessions" className="mt-4 divide-y divide-stone-100">
            {sessions.data.map((session) => (
              <li key={session.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
                <div className="text-sm">
                  <p className="font-medium text-stone-900">
                    {session.device}
                    {session.current && <span className="ml-2 rounded bg-stone-100 px-2 py-0.5 text-xs">This device</span>}
                  </p>
                  <p className="text-stone-600">
                    {session.ip ? `${session.ip} · ` : ""}last used {formatDateTime(session.last_used_at)}, signed in{" "}
                    {formatDateTime(session.created_at)}
                  </p>
                </div>
                <button
                  type="button"
                  className="btn-secondary"
                  disabled={end.isPending}
                  aria-label={`Sign out ${session.current ? "this device" : session.device}`}
                  onClick={() => end.mutate(session)}
                >
                  Sign out
                </button>
              </li>
            ))}
          </ul>
          {sessions.data.length > 1 && (
            <button type="button" className="btn-secondary mt-4" disabled={others.isPending} onClick={() => others.mutate()}>
              {others.isPending ? "Signing out…" : "Sign out everywhere else"}
            </button>
          )}
          <p role="status" className="mt-3 text-sm text-stone-700 empty:hidden">
            {others.isSuccess && `Signed out of ${others.data.signed_out} other ${others.data.signed_out === 1 ? "session" : "sessions"}.`}
          </p>
        </>
      )}
      {failure && (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {describeError(failure)}
        </p>
      )}
    </Section>
  );
}
