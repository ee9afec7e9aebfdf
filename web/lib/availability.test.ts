import { describe, expect, it } from "vitest";

import { artworkView } from "@/test/fixtures";

import { artworkOfChannel, liveBadge, withAvailability } from "./availability";

const limited = { ...artworkView, edition: { kind: "limited" as const, size: 25, available: 10 } };

describe("availability heard live", () => {
  it("changes the work's status, copies left and price", () => {
    const next = withAvailability(limited, { status: "reserved", available_quantity: 8, price: { amount_minor: 9000, currency: "EUR" } });
    expect(next.status).toBe("reserved");
    expect(next.edition).toEqual({ kind: "limited", size: 25, available: 8 });
    expect(next.price).toEqual({ amount_minor: 9000, currency: "EUR" });
    expect(limited.edition.available).toBe(10);
  });

  it("keeps what the event leaves out or gets wrong", () => {
    expect(withAvailability(limited, {})).toBe(limited);
    expect(withAvailability(limited, null)).toBe(limited);
    expect(withAvailability(limited, { status: "vanished", available_quantity: 2.5, price: { amount_minor: 1 } })).toBe(limited);
    expect(withAvailability(limited, { available_quantity: 400 }).edition).toEqual({ kind: "limited", size: 25, available: 25 });
    // A unique work has no copies to count.
    expect(withAvailability(artworkView, { available_quantity: 0 }).edition).toEqual({ kind: "unique" });
  });

  it("badges only news worth a glance", () => {
    expect(liveBadge("sold")).toBe("Just sold");
    expect(liveBadge("reserved")).toBe("Reserved");
    expect(liveBadge("published")).toBeNull();
    expect(liveBadge(undefined)).toBeNull();
    expect(artworkOfChannel("artwork:abc")).toBe("abc");
    expect(artworkOfChannel("user:abc")).toBeNull();
  });
});
