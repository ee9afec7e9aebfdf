import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { SEA, SPRING, card, collectionView, editorial, item } from "@/test/collections";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { CollectionPage } from "./CollectionPage";

const push = vi.fn();
vi.mock("next/navigation", () => ({
  useRouter: () => ({ push, replace: vi.fn(), prefetch: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(),
}));

const owner = { id: "01a20ffd-9999-7000-8000-000000000001", email: "dee@example.com", display_name: "Dee", role: "collector" } as never;
const moderator = { id: "01a20ffd-9999-7000-8000-00000000000m", email: "mo@example.com", display_name: "Mo", role: "moderator" } as never;

const harbour = card(1, "Harbour at Dusk");
const gulls = card(2, "Gulls");
const squall = card(3, "Squall");
const works = [item(harbour, "Where it began."), item(gulls), item(squall, "Look at the\nsky.")];

const sent = (method: string, path: string) => requests.filter((r) => r.method === method && new URL(r.url).pathname === path);
const titlesIn = (list: HTMLElement) => within(list).getAllByRole("heading", { level: 3 }).map((h) => h.textContent);

function openAt(path: string) {
  window.history.pushState({}, "", path);
}

beforeEach(() => {
  push.mockReset();
  useSession.setState({ status: "signed-out", user: null, accessToken: null });
});

describe("an editorial collection's page", () => {
  const spring: Schemas["CollectionView"] = { ...editorial(), items: works, next_cursor: null, unavailable_count: null, description: "First light\nof the year." };

  it("is read by its slug and shows its works in order, each with its note", async () => {
    openAt("/collections/spring-light/");
    route({ "GET /api/collections/by-slug/spring-light": json(spring) });
    renderWithQueries(<CollectionPage />);

    expect(await screen.findByRole("heading", { level: 1, name: "Spring light" })).toBeInTheDocument();
    expect(document.title).toBe("Spring light · Atelier");
    expect(screen.getByText("An Atelier editors’ collection")).toBeInTheDocument();
    expect(screen.getByText(/First light/)).toHaveTextContent("First light of the year.");
    const list = screen.getByRole("list", { name: "Works in this collection" });
    expect(list.tagName).toBe("OL");
    expect(titlesIn(list)).toEqual(["Harbour at Dusk", "Gulls", "Squall"]);
    const [first, , third] = within(list).getAllByRole("listitem");
    expect(first).toHaveTextContent("Where it began.");
    expect(third).toHaveTextContent("Look at the sky.");
    expect(within(first!).getByRole("link", { name: "Harbour at Dusk" })).toHaveAttribute("href", `/artworks/${harbour.id}`);
    // A visitor may collect its works, but not change it.
    expect(within(first!).getByRole("button", { name: "Add “Harbour at Dusk” to a collection" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Move/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Publish/ })).not.toBeInTheDocument();
  });

  it("lets a moderator publish a draft", async () => {
    useSession.setState({ status: "signed-in", user: moderator, accessToken: "token" });
    openAt("/collections/spring-light");
    const draft = { ...spring, published_at: null, can_edit: true, unavailable_count: 0 };
    route({
      "GET /api/collections/by-slug/spring-light": json(draft),
      [`PUT /api/collections/${SPRING}/publication`]: json({ ...draft, published_at: "2026-12-04T09:00:00Z" }),
    });
    renderWithQueries(<CollectionPage />);

    expect(await screen.findByText("Draft: only editors can see it until it is published.")).toBeInTheDocument();
    // Editorial collections are never private.
    expect(screen.queryByRole("button", { name: "Make public" })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Publish on the home page" }));

    expect(await screen.findByText("Published: it is on the home page.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Unpublish" })).toBeInTheDocument();
    expect(sent("PUT", `/api/collections/${SPRING}/publication`)).toHaveLength(1);
  });

  it("says why a draft cannot be published yet", async () => {
    useSession.setState({ status: "signed-in", user: moderator, accessToken: "token" });
    openAt("/collections/spring-light");
    const empty = { ...spring, items: [], item_count: 0, published_at: null, can_edit: true };
    route({
      "GET /api/collections/by-slug/spring-light": json(empty),
      [`PUT /api/collections/${SPRING}/publication`]: problem(409, "Conflict", "add works on view before publishing the collection"),
    });
    renderWithQueries(<CollectionPage />);

    await userEvent.click(await screen.findByRole("button", { name: "Publish on the home page" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Add works on view before publishing the collection.");
    expect(screen.getByRole("heading", { name: "No works in this collection yet" })).toBeInTheDocument();
  });
});

describe("a personal collection's page", () => {
  const href = `/collections/sea-studies-${SEA}`;
  const sea = collectionView(works, { visibility: "public", can_edit: false, unavailable_count: null });

  it("is read by the id at the end of its address, whatever the words before", async () => {
    openAt(`/collections/old-name-${SEA}/`);
    route({ [`GET /api/collections/${SEA}`]: json(sea) });
    renderWithQueries(<CollectionPage />);

    expect(await screen.findByRole("heading", { level: 1, name: "Sea studies" })).toBeInTheDocument();
    expect(screen.getByText("Curated by Dee · 3 works")).toBeInTheDocument();
    // The address follows the title, so a copied link reads well.
    await waitFor(() => expect(window.location.pathname).toBe(href));
  });

  it("is not available to anyone else while private, and says how its owner sees it", async () => {
    openAt(href);
    route({ [`GET /api/collections/${SEA}`]: problem(404, "Not found", "no such collection") });
    renderWithQueries(<CollectionPage />);

    expect(await screen.findByRole("heading", { name: "This collection is not available" })).toBeInTheDocument();
    expect(screen.getByText(/If it is yours, sign in to see it./)).toBeInTheDocument();
    expect(document.title).toBe("Collection not available · Atelier");
  });

  it("is not available at an address that names no collection", async () => {
    openAt("/collections/Not%20a%20slug/");
    renderWithQueries(<CollectionPage />);
    expect(await screen.findByRole("heading", { name: "This collection is not available" })).toBeInTheDocument();
    expect(requests).toHaveLength(0);
  });

  describe("for its owner", () => {
    const mine = collectionView(works, { can_edit: true, unavailable_count: 1 });

    beforeEach(() => {
      useSession.setState({ status: "signed-in", user: owner, accessToken: "token" });
      openAt(href);
    });

    it("moves a work with buttons, saving the whole order and keeping focus on the button", async () => {
      route({
        [`GET /api/collections/${SEA}`]: json(mine),
        [`PUT /api/collections/${SEA}/order`]: async (request) => {
          const { artwork_ids } = (await request.clone().json()) as { artwork_ids: string[] };
          return json({ ...mine, items: artwork_ids.map((id) => works.find((w) => w.artwork.id === id)!) });
        },
      });
      renderWithQueries(<CollectionPage />);

      expect(await screen.findByText(/Private: only you can see it. 1 work in it is no longer on view/)).toBeInTheDocument();
      const list = screen.getByRole("list", { name: "Works in this collection" });
      expect(screen.getByRole("button", { name: "Move up “Harbour at Dusk”" })).toHaveAttribute("aria-disabled", "true");
      expect(screen.getByRole("button", { name: "Move down “Squall”" })).toHaveAttribute("aria-disabled", "true");

      const down = screen.getByRole("button", { name: "Move down “Harbour at Dusk”" });
      await userEvent.click(down);
      expect(titlesIn(list)).toEqual(["Gulls", "Harbour at Dusk", "Squall"]);
      await waitFor(() => expect(screen.getByRole("button", { name: "Move down “Harbour at Dusk”" })).toHaveFocus());
      expect(screen.getByText("“Harbour at Dusk” is now 2 of 3.")).toBeInTheDocument();

      await userEvent.keyboard("{Enter}");
      expect(titlesIn(list)).toEqual(["Gulls", "Squall", "Harbour at Dusk"]);
      await waitFor(() => expect(sent("PUT", `/api/collections/${SEA}/order`)).toHaveLength(2));
      const orders = await Promise.all(sent("PUT", `/api/collections/${SEA}/order`).map((r) => r.json()));
      expect(orders).toEqual([
        { artwork_ids: [gulls.id, harbour.id, squall.id] },
        { artwork_ids: [gulls.id, squall.id, harbour.id] },
      ]);
      // At the end it goes no further.
      const last = screen.getByRole("button", { name: "Move down “Harbour at Dusk”" });
      expect(last).toHaveAttribute("aria-disabled", "true");
      await userEvent.click(last);
      expect(sent("PUT", `/api/collections/${SEA}/order`)).toHaveLength(2);
    });

    it("puts the order back as the API has it when a move is refused", async () => {
      route({
        [`GET /api/collections/${SEA}`]: json(mine),
        [`GET /api/collections/${SEA}/items`]: json({ items: works, next_cursor: null }),
        [`PUT /api/collections/${SEA}/order`]: problem(422, "Invalid", "invalid fields", [
          { field: "artwork_ids", message: "must name every work of the collection on view, each once" },
        ]),
      });
      renderWithQueries(<CollectionPage />);

      await userEvent.click(await screen.findByRole("button", { name: "Move up “Gulls”" }));
      expect(await screen.findByRole("alert")).toHaveTextContent(/^The new order could not be saved/);
      const list = screen.getByRole("list", { name: "Works in this collection" });
      await waitFor(() => expect(titlesIn(list)).toEqual(["Harbour at Dusk", "Gulls", "Squall"]));
    });

    it("writes, changes and clears a work's note", async () => {
      route({
        [`GET /api/collections/${SEA}`]: json(mine),
        [`PUT /api/collections/${SEA}/items/${gulls.id}`]: async (request) => {
          const { note } = (await request.clone().json()) as { note: string | null };
          return json(item(gulls, note));
        },
      });
      renderWithQueries(<CollectionPage />);

      await userEvent.click(await screen.findByRole("button", { name: "Add note on “Gulls”" }));
      const note = screen.getByLabelText("Note on “Gulls”");
      expect(note).toHaveFocus();
      await userEvent.type(note, "  Noisy, and right.  ");
      await userEvent.click(screen.getByRole("button", { name: "Save note" }));

      expect(await screen.findByText("The note on “Gulls” is saved.")).toBeInTheDocument();
      const [gullsItem] = within(screen.getByRole("list", { name: "Works in this collection" }))
        .getAllByRole("listitem")
        .filter((li) => li.textContent?.includes("Gulls"));
      expect(gullsItem).toHaveTextContent("Noisy, and right.");
      expect(await sent("PUT", `/api/collections/${SEA}/items/${gulls.id}`)[0]!.json()).toEqual({ note: "Noisy, and right." });

      await userEvent.click(screen.getByRole("button", { name: "Edit note on “Gulls”" }));
      await userEvent.clear(screen.getByLabelText("Note on “Gulls”"));
      await userEvent.click(screen.getByRole("button", { name: "Save note" }));
      expect(await screen.findByText("The note on “Gulls” is removed.")).toBeInTheDocument();
      expect(await sent("PUT", `/api/collections/${SEA}/items/${gulls.id}`)[1]!.json()).toEqual({ note: null });
    });

    it("takes a work out", async () => {
      route({
        [`GET /api/collections/${SEA}`]: json(mine),
        [`DELETE /api/collections/${SEA}/items/${gulls.id}`]: () => new Response(null, { status: 204 }),
      });
      renderWithQueries(<CollectionPage />);

      await userEvent.click(await screen.findByRole("button", { name: "Remove “Gulls”" }));
      expect(await screen.findByText("“Gulls” is taken out of the collection.")).toBeInTheDocument();
      expect(titlesIn(screen.getByRole("list", { name: "Works in this collection" }))).toEqual(["Harbour at Dusk", "Squall"]);
      expect(sent("DELETE", `/api/collections/${SEA}/items/${gulls.id}`)).toHaveLength(1);
    });

    it("makes it public, renames it and follows the new title in the address", async () => {
      route({
        [`GET /api/collections/${SEA}`]: json(mine),
        [`PATCH /api/collections/${SEA}`]: async (request) => json({ ...mine, ...((await request.clone().json()) as object) }),
      });
      renderWithQueries(<CollectionPage />);

      await userEvent.click(await screen.findByRole("button", { name: "Make public" }));
      expect(await screen.findByText("It is public: anyone with its link can see it.")).toBeInTheDocument();
      expect(await sent("PATCH", `/api/collections/${SEA}`)[0]!.json()).toEqual({ visibility: "public" });
      expect(screen.getByRole("button", { name: "Make private" })).toBeInTheDocument();

      await userEvent.click(screen.getByRole("button", { name: "Edit details" }));
      const dialog = await screen.findByRole("dialog", { name: "Edit the collection" });
      await userEvent.clear(within(dialog).getByLabelText("Title"));
      await userEvent.type(within(dialog).getByLabelText("Title"), "Northern seas");
      await userEvent.click(within(dialog).getByRole("button", { name: "Save changes" }));

      expect(await screen.findByRole("heading", { level: 1, name: "Northern seas" })).toBeInTheDocument();
      await waitFor(() => expect(window.location.pathname).toBe(`/collections/northern-seas-${SEA}`));
    });

    it("deletes it once confirmed and goes back to the list", async () => {
      route({
        [`GET /api/collections/${SEA}`]: json(mine),
        [`DELETE /api/collections/${SEA}`]: () => new Response(null, { status: 204 }),
      });
      renderWithQueries(<CollectionPage />);

      await userEvent.click(await screen.findByRole("button", { name: "Delete collection" }));
      const confirm = await screen.findByRole("dialog", { name: "Delete “Sea studies”?" });
      await userEvent.click(within(confirm).getByRole("button", { name: "Delete collection" }));
      await waitFor(() => expect(push).toHaveBeenCalledWith("/collections/"));
      expect(sent("DELETE", `/api/collections/${SEA}`)).toHaveLength(1);
    });
  });
});
