import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { useSession } from "@/lib/session";
import { PORTRAITS, SEA, cards, collectionView, item, summary } from "@/test/collections";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { AddToCollection } from "./AddToCollection";
import { ArtworkGrid } from "./ArtworkGrid";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push, replace: vi.fn(), prefetch: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(),
}));

const work = cards[0]!;
const collector = { id: "01a20ffd-9999-7000-8000-000000000001", email: "dee@example.com", display_name: "Dee", role: "collector" } as never;

/** Dee keeps "Sea studies" (which holds the work) and "Portraits" (which does not). */
function mine() {
  return json({
    items: [
      summary({ id: SEA, title: "Sea studies", item_count: 2, contains_artwork: true }),
      summary({ id: PORTRAITS, title: "Portraits", visibility: "public", item_count: 0, contains_artwork: false }),
    ],
    next_cursor: null,
  });
}

const sent = (method: string, path: string) => requests.filter((r) => r.method === method && new URL(r.url).pathname === path);

beforeEach(() => {
  push.mockReset();
  window.history.pushState({}, "", `/artworks/${work.id}/`);
  useSession.setState({ status: "signed-in", user: collector, accessToken: "token" });
});

async function openDialog() {
  await userEvent.click(screen.getByRole("button", { name: "Add to collection" }));
  return screen.findByRole("dialog", { name: `Add “${work.title}” to a collection` });
}

describe("adding a work to collections", () => {
  it("sends a visitor to sign in and back", async () => {
    useSession.setState({ status: "signed-out", user: null, accessToken: null });
    renderWithQueries(<AddToCollection work={work} />);

    await userEvent.click(screen.getByRole("button", { name: "Add to collection" }));
    expect(push).toHaveBeenCalledWith(`/signin/?next=${encodeURIComponent(`/artworks/${work.id}/`)}`);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("ticks the collections holding the work, and saves what changed with the note", async () => {
    route({
      "GET /api/me/collections": mine(),
      [`PUT /api/collections/${PORTRAITS}/items/${work.id}`]: json(item(work, "The light on the water"), 201),
      [`DELETE /api/collections/${SEA}/items/${work.id}`]: () => new Response(null, { status: 204 }),
    });
    renderWithQueries(<AddToCollection work={work} />);
    const dialog = await openDialog();

    expect(within(dialog).getByRole("heading", { level: 2 })).toHaveFocus();
    const sea = await within(dialog).findByRole("checkbox", { name: /Sea studies/ });
    const portraits = within(dialog).getByRole("checkbox", { name: /Portraits/ });
    expect(sea).toBeChecked();
    expect(portraits).not.toBeChecked();
    expect(within(dialog).getByText("Public · 0 works")).toBeInTheDocument();
    expect(new URL(requests[0]!.url).searchParams.get("artwork_id")).toBe(work.id);

    await userEvent.click(sea);
    await userEvent.click(portraits);
    await userEvent.type(within(dialog).getByLabelText("Note (optional)"), "The light on the water");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));

    expect(await within(dialog).findByText("Added to “Portraits” and taken out of “Sea studies”.")).toBeInTheDocument();
    expect(within(dialog).getByRole("heading", { name: "Added" })).toHaveFocus();
    const [put] = sent("PUT", `/api/collections/${PORTRAITS}/items/${work.id}`);
    expect(await put!.json()).toEqual({ note: "The light on the water" });
    expect(sent("DELETE", `/api/collections/${SEA}/items/${work.id}`)).toHaveLength(1);

    await userEvent.click(within(dialog).getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("makes a new collection inline, ticked, and adds the work to it on saving", async () => {
    const made = collectionView([], { id: "0190c4f6-cccc-7000-8000-0000000000ff", title: "Night pieces", visibility: "public" });
    route({
      "GET /api/me/collections": json({ items: [], next_cursor: null }),
      "POST /api/collections": json(made, 201),
      [`PUT /api/collections/${made.id}/items/${work.id}`]: json(item(work), 201),
    });
    renderWithQueries(<AddToCollection work={work} />);
    const dialog = await openDialog();

    // With no collections yet, the new one's form is open at once.
    expect(await within(dialog).findByText(/You have no collections yet/)).toBeInTheDocument();
    const group = within(dialog).getByRole("group", { name: "New collection" });
    await userEvent.click(within(group).getByRole("checkbox", { name: /Public/ }));
    // Enter in the title makes the collection; it does not save the dialog's form.
    await userEvent.type(within(group).getByLabelText("Title of the new collection"), "  Night pieces {Enter}");

    const created = await within(dialog).findByRole("checkbox", { name: /Night pieces/ });
    expect(created).toBeChecked();
    expect(within(dialog).queryByRole("group", { name: "New collection" })).not.toBeInTheDocument();
    expect(within(dialog).getByRole("button", { name: "New collection" })).toHaveFocus();
    const posts = sent("POST", "/api/collections");
    expect(posts).toHaveLength(1);
    expect(await posts[0]!.json()).toEqual({ title: "Night pieces", visibility: "public" });
    expect(posts[0]!.headers.get("Idempotency-Key")).toBeTruthy();
    expect(sent("PUT", `/api/collections/${made.id}/items/${work.id}`)).toHaveLength(0);

    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("Added to “Night pieces”.")).toBeInTheDocument();
    expect(within(dialog).getByRole("link", { name: "View “Night pieces”" })).toHaveAttribute("href", `/collections/night-pieces-${made.id}`);
    const [put] = sent("PUT", `/api/collections/${made.id}/items/${work.id}`);
    expect(await put!.json()).toEqual({});
  });

  it("says which collection refused the work and keeps the dialog open", async () => {
    route({
      "GET /api/me/collections": mine(),
      [`PUT /api/collections/${PORTRAITS}/items/${work.id}`]: problem(
        409,
        "Conflict",
        "the collection holds 500 works, the most one may; remove one first",
      ),
    });
    renderWithQueries(<AddToCollection work={work} />);
    const dialog = await openDialog();

    await userEvent.click(await within(dialog).findByRole("checkbox", { name: /Portraits/ }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));

    expect(await within(dialog).findByRole("alert")).toHaveTextContent(
      "Could not add it to “Portraits”: the collection holds 500 works, the most one may; remove one first",
    );
    expect(within(dialog).getByRole("checkbox", { name: /Portraits/ })).toBeChecked();
  });

  it("refuses a note longer than the API keeps, before sending it", async () => {
    route({ "GET /api/me/collections": mine() });
    renderWithQueries(<AddToCollection work={work} />);
    const dialog = await openDialog();

    await within(dialog).findByRole("checkbox", { name: /Portraits/ });
    const note = within(dialog).getByLabelText("Note (optional)");
    await userEvent.click(note);
    await userEvent.paste("x".repeat(501));
    await userEvent.click(within(dialog).getByRole("button", { name: "Save" }));

    expect(note).toHaveAccessibleDescription(/^Keep the note to 500 characters\./);
    expect(requests.filter((r) => r.method !== "GET")).toHaveLength(0);
  });
});

describe("a grid of works", () => {
  it("adds any of its works to a collection from the card", async () => {
    route({ "GET /api/me/collections": mine() });
    renderWithQueries(<ArtworkGrid works={cards} label="Similar works" />);

    await userEvent.click(screen.getByRole("button", { name: `Add “${cards[1]!.title}” to a collection` }));
    const dialog = await screen.findByRole("dialog", { name: `Add “${cards[1]!.title}” to a collection` });
    expect(await within(dialog).findByRole("checkbox", { name: /Sea studies/ })).toBeInTheDocument();
    expect(new URL(requests[0]!.url).searchParams.get("artwork_id")).toBe(cards[1]!.id);
    // The card's link still leads to the work.
    expect(screen.getByRole("link", { name: cards[1]!.title })).toHaveAttribute("href", `/artworks/${cards[1]!.id}`);
  });
});
