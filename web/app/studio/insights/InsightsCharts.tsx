"use client";

import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";

import { ChartFigure, type ChartDatum, type Column } from "@/components/ChartFigure";
import {
  formatCount,
  formatPeriod,
  formatPosition,
  formatRate,
  type Bucket,
  type Granularity,
  type Metrics,
  type Period,
} from "@/lib/insights";
import { pluralise } from "@/lib/format";
import { formatMoney, type Money } from "@/lib/money";

// Colours told apart by more than hue: each line also has its own dash.
const INK = "#292524"; // stone-800
const SKY = "#0369a1"; // sky-700
const AMBER = "#b45309"; // amber-700
const STONE = "#a8a29e"; // stone-400
const GRID = "#e7e5e4"; // stone-200

const AXIS = { stroke: "#78716c", fontSize: 12, tickLine: false } as const;

const count = (value: number | null) => formatCount(value ?? 0);

/** The tooltip writes each figure as the table does. */
function tooltipFormat<Row>(columns: readonly Column<Row>[]) {
  return (value: unknown, _name: unknown, item: { dataKey?: unknown }) => {
    const column = columns.find((c) => c.key === item.dataKey);
    return column ? column.format(typeof value === "number" ? value : null) : String(value);
  };
}

type SeriesProps = { buckets: Bucket[]; granularity: Granularity; period: Period };

const byWhat = (granularity: Granularity) => (granularity === "day" ? "day" : "month");
const rowHeader = (granularity: Granularity) => (granularity === "day" ? "Day" : "Month");

/** The bucket with the largest `pick`, if any is above zero. */
function peak(buckets: Bucket[], pick: (b: Bucket) => number): Bucket | null {
  return buckets.reduce<Bucket | null>((best, b) => (pick(b) > (best ? pick(best) : 0) ? b : best), null);
}

const ACTIVITY: Column<Bucket>[] = [
  { key: "views", label: "Views", value: (b) => b.views, format: count },
  { key: "saves", label: "Saves", value: (b) => b.saves, format: count },
  { key: "orders", label: "Orders", value: (b) => b.orders, format: count },
];

export function ActivityChart({ buckets, granularity, period }: SeriesProps) {
  // Dots where they can be told apart, so a single day's activity shows.
  const dot = buckets.length <= 31 ? { r: 2.5 } : false;
  const total = (pick: (b: Bucket) => number) => buckets.reduce((sum, b) => sum + pick(b), 0);
  const busiest = peak(buckets, (b) => b.views);
  const summary =
    `Views, saves and orders by ${byWhat(granularity)}, ${formatPeriod(period.from, period.to)}: ` +
    `${pluralise(total((b) => b.views), "view")}, ${pluralise(total((b) => b.saves), "save")} and ${pluralise(total((b) => b.orders), "order")}` +
    (busiest ? `; the most views, ${formatCount(busiest.views)}, in ${busiest.label}.` : ".");
  return (
    <ChartFigure
      title="Views, saves and orders"
      summary={summary}
      caption={`Views, saves and orders by ${byWhat(granularity)}`}
      rowHeader={rowHeader(granularity)}
      rows={buckets}
      rowLabel={(b) => b.label}
      columns={ACTIVITY}
      chart={(data, animate) => (
        <LineChart data={data} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="label" {...AXIS} minTickGap={24} />
          <YAxis {...AXIS} allowDecimals={false} width={40} />
          <Tooltip formatter={tooltipFormat(ACTIVITY)} />
          <Legend />
          <Line type="monotone" dataKey="views" name="Views" stroke={INK} strokeWidth={2} dot={dot} isAnimationActive={animate} />
          <Line type="monotone" dataKey="saves" name="Saves" stroke={SKY} strokeWidth={2} strokeDasharray="6 3" dot={dot} isAnimationActive={animate} />
          <Line type="monotone" dataKey="orders" name="Orders" stroke={AMBER} strokeWidth={2} strokeDasharray="2 3" dot={dot} isAnimationActive={animate} />
        </LineChart>
      )}
    />
  );
}

const SEARCH: Column<Bucket>[] = [
  { key: "impressions", label: "Impressions", value: (b) => b.impressions, format: count },
  { key: "clicks", label: "Clicks", value: (b) => b.clicks, format: count },
  { key: "position", label: "Average position", value: (b) => b.position, format: formatPosition },
];

export function SearchChart({ buckets, granularity, period, totals }: SeriesProps & { totals: Metrics }) {
  const summary =
    `Search impressions and clicks by ${byWhat(granularity)}, ${formatPeriod(period.from, period.to)}: ` +
    `${pluralise(totals.search_impressions, "impression")} and ${pluralise(totals.search_clicks, "click")}` +
    (totals.average_position != null
      ? `, ${formatRate(totals.click_through_rate)} clicked through, at an average position of ${formatPosition(totals.average_position)}.`
      : ".");
  return (
    <ChartFigure
      title="Search"
      summary={summary}
      caption={`Search impressions, clicks and average position by ${byWhat(granularity)}`}
      rowHeader={rowHeader(granularity)}
      rows={buckets}
      rowLabel={(b) => b.label}
      columns={SEARCH}
      chart={(data, animate) => (
        <ComposedChart data={data} accessibilityLayer={false} margin={{ top: 8, right: 0, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="label" {...AXIS} minTickGap={24} />
          <YAxis yAxisId="count" {...AXIS} allowDecimals={false} width={40} />
          {/* Position 1 is the top of the answers, so it is the top of the axis. */}
          <YAxis yAxisId="position" orientation="right" reversed {...AXIS} domain={[1, "auto"]} allowDecimals={false} width={32} />
          <Tooltip formatter={tooltipFormat(SEARCH)} />
          <Legend />
          <Bar yAxisId="count" dataKey="impressions" name="Impressions" fill={STONE} isAnimationActive={animate} />
          <Bar yAxisId="count" dataKey="clicks" name="Clicks" fill={SKY} isAnimationActive={animate} />
          <Line
            yAxisId="position"
            type="monotone"
            dataKey="position"
            name="Average position"
            stroke={AMBER}
            strokeWidth={2}
            strokeDasharray="2 3"
            connectNulls
            isAnimationActive={animate}
          />
        </ComposedChart>
      )}
    >
      <p>
        {totals.search_impressions === 0
          ? "Your works were not among the search answers in these days."
          : `${formatRate(totals.click_through_rate)} of impressions led to a click, at an average position of ${formatPosition(totals.average_position)} (1 is the first result).`}
      </p>
    </ChartFigure>
  );
}

type Step = { label: string; count: number; rate: number | null };

const FUNNEL: Column<Step>[] = [
  { key: "count", label: "Count", value: (s) => s.count, format: count },
  { key: "rate", label: "Of the step before", value: (s) => s.rate, format: (v) => (v === null ? "–" : formatRate(v)) },
];

export function FunnelChart({ totals, conversion }: { totals: Metrics; conversion: { view_to_save?: number | null; save_to_order?: number | null; view_to_order?: number | null } }) {
  const steps: Step[] = [
    { label: "Views", count: totals.views, rate: null },
    { label: "Saves", count: totals.saves, rate: conversion.view_to_save ?? null },
    { label: "Orders", count: totals.orders, rate: conversion.save_to_order ?? null },
  ];
  const summary =
    `From view to save to order: ${pluralise(totals.views, "view")}, ${pluralise(totals.saves, "save")} (${formatRate(conversion.view_to_save)} of views), ` +
    `${pluralise(totals.orders, "order")} (${formatRate(conversion.save_to_order)} of saves).`;
  return (
    <ChartFigure
      title="From view to order"
      summary={summary}
      caption="Views, saves and orders, and how many of each step led to the next"
      rowHeader="Step"
      rows={steps}
      rowLabel={(s) => s.label}
      columns={FUNNEL}
      chart={(data, animate) => (
        <BarChart data={data} layout="vertical" accessibilityLayer={false} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} horizontal={false} />
          <XAxis type="number" {...AXIS} allowDecimals={false} />
          <YAxis type="category" dataKey="label" {...AXIS} width={64} />
          <Tooltip formatter={tooltipFormat(FUNNEL)} />
          <Bar dataKey="count" name="Count" fill={INK} isAnimationActive={animate} />
        </BarChart>
      )}
    >
      <p>
        {formatRate(conversion.view_to_order)} of views led to an order. A collector may save or buy a work without
        viewing it the same period, so a step can be larger than the one before.
      </p>
    </ChartFigure>
  );
}

export function RevenueChart({ buckets, granularity, period, currency, total }: SeriesProps & { currency: Money; total: Money }) {
  const money = (amount: number | null) => formatMoney({ ...currency, amount_minor: amount ?? 0 });
  const columns: Column<Bucket>[] = [
    { key: "revenue", label: `Revenue (${currency.currency})`, value: (b) => b.revenue[currency.currency] ?? 0, format: money },
  ];
  const best = peak(buckets, (b) => b.revenue[currency.currency] ?? 0);
  const summary =
    `Revenue in ${currency.currency} by ${byWhat(granularity)}, ${formatPeriod(period.from, period.to)}: ${formatMoney(total)} in all` +
    (best ? `; the most, ${money(best.revenue[currency.currency] ?? 0)}, in ${best.label}.` : ".");
  return (
    <ChartFigure
      title={`Revenue in ${currency.currency}`}
      summary={summary}
      caption={`Revenue in ${currency.currency} by ${byWhat(granularity)}`}
      rowHeader={rowHeader(granularity)}
      rows={buckets}
      rowLabel={(b) => b.label}
      columns={columns}
      chart={(data: ChartDatum[], animate) => (
        <BarChart data={data} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey="label" {...AXIS} minTickGap={24} />
          <YAxis {...AXIS} tickFormatter={(value: number) => money(value)} width={88} />
          <Tooltip formatter={tooltipFormat(columns)} />
          <Bar dataKey="revenue" name="Revenue" fill={SKY} isAnimationActive={animate} />
        </BarChart>
      )}
    >
      <p>What the works of paid orders brought in (not shipping), leaving out orders declined, lapsed, cancelled or refunded.</p>
    </ChartFigure>
  );
}
