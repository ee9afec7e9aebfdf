import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { artistView, artworkView, similarWorks } from "@/test/fixtures";
import { fakeLive, renderWithLive } from "@/test/live";
import { json, problem, requests, route } from "@/test/network";

import { ArtworkPage } from "./ArtworkPage";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push, replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const id = artworkView.id;
const TALK = "0190c4f6-cccc-7000-8000-000000000001";
const collector = { id: "01a20ffd-9999-7000-8000-000000000001", email: "dee@example.com", display_name: "Dee", role: "collector", artist_id: null } as never;
const artist = { id: "01a20ffd-9999-7000-8000-000000000002", email: "hans@example.com", display_name: "Hans", role: "artist", artist_id: artworkView.artist.id } as never;

const publicRoutes = {
  [`GET /api/artworks/${id}`]: json(artworkView),
  [`GET /api/artworks/${id}/similar`]: json(similarWorks),
  "GET /api/artists/hans-makart": json(artistView),
  "GET /api/me/saves": json({ items: [], next_cursor: null }),
  "GET /api/me/interactions": json([]),
  "GET /api/cart": json({ groups: [], unavailable: [], mixed_currencies: false }),
};

beforeEach(() => {
  window.history.pushState({}, "", `/artworks/${id}/`);
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
});

afterEach(() => push.mockReset());

describe("the artwork page, live", () => {
  it("follows the work's availability and price as they change, and says when it was just sold", async () => {
    route(publicRoutes);
    const live = fakeLive();
    renderWithLive(<ArtworkPage />, live);
    expect(await screen.findByRole("button", { name: "Buy now" })).toBeInTheDocument();
    await waitFor(() => expect(live.channels()).toContain(`artwork:${id}`));
    // The similar works are listened to as well.
    expect(live.channels()).toContain(`artwork:${similarWorks[0]!.id}`);

    live.event(`artwork:${id}`, "availability", { status: "published", available_quantity: null, price: { amount_minor: 790000, currency: "GBP" } });
    expect(await screen.findByText("£7,900.00")).toBeInTheDocument();
    expect(screen.queryByText("Just sold")).not.toBeInTheDocument();

    live.event(`artwork:${id}`, "availability", { status: "reserved", available_quantity: null, price: { amount_minor: 790000, currency: "GBP" } });
    expect(await screen.findByText("Reserved", { exact: true })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Buy now" })).not.toBeInTheDocument();

    live.event(`artwork:${id}`, "availability", { status: "sold", available_quantity: null, price: { amount_minor: 790000, currency: "GBP" } });
    expect(await screen.findByText("Just sold")).toBeInTheDocument();
    expect(screen.getByText("Sold", { exact: true })).toBeInTheDocument();
  });

  it("shows a similar work sold while on screen", async () => {
    route(publicRoutes);
    const live = fakeLive();
    renderWithLive(<ArtworkPage />, live);
    const similar = await screen.findByRole("list", { name: "Similar works" });
    await waitFor(() => expect(live.channels()).toContain(`artwork:${similarWorks[0]!.id}`));
    live.event(`artwork:${similarWorks[0]!.id}`, "availability", { status: "sold", available_quantity: null, price: similarWorks[0]!.price });
    const card = within(similar).getAllByRole("listitem")[0]!;
    await waitFor(() => expect(card).toHaveTextContent(/^Just sold/));
    live.event(`artwork:${similarWorks[0]!.id}`, "availability", { status: "published", available_quantity: null, price: similarWorks[0]!.price });
    await waitFor(() => expect(card).not.toHaveTextContent("Just sold"));
  });
});

describe("asking the artist", () => {
  it("sends a visitor to sign in first", async () => {
    route(publicRoutes);
    renderWithLive(<ArtworkPage />, fakeLive());
    await userEvent.click(await screen.findByRole("button", { name: "Ask the artist" }));
    expect(push).toHaveBeenCalledWith(`/signin/?next=${encodeURIComponent(`/artworks/${id}/`)}`);
    expect(screen.queryByLabelText(/Your question/)).not.toBeInTheDocument();
  });

  it("sends a collector's question and leads to the conversation", async () => {
    useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
    let sent: unknown = null;
    route({
      ...publicRoutes,
      "POST /api/conversations": async (request) => {
        sent = await request.json();
        return json({ conversation: { id: TALK }, message: { id: "m" } }, 201);
      },
    });
    renderWithLive(<ArtworkPage />, fakeLive());
    await userEvent.click(await screen.findByRole("button", { name: "Ask the artist" }));
    await userEvent.type(screen.getByLabelText("Your question for Hans Makart"), "Is it framed?{enter}Thanks");
    await userEvent.click(screen.getByRole("button", { name: "Send question" }));
    const link = await screen.findByRole("link", { name: "Open the conversation" });
    expect(link).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/messages/?\\?c=${TALK}$`)));
    expect(link.closest("[role=status]")).toHaveTextContent("Sent to Hans Makart.");
    expect(sent).toEqual({ artwork_id: id, body: "Is it framed?\nThanks" });
  });

  it("shows why a question was refused", async () => {
    useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
    route({
      ...publicRoutes,
      "POST /api/conversations": problem(422, "Unprocessable", "invalid fields", [{ field: "body", message: "must not contain control characters" }]),
    });
    renderWithLive(<ArtworkPage />, fakeLive());
    await userEvent.click(await screen.findByRole("button", { name: "Ask the artist" }));
    await userEvent.type(screen.getByLabelText("Your question for Hans Makart"), "Hello");
    await userEvent.click(screen.getByRole("button", { name: "Send question" }));
    expect(await screen.findByText("Your question for Hans Makart must not contain control characters.")).toBeInTheDocument();

    route({ "POST /api/conversations": problem(409, "Conflict", "this work's artist has no account to answer") });
    await userEvent.click(screen.getByRole("button", { name: "Send question" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("this work's artist has no account to answer");
    expect(screen.queryByRole("button", { name: "Ask the artist" })).not.toBeInTheDocument();
  });

  it("is not offered on the artist's own work", async () => {
    useSession.setState({ status: "signed-in", user: artist, accessToken: "token" });
    route(publicRoutes);
    renderWithLive(<ArtworkPage />, fakeLive());
    expect(await screen.findByText("This is your work.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Ask the artist" })).not.toBeInTheDocument();
    expect(requests.some((r) => r.url.includes("/api/conversations"))).toBe(false);
  });
});
