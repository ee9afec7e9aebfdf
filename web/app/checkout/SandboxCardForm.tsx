"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";

import { Field, FormAlert } from "@/components/Field";
import { ApiError, describeError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";

import { type CardOutcome, type Decline, TEST_CARDS, authenticate, authorised, confirmCard } from "./payments";

type Props = {
  payment: Schemas["PaymentView"];
  /** What to pay, as shown on the button. */
  amount: string;
  /** The card was authorised: the page confirms the checkout. */
  onAuthorised: () => void;
};

/**
 * The sandbox's card form: a card number, Stripe's test cards as help, the
 * bank's refusal under the field, and the authentication step some cards ask
 * for (which the sandbox lets the buyer complete or fail).
 */
export function SandboxCardForm({ payment, amount, onAuthorised }: Props) {
  const [number, setNumber] = useState("");
  const [busy, setBusy] = useState(false);
  const [decline, setDecline] = useState<Decline | null>(payment.decline ?? null);
  const [failure, setFailure] = useState<string | null>(null);
  const [authenticating, setAuthenticating] = useState(payment.state === "requires_action");
  const input = useRef<HTMLInputElement>(null);
  const authHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (authenticating) authHeading.current?.focus();
  }, [authenticating]);

  function settle(outcome: CardOutcome) {
    if (authorised(outcome.status)) {
      setAuthenticating(false);
      onAuthorised();
    } else if (outcome.status === "requires_action") {
      setAuthenticating(true);
    } else {
      setAuthenticating(false);
      setDecline(outcome.decline ?? { code: "card_declined", message: "Your card was declined." });
      // The refusal is read out with the field it concerns.
      requestAnimationFrame(() => input.current?.focus());
    }
  }

  async function run(step: () => Promise<CardOutcome>) {
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
    void run(() => confirmCard(payment, digits));
  }

  if (authenticating) {
    return (
      <section aria-labelledby="authentication-heading" className="rounded-lg border border-stone-300 bg-white p-5">
        <h3 id="authentication-heading" ref={authHeading} tabIndex={-1} className="font-serif text-xl focus:outline-none">
          Your bank asks you to confirm this payment
        </h3>
        <p className="mt-2 text-sm text-stone-700">
          This is the step where your bank would check it is you (3-D Secure). In the sandbox you decide what the bank
          answers.
        </p>
        <FormAlert message={failure} />
        <div className="mt-4 flex flex-wrap gap-3">
          <button type="button" className="btn-primary" disabled={busy} onClick={() => void run(() => authenticate(payment, true))}>
            Complete authentication
          </button>
          <button type="button" className="btn-secondary" disabled={busy} onClick={() => void run(() => authenticate(payment, false))}>
            Fail authentication
          </button>
        </div>
      </section>
    );
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby="card-heading" className="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
      <h3 id="card-heading" className="font-serif text-xl">
        Card
      </h3>
      <FormAlert message={failure} />
      <Field
        label="Card number"
        error={decline?.message}
        help={`This is the payments sandbox: no real card is charged. Test cards: ${TEST_CARDS.map(
          (card) => `${card.number} ${card.effect}`,
        ).join("; ")}.`}
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
        {busy ? "Paying…" : `Pay ${amount}`}
      </button>
    </form>
  );
}
