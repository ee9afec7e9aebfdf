import { api, call } from "./api/client";
import { ApiError } from "./api/problem";
import { updateUser } from "./session";

/** Confirms the address a mailed link was sent to. */
export function confirmEmail(token: string): Promise<void> {
  return call(() => api.POST("/api/auth/email-verification", { body: { token } }));
}

/** Mails the signed-in account a new verification link. */
export function resendVerification(): Promise<void> {
  return call(() => api.POST("/api/me/email-verification"));
}

/** Asks for a reset link; the answer is the same whether or not the address has an account. */
export function requestPasswordReset(email: string): Promise<void> {
  return call(() => api.POST("/api/auth/password-reset", { body: { email } }));
}

export function completePasswordReset(token: string, newPassword: string): Promise<void> {
  return call(() => api.POST("/api/auth/password-reset/complete", { body: { token, new_password: newPassword } }));
}

/** Reads the account again, so the page follows a change made elsewhere (a link opened in another tab). */
export async function reloadUser(): Promise<void> {
  updateUser(await call(() => api.GET("/api/me")));
}

/** Whether the API refused because the account's address is not confirmed yet. */
export function needsVerifiedEmail(error: unknown): boolean {
  return error instanceof ApiError && error.problem.type === "/problems/email-unverified";
}
