import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { PORTRAITS, SEA, cards, collectionView, editorial, summary } from "@/test/collections";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { MyCollections } from "./MyCollections";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn() }),
  usePathname: () => "/collections/",
  useSearchParams: () => new URLSearchParams(),
}));

const user = (role: string) => ({ id: "01a20ffd-9999-7000-8000-000000000001", email: "dee@example.com", display_name: "Dee", role }) as never;

const sea = summary({ id: SEA, title: "Sea studies", item_count: 2, cover: cards[0]!, previews: [cards[1]!] });
const portraits = summary({ id: PORTRAITS, title: "Portraits", visibility: "public" });

const sent = (method: string, path: string) => requests.filter((r) => r.method === method && new URL(r.url).pathname === path);

function shelf(items: Schemas["CollectionSummary"][]) {
  return json({ items, next_cursor: null });
}

beforeEach(() => {
  window.history.pushState({}, "", "/collections/");
  useSession.setState({ status: "signed-in", user: user("collector"), accessToken: "token" });
});

describe("your collections", () => {
  it("asks a visitor to sign in", () => {
    useSession.setState({ status: "signed-out", user: null, accessToken: null });
    renderWithQueries(<MyCollections />);
    expect(screen.getByRole("heading", { name: "Sign in to continue" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Sign in" })).toHaveAttribute(
      "href",
      // next/link adds the trailing slash from the build's configuration.
      expect.stringMatching(new RegExp(`^/signin/?\\?next=${encodeURIComponent("/collections/")}$`)),
    );
  });

  it("lists them with their standing, each linking to its page", async () => {
    route({ "GET /api/me/collections": shelf([sea, portraits]) });
    renderWithQueries(<MyCollections />);

    const list = await screen.findByRole("list", { name: "Your collections" });
    const [first, second] = within(list).getAllByRole("listitem");
    expect(within(first!).getByRole("link", { name: "Sea studies" })).toHaveAttribute("href", `/collections/sea-studies-${SEA}`);
    expect(first).toHaveTextContent("By Dee · 2 works");
    expect(first).toHaveTextContent("Private");
    expect(within(second!).getByText("Public")).toBeInTheDocument();
    expect(within(second!).getByRole("button", { name: "Make private “Portraits”" })).toBeInTheDocument();
    // Only editors see the editorial drafts.
    expect(screen.queryByRole("heading", { name: "Editorial drafts" })).not.toBeInTheDocument();
  });

  it("says there are none yet", async () => {
    route({ "GET /api/me/collections": shelf([]) });
    renderWithQueries(<MyCollections />);
    expect(await screen.findByText(/No collections yet/)).toBeInTheDocument();
  });

  it("starts one with its title, description and visibility", async () => {
    let collections = [portraits];
    route({
      "GET /api/me/collections": () => shelf(collections),
      "POST /api/collections": async (request) => {
        const body = (await request.clone().json()) as { title: string };
        collections = [summary({ id: SEA, title: body.title }), ...collections];
        return json(collectionView([], { title: body.title }), 201);
      },
    });
    renderWithQueries(<MyCollections />);
    await screen.findByRole("list", { name: "Your collections" });

    await userEvent.click(screen.getByRole("button", { name: "New collection" }));
    const dialog = await screen.findByRole("dialog", { name: "New collection" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Create collection" }));
    expect(within(dialog).getByLabelText("Title")).toHaveAccessibleDescription("Give the collection a title.");
    expect(sent("POST", "/api/collections")).toHaveLength(0);
    // Editorial collections are for editors.
    expect(within(dialog).queryByRole("checkbox", { name: /Editorial collection/ })).not.toBeInTheDocument();

    await userEvent.type(within(dialog).getByLabelText("Title"), "Sea studies");
    await userEvent.type(within(dialog).getByLabelText("Description (optional)"), "Grey water, mostly.");
    await userEvent.click(within(dialog).getByRole("checkbox", { name: /Public/ }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Create collection" }));

    expect(await screen.findByText("“Sea studies” is made. Add works to it from their pages.")).toBeInTheDocument();
    const [post] = sent("POST", "/api/collections");
    expect(await post!.json()).toEqual({ title: "Sea studies", description: "Grey water, mostly.", visibility: "public" });
    expect(post!.headers.get("Idempotency-Key")).toBeTruthy();
    expect(await screen.findByRole("link", { name: "Sea studies" })).toBeInTheDocument();
  });

  it("renames and describes one, and shows the API's reasons by their fields", async () => {
    route({
      "GET /api/me/collections": shelf([sea]),
      [`PATCH /api/collections/${SEA}`]: problem(422, "Invalid", "invalid fields", [{ field: "title", message: "must not contain control characters" }]),
    });
    renderWithQueries(<MyCollections />);

    await userEvent.click(await screen.findByRole("button", { name: "Edit “Sea studies”" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit “Sea studies”" });
    const title = within(dialog).getByLabelText("Title");
    expect(title).toHaveValue("Sea studies");
    await userEvent.clear(title);
    await userEvent.type(title, "Northern seas");
    await userEvent.type(within(dialog).getByLabelText("Description (optional)"), "Cold light.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save changes" }));

    await waitFor(() => expect(title).toHaveAccessibleDescription("Title must not contain control characters."));
    const [patch] = sent("PATCH", `/api/collections/${SEA}`);
    expect(await patch!.json()).toEqual({ title: "Northern seas", description: "Cold light.", visibility: "private" });
  });

  it("makes one public", async () => {
    route({
      "GET /api/me/collections": shelf([sea]),
      [`PATCH /api/collections/${SEA}`]: json(collectionView([], { visibility: "public" })),
    });
    renderWithQueries(<MyCollections />);

    await userEvent.click(await screen.findByRole("button", { name: "Make public “Sea studies”" }));
    expect(await screen.findByText("“Sea studies” is public: anyone with its link can see it.")).toBeInTheDocument();
    const [patch] = sent("PATCH", `/api/collections/${SEA}`);
    expect(await patch!.json()).toEqual({ visibility: "public" });
  });

  it("deletes one once it is confirmed", async () => {
    let collections = [sea, portraits];
    route({
      "GET /api/me/collections": () => shelf(collections),
      [`DELETE /api/collections/${SEA}`]: () => {
        collections = [portraits];
        return new Response(null, { status: 204 });
      },
    });
    renderWithQueries(<MyCollections />);

    await userEvent.click(await screen.findByRole("button", { name: "Delete “Sea studies”" }));
    const confirm = await screen.findByRole("dialog", { name: "Delete “Sea studies”?" });
    expect(confirm).toHaveTextContent("The works stay on Atelier.");
    expect(sent("DELETE", `/api/collections/${SEA}`)).toHaveLength(0);
    await userEvent.click(within(confirm).getByRole("button", { name: "Delete collection" }));

    expect(await screen.findByText("“Sea studies” is deleted.")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole("link", { name: "Sea studies" })).not.toBeInTheDocument());
    expect(sent("DELETE", `/api/collections/${SEA}`)).toHaveLength(1);
  });

  it("lets an editor start an editorial collection and see every editor's drafts", async () => {
    useSession.setState({ status: "signed-in", user: user("moderator"), accessToken: "token" });
    route({
      "GET /api/me/collections": shelf([]),
      "GET /api/collections/editorial": shelf([editorial({ published_at: null, can_edit: true })]),
      "POST /api/collections": json(collectionView([], { kind: "editorial", title: "Winter", slug: "winter", owner: null }), 201),
    });
    renderWithQueries(<MyCollections />);

    const drafts = await screen.findByRole("list", { name: "Editorial drafts" });
    expect(within(drafts).getByRole("link", { name: "Spring light" })).toHaveAttribute("href", "/collections/spring-light");
    expect(drafts).toHaveTextContent("Draft");
    expect(new URL(requests.find((r) => r.url.includes("/editorial"))!.url).searchParams.get("state")).toBe("draft");

    await userEvent.click(screen.getByRole("button", { name: "New collection" }));
    const dialog = await screen.findByRole("dialog", { name: "New collection" });
    await userEvent.type(within(dialog).getByLabelText("Title"), "Winter");
    await userEvent.click(within(dialog).getByRole("checkbox", { name: /Editorial collection/ }));
    // Editorial collections are on view once published: there is no private choice.
    expect(within(dialog).queryByRole("checkbox", { name: /Public/ })).not.toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Create collection" }));

    await screen.findByText("“Winter” is made. Add works to it from their pages.");
    expect(await sent("POST", "/api/collections")[0]!.json()).toEqual({ title: "Winter", kind: "editorial" });
  });
});
