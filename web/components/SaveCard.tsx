"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { FormAlert } from "@/components/Field";
import { describeError } from "@/lib/api/problem";
import {
  SETUP_TEST_CARDS,
  type SavedCard,
  authenticateSetup,
  confirmSetupCard,
  loadSavedCards,
  saveCard,
  savedCardsKey,
  startSetup,
} from "@/lib/cards";

import { SandboxCardForm } from "./SandboxCardForm";
import { StripeCardForm } from "./StripeCardForm";

/** The signed-in collector's saved card, or null when they have none (undefined while loading). */
export function useSavedCard(userId: string | null) {
  const cards = useQuery({
    queryKey: savedCardsKey(userId),
    queryFn: ({ signal }) => loadSavedCards(signal),
    enabled: userId !== null,
    staleTime: 0,
  });
  return { ...cards, card: cards.data === undefined ? undefined : (cards.data[0] ?? null) };
}

/**
 * Saving a card for payments made while the collector is away: a setup at
 * the payments provider, confirmed in the provider's card form (the
 * sandbox's, or Stripe's Payment Element), then kept as the collector's one
 * saved card.
 */
export function SaveCard({ userId, onSaved }: { userId: string; onSaved?: (card: SavedCard) => void }) {
  const queryClient = useQueryClient();
  const setup = useMutation({ mutationFn: startSetup });
  const save = useMutation({
    mutationFn: saveCard,
    onSuccess: (card) => {
      queryClient.setQueryData<SavedCard[]>(savedCardsKey(userId), [card]);
      onSaved?.(card);
    },
  });
  // One setup per form shown, even when an effect runs twice.
  const started = useRef(false);
  const { mutate: begin } = setup;
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    begin();
  }, [begin]);

  if (setup.isError) {
    return (
      <div className="flex flex-col gap-3">
        <FormAlert message={`Saving a card cannot start: ${describeError(setup.error)}`} />
        <button type="button" className="btn-secondary self-start" onClick={() => setup.mutate()}>
          Try again
        </button>
      </div>
    );
  }
  const view = setup.data;
  if (!view) {
    return <div aria-busy="true" aria-label="Preparing the card form…" className="h-40 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />;
  }
  if (save.isPending) {
    return (
      <p role="status" className="text-sm text-stone-700">
        Saving your card…
      </p>
    );
  }
  if (save.isError) {
    // The card form is done with this setup: keeping the card is what failed.
    return (
      <div className="flex flex-col gap-3">
        <FormAlert message={`Your card could not be saved: ${describeError(save.error)}`} />
        <div className="flex flex-wrap gap-3">
          <button type="button" className="btn-secondary" onClick={() => save.mutate(view.setup_id)}>
            Try again
          </button>
          <button
            type="button"
            className="btn-secondary"
            onClick={() => {
              save.reset();
              setup.mutate();
            }}
          >
            Use another card
          </button>
        </div>
      </div>
    );
  }
  const saved = () => save.mutate(view.setup_id);
  return (
    <div className="flex flex-col gap-3">
      {view.provider === "stripe" && view.publishable_key ? (
        <StripeCardForm
          key={view.setup_id}
          clientSecret={view.client_secret}
          publishableKey={view.publishable_key}
          heading="Save a card"
          submit="Save card"
          busy="Saving…"
          onDone={saved}
          confirm={async (stripe, elements) => {
            const result = await stripe.confirmSetup({ elements, redirect: "if_required", confirmParams: { return_url: window.location.href } });
            if (result.error) return result.error.message ?? "Your card could not be saved.";
            if (result.setupIntent?.status === "succeeded") return null;
            return "Your card was not saved. Try again, or use another card.";
          }}
        />
      ) : view.provider === "sandbox" ? (
        <SandboxCardForm
          key={view.setup_id}
          wording={{
            heading: "Save a card",
            authentication: "Your bank asks you to confirm this card",
            submit: "Save card",
            busy: "Saving…",
            testCards: SETUP_TEST_CARDS,
          }}
          confirm={(cardNumber) => confirmSetupCard(view, cardNumber)}
          authenticate={(succeed) => authenticateSetup(view, succeed)}
          done={(status) => status === "succeeded"}
          onDone={saved}
        />
      ) : (
        <FormAlert message="Cards cannot be saved right now. Please try again later." />
      )}
    </div>
  );
}
