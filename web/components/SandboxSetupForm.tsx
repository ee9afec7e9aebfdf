"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";

import { Field, FormAlert } from "@/components/Field";
import { ApiError, describeError } from "@/lib/api/problem";
import { type Decline, type SetupOutcome, type SetupView, SETUP_TEST_CARDS, authenticateSetup, confirmSetupCard } from "@/lib/cards";

type Props = {
  setup: SetupView;
  /** The setup saved the card: the caller keeps it. */
  onSaved: () => void;
};

/**
 * The sandbox's form for saving a card, as the checkout's card form is for
 * paying: a card number, Stripe's test cards as help, the bank's refusal
 * under the field, and the authentication step some cards ask for.
 */
export function SandboxSetupForm({ setup, onSaved }: Props) {
  const [number, setNumber] = useState("");
  const [busy, setBusy] = useState(false);
  const [decline, setDecline] = useState<Decline | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [authenticating, setAuthenticating] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const authHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (authenticating) authHeading.current?.focus();
  }, [authenticating]);

  function settle(outcome: SetupOutcome) {
    if (outcome.status === "succeeded") {
      setAuthenticating(false);
      onSaved();
    } else if (outcome.status === "requires_action") {
      setAuthenticating(true);
    } else {
      setAuthenticating(false);
      setDecline(outcome.decline ?? { code: "card_declined", message: "Your card was declined." });
      // The refusal is read out with the field it concerns.
      requestAnimationFrame(() => input.current?.focus());
    }
  }

  async function run(step: () => Promise<SetupOutcome>) {
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
    void run(() => confirmSetupCard(setup, digits));
  }

  if (authenticating) {
    return (
      <section aria-labelledby="setup-authentication-heading" className="rounded-lg border border-stone-300 bg-white p-5">
        <h3 id="setup-authentication-heading" ref={authHeading} tabIndex={-1} className="font-serif text-xl focus:outline-none">
          Your bank asks you to confirm this card
        </h3>
        <p className="mt-2 text-sm text-stone-700">
          This is the step where your bank would check it is you (3-D Secure). In the sandbox you decide what the bank
          answers.
        </p>
        <FormAlert message={failure} />
        <div className="mt-4 flex flex-wrap gap-3">
          <button type="button" className="btn-primary" disabled={busy} onClick={() => void run(() => authenticateSetup(setup, true))}>
            Complete authentication
          </button>
          <button type="button" className="btn-secondary" disabled={busy} onClick={() => void run(() => authenticateSetup(setup, false))}>
            Fail authentication
          </button>
        </div>
      </section>
    );
  }

  return (
    <form onSubmit={submit} noValidate aria-labelledby="setup-card-heading" className="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
      <h3 id="setup-card-heading" className="font-serif text-xl">
        Save a card
      </h3>
      <FormAlert message={failure} />
      <Field
        label="Card number"
        error={decline?.message}
        help={`This is the payments sandbox: no real card is charged. Test cards: ${SETUP_TEST_CARDS.map(
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
        {busy ? "Saving…" : "Save card"}
      </button>
    </form>
  );
}
