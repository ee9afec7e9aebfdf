import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { artistView, artworkView, similarWorks } from "@/test/fixtures";
import { json, problem, requests, route, unreachable } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { ArtworkPage } from "./ArtworkPage";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push, replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const id = artworkView.id;
const collector = {
  id: "01a20ffd-9999-7000-8000-000000000001",
  email: "dee@example.com",
  display_name: "Dee",
  role: "collector",
} as never;

const publicRoutes = {
  [`GET /api/artworks/${id}`]: json(artworkView),
  [`GET /api/artworks/${id}/similar`]: json(similarWorks),
  "GET /api/artists/hans-makart": json(artistView),
};

beforeEach(() => {
  window.history.pushState({}, "", `/artworks/${id}/`);
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
});

afterEach(() => push.mockReset());

describe("the artwork page", () => {
  it("shows the work, its facts, palette and similar works", async () => {
    route(publicRoutes);
    renderWithQueries(<ArtworkPage />);

    expect(await screen.findByRole("heading", { level: 1, name: "Treasures of the Sea" })).toBeInTheDocument();
    expect(document.title).toBe("Treasures of the Sea · Atelier");
    const artistLinks = screen.getAllByRole("link", { name: "Hans Makart" });
    expect(artistLinks[0]).toHaveAttribute("href", "/artists/hans-makart");
    expect(screen.getByText("£8,500.00")).toBeInTheDocument();
    expect(screen.getByText("102 × 276.5 cm")).toBeInTheDocument();
    expect(screen.getByText("Unique work")).toBeInTheDocument();
    expect(screen.getByText("Unframed")).toBeInTheDocument();
    expect(screen.getByText("Oil on canvas")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Academic art" })).toHaveAttribute(
      "href",
      // next/link adds the trailing slash from the build's configuration.
      expect.stringMatching(/^\/search\/?\?style=academic-art$/),
    );

    const image = screen.getByRole("img", { name: "Treasures of the Sea" });
    expect(image).toHaveAttribute("width", "843");
    expect(image).toHaveAttribute("loading", "eager");

    const palette = screen.getByRole("list", { name: "Palette" });
    const swatches = within(palette).getAllByRole("listitem");
    expect(swatches).toHaveLength(5);
    expect(swatches[0]).toHaveTextContent("#3e3228, 31% of the image");

    expect(screen.getByRole("button", { name: "Save" })).toHaveAttribute("aria-pressed", "false");
    expect(screen.getByRole("button", { name: "Like" })).toHaveAttribute("aria-pressed", "false");

    expect(screen.getByRole("heading", { name: "Similar works" })).toBeInTheDocument();
    const similar = await screen.findByRole("list", { name: "Similar works" });
    expect(within(similar).getByRole("link", { name: "Lion Hunt" })).toHaveAttribute(
      "href",
      `/artworks/${similarWorks[0]!.id}`,
    );
    expect(await screen.findByText("1840–1884 · Vienna · 1 work on Atelier")).toBeInTheDocument();
  });

  it("says a missing work is not available and links home", async () => {
    route({ [`GET /api/artworks/${id}`]: problem(404, "Not found", "No such artwork") });
    renderWithQueries(<ArtworkPage />);

    expect(await screen.findByRole("heading", { name: "This artwork is not available" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Discover other works" })).toHaveAttribute("href", "/");
    expect(document.title).toBe("Artwork not available · Atelier");
  });

  it("offers a retry when Atelier cannot be reached", async () => {
    route({ [`GET /api/artworks/${id}`]: unreachable });
    renderWithQueries(<ArtworkPage />);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Atelier is unreachable");
    route(publicRoutes);
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Treasures of the Sea" })).toBeInTheDocument();
  });

  it("sends a visitor who saves to sign in and back", async () => {
    route(publicRoutes);
    renderWithQueries(<ArtworkPage />);

    await userEvent.click(await screen.findByRole("button", { name: "Save" }));
    expect(push).toHaveBeenCalledWith(`/signin/?next=${encodeURIComponent(`/artworks/${id}/`)}`);
    expect(screen.getByRole("button", { name: "Save" })).toHaveAttribute("aria-pressed", "false");
  });

  it("shows a saved work as saved, un-saves it, and records the view once", async () => {
    useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
    route({
      ...publicRoutes,
      "GET /api/me/saves": json({ items: [artworkView], next_cursor: null }),
      [`DELETE /api/me/saves/${id}`]: () => new Response(null, { status: 204 }),
      "POST /api/interactions": async (request) =>
        json({ ...((await request.json()) as object), id: "i-1", created_at: "2026-11-25T00:00:00Z" }, 201),
    });
    renderWithQueries(<ArtworkPage />);

    const save = await screen.findByRole("button", { name: "Save" });
    await waitFor(() => expect(save).toHaveAttribute("aria-pressed", "true"));

    await userEvent.click(save);
    await waitFor(() => expect(save).toHaveAttribute("aria-pressed", "false"));
    expect(requests.some((r) => r.method === "DELETE" && r.url.endsWith(`/api/me/saves/${id}`))).toBe(true);

    await userEvent.click(screen.getByRole("button", { name: "Like" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Like" })).toHaveAttribute("aria-pressed", "true"));

    const interactions = await Promise.all(
      requests.filter((r) => r.method === "POST").map(async (r) => ((await r.clone().json()) as { kind: string }).kind),
    );
    expect(interactions.sort()).toEqual(["like", "view"]);
    expect(requests.find((r) => r.method === "POST")!.headers.get("Authorization")).toBe("Bearer token");
  });

  it("shows a like from the collector's memory and takes it back", async () => {
    useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
    let remembered = [{ id: "i-1", artwork_id: id, artwork_title: artworkView.title, kind: "like", created_at: "2026-11-25T00:00:00Z" }];
    route({
      ...publicRoutes,
      "GET /api/me/saves": json({ items: [], next_cursor: null }),
      "GET /api/me/interactions": (request) => {
        expect(new URL(request.url).searchParams.get("artwork_id")).toBe(id);
        return json(remembered);
      },
      [`DELETE /api/me/likes/${id}`]: () => {
        remembered = [];
        return new Response(null, { status: 204 });
      },
      "POST /api/interactions": async (request) =>
        json({ ...((await request.json()) as object), id: "i-2", created_at: "2026-11-25T00:00:00Z" }, 201),
    });
    renderWithQueries(<ArtworkPage />);

    const like = await screen.findByRole("button", { name: "Like" });
    await waitFor(() => expect(like).toHaveAttribute("aria-pressed", "true"));
    await userEvent.click(like);
    await waitFor(() => expect(like).toHaveAttribute("aria-pressed", "false"));
    expect(requests.some((r) => r.method === "DELETE" && r.url.endsWith(`/api/me/likes/${id}`))).toBe(true);
  });
});
