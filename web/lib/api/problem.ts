import type { Schemas } from "./types";

/** A failed API call: the problem document the API sent, or a stand-in when
 * there was none (the API unreachable, or a response that was not JSON). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Schemas["Problem"];

  constructor(status: number, problem: Schemas["Problem"]) {
    super(problem.detail || problem.title);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }

  /** Messages per field, keyed by the API's dotted path (`price.currency`). */
  get fieldErrors(): Record<string, string> {
    const byField: Record<string, string> = {};
    for (const error of this.problem.errors ?? []) {
      byField[error.field] ??= error.message;
    }
    return byField;
  }

  get isOffline(): boolean {
    return this.status === 0;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

export const OFFLINE_PROBLEM: Schemas["Problem"] = {
  type: "about:blank",
  title: "Atelier is unreachable",
  status: 0,
  detail: "We could not reach Atelier. Check your connection and try again.",
};

export function problemFrom(status: number, body: unknown): Schemas["Problem"] {
  if (body && typeof body === "object" && "title" in body && "detail" in body) {
    return body as Schemas["Problem"];
  }
  return {
    type: "about:blank",
    title: status >= 500 ? "Something went wrong on our side" : "The request failed",
    status,
    detail: status >= 500 ? "Please try again in a moment." : `The server answered ${status}.`,
  };
}

/** A message fit to show a person for any error a query or mutation throws. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong. Please try again.";
}
