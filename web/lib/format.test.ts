import { describe, expect, it } from "vitest";

import { formatDimensions, formatEdition, formatPrice, fromMinorUnits, toMinorUnits } from "./format";

describe("prices", () => {
  it("shows minor units in the currency's own precision", () => {
    expect(formatPrice({ amount_minor: 125000, currency: "GBP" }, "en-GB")).toBe("£1,250.00");
    expect(formatPrice({ amount_minor: 5000, currency: "JPY" }, "en-GB")).toBe("JP¥5,000");
  });

  it("turns typed amounts into minor units and back", () => {
    expect(toMinorUnits("1250.50", "GBP")).toBe(125050);
    expect(toMinorUnits("5000", "JPY")).toBe(5000);
    expect(toMinorUnits("", "GBP")).toBeNull();
    expect(toMinorUnits("-3", "GBP")).toBeNull();
    expect(toMinorUnits("twelve", "GBP")).toBeNull();
    expect(fromMinorUnits(125050, "GBP")).toBe("1250.5");
  });
});

describe("catalog details", () => {
  it("gives sizes in centimetres, depth only when there is one", () => {
    expect(formatDimensions({ height_mm: 610, width_mm: 455 })).toBe("61 × 45.5 cm");
    expect(formatDimensions({ height_mm: 300, width_mm: 200, depth_mm: 40 })).toBe("30 × 20 × 4 cm");
  });

  it("describes editions", () => {
    expect(formatEdition({ kind: "unique" })).toBe("Unique work");
    expect(formatEdition({ kind: "limited", size: 50, available: 12 })).toBe("Limited edition of 50 (12 available)");
  });
});
