/**
 * A stand-in for the network in unit tests. openapi-fetch keeps the `fetch`
 * and `Request` it finds when the client is created, so this must be imported
 * before anything that imports the API client: it installs a `fetch` that
 * forwards to whatever the test routes (`vi.stubGlobal` alone would come too
 * late), and a `Request` that resolves the client's same-origin paths against
 * the page, as a browser does (Node's refuses a URL without a host).
 */
import { vi } from "vitest";

type Route = { method: string; path: string; respond: (request: Request) => Response | Promise<Response> };

const routes: Route[] = [];
export const requests: Request[] = [];

async function forward(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request ? input : new Request(String(input), init);
  requests.push(request.clone());
  const path = new URL(request.url).pathname;
  const match = routes.find((r) => r.method === request.method && r.path === path);
  if (match) return match.respond(request);
  throw new Error(`no test route for ${request.method} ${request.url}`);
}

globalThis.fetch = vi.fn(forward) as typeof fetch;

const BaseRequest = globalThis.Request;
globalThis.Request = class extends BaseRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, window.location.href) : input, init);
  }
};

/** Routes `METHOD /path` (query ignored) to a response; later routes win. */
export function route(method: string, path: string, respond: Route["respond"]) {
  routes.unshift({ method, path, respond });
}

export function resetNetwork() {
  routes.length = 0;
  requests.length = 0;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export function problem(status: number, title: string, detail: string, errors?: { field: string; message: string }[]) {
  return new Response(JSON.stringify({ type: "about:blank", title, status, detail, ...(errors ? { errors } : {}) }), {
    status,
    headers: { "Content-Type": "application/problem+json" },
  });
}
