import { api, call } from "@/lib/api/client";
import type { Schemas } from "@/lib/api/types";
import { sandbox } from "@/lib/sandbox";

export type CheckoutView = Schemas["CheckoutView"];
export type PaymentState = Schemas["PaymentState"];
export type Decline = Schemas["Decline"];

/** What the card form learns of the payment, as Stripe.js tells a page. */
export type CardOutcome = { status: PaymentState; decline: Decline | null };

export const checkoutKey = (id: string) => ["checkout", id] as const;

/** Whether the card was accepted: the money is authorised and the checkout can be confirmed. */
export function authorised(state: PaymentState): boolean {
  return state === "requires_capture" || state === "succeeded";
}

export function confirmCard(payment: Schemas["PaymentView"], cardNumber: string): Promise<CardOutcome> {
  return sandbox("payments", payment.payment_id, "confirm", { client_secret: payment.client_secret, card_number: cardNumber });
}

export function authenticate(payment: Schemas["PaymentView"], succeed: boolean): Promise<CardOutcome> {
  return sandbox("payments", payment.payment_id, "authenticate", { client_secret: payment.client_secret, succeed });
}

/** Brings the checkout in line with the payment now, rather than waiting for the provider's event. */
export function confirmCheckout(id: string): Promise<CheckoutView> {
  return call(() => api.POST("/api/checkouts/{id}/confirm", { params: { path: { id } } }));
}

export function loadCheckout(id: string, signal?: AbortSignal): Promise<CheckoutView> {
  return call(() => api.GET("/api/checkouts/{id}", { params: { path: { id } }, signal }));
}

/** Stripe's test cards, which the sandbox answers as Stripe's test mode does. */
export const TEST_CARDS = [
  { number: "4242 4242 4242 4242", effect: "is authorised" },
  { number: "4000 0000 0000 0002", effect: "is declined" },
  { number: "4000 0000 0000 9995", effect: "has insufficient funds" },
  { number: "4000 0027 6000 3184", effect: "asks for authentication (3-D Secure)" },
] as const;
