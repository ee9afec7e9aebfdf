import { beforeEach, describe, expect, it } from "vitest";

import { sessionView } from "@/test/fixtures";
import { json, problem, requests, route, unreachable } from "@/test/network";

import { acceptSession, forgetSession, refreshSession, restoreSession, safeNextPath, useSession } from "./session";

const session = sessionView({ role: "artist" });

beforeEach(() => useSession.setState({ status: "restoring", user: null, accessToken: null }));

describe("restoring the session", () => {
  it("does not ask a browser that never signed in", async () => {
    forgetSession();
    useSession.setState({ status: "restoring" });
    expect(await restoreSession()).toBe(false);
    expect(requests).toHaveLength(0);
    expect(useSession.getState().status).toBe("signed-out");
  });

  it("asks through the cookie once this browser has signed in", async () => {
    acceptSession(session);
    useSession.setState({ status: "restoring", user: null, accessToken: null });
    route({ "POST /api/auth/refresh": json(session) });
    expect(await restoreSession()).toBe(true);
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual(["/api/auth/refresh"]);
    expect(useSession.getState().status).toBe("signed-in");
  });

  it("shares one refresh between concurrent callers, as refresh tokens rotate", async () => {
    let answer!: (response: Response) => void;
    route({ "POST /api/auth/refresh": () => new Promise<Response>((resolve) => (answer = resolve)) });

    const first = refreshSession();
    const second = refreshSession();
    answer(json(session));

    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(requests).toHaveLength(1);
    expect(useSession.getState()).toMatchObject({ status: "signed-in", accessToken: session.access_token });
    expect(useSession.getState().user?.display_name).toBe("Ann Lee");
  });

  it("asks again once the previous refresh has finished", async () => {
    route({ "POST /api/auth/refresh": json(session) });
    await refreshSession();
    await refreshSession();
    expect(requests).toHaveLength(2);
  });

  it("signs out when the refresh cookie is refused", async () => {
    route({ "POST /api/auth/refresh": problem(401, "Unauthorized", "no session") });
    expect(await refreshSession()).toBe(false);
    expect(useSession.getState()).toMatchObject({ status: "signed-out", user: null, accessToken: null });
  });

  it("stops restoring when offline rather than waiting for ever, and asks again on the next load", async () => {
    acceptSession(session);
    useSession.setState({ status: "restoring", user: null, accessToken: null });
    route({ "POST /api/auth/refresh": unreachable });
    expect(await restoreSession()).toBe(false);
    expect(useSession.getState().status).toBe("signed-out");

    // A failed request says nothing of the cookie: once the API answers, the session comes back.
    useSession.setState({ status: "restoring" });
    route({ "POST /api/auth/refresh": json(session) });
    expect(await restoreSession()).toBe(true);
    expect(requests).toHaveLength(2);
    expect(useSession.getState().status).toBe("signed-in");
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
