import { describe, expect, it } from "vitest";

import {
  bucketise,
  change,
  describeChange,
  parsePeriod,
  periodParams,
  periodProblem,
  presetPeriod,
  previousPeriod,
  type DayMetrics,
} from "./insights";

const params = (query: string) => new URLSearchParams(query);

function day(date: string, figures: Partial<DayMetrics> = {}): DayMetrics {
  return {
    day: date,
    views: 0,
    likes: 0,
    saves: 0,
    shares: 0,
    search_impressions: 0,
    search_clicks: 0,
    average_position: null,
    click_through_rate: null,
    offers: 0,
    orders: 0,
    revenue: [],
    ...figures,
  };
}

describe("the period in the address", () => {
  const today = "2026-03-31";

  it("is a preset ending today, the last 30 days by default", () => {
    expect(parsePeriod(params(""), today).period).toEqual({ preset: "30d", from: "2026-03-02", to: today });
    expect(parsePeriod(params("period=7d"), today).period).toEqual({ preset: "7d", from: "2026-03-25", to: today });
    expect(parsePeriod(params("period=90d"), today).period.from).toBe("2026-01-01");
    expect(parsePeriod(params("period=forever"), today).period.preset).toBe("30d");
  });

  it("takes twelve months as the year to today, at most a leap year's days", () => {
    expect(presetPeriod("12m", today)).toEqual({ preset: "12m", from: "2025-04-01", to: today });
    // Across a 29 February the year has 366 days, the API's limit.
    expect(presetPeriod("12m", "2024-03-15")).toEqual({ preset: "12m", from: "2023-03-16", to: "2024-03-15" });
    expect(presetPeriod("12m", "2024-02-29")).toEqual({ preset: "12m", from: "2023-03-01", to: "2024-02-29" });
    expect(periodProblem("2023-03-01", "2024-02-29")).toBeNull();
  });

  it("is custom days when both are real days in order and at most 366 apart; else the default, with why", () => {
    expect(parsePeriod(params("from=2026-01-10&to=2026-01-20"), today)).toEqual({
      period: { preset: "custom", from: "2026-01-10", to: "2026-01-20" },
      problem: null,
    });
    expect(parsePeriod(params("from=2026-01-20&to=2026-01-10"), today)).toEqual({
      period: presetPeriod("30d", today),
      problem: "The first day must not be after the last.",
    });
    expect(parsePeriod(params("from=2024-01-01&to=2025-01-01"), today).problem).toBe("A period is at most 366 days.");
    expect(parsePeriod(params("from=2026-02-30&to=2026-03-01"), today).problem).toBe("Choose both the first and the last day.");
    expect(parsePeriod(params("from=2026-01-10"), today).problem).toBe("Choose both the first and the last day.");
  });

  it("is written back as the preset's name or the custom days", () => {
    expect(periodParams(presetPeriod("30d", today))).toEqual({});
    expect(periodParams(presetPeriod("12m", today))).toEqual({ period: "12m" });
    expect(periodParams({ preset: "custom", from: "2026-01-10", to: "2026-01-20" })).toEqual({ from: "2026-01-10", to: "2026-01-20" });
  });

  it("is compared with as many days just before it", () => {
    expect(previousPeriod({ preset: "7d", from: "2026-03-25", to: "2026-03-31" })).toEqual({ preset: "custom", from: "2026-03-18", to: "2026-03-24" });
    expect(previousPeriod({ preset: "custom", from: "2026-03-01", to: "2026-03-01" })).toEqual({ preset: "custom", from: "2026-02-28", to: "2026-02-28" });
  });
});

describe("changes", () => {
  it("say which way a number moved, by how much when there was one before, and from what", () => {
    expect(describeChange(change(120, 100))).toBe("up 20% from 100");
    expect(describeChange(change(1, 3))).toBe("down 67% from 3");
    expect(describeChange(change(5, 0))).toBe("up from 0");
    expect(describeChange(change(4, 4))).toBe("no change");
    expect(describeChange(change(250_00, 100_00), (n) => `£${n / 100}`)).toBe("up 150% from £100");
  });
});

describe("buckets", () => {
  const daily = [
    day("2026-01-30", { views: 3, search_impressions: 2, average_position: 1.5, revenue: [{ amount_minor: 1000, currency: "GBP", exponent: 2 }] }),
    day("2026-01-31", { views: 1, saves: 1, search_impressions: 1, average_position: 6 }),
    day("2026-02-01", { views: 2, orders: 1, revenue: [{ amount_minor: 500, currency: "GBP", exponent: 2 }, { amount_minor: 300, currency: "JPY", exponent: 0 }] }),
  ];

  it("are the days themselves for short periods", () => {
    const days = bucketise(daily, "day");
    expect(days.map((b) => [b.start, b.views, b.position])).toEqual([
      ["2026-01-30", 3, 1.5],
      ["2026-01-31", 1, 6],
      ["2026-02-01", 2, null],
    ]);
  });

  it("add up a month's days, its mean position weighted by impressions and its revenue by currency", () => {
    const months = bucketise(daily, "month");
    expect(months).toHaveLength(2);
    expect(months[0]).toMatchObject({ start: "2026-01-30", views: 4, saves: 1, impressions: 3, position: 3, revenue: { GBP: 1000 } });
    expect(months[1]).toMatchObject({ start: "2026-02-01", views: 2, orders: 1, position: null, revenue: { GBP: 500, JPY: 300 } });
    expect(months[0]!.label).toMatch(/Jan.*2026/);
  });
});
