/**
 * The network as unit tests see it. `test/setup.ts` imports this before any
 * test file, because openapi-fetch keeps the `fetch` and `Request` it finds
 * when the client is created: it installs a `fetch` that answers from the
 * routes a test declares, and a `Request` that resolves the client's
 * same-origin paths against the page, as a browser does (Node's refuses a URL
 * without a host). Routes and recorded requests are cleared after each test.
 */

type Reply = Response | ((request: Request) => Response | Promise<Response>);

const routes = new Map<string, Reply>();

/** Every request made since the test began, in order; each a copy whose body can still be read. */
export const requests: Request[] = [];

async function answer(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request ? input : new Request(String(input), init);
  requests.push(request.clone());
  const key = `${request.method} ${new URL(request.url).pathname}`;
  const reply = routes.get(key);
  if (!reply) return problem(404, "Not found", `No test route for ${key}`);
  return typeof reply === "function" ? reply(request) : reply.clone();
}

globalThis.fetch = answer;

const BaseRequest = globalThis.Request;
globalThis.Request = class extends BaseRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, window.location.href) : input, init);
  }
};

/**
 * Answers requests by "METHOD /path" (the query string ignored), adding to
 * the routes already declared; a later route for the same key wins. Anything
 * unrouted gets a 404 problem naming it, so a page asking for something
 * unexpected shows it.
 */
export function route(table: Record<string, Reply>) {
  for (const [key, reply] of Object.entries(table)) routes.set(key, reply);
}

export function resetNetwork() {
  routes.clear();
  requests.length = 0;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export function problem(
  status: number,
  title: string,
  detail: string,
  errors?: { field: string; message: string }[],
): Response {
  return new Response(JSON.stringify({ type: "about:blank", title, status, detail, ...(errors ? { errors } : {}) }), {
    status,
    headers: { "Content-Type": "application/problem+json" },
  });
}

/** A reply that fails as `fetch` does when the API cannot be reached. */
export function unreachable(): never {
  throw new TypeError("Failed to fetch");
}
