import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { cards, editorial } from "@/test/collections";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { EditorialCollections } from "./EditorialCollections";

describe("the editors' collections on the home page", () => {
  it("shows the published ones, each a link to its page with its works as cover", async () => {
    route({
      "GET /api/collections/editorial": json({
        items: [editorial(), editorial({ id: "0190c4f6-cccc-7000-8000-000000000009", title: "Night", slug: "night", item_count: 1, previews: [] })],
        next_cursor: null,
      }),
    });
    renderWithQueries(<EditorialCollections />);

    const row = await screen.findByRole("list", { name: "Editors’ collections" });
    expect(screen.getByRole("heading", { name: "Collections from our editors" })).toBeInTheDocument();
    const [spring, night] = within(row).getAllByRole("listitem");
    expect(within(spring!).getByRole("link", { name: "Spring light" })).toHaveAttribute("href", "/collections/spring-light");
    expect(spring).toHaveTextContent("Atelier editors · 3 works");
    expect(within(night!).getByRole("link", { name: "Night" })).toHaveAttribute("href", "/collections/night");
    expect(night).toHaveTextContent("1 work");
    // The cover (and the works after it) are decoration: the title names the card.
    const cover = spring!.querySelector("img")!;
    expect(cover).toHaveAttribute("alt", "");
    expect(cover.getAttribute("src")).toContain(cards[0]!.id);
    expect(cover.closest("[aria-hidden=true]")).not.toBeNull();
    expect(new URL(requests[0]!.url).searchParams.get("state")).toBeNull();
  });

  it("shows nothing when there are none, or they cannot be read", async () => {
    route({ "GET /api/collections/editorial": json({ items: [], next_cursor: null }) });
    const none = renderWithQueries(<EditorialCollections />);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(none.container).toBeEmptyDOMElement();
    none.unmount();

    route({ "GET /api/collections/editorial": problem(503, "Service unavailable", "Try again soon.") });
    const failing = renderWithQueries(<EditorialCollections />);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(failing.container).toBeEmptyDOMElement();
    expect(requests).toHaveLength(2);
  });
});
