import { describe, expect, it } from "vitest";

import { artworkView } from "@/test/fixtures";

import {
  cardFromView,
  formatRoundPrice,
  lifespan,
  paletteGradient,
  priceBucketLabel,
  sharePercent,
  soleCurrency,
  styleLabel,
} from "./artwork";

describe("price buckets", () => {
  const buckets = [
    { label: "Under 500", min: 0, max: 49999, count: 8 },
    { label: "500 – 2,000", min: 50000, max: 199999, count: 13 },
    { label: "Over 10,000", min: 1000000, max: null, count: 77 },
  ];

  it("reads in the results' currency, with whole amounts at the bounds", () => {
    expect(buckets.map((bucket) => priceBucketLabel(bucket, "GBP", "en-GB"))).toEqual([
      "Under £500",
      "£500 – £2,000",
      "£10,000 and over",
    ]);
  });

  it("falls back to the API's label when the currency is not known", () => {
    expect(priceBucketLabel(buckets[1]!, null)).toBe("500 – 2,000");
  });

  it("knows a currency only when every work shares it", () => {
    const gbp = { price: { amount_minor: 1, currency: "GBP" as const } };
    const eur = { price: { amount_minor: 1, currency: "EUR" as const } };
    expect(soleCurrency([gbp, gbp])).toBe("GBP");
    expect(soleCurrency([gbp, eur])).toBeNull();
    expect(soleCurrency([])).toBeNull();
  });

  it("keeps pence only when there are some", () => {
    expect(formatRoundPrice(125000, "GBP", "en-GB")).toBe("£1,250");
    expect(formatRoundPrice(125050, "GBP", "en-GB")).toBe("£1,250.50");
    expect(formatRoundPrice(5000, "JPY", "en-US")).toBe("¥5,000");
  });
});

describe("palette", () => {
  const palette = artworkView.images[0]!.palette;

  it("blends the main colours into the placeholder", () => {
    expect(paletteGradient(palette)).toBe("linear-gradient(135deg, #3e3228, #54432f, #755e39, #653f2a)");
    expect(paletteGradient(palette.slice(0, 1))).toBe("#3e3228");
    expect(paletteGradient([])).toBeUndefined();
  });

  it("rounds shares to whole percents, never to nothing", () => {
    expect(sharePercent(0.31283244)).toBe("31%");
    expect(sharePercent(0.001)).toBe("1%");
  });
});

describe("artwork cards from full views", () => {
  it("takes the cover's variants and dominant colour", () => {
    const card = cardFromView(artworkView);
    expect(card).toMatchObject({
      id: artworkView.id,
      title: "Treasures of the Sea",
      category: "painting",
      dominant_color: "#3e3228",
    });
    expect(card.thumbnail).toHaveLength(4);
  });

  it("has no picture for a work without images", () => {
    expect(cardFromView({ ...artworkView, images: [] })).toMatchObject({ thumbnail: null, dominant_color: null });
  });
});

describe("labels", () => {
  it("turns style slugs into words", () => {
    expect(styleLabel("pre-raphaelite-brotherhood")).toBe("Pre raphaelite brotherhood");
  });

  it("gives an artist's years", () => {
    expect(lifespan({ birth_year: 1828, death_year: 1882 })).toBe("1828–1882");
    expect(lifespan({ birth_year: 1970, death_year: null })).toBe("Born 1970");
    expect(lifespan({ birth_year: null, death_year: null })).toBeNull();
  });
});
