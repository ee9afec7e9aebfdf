import { screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { User } from "@/lib/api/types";
import { useSession } from "@/lib/session";
import { NEGOTIATION, negotiationView, offerView } from "@/test/commerce";
import { fakeLive, renderWithLive } from "@/test/live";
import { json, requests, route } from "@/test/network";

import { StudioOffers } from "./StudioOffers";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn(), back: vi.fn(), forward: vi.fn(), refresh: vi.fn() }),
  usePathname: () => window.location.pathname,
  useSearchParams: () => new URLSearchParams(window.location.search),
}));

const HANA = "0190c4f6-9999-7000-8000-000000000003";
const artist: User = { id: HANA, email: "hana@example.com", display_name: "Hana Okabe", role: "artist", artist_id: "0190c4f6-aaaa-7000-8000-000000000001", email_verified: true, created_at: "2026-01-05T10:00:00Z" };
const inOneDay = () => new Date(Date.now() + 86_400_000 + 60_000).toISOString();

beforeEach(() => {
  window.history.pushState({}, "", "/studio/offers/");
  useSession.setState({ status: "signed-in", user: artist, accessToken: "token" });
});

describe("the artist's offers", () => {
  it("lists collectors' offers awaiting the artist first, and follows new ones as they arrive", async () => {
    const iris = negotiationView({ you_are: "artist", awaiting: "artist", actions: ["accept", "counter", "decline"], offers: [offerView({ expires_at: inOneDay() })] });
    let items = [negotiationView({ id: "0190c4f6-0ff0-7000-8000-000000000009", you_are: "artist", artwork_title: "Low Tide", buyer_name: "Ada", status: "accepted", awaiting: null, actions: [], offers: [offerView({ status: "accepted" })] })];
    route({ "GET /api/offers": () => json({ items, next_before: null }) });
    const live = fakeLive();
    renderWithLive(<StudioOffers />, live);

    expect(await screen.findByRole("heading", { level: 1, name: "Offers" })).toBeInTheDocument();
    expect(screen.getByRole("navigation", { name: "Studio" }).querySelector('[aria-current="page"]')).toHaveTextContent("Offers");
    expect(within(await screen.findByRole("list", { name: "Your offers" })).getByRole("link", { name: "Low Tide" })).toBeInTheDocument();
    expect(requests.find((r) => r.url.includes("/api/offers"))!.url).toMatch(/role=artist/);

    items = [iris, ...items];
    live.event(`user:${HANA}`, "notification", { id: "n1", kind: "offer", data: { negotiation_id: NEGOTIATION, status: "pending" }, created_at: new Date().toISOString() });
    const awaiting = await screen.findByRole("list", { name: "Awaiting your answer" });
    const row = within(awaiting).getByRole("listitem");
    expect(row).toHaveTextContent("from Iris Collector · their offer £900.00");
    expect(row).toHaveTextContent(/Answer by .* \(in 24 hours\)/);
    await waitFor(() => expect(within(screen.getByRole("list", { name: "All other offers" })).getByRole("link", { name: "Low Tide" })).toBeInTheDocument());
  });
});
