import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { artistView, artworkView } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { ArtistPage } from "./ArtistPage";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push, replace: vi.fn(), prefetch: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(),
}));

beforeEach(() => {
  window.history.pushState({}, "", "/artists/hans-makart");
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
});
afterEach(() => push.mockReset());

describe("the artist page", () => {
  it("shows the profile and the artist's works", async () => {
    route({
      "GET /api/artists/hans-makart": json(artistView),
      [`GET /api/artists/${artistView.id}/artworks`]: json({ items: [artworkView], next_cursor: null }),
    });
    renderWithQueries(<ArtistPage />);

    expect(await screen.findByRole("heading", { level: 1, name: "Hans Makart" })).toBeInTheDocument();
    expect(screen.getByText("1840–1884 · Vienna")).toBeInTheDocument();
    expect(screen.getByText("1 work · 12 followers")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "example.org/makart" })).toHaveAttribute("href", "https://www.example.org/makart");
    const works = await screen.findByRole("list", { name: "Works by Hans Makart" });
    expect(within(works).getByRole("link", { name: "Treasures of the Sea" })).toHaveAttribute(
      "href",
      `/artworks/${artworkView.id}`,
    );
    expect(document.title).toBe("Hans Makart · Atelier");
  });

  it("follows and unfollows for a signed-in collector", async () => {
    useSession.setState({ status: "signed-in", user: { id: "u-1" } as never, accessToken: "token" });
    let following = false;
    route({
      "GET /api/artists/hans-makart": () => json({ ...artistView, following, follower_count: following ? 13 : 12 }),
      [`GET /api/artists/${artistView.id}/artworks`]: json({ items: [], next_cursor: null }),
      [`PUT /api/artists/${artistView.id}/follow`]: () => {
        following = true;
        return new Response(null, { status: 204 });
      },
      [`DELETE /api/artists/${artistView.id}/follow`]: () => {
        following = false;
        return new Response(null, { status: 204 });
      },
    });
    renderWithQueries(<ArtistPage />);

    const follow = await screen.findByRole("button", { name: "Follow" });
    expect(follow).toHaveAttribute("aria-pressed", "false");
    await userEvent.click(follow);
    await waitFor(() => expect(screen.getByText("1 work · 13 followers")).toBeInTheDocument());
    expect(follow).toHaveAttribute("aria-pressed", "true");
    await userEvent.click(follow);
    await waitFor(() => expect(follow).toHaveAttribute("aria-pressed", "false"));
    expect(requests.map((r) => r.method)).toEqual(expect.arrayContaining(["PUT", "DELETE"]));
  });

  it("puts the button back and says why when a follow is refused", async () => {
    useSession.setState({ status: "signed-in", user: { id: "u-1" } as never, accessToken: "token" });
    route({
      "GET /api/artists/hans-makart": json(artistView),
      [`GET /api/artists/${artistView.id}/artworks`]: json({ items: [], next_cursor: null }),
      [`PUT /api/artists/${artistView.id}/follow`]: problem(503, "Service unavailable", "Following is paused for maintenance."),
    });
    renderWithQueries(<ArtistPage />);

    const follow = await screen.findByRole("button", { name: "Follow" });
    await userEvent.click(follow);
    await waitFor(() => expect(screen.getByText("Following is paused for maintenance.")).toBeInTheDocument());
    expect(follow).toHaveAttribute("aria-pressed", "false");
  });

  it("sends a visitor who follows to sign in", async () => {
    route({
      "GET /api/artists/hans-makart": json(artistView),
      [`GET /api/artists/${artistView.id}/artworks`]: json({ items: [], next_cursor: null }),
    });
    renderWithQueries(<ArtistPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Follow" }));
    expect(push).toHaveBeenCalledWith("/signin/?next=%2Fartists%2Fhans-makart");
  });

  it("says when the artist is not on Atelier", async () => {
    route({ "GET /api/artists/hans-makart": problem(404, "Not found", "No such artist") });
    renderWithQueries(<ArtistPage />);
    expect(await screen.findByRole("heading", { name: "This artist is not on Atelier" })).toBeInTheDocument();
  });
});
