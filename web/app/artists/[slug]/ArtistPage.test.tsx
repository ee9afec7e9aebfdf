import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { publicReview } from "@/test/commerce";
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

const reviewsPath = `/api/artists/${artistView.id}/reviews`;
const noReviews = { summary: { count: 0, average: null, stars: [0, 0, 0, 0, 0] }, items: [], next_cursor: null };

beforeEach(() => {
  window.history.pushState({}, "", "/artists/hans-makart");
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
  route({ [`GET ${reviewsPath}`]: json(noReviews) });
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

  it("shows the average and count by the name, the stars breakdown, and each review as a verified purchase", async () => {
    route({
      "GET /api/artists/hans-makart": json(artistView),
      [`GET /api/artists/${artistView.id}/artworks`]: json({ items: [], next_cursor: null }),
      [`GET ${reviewsPath}`]: json({
        summary: { count: 3, average: 4.7, stars: [0, 0, 0, 1, 2] },
        items: [
          publicReview(),
          publicReview({ id: "r-2", rating: 4, reviewer: { name: "Ada Lind" }, body: "Slow to ship, worth the wait." }),
          publicReview({ id: "r-3", reviewer: { name: "Noor Haddad" }, works: ["Salt Marsh", "Dune"] }),
        ],
        next_cursor: null,
      }),
    });
    renderWithQueries(<ArtistPage />);

    expect(await screen.findByRole("link", { name: "Rated 4.7 out of 5, 3 reviews" })).toHaveAttribute("href", "#reviews");
    const section = screen.getByRole("region", { name: "Reviews" });
    const breakdown = within(section).getByRole("list", { name: "Reviews by stars" });
    expect(within(breakdown).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["5 stars: 2", "4 stars: 1", "3 stars: 0", "2 stars: 0", "1 star: 0"]);
    const list = within(section).getByRole("list", { name: "Reviews of Hans Makart" });
    expect(within(list).getAllByRole("heading").map((h) => h.textContent)).toEqual(["Iris Collector", "Ada Lind", "Noor Haddad"]);
    const ada = within(section).getByRole("listitem", { name: "Ada Lind" });
    expect(within(ada).getByRole("img", { name: "4 out of 5 stars" })).toBeInTheDocument();
    expect(within(ada).getByText("Verified purchase")).toBeInTheDocument();
    expect(ada).toHaveTextContent(/Dec 10, 2026 · bought “Wave at Dawn”/);
    expect(ada).toHaveTextContent("Slow to ship, worth the wait.");
    expect(within(section).getByRole("listitem", { name: "Noor Haddad" })).toHaveTextContent("bought “Salt Marsh” and 1 more");
    // Reporting is for signed-in people.
    expect(within(section).queryByRole("button", { name: /^Report/ })).not.toBeInTheDocument();
  });

  it("shows a few reviews first, then more, asking for the next page by its cursor", async () => {
    const cursors: (string | null)[] = [];
    const review = (n: number) => publicReview({ id: `r-${n}`, reviewer: { name: `Collector ${n}` } });
    route({
      "GET /api/artists/hans-makart": json(artistView),
      [`GET /api/artists/${artistView.id}/artworks`]: json({ items: [], next_cursor: null }),
      [`GET ${reviewsPath}`]: (request) => {
        const cursor = new URL(request.url).searchParams.get("cursor");
        cursors.push(cursor);
        const summary = { count: 5, average: 5, stars: [0, 0, 0, 0, 5] };
        return cursor
          ? json({ summary, items: [review(5)], next_cursor: null })
          : json({ summary, items: [1, 2, 3, 4].map(review), next_cursor: "1765357200000000.0190c4f6-7e71-7000-8000-000000000004" });
      },
    });
    renderWithQueries(<ArtistPage />);
    const list = await screen.findByRole("list", { name: "Reviews of Hans Makart" });
    expect(within(list).getAllByRole("heading").map((h) => h.textContent)).toEqual(["Collector 1", "Collector 2", "Collector 3"]);
    await userEvent.click(screen.getByRole("button", { name: "Show more reviews" }));
    await waitFor(() => expect(within(list).getAllByRole("heading")).toHaveLength(5));
    expect(cursors).toEqual([null, "1765357200000000.0190c4f6-7e71-7000-8000-000000000004"]);
    expect(screen.queryByRole("button", { name: "Show more reviews" })).not.toBeInTheDocument();
  });

  it("says when nobody has reviewed the artist yet", async () => {
    route({
      "GET /api/artists/hans-makart": json(artistView),
      [`GET /api/artists/${artistView.id}/artworks`]: json({ items: [], next_cursor: null }),
    });
    renderWithQueries(<ArtistPage />);
    expect(await screen.findByText(/^No reviews yet\./)).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: /reviews$/ })).not.toBeInTheDocument();
  });

  it("lets a signed-in visitor report a review with a reason, in a dialog", async () => {
    useSession.setState({ status: "signed-in", user: { id: "u-1" } as never, accessToken: "token" });
    let reported: unknown = null;
    route({
      "GET /api/artists/hans-makart": json(artistView),
      [`GET /api/artists/${artistView.id}/artworks`]: json({ items: [], next_cursor: null }),
      [`GET ${reviewsPath}`]: json({ summary: { count: 1, average: 5, stars: [0, 0, 0, 0, 1] }, items: [publicReview()], next_cursor: null }),
      [`POST /api/reviews/${publicReview().id}/reports`]: problem(409, "Conflict", "this is your own review"),
    });
    renderWithQueries(<ArtistPage />);
    const review = await screen.findByRole("listitem", { name: "Iris Collector" });
    await userEvent.click(within(review).getByRole("button", { name: "Report the review by Iris Collector" }));
    const dialog = screen.getByRole("dialog", { name: "Report this review" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Send report" }));
    const reason = within(dialog).getByLabelText("What is wrong with it?");
    expect(reason).toHaveAccessibleDescription("Say what is wrong with this review. 0 / 1,000 characters");

    await userEvent.type(reason, "It names the courier's driver.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Send report" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("This is your own review.");

    route({
      [`POST /api/reviews/${publicReview().id}/reports`]: async (request) => {
        reported = await request.json();
        return json({ id: "rep-1", review_id: publicReview().id, reporter_id: "u-1", reporter_name: "Mo", reason: "x", created_at: "2026-12-12T10:00:00Z" }, 201);
      },
    });
    await userEvent.click(within(dialog).getByRole("button", { name: "Send report" }));
    await waitFor(() => expect(within(review).getByRole("status")).toHaveTextContent("Reported: a moderator will look at it."));
    expect(reported).toEqual({ reason: "It names the courier's driver." });
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });
});
