import createClient, { type Middleware } from "openapi-fetch";

import type { paths } from "./schema";
import { ApiError, OFFLINE_PROBLEM, problemFrom } from "./problem";
import { currentAccessToken, refreshSession } from "../session";

/** Same origin on both hosts: the site and `/api` are served together. */
export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });

const bearer: Middleware = {
  onRequest({ request }) {
    const token = currentAccessToken();
    if (token && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${token}`);
    }
    return request;
  },
};
api.use(bearer);

type Outcome<T> = { data?: T; error?: unknown; response: Response };

/**
 * Runs one typed call and returns its data, or throws an {@link ApiError}.
 * An expired access token is refreshed once (through the HttpOnly cookie)
 * and the call repeated, so pages never see a 401 for a live session.
 */
export async function call<T>(run: () => Promise<Outcome<T>>): Promise<T> {
  let outcome = await reach(run);
  if (outcome.response.status === 401 && currentAccessToken() && (await refreshSession())) {
    outcome = await reach(run);
  }
  const { data, error, response } = outcome;
  if (!response.ok || error !== undefined) {
    throw new ApiError(response.status, problemFrom(response.status, error));
  }
  return data as T;
}

async function reach<T>(run: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, OFFLINE_PROBLEM);
  }
}
