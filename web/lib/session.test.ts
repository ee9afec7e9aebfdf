import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "./api/types";
import { refreshSession, safeNextPath, useSession } from "./session";

const session: Schemas["SessionView"] = {
  user: {
    id: "0190c4f6-3333-7000-8000-000000000001",
    email: "ann@example.com",
    display_name: "Ann Lee",
    role: "artist",
    artist_id: null,
    created_at: "2025-01-01T10:00:00Z",
  },
  access_token: "eyJhbGciOiJFZERTQSJ9.access",
  token_type: "Bearer",
  expires_in: 900,
  refresh_token: "refresh-token",
};

beforeEach(() => useSession.setState({ status: "restoring", user: null, accessToken: null }));
afterEach(() => vi.unstubAllGlobals());

describe("restoring the session", () => {
  it("shares one refresh between concurrent callers, as refresh tokens rotate", async () => {
    let answer!: (response: Response) => void;
    const fetchMock = vi.fn(() => new Promise<Response>((resolve) => (answer = resolve)));
    vi.stubGlobal("fetch", fetchMock);

    const first = refreshSession();
    const second = refreshSession();
    answer(new Response(JSON.stringify(session), { status: 200, headers: { "Content-Type": "application/json" } }));

    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(useSession.getState()).toMatchObject({ status: "signed-in", accessToken: session.access_token });
    expect(useSession.getState().user?.display_name).toBe("Ann Lee");
  });

  it("asks again once the previous refresh has finished", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify(session), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    await refreshSession();
    await refreshSession();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("signs out when the refresh cookie is refused", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response(JSON.stringify({ title: "Unauthorized", detail: "no session" }), { status: 401 })),
    );
    expect(await refreshSession()).toBe(false);
    expect(useSession.getState()).toMatchObject({ status: "signed-out", user: null, accessToken: null });
  });

  it("stops restoring when offline rather than waiting for ever", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    expect(await refreshSession()).toBe(false);
    expect(useSession.getState().status).toBe("signed-out");
  });
});

describe("where to go after signing in", () => {
  it("keeps paths on this site, with their query", () => {
    expect(safeNextPath("/collection/")).toBe("/collection/");
    expect(safeNextPath("/studio/edit/?id=0190c4f6")).toBe("/studio/edit/?id=0190c4f6");
  });

  it("refuses anything that could leave the site", () => {
    for (const next of [
      "https://evil.example/",
      "//evil.example/",
      "/\\evil.example",
      "/\t/evil.example",
      "javascript:alert(1)",
      "collection",
      "",
      null,
      undefined,
    ]) {
      expect(safeNextPath(next)).toBe("/");
    }
    expect(safeNextPath("//evil.example", "/studio/")).toBe("/studio/");
  });
});
