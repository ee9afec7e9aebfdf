import { ApiError, OFFLINE_PROBLEM, problemFrom } from "./api/problem";

/**
 * The local payments sandbox's card form, standing in for Stripe.js: it
 * answers like Stripe's test mode for Stripe's test cards, for a payment
 * (a checkout) or a setup (saving a card). Its routes are the provider's,
 * not the API's, so they are not in the API's document.
 */
export async function sandbox<T>(kind: "payments" | "setups", id: string, action: "confirm" | "authenticate", body: object): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/payments/sandbox/${kind}/${encodeURIComponent(id)}/${action}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, OFFLINE_PROBLEM);
  }
  const answer: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, problemFrom(response.status, answer));
  return answer as T;
}
