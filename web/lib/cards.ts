import { api, call } from "./api/client";
import type { Schemas } from "./api/types";
import { newIdempotencyKey } from "./checkout";
import { sandbox } from "./sandbox";

export type SavedCard = Schemas["PaymentMethodView"];
export type SetupView = Schemas["SetupView"];
export type Decline = Schemas["Decline"];

/** Where a setup saving a card stands, in Stripe's SetupIntent terms. */
export type SetupState = "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "canceled" | "succeeded";

/** What the card form learns of a setup, as Stripe.js tells a page. */
export type SetupOutcome = { status: SetupState; decline: Decline | null };

/** Every collector's saved cards in the cache: what a refused charge makes stale. */
export const allSavedCards = ["me", "payment-methods"] as const;
export const savedCardsKey = (userId: string | null) => [...allSavedCards, userId] as const;

/** The collector's saved cards: none, or the one an accepted offer is charged to. */
export function loadSavedCards(signal?: AbortSignal): Promise<SavedCard[]> {
  return call(() => api.GET("/api/me/payment-methods", { signal }));
}

/** A new setup at the payments provider, for the card form to confirm. */
export function startSetup(): Promise<SetupView> {
  const key = newIdempotencyKey();
  return call(() => api.POST("/api/me/payment-methods/setup", { params: { header: { "Idempotency-Key": key } } }));
}

/** Keeps the card the setup confirmed, replacing any saved before. */
export function saveCard(setupId: string): Promise<SavedCard> {
  return call(() => api.POST("/api/me/payment-methods", { body: { setup_id: setupId } }));
}

export function confirmSetupCard(setup: SetupView, cardNumber: string): Promise<SetupOutcome> {
  return sandbox("setups", setup.setup_id, "confirm", { client_secret: setup.client_secret, card_number: cardNumber });
}

export function authenticateSetup(setup: SetupView, succeed: boolean): Promise<SetupOutcome> {
  return sandbox("setups", setup.setup_id, "authenticate", { client_secret: setup.client_secret, succeed });
}

/** "Visa ending 4242", or as much of it as the provider said. */
export function cardLabel(card: Pick<SavedCard, "brand" | "last4">): string {
  const brand = card.brand && card.brand !== "unknown" ? card.brand[0]!.toUpperCase() + card.brand.slice(1) : "Card";
  return card.last4 ? `${brand} ending ${card.last4}` : brand;
}

/** Stripe's test cards for saving, which the sandbox answers as Stripe's test mode does. */
export const SETUP_TEST_CARDS = [
  { number: "4242 4242 4242 4242", effect: "is saved and charged" },
  { number: "4000 0000 0000 0341", effect: "is saved, then declined when charged" },
  { number: "4000 0027 6000 3184", effect: "asks for authentication (3-D Secure)" },
  { number: "4000 0000 0000 0002", effect: "is declined" },
] as const;
