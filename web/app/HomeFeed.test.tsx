import { act, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { similarWorks } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { HomeFeed } from "./HomeFeed";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn() }),
  usePathname: () => "/",
  useSearchParams: () => new URLSearchParams(),
}));

const [lionHunt, saintLucy] = similarWorks.map(({ score: _score, ...card }) => card) as [
  Schemas["ArtworkCard"],
  Schemas["ArtworkCard"],
];

beforeEach(() => useSession.setState({ status: "signed-out", user: null, accessToken: null }));

describe("the home feed", () => {
  it("waits for the session, then explains only the recommended works", async () => {
    useSession.setState({ status: "restoring" });
    route({
      "GET /api/feed": json({
        items: [
          { ...lionHunt, source: "recommended", reason: "Because you saved “Beata Beatrix”" },
          { ...saintLucy, source: "curated", reason: "Editors’ pick" },
        ],
        next_cursor: null,
      }),
    });
    renderWithQueries(<HomeFeed />);

    // The visitors' feed is fetched ahead, but not shown until the session is known.
    expect(screen.getByTestId("grid-skeleton")).toBeInTheDocument();
    await waitFor(() => expect(requests).toHaveLength(1));
    expect(screen.getByTestId("grid-skeleton")).toBeInTheDocument();

    act(() => useSession.setState({ status: "signed-in", user: { id: "u-1" } as never, accessToken: "token" }));
    const grid = await screen.findByRole("list", { name: "Artworks" });
    expect(screen.getByRole("heading", { name: "For you" })).toBeInTheDocument();
    const [first, second] = within(grid).getAllByRole("listitem");
    expect(first).toHaveTextContent("Because you saved “Beata Beatrix”");
    expect(second).not.toHaveTextContent("Editors’ pick");
    expect(requests).toHaveLength(2);
    expect(requests[1]!.headers.get("Authorization")).toBe("Bearer token");
  });

  it("says when there is nothing to show", async () => {
    route({ "GET /api/feed": json({ items: [], next_cursor: null }) });
    renderWithQueries(<HomeFeed />);
    expect(await screen.findByRole("heading", { name: "Nothing to show yet" })).toBeInTheDocument();
  });

  it("shows the error with a retry", async () => {
    route({ "GET /api/feed": problem(503, "Service unavailable", "The feed is being rebuilt.") });
    renderWithQueries(<HomeFeed />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The feed is being rebuilt.");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
