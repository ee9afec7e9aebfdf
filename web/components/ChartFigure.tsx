"use client";

import { useId, useState, type ReactElement, type ReactNode } from "react";
import { ResponsiveContainer } from "recharts";

import { usePrefersReducedMotion } from "@/lib/reduced-motion";

/** One figure of every row: how the table names it and how both the table and the chart's tooltip write it. */
export type Column<Row> = {
  key: string;
  label: string;
  value: (row: Row) => number | null;
  format: (value: number | null) => string;
};

/** A row as the chart reads it: its label, and each column's figure under the column's key. */
export type ChartDatum = { label: string } & Record<string, number | string | null>;

type Props<Row> = {
  title: string;
  /** What the chart shows, in words: its accessible name. */
  summary: string;
  /** The table's caption. */
  caption: string;
  /** The heading of the rows' column ("Day", "Step"). */
  rowHeader: string;
  rows: readonly Row[];
  rowLabel: (row: Row) => string;
  columns: readonly Column<Row>[];
  /** Anything to say under the title. */
  children?: ReactNode;
  /** The chart, drawn from the same data the table lists; `animate` is off for reduced motion. */
  chart: (data: ChartDatum[], animate: boolean) => ReactElement;
};

/**
 * A chart and the table of its figures. Both are drawn from one list of
 * rows, so they cannot disagree. The table is always there for assistive
 * technology (visually hidden while the chart shows), and "Show as table"
 * puts it on screen in the chart's place. The chart is one image to
 * assistive technology, named by `summary`.
 */
export function ChartFigure<Row>({ title, summary, caption, rowHeader, rows, rowLabel, columns, children, chart }: Props<Row>) {
  const [asTable, setAsTable] = useState(false);
  const reduced = usePrefersReducedMotion();
  const headingId = useId();
  const tableId = useId();
  const data: ChartDatum[] = rows.map((row) => ({
    label: rowLabel(row),
    ...Object.fromEntries(columns.map((column) => [column.key, column.value(row)])),
  }));

  return (
    <section aria-labelledby={headingId} className="min-w-0 rounded-lg border border-stone-200 bg-white p-5">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-2">
        <h2 id={headingId} className="font-serif text-xl">
          {title}
        </h2>
        <button
          type="button"
          aria-pressed={asTable}
          aria-controls={tableId}
          onClick={() => setAsTable((shown) => !shown)}
          className="rounded-full border border-stone-300 px-3 py-1 text-sm text-stone-800 hover:border-stone-500 aria-pressed:border-stone-900 aria-pressed:bg-stone-900 aria-pressed:text-white"
        >
          Show as table
        </button>
      </div>
      {children && <div className="mt-1 text-sm text-stone-600">{children}</div>}
      {!asTable && (
        <div role="img" aria-label={summary} className="mt-4 h-64">
          {/* The summary speaks for the drawing: its axes, legend and shapes are not read one by one. */}
          <div aria-hidden="true" className="h-full">
            <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 640, height: 256 }}>
              {chart(data, !reduced)}
            </ResponsiveContainer>
          </div>
        </div>
      )}
      <div
        id={tableId}
        role={asTable ? "region" : undefined}
        aria-label={asTable ? caption : undefined}
        tabIndex={asTable ? 0 : undefined}
        className={asTable ? "mt-4 max-h-96 overflow-auto" : "sr-only"}
      >
        <table className="w-full border-collapse text-sm">
          <caption className="sr-only">{caption}</caption>
          <thead className="sticky top-0 bg-white">
            <tr className="border-b border-stone-300 text-left">
              <th scope="col" className="py-2 pr-4 font-medium">
                {rowHeader}
              </th>
              {columns.map((column) => (
                <th key={column.key} scope="col" className="py-2 pr-4 text-right font-medium last:pr-0">
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={index} className="border-b border-stone-200">
                <th scope="row" className="py-1.5 pr-4 text-left font-normal whitespace-nowrap">
                  {data[index]!.label}
                </th>
                {columns.map((column) => (
                  <td key={column.key} className="py-1.5 pr-4 text-right tabular-nums last:pr-0">
                    {column.format(data[index]![column.key] as number | null)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
