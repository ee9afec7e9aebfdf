"use client";

import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { Field, FormAlert } from "@/components/Field";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";

type Decline = Schemas["Decline"];

/** What the sandbox answers about a card, as Stripe.js tells a page. */
export type SandboxOutcome<S extends string> = { status: S; decline: Decline | null };

/** The words that make the form one for paying or one for saving a card. */
export type CardFormWording = {
  heading: string;
  /** The heading of the bank's authentication step: "… confirm this payment". */
  authentication: string;
  submit: string;
  busy: string;
  testCards: readonly { number: string; effect: string }[];
};

type Props<S extends string> = {
  wording: CardFormWording;
  confirm: (cardNumber: string) => Promise<SandboxOutcome<S>>;
  authenticate: (succeed: boolean) => Promise<SandboxOutcome<S>>;
  /** Whether a status ends the form's work: authorised for a payment, succeeded for a setup. */
  done: (status: S) => boolean;
  onDone: () => void;
  /** Where an earlier attempt left off: a refusal to show, or the bank's step still to take. */
  initialDecline?: Decline | null;
  initiallyAuthenticating?: boolean;
};

/**
 * The payments sandbox's card form, standing in for Stripe's Payment
 * Element for a payment or a setup alike: a card number, Stripe's test cards
 * as help, the bank's refusal under the field, and the authentication step
 * some cards ask for (which the sandbox lets the person complete or fail).
 */
export function SandboxCardForm<S extends string>({
  wording,
  confirm,
  authenticate,
  done,
  onDone,
  initialDecline = null,
  initiallyAuthenticating = false,
}: Props<S>) {
  const [number, setNumber] = useState("");
  const [busy, setBusy] = useState(false);
  const [decline, setDecline] = useState<Decline | null>(initialDecline);
  const [failure, setFailure] = useState<string | null>(null);
  const [authenticating, setAuthenticating] = useState(initiallyAuthenticating);
  const input = useRef<HTMLInputElement>(null);
  const authHeading = useRef<HTMLHeadingElement>(null);
  const headingId = useId();

  useEffect(() => {
    if (authenticating) authHeading.current?.focus();
  }, [authenticating]);

  function settle(outcome: SandboxOutcome<S>) {
    if (done(outcome.status)) {
      setAuthenticating(false);
      onDone();
    } else if (outcome.status === "requires_action") {
      setAuthenticating(true);
    } else {
      setAuthenticating(false);
      setDecline(outcome.decline ?? { code: "card_declined", message: "Your card was declined." });
      // The refusal is read out with the field it concerns.
      requestAnimationFrame(() => input.current?.focus());
    }
  }

  async function run(step: () => Promise<SandboxOutcome<S>>) {
    setBusy(true);
    setFailure(null);
    setDecline(null);
    try {
      settle(await step());
    } catch (error) {
      if (error instanceof ApiError && error.fieldErrors.card_number) setDecline({ code: "invalid", message: error.fieldErrors.card_number });
      else setFailure(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const digits = number.replace(/[\s-]/g, "");
    if (!/^\d{12,19}$/.test(digits)) {
      setDecline({ code: "incorrect_number", message: "Enter the card number: 12 to 19 digits." });
      input.current?.focus();
      return;
    }
    void run(() => confirm(digits));
  }

  if (authenticating) {
    return (
      <section aria-labelledby={headingId} className="rounded-lg border border-stone-300 bg-white p-5">
        <h3 id={headingId} ref={authHeading} tabIndex={-1} className="font-serif text-xl focus:outline-none">
          {wording.authentication}
        </h3>
        <p className="mt-2 text-sm text-stone-700">
          This is the step where your bank would check it is you (3-D Secure). In the sandbox you decide what the bank
          answers.
        </p>
        <FormAlert message={failure} />
        <div className="mt-4 flex flex-wrap gap-3">
          <button type="button" className="btn-primary" disabled={busy} onClick={() => void run(() => authenticate(true))}>
            Complete authentication
          </button>
          <button type="button" className="btn-secondary" disabled={busy} onClick={() => void run(() => authenticate(false))}>
            Fail authentication
          </button>
        </div>
      </section>
    );
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby={headingId} className="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
      <h3 id={headingId} className="font-serif text-xl">
        {wording.heading}
      </h3>
      <FormAlert message={failure} />
      <Field
        label="Card number"
        error={decline?.message}
        help={`This is the payments sandbox: no real card is charged. Test cards: ${wording.testCards
          .map((card) => `${card.number} ${card.effect}`)
          .join("; ")}.`}
      >
        {(control) => (
          <input
            {...control}
            ref={input}
            name="card_number"
            inputMode="numeric"
            autoComplete="cc-number"
            placeholder="1234 1234 1234 1234"
            maxLength={23}
            value={number}
            onChange={(e) => setNumber(e.target.value)}
            className="field-input font-mono"
          />
        )}
      </Field>
      <button type="submit" className="btn-primary" disabled={busy}>
        {busy ? wording.busy : wording.submit}
      </button>
    </form>
  );
}
