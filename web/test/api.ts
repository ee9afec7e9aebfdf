import { vi } from "vitest";

/**
 * The network boundary for component tests. Import this module before
 * anything that imports the API client: the client keeps the `fetch` and
 * `Request` it finds when it is created.
 */
export const fetchMock = vi.fn<(request: Request) => Promise<Response>>();

// The client's base URL is the page's own origin (""), which Node's Request
// cannot resolve without a document the way a browser does.
class PageRequest extends Request {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, window.location.origin) : input, init);
  }
}
vi.stubGlobal("Request", PageRequest);
vi.stubGlobal("fetch", fetchMock);

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

export function problem(status: number, title: string, detail: string): Response {
  return new Response(JSON.stringify({ type: "about:blank", title, status, detail }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

type Reply = Response | ((request: Request) => Response | Promise<Response>);

/**
 * Answers requests by "METHOD /path" (the query string ignored); anything
 * else is a 404 problem, so a page asking for something unexpected shows it.
 * Returns the requests made, to assert on.
 */
export function routeApi(routes: Record<string, Reply | (() => never)>): Request[] {
  const seen: Request[] = [];
  fetchMock.mockImplementation(async (request) => {
    seen.push(request);
    const url = new URL(request.url);
    const reply = routes[`${request.method} ${url.pathname}`];
    if (!reply) return problem(404, "Not found", `No stub for ${request.method} ${url.pathname}`);
    return typeof reply === "function" ? reply(request) : reply.clone();
  });
  return seen;
}
