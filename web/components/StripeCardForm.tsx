"use client";

import type { Stripe, StripeElements } from "@stripe/stripe-js";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { FormAlert } from "@/components/Field";

type Props = {
  clientSecret: string;
  publishableKey: string;
  heading: string;
  submit: string;
  busy: string;
  /** What an earlier attempt left to say, such as the bank's refusal. */
  initialMessage?: string | null;
  /**
   * Confirms the intent with Stripe.js: null once it went through,
   * otherwise what to tell the person.
   */
  confirm: (stripe: Stripe, elements: StripeElements) => Promise<string | null>;
  onDone: () => void;
};

/**
 * Stripe's Payment Element, for paying (a PaymentIntent) or saving a card
 * (a SetupIntent). Stripe.js is loaded only here, when the API runs on
 * Stripe (the page's policy allows js.stripe.com's script and frames and
 * api.stripe.com, and only in a build for Stripe). Stripe shows a refusal
 * inside its element and runs the bank's authentication step itself; a
 * redirect-based method comes back to this page.
 */
export function StripeCardForm({ clientSecret, publishableKey, heading, submit, busy, initialMessage = null, confirm, onDone }: Props) {
  const mount = useRef<HTMLDivElement>(null);
  const stripe = useRef<{ stripe: Stripe; elements: StripeElements } | null>(null);
  const [ready, setReady] = useState(false);
  const [working, setWorking] = useState(false);
  const [message, setMessage] = useState<string | null>(initialMessage);
  const headingId = useId();

  useEffect(() => {
    let cancelled = false;
    let destroy: (() => void) | null = null;
    (async () => {
      const { loadStripe } = await import("@stripe/stripe-js/pure");
      const loaded = await loadStripe(publishableKey);
      if (cancelled || !loaded || !mount.current) return;
      const elements = loaded.elements({
        clientSecret,
        appearance: { theme: "stripe", variables: { colorPrimary: "#1c1917", fontFamily: "system-ui, sans-serif" } },
      });
      const element = elements.create("payment");
      element.on("ready", () => setReady(true));
      element.mount(mount.current);
      stripe.current = { stripe: loaded, elements };
      destroy = () => element.destroy();
    })().catch(() => {
      if (!cancelled) setMessage("The card form could not be loaded. Check your connection and reload the page.");
    });
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, [clientSecret, publishableKey]);

  async function send(event: FormEvent) {
    event.preventDefault();
    const current = stripe.current;
    if (!current) return;
    setWorking(true);
    setMessage(null);
    try {
      const problem = await confirm(current.stripe, current.elements);
      if (problem === null) onDone();
      else setMessage(problem);
    } finally {
      setWorking(false);
    }
  }

  return (
    <form onSubmit={(event) => void send(event)} aria-labelledby={headingId} className="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
      <h3 id={headingId} className="font-serif text-xl">
        {heading}
      </h3>
      <div ref={mount} aria-busy={!ready} className="min-h-40" />
      <FormAlert message={message} />
      <button type="submit" className="btn-primary" disabled={!ready || working}>
        {working ? busy : submit}
      </button>
    </form>
  );
}
