import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";

import type { Schemas, User } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { artworkView } from "@/test/fixtures";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { OfferTerms } from "./OfferTerms";

// Listed at £8,500.00.
const work = artworkView;
const artist: User = { id: "0190c4f6-9999-7000-8000-000000000002", email: "hans@example.com", display_name: "Hans", role: "artist", artist_id: work.artist.id, email_verified: true, created_at: "2026-01-05T10:00:00Z" };
const closed: Schemas["OfferTermsView"] = { artwork_id: work.id, accepts_offers: false, currency: "GBP", floor_minor: null };
const path = `/api/artworks/${work.id}/offer-terms`;

beforeEach(() => {
  useSession.setState({ status: "signed-in", user: artist, accessToken: "token" });
});

describe("a work's offer settings in the studio", () => {
  it("opens the work to offers with a private floor in minor units", async () => {
    let sent: unknown = null;
    route({
      [`GET ${path}`]: json(closed),
      [`PUT ${path}`]: async (request) => {
        sent = await request.json();
        return json({ ...closed, accepts_offers: true, floor_minor: 600000 });
      },
    });
    renderWithQueries(<OfferTerms artwork={work} />);
    const region = await screen.findByRole("region", { name: "Offers" });
    expect(region).toHaveTextContent("Collectors can only buy this work at its price.");
    expect(screen.queryByLabelText(/Lowest offer/)).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole("checkbox", { name: "Take offers on this work" }));
    const floor = screen.getByLabelText("Lowest offer you will consider (GBP, optional)");
    expect(floor).toHaveAccessibleDescription(/^Private: collectors never see it\./);
    await userEvent.type(floor, "9000");
    await userEvent.click(screen.getByRole("button", { name: "Save offer settings" }));
    expect(floor).toHaveAccessibleDescription(/^Set it no higher than the work's price\./);
    expect(requests.some((r) => r.method === "PUT")).toBe(false);

    await userEvent.clear(floor);
    await userEvent.type(floor, "6000");
    await userEvent.click(screen.getByRole("button", { name: "Save offer settings" }));
    expect(await screen.findByText("This work now takes offers.")).toBeInTheDocument();
    expect(sent).toEqual({ floor_minor: 600000 });
    expect(screen.getByRole("region", { name: "Offers" })).toHaveTextContent("Collectors may offer a price for this work.");
    expect(screen.getByLabelText("Lowest offer you will consider (GBP, optional)")).toHaveValue("6000.00");
  });

  it("stops taking offers", async () => {
    route({
      [`GET ${path}`]: json({ ...closed, accepts_offers: true, floor_minor: null }),
      [`DELETE ${path}`]: () => new Response(null, { status: 204 }),
    });
    renderWithQueries(<OfferTerms artwork={work} />);
    await userEvent.click(await screen.findByRole("checkbox", { name: "Take offers on this work" }));
    await userEvent.click(screen.getByRole("button", { name: "Save offer settings" }));
    expect(await screen.findByText("This work no longer takes new offers.")).toBeInTheDocument();
    expect(requests.filter((r) => r.method === "DELETE")).toHaveLength(1);
  });

  it("shows the API's refusal under the floor", async () => {
    route({
      [`GET ${path}`]: json({ ...closed, accepts_offers: true }),
      [`PUT ${path}`]: problem(422, "Unprocessable", "The request contains invalid fields", [
        { field: "floor_minor", message: "must be between 1 and the work's price, 850000" },
      ]),
    });
    renderWithQueries(<OfferTerms artwork={work} />);
    const floor = await screen.findByLabelText("Lowest offer you will consider (GBP, optional)");
    await userEvent.type(floor, "100");
    await userEvent.click(screen.getByRole("button", { name: "Save offer settings" }));
    await waitFor(() => expect(floor).toHaveAccessibleDescription(/must be between 1 and the work's price/));
  });

  it("is not shown for a work that is not on sale", () => {
    renderWithQueries(<OfferTerms artwork={{ ...work, status: "draft" }} />);
    expect(screen.queryByRole("region", { name: "Offers" })).not.toBeInTheDocument();
    expect(requests).toHaveLength(0);
  });
});
