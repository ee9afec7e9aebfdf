import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { draftArtwork as existing } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { ArtworkForm } from "./ArtworkForm";

const categories: Schemas["CategoryNode"][] = [
  {
    id: "0190c4f6-0000-7000-8000-000000000001",
    slug: "painting",
    name: "Painting",
    artwork_count: 517,
    children: [],
  },
  {
    id: "0190c4f6-0000-7000-8000-000000000002",
    slug: "works-on-paper",
    name: "Works on paper",
    artwork_count: 88,
    children: [
      { id: "0190c4f6-0000-7000-8000-000000000003", slug: "print", name: "Print", artwork_count: 29, children: [] },
    ],
  },
];

beforeEach(() => route({ "GET /api/categories": json(categories), "GET /api/tags": json([]) }));

describe("the artwork form", () => {
  it("shows the API's field messages under the inputs they belong to", async () => {
    route({
      "POST /api/artworks": problem(422, "Invalid fields", "some fields are invalid", [
        { field: "title", message: "must be at most 200 characters" },
        { field: "price.amount_minor", message: "a published artwork needs a price above zero" },
        { field: "edition.size", message: "size must be between 1 and 100000" },
      ]),
    });
    const user = userEvent.setup();
    renderWithQueries(<ArtworkForm onSaved={vi.fn()} />);

    await user.type(screen.getByLabelText("Title"), "Harbour at dusk");
    await screen.findByRole("option", { name: "Painting" });
    await user.selectOptions(screen.getByLabelText("Category"), "painting");
    await user.selectOptions(screen.getByLabelText("Edition"), "limited");
    await user.type(screen.getByLabelText("Edition size"), "0");
    await user.type(screen.getByLabelText("Available"), "0");
    await user.type(screen.getByLabelText("Price"), "0");
    await user.click(screen.getByRole("button", { name: "Save artwork" }));

    const title = screen.getByLabelText("Title");
    await waitFor(() => expect(title).toHaveAttribute("aria-invalid", "true"));
    expect(title).toHaveAccessibleDescription("Title must be at most 200 characters.");
    expect(screen.getByLabelText("Price")).toHaveAccessibleDescription(
      expect.stringContaining("A published artwork needs a price above zero."),
    );
    expect(screen.getByLabelText("Edition size")).toHaveAccessibleDescription("Size must be between 1 and 100000.");
    expect(screen.getByRole("alert")).toHaveTextContent("Please correct the fields marked below.");
    expect(title).toHaveFocus();
  });

  it("sends prices in minor units and sizes in millimetres, with an idempotency key", async () => {
    const onSaved = vi.fn();
    route({
      "POST /api/artworks": async (request) =>
        json({ ...existing, ...(await request.json()), category: { slug: "print", name: "Print" } }, 201, { ETag: '"1"' }),
    });
    const user = userEvent.setup();
    renderWithQueries(<ArtworkForm onSaved={onSaved} />);

    await user.type(screen.getByLabelText("Title"), "Harbour at dusk");
    await screen.findByRole("option", { name: /Print/ });
    await user.selectOptions(screen.getByLabelText("Category"), "print");
    await user.type(screen.getByLabelText("Styles"), "Abstract, minimalism");
    await user.type(screen.getByLabelText("Tags"), "sea{Enter}boats");
    await user.type(screen.getByLabelText("Year"), "2024");
    await user.type(screen.getByLabelText("Height (cm)"), "40.5");
    await user.type(screen.getByLabelText("Width (cm)"), "60");
    await user.click(screen.getByLabelText("Framed"));
    await user.type(screen.getByLabelText("Price"), "1250.50");
    await user.selectOptions(screen.getByLabelText("Currency"), "EUR");
    await user.selectOptions(screen.getByLabelText("Status"), "published");
    await user.click(screen.getByLabelText("Certificate of authenticity"));
    await user.click(screen.getByRole("button", { name: "Save artwork" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const sent = requests.find((r) => r.method === "POST" && r.url.endsWith("/api/artworks"))!;
    expect(sent.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await sent.json()).toMatchObject({
      title: "Harbour at dusk",
      category: "print",
      styles: ["Abstract", "minimalism"],
      tags: ["sea", "boats"],
      year: 2024,
      dimensions: { height_mm: 405, width_mm: 600, depth_mm: null },
      framed: true,
      edition: { kind: "unique" },
      price: { amount_minor: 125050, currency: "EUR" },
      status: "published",
      certificate_of_authenticity: true,
    });
    expect(onSaved.mock.calls[0]![1]).toBe('"1"');
  });

  it("fills the inputs from an existing work and edits it with its ETag", async () => {
    const onSaved = vi.fn();
    route({
      [`PATCH /api/artworks/${existing.id}`]: async (request) =>
        json({ ...existing, ...(await request.json()), category: existing.category, version: 4 }, 200, { ETag: '"4"' }),
    });
    const user = userEvent.setup();
    renderWithQueries(<ArtworkForm artwork={existing} etag='"3"' onSaved={onSaved} />);

    expect(screen.getByLabelText("Price")).toHaveValue("1250.5");
    expect(screen.getByLabelText("Height (cm)")).toHaveValue("40.5");
    const price = screen.getByLabelText("Price");
    await user.clear(price);
    await user.type(price, "99.99");
    await user.click(screen.getByRole("button", { name: "Save artwork" }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const sent = requests.find((r) => r.method === "PATCH")!;
    expect(sent.headers.get("If-Match")).toBe('"3"');
    expect(await sent.json()).toMatchObject({ price: { amount_minor: 9999, currency: "GBP" }, tags: ["coast"] });
    expect(await screen.findByRole("status")).toHaveTextContent("Saved.");
  });

  it("reports a stale edit instead of overwriting", async () => {
    const onStale = vi.fn();
    route({
      [`PATCH /api/artworks/${existing.id}`]: problem(412, "Precondition failed", "the artwork changed since that ETag"),
    });
    const user = userEvent.setup();
    renderWithQueries(<ArtworkForm artwork={existing} etag='"2"' onSaved={vi.fn()} onStale={onStale} />);
    await user.click(screen.getByRole("button", { name: "Save artwork" }));
    await waitFor(() => expect(onStale).toHaveBeenCalled());
  });

  it("checks what it can before sending", async () => {
    const user = userEvent.setup();
    renderWithQueries(<ArtworkForm onSaved={vi.fn()} />);
    await user.type(screen.getByLabelText("Height (cm)"), "30");
    await user.click(screen.getByRole("button", { name: "Save artwork" }));
    expect(screen.getByLabelText("Title")).toHaveAccessibleDescription("Give the work a title.");
    expect(screen.getByLabelText("Width (cm)")).toHaveAccessibleDescription("Enter the width in centimetres.");
    expect(requests.some((r) => r.method === "POST")).toBe(false);
  });
});
