"use client";

import type { Stripe, StripeElements } from "@stripe/stripe-js";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { FormAlert } from "@/components/Field";
import type { Schemas } from "@/lib/api/types";

import { authorised } from "./payments";

type Props = {
  payment: Schemas["PaymentView"];
  publishableKey: string;
  amount: string;
  onAuthorised: () => void;
};

/**
 * Stripe's Payment Element. Stripe.js is loaded only here, when a checkout
 * is paid through Stripe (the page's policy allows js.stripe.com's script and
 * frames and api.stripe.com, and only in a build for Stripe). Stripe shows
 * the card's refusal inside its element and runs the bank's authentication
 * step itself; a redirect-based method comes back to this page.
 */
export function StripePaymentForm({ payment, publishableKey, amount, onAuthorised }: Props) {
  const mount = useRef<HTMLDivElement>(null);
  const stripe = useRef<{ stripe: Stripe; elements: StripeElements } | null>(null);
  const [ready, setReady] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(payment.decline?.message ?? null);

  useEffect(() => {
    let cancelled = false;
    let destroy: (() => void) | null = null;
    (async () => {
      const { loadStripe } = await import("@stripe/stripe-js/pure");
      const loaded = await loadStripe(publishableKey);
      if (cancelled || !loaded || !mount.current) return;
      const elements = loaded.elements({
        clientSecret: payment.client_secret,
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
  }, [payment.client_secret, publishableKey]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const current = stripe.current;
    if (!current) return;
    setBusy(true);
    setMessage(null);
    try {
      const returnUrl = new URL(window.location.href);
      const result =
        payment.state === "requires_action"
          ? await current.stripe.handleNextAction({ clientSecret: payment.client_secret })
          : await current.stripe.confirmPayment({
              elements: current.elements,
              redirect: "if_required",
              confirmParams: { return_url: returnUrl.toString() },
            });
      if (result.error) setMessage(result.error.message ?? "Your payment could not be completed.");
      else if (result.paymentIntent && authorised(result.paymentIntent.status)) onAuthorised();
      else setMessage("Your payment was not completed. Try again, or use another card.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby="card-heading" className="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
      <h3 id="card-heading" className="font-serif text-xl">
        Payment
      </h3>
      <div ref={mount} aria-busy={!ready} className="min-h-40" />
      <FormAlert message={message} />
      <button type="submit" className="btn-primary" disabled={!ready || busy}>
        {busy ? "Paying…" : `Pay ${amount}`}
      </button>
    </form>
  );
}
