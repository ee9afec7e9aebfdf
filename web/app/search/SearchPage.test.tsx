import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { editorial, summary } from "@/test/collections";
import { searchHit } from "@/test/fixtures";
import { json, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { SearchPage } from "./SearchPage";

// Next keeps useSearchParams in step with history.replaceState; so does this stand-in.
vi.mock("next/navigation", async () => {
  const { useMemo, useSyncExternalStore } = await import("react");
  const listeners = new Set<() => void>();
  const replaceState = window.history.replaceState.bind(window.history);
  window.history.replaceState = (...args: Parameters<History["replaceState"]>) => {
    replaceState(...args);
    listeners.forEach((listener) => listener());
  };
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return {
    useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn() }),
    usePathname: () => "/search/",
    useSearchParams: () => {
      const search = useSyncExternalStore(subscribe, () => window.location.search);
      return useMemo(() => new URLSearchParams(search), [search]);
    },
  };
});

function openAt(query: string) {
  window.history.pushState({}, "", `/search/${query ? `?${query}` : ""}`);
}

const address = () => window.location.pathname + window.location.search;

const facets: Schemas["Facets"] = {
  categories: [
    { value: "painting", label: "Painting", count: 174 },
    { value: "print", label: "Print", count: 6 },
  ],
  styles: [{ value: "victorian-genre", label: "victorian genre", count: 16 }],
  prices: [
    { label: "Under 500", min: 0, max: 49999, count: 8 },
    { label: "500 – 2,000", min: 50000, max: 199999, count: 13 },
    { label: "Over 10,000", min: 1000000, max: null, count: 77 },
  ],
};

function page(items: Schemas["SearchHit"][], total = items.length): Schemas["SearchPage"] {
  return { search_id: "01900000-0000-7000-8000-000000000001", mode: "hybrid", items, total, facets, next_cursor: null };
}

beforeEach(() => openAt(""));

describe("search", () => {
  it("restores a shared search from the address and asks the API for it", async () => {
    openAt("q=sea&category=painting&min_price=50000&max_price=199999&year_from=1800");
    route({
      "GET /api/search": json(page([searchHit(1, "A Sea-Shore", ["keyword", "semantic"])], 123)),
    });
    renderWithQueries(<SearchPage />);

    expect(screen.getByRole("searchbox", { name: "Search artworks" })).toHaveValue("sea");
    expect(await screen.findByText("123 works")).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Category" })).toHaveValue("painting");
    expect(screen.getByRole("spinbutton", { name: "Year from" })).toHaveValue(1800);
    const prices = screen.getByRole("group", { name: "Price" });
    expect(within(prices).getByRole("button", { name: /£500 – £2,000/ })).toHaveAttribute("aria-pressed", "true");
    expect(within(prices).getByRole("button", { name: /Under £500/ })).toHaveAttribute("aria-pressed", "false");

    const results = screen.getByRole("list", { name: "Search results" });
    expect(within(results).getByRole("link", { name: "A Sea-Shore" })).toBeInTheDocument();
    expect(screen.queryByText(/close in meaning/)).not.toBeInTheDocument();

    const asked = new URL(requests[0]!.url).searchParams;
    expect(Object.fromEntries(asked)).toEqual({
      q: "sea",
      category: "painting",
      min_price: "50000",
      max_price: "199999",
      year_from: "1800",
    });
  });

  it("keeps the words in the address as they are typed, and searches once typing pauses", async () => {
    route({
      "GET /api/artworks": json({ items: [], next_cursor: null }),
      "GET /api/categories": json([]),
      "GET /api/search": json(page([searchHit(1, "A Sea-Shore", ["keyword", "semantic"])], 204)),
    });
    renderWithQueries(<SearchPage />);

    const box = screen.getByRole("searchbox", { name: "Search artworks" });
    await userEvent.type(box, "stormy sea");
    expect(address()).toBe("/search/?q=stormy+sea");
    expect(box).toHaveValue("stormy sea");

    expect(await screen.findByText("204 works")).toBeInTheDocument();
    const searches = requests.filter((r) => r.url.includes("/api/search"));
    expect(searches.map((r) => new URL(r.url).searchParams.get("q"))).toEqual(["stormy sea"]);
  });

  it("explains results found by meaning rather than by the words", async () => {
    openAt("q=xyzzy");
    route({
      "GET /api/search": json(
        page([searchHit(1, "Web Ladder", ["semantic"]), searchHit(2, "Blue Purple Tilt", ["semantic"])], 200),
      ),
    });
    renderWithQueries(<SearchPage />);

    expect(
      await screen.findByText("No exact word matches — showing works close in meaning to “xyzzy”."),
    ).toBeInTheDocument();
    expect(screen.getAllByText("Similar in meaning")).toHaveLength(2);
  });

  it("applies a filter and a price bucket through the address", async () => {
    openAt("q=sea");
    route({ "GET /api/search": json(page([searchHit(1, "A Sea-Shore", ["keyword"])])) });
    renderWithQueries(<SearchPage />);

    expect(await screen.findByText("1 work")).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Category" }), "print");
    expect(address()).toBe("/search/?q=sea&category=print");

    await userEvent.click(screen.getByRole("button", { name: /£10,000 and over/ }));
    expect(address()).toBe("/search/?q=sea&category=print&min_price=1000000");
  });

  it("shows the collections whose title matches as results of their own, above the works", async () => {
    openAt("q=sea");
    const sea = summary({ title: "Sea studies", visibility: "public", item_count: 4 });
    route({
      "GET /api/search": json({
        ...page([searchHit(1, "A Sea-Shore", ["keyword"])]),
        collections: [
          { kind: "collection", collection: editorial({ title: "The sea in spring", slug: "the-sea-in-spring" }) },
          { kind: "collection", collection: sea },
        ],
      }),
    });
    renderWithQueries(<SearchPage />);

    const found = await screen.findByRole("list", { name: "Collections matching “sea”" });
    expect(screen.getByRole("heading", { name: "Collections" })).toBeInTheDocument();
    const [spring, studies] = within(found).getAllByRole("listitem");
    expect(within(spring!).getByRole("link", { name: "The sea in spring" })).toHaveAttribute("href", "/collections/the-sea-in-spring");
    expect(within(studies!).getByRole("link", { name: "Sea studies" })).toHaveAttribute("href", `/collections/sea-studies-${sea.id}`);
    expect(studies).toHaveTextContent("By Dee · 4 works");
    // The works stay a list of their own, after the collections.
    const works = screen.getByRole("list", { name: "Search results" });
    expect(within(works).queryByRole("link", { name: "Sea studies" })).not.toBeInTheDocument();
    expect(found.compareDocumentPosition(works) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it("shows no collections section when none match", async () => {
    openAt("q=sea");
    route({ "GET /api/search": json(page([searchHit(1, "A Sea-Shore", ["keyword"])])) });
    renderWithQueries(<SearchPage />);

    expect(await screen.findByText("1 work")).toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Collections" })).not.toBeInTheDocument();
  });

  it("offers to drop the filters when nothing matches", async () => {
    openAt("q=sea&style=victorian-genre&year_to=1500");
    route({ "GET /api/search": json(page([], 0)) });
    renderWithQueries(<SearchPage />);

    expect(await screen.findByRole("heading", { name: "No works match “sea” with these filters" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Search without filters" }));
    expect(address()).toBe("/search/?q=sea");
    expect(screen.getByRole("button", { name: "Clear filters" })).toBeDisabled();
  });
});
