"use client";

import type { Stripe, StripeElements } from "@stripe/stripe-js";
import { useEffect, useRef, useState, type FormEvent } from "react";

import { FormAlert } from "@/components/Field";
import type { SetupView } from "@/lib/cards";

type Props = {
  setup: SetupView;
  publishableKey: string;
  onSaved: () => void;
};

/**
 * Stripe's Payment Element for a SetupIntent: saving a card rather than
 * paying, as the checkout's Stripe form pays. Stripe.js is loaded only here
 * (the page's policy allows it only in a build for Stripe); Stripe shows a
 * refusal inside its element and runs the bank's authentication itself.
 */
export function StripeSetupForm({ setup, publishableKey, onSaved }: Props) {
  const mount = useRef<HTMLDivElement>(null);
  const stripe = useRef<{ stripe: Stripe; elements: StripeElements } | null>(null);
  const [ready, setReady] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    let destroy: (() => void) | null = null;
    (async () => {
      const { loadStripe } = await import("@stripe/stripe-js/pure");
      const loaded = await loadStripe(publishableKey);
      if (cancelled || !loaded || !mount.current) return;
      const elements = loaded.elements({
        clientSecret: setup.client_secret,
        appearance: { theme: "stripe", variables: { colorPrimary: "#1c1917", fontFamily: "system-ui, sans-serif" } },
      });
      const element = elements.create("payment");
      element.on("ready", () => setReady(true));
      element.mount(mount.current);
      stripe.current = { stripe: loaded, elements };
      destroy = () => element.destroy();
    })().catch(() => {
      if (!cancelled) setMessage("The card form could not be loaded. Check your connection and try again.");
    });
    return () => {
      cancelled = true;
      destroy?.();
    };
  }, [setup.client_secret, publishableKey]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const current = stripe.current;
    if (!current) return;
    setBusy(true);
    setMessage(null);
    try {
      const result = await current.stripe.confirmSetup({
        elements: current.elements,
        redirect: "if_required",
        confirmParams: { return_url: window.location.href },
      });
      if (result.error) setMessage(result.error.message ?? "Your card could not be saved.");
      else if (result.setupIntent?.status === "succeeded") onSaved();
      else setMessage("Your card was not saved. Try again, or use another card.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby="setup-card-heading" className="flex flex-col gap-4 rounded-lg border border-stone-200 bg-white p-5">
      <h3 id="setup-card-heading" className="font-serif text-xl">
        Save a card
      </h3>
      <div ref={mount} aria-busy={!ready} className="min-h-40" />
      <FormAlert message={message} />
      <button type="submit" className="btn-primary" disabled={!ready || busy}>
        {busy ? "Saving…" : "Save card"}
      </button>
    </form>
  );
}
