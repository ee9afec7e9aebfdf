import type { Schemas } from "./api/types";
import type { Money } from "./money";

export type DayMetrics = Schemas["DayMetrics"];
export type Metrics = Schemas["Metrics"];
export type WorkSort = Schemas["WorkSort"];

/** The periods offered besides a custom one, as the address spells them. */
export const PRESETS = [
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
  { value: "90d", label: "Last 90 days" },
  { value: "12m", label: "Last 12 months" },
] as const;
export type Preset = (typeof PRESETS)[number]["value"];
export const DEFAULT_PRESET: Preset = "30d";

/** The API's limit on a period's length (a leap year). */
export const MAX_DAYS = 366;

/** The days a dashboard covers, first and last included, as `YYYY-MM-DD` (UTC days, as the API counts them). */
export type Period = { preset: Preset | "custom"; from: string; to: string };

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function toTime(day: string): number {
  const [, y, m, d] = ISO_DAY.exec(day)!;
  return Date.UTC(Number(y), Number(m) - 1, Number(d));
}

function fromTime(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** A real calendar day written `YYYY-MM-DD`. */
export function isDay(text: string | null | undefined): text is string {
  if (!text || !ISO_DAY.test(text)) return false;
  return fromTime(toTime(text)) === text;
}

/** Today as the API counts days: in UTC. */
export function utcToday(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return fromTime(toTime(day) + days * DAY_MS);
}

/** How many days from `from` to `to`, both included. */
export function daysIn(from: string, to: string): number {
  return Math.round((toTime(to) - toTime(from)) / DAY_MS) + 1;
}

/** What is wrong with a custom period, in words; null when the API will take it. */
export function periodProblem(from: string, to: string): string | null {
  if (!isDay(from) || !isDay(to)) return "Choose both the first and the last day.";
  if (from > to) return "The first day must not be after the last.";
  if (daysIn(from, to) > MAX_DAYS) return `A period is at most ${MAX_DAYS} days.`;
  return null;
}

export function presetPeriod(preset: Preset, today: string): Period {
  switch (preset) {
    case "7d":
      return { preset, from: addDays(today, -6), to: today };
    case "30d":
      return { preset, from: addDays(today, -29), to: today };
    case "90d":
      return { preset, from: addDays(today, -89), to: today };
    case "12m": {
      // The day after the same date a year ago: 365 days, or 366 across a 29 February.
      const [, y, m, d] = ISO_DAY.exec(today)!;
      const yearAgo = new Date(Date.UTC(Number(y) - 1, Number(m) - 1, Number(d)));
      // 29 February a year later is 1 March.
      if (yearAgo.getUTCMonth() !== Number(m) - 1) yearAgo.setUTCDate(0);
      return { preset, from: addDays(fromTime(yearAgo.getTime()), 1), to: today };
    }
  }
}

/** What the address asks for: the period, and a note when its custom days could not be used. */
export type AddressPeriod = { period: Period; problem: string | null };

/**
 * The period in the address: `from` and `to` for a custom one, else
 * `period` (one of {@link PRESETS}), else the last 30 days.
 */
export function parsePeriod(params: URLSearchParams, today: string): AddressPeriod {
  const from = params.get("from");
  const to = params.get("to");
  if (from !== null || to !== null) {
    const problem = periodProblem(from ?? "", to ?? "");
    if (!problem) return { period: { preset: "custom", from: from!, to: to! }, problem: null };
    return { period: presetPeriod(DEFAULT_PRESET, today), problem };
  }
  const named = PRESETS.find((p) => p.value === params.get("period"));
  return { period: presetPeriod(named?.value ?? DEFAULT_PRESET, today), problem: null };
}

/** The address's parameters for a period: presets by name (so a shared link moves with the days), custom ones by their days. */
export function periodParams(period: Period): Record<string, string> {
  if (period.preset === "custom") return { from: period.from, to: period.to };
  return period.preset === DEFAULT_PRESET ? {} : { period: period.preset };
}

/** As many days as `period`, ending the day before it starts. */
export function previousPeriod(period: Period): Period {
  const to = addDays(period.from, -1);
  return { preset: "custom", from: addDays(to, 1 - daysIn(period.from, period.to)), to };
}

const dayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const shortDayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone: "UTC" });

/** "3 Mar 2026". */
export function formatDay(day: string): string {
  return dayFormat.format(toTime(day));
}

/** "3 Mar". */
export function formatShortDay(day: string): string {
  return shortDayFormat.format(toTime(day));
}

/** "1 Feb 2026 – 2 Mar 2026". */
export function formatPeriod(from: string, to: string): string {
  return from === to ? formatDay(from) : `${formatDay(from)} – ${formatDay(to)}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

/** A share as a percentage: "12.5%". */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "–";
  return `${(rate * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })}%`;
}

/** A mean position in search answers: "3.2". */
export function formatPosition(position: number | null | undefined): string {
  if (position === null || position === undefined) return "–";
  return position.toLocaleString(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** How a number moved from the previous period. */
export type Change = { direction: "up" | "down" | "same"; percent: number | null; previous: number };

export function change(current: number, previous: number): Change {
  const direction = current > previous ? "up" : current < previous ? "down" : "same";
  const percent = previous === 0 ? null : Math.round((Math.abs(current - previous) / previous) * 100);
  return { direction, percent, previous };
}

/** "up 20% from 100", "down from 3", "no change": `show` writes the previous figure. */
export function describeChange(c: Change, show: (n: number) => string = formatCount): string {
  if (c.direction === "same") return "no change";
  const by = c.percent === null ? "" : ` ${c.percent.toLocaleString()}%`;
  return `${c.direction}${by} from ${show(c.previous)}`;
}

/** The days of a series gathered into days or calendar months, with every number added up. */
export type Bucket = {
  /** The first day. */
  start: string;
  /** "3 Mar" or "Mar 2026". */
  label: string;
  views: number;
  likes: number;
  saves: number;
  shares: number;
  impressions: number;
  clicks: number;
  /** Mean position in search answers; null without impressions. */
  position: number | null;
  offers: number;
  orders: number;
  /** Revenue in minor units by currency code. */
  revenue: Record<string, number>;
};

/** Periods longer than this are charted by month: a year of daily bars is unreadable, and so is a table of 366 rows. */
export const DAILY_UP_TO = 92;

export type Granularity = "day" | "month";

export function granularityOf(days: number): Granularity {
  return days > DAILY_UP_TO ? "month" : "day";
}

export function bucketise(daily: readonly DayMetrics[], by: Granularity): Bucket[] {
  const buckets: (Bucket & { positionSum: number })[] = [];
  for (const day of daily) {
    let bucket = buckets.at(-1);
    if (!bucket || by === "day" || bucket.start.slice(0, 7) !== day.day.slice(0, 7)) {
      bucket = {
        start: day.day,
        label: by === "day" ? formatShortDay(day.day) : monthFormat.format(toTime(`${day.day.slice(0, 7)}-01`)),
        views: 0,
        likes: 0,
        saves: 0,
        shares: 0,
        impressions: 0,
        clicks: 0,
        position: null,
        positionSum: 0,
        offers: 0,
        orders: 0,
        revenue: {},
      };
      buckets.push(bucket);
    }
    bucket.views += day.views;
    bucket.likes += day.likes;
    bucket.saves += day.saves;
    bucket.shares += day.shares;
    bucket.impressions += day.search_impressions;
    bucket.clicks += day.search_clicks;
    // The API sends the mean; the sum of positions comes back exactly as an integer.
    bucket.positionSum += Math.round((day.average_position ?? 0) * day.search_impressions);
    bucket.offers += day.offers;
    bucket.orders += day.orders;
    for (const money of day.revenue) {
      bucket.revenue[money.currency] = (bucket.revenue[money.currency] ?? 0) + money.amount_minor;
    }
  }
  return buckets.map(({ positionSum, ...bucket }) => ({
    ...bucket,
    position: bucket.impressions > 0 ? positionSum / bucket.impressions : null,
  }));
}

/** Every currency earned in, in either period, each with its exponent as the API sent it. */
export function currenciesOf(...revenues: readonly (readonly Money[])[]): Money[] {
  const seen = new Map<string, Money>();
  for (const money of revenues.flat()) {
    if (!seen.has(money.currency)) seen.set(money.currency, { ...money, amount_minor: 0 });
  }
  return [...seen.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/** The amount in `currency` among `revenue`, zero when there is none. */
export function earnedIn(revenue: readonly Money[], currency: Money): Money {
  return revenue.find((m) => m.currency === currency.currency) ?? currency;
}

/** Whether nothing at all happened: no counts and no revenue. */
export function isQuiet(totals: Metrics): boolean {
  return (
    totals.views + totals.likes + totals.saves + totals.shares + totals.search_impressions + totals.search_clicks + totals.offers + totals.orders ===
      0 && totals.revenue.length === 0
  );
}

/** The sorts the works table offers, each the API's own, largest first. */
export const WORK_SORTS: readonly { value: WorkSort; label: string }[] = [
  { value: "views", label: "Views" },
  { value: "likes", label: "Likes" },
  { value: "saves", label: "Saves" },
  { value: "shares", label: "Shares" },
  { value: "search_impressions", label: "Search impressions" },
  { value: "search_clicks", label: "Search clicks" },
  { value: "offers", label: "Offers" },
  { value: "orders", label: "Orders" },
];

export function parseSort(value: string | null): WorkSort {
  return WORK_SORTS.find((s) => s.value === value)?.value ?? "views";
}
