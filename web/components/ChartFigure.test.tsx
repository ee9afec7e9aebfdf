import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { ChartFigure, type ChartDatum, type Column } from "./ChartFigure";

type Row = { day: string; views: number; position: number | null };

const ROWS: Row[] = [
  { day: "1 Mar", views: 1200, position: 2.5 },
  { day: "2 Mar", views: 0, position: null },
];
const COLUMNS: Column<Row>[] = [
  { key: "views", label: "Views", value: (r) => r.views, format: (v) => (v ?? 0).toLocaleString("en-GB") },
  { key: "position", label: "Average position", value: (r) => r.position, format: (v) => (v === null ? "–" : v.toFixed(1)) },
];

function figure(drawn: { data: ChartDatum[]; animate: boolean }[]) {
  return render(
    <ChartFigure
      title="Views"
      summary="Views by day: 1,200 in all."
      caption="Views by day"
      rowHeader="Day"
      rows={ROWS}
      rowLabel={(r) => r.day}
      columns={COLUMNS}
      chart={(data, animate) => {
        drawn.push({ data, animate });
        return <svg />;
      }}
    />,
  );
}

function reducedMotion(reduce: boolean) {
  window.matchMedia = vi.fn((query: string) => ({
    matches: reduce && query === "(prefers-reduced-motion: reduce)",
    media: query,
    addEventListener: vi.fn(),
    removeEventListener: vi.fn(),
  })) as never;
}

afterEach(() => {
  delete (window as { matchMedia?: unknown }).matchMedia;
});

describe("a chart figure", () => {
  it("draws the chart from the rows its table lists, cell for cell", async () => {
    reducedMotion(false);
    const drawn: { data: ChartDatum[]; animate: boolean }[] = [];
    figure(drawn);
    expect(screen.getByRole("img")).toHaveAccessibleName("Views by day: 1,200 in all.");
    const { data } = drawn.at(-1)!;
    expect(data).toEqual([
      { label: "1 Mar", views: 1200, position: 2.5 },
      { label: "2 Mar", views: 0, position: null },
    ]);

    // The table is there for assistive technology while the chart shows, and on screen in its place when asked for.
    const table = screen.getByRole("table", { name: "Views by day" });
    const cells = within(table).getAllByRole("row").slice(1).map((row) => [...row.children].map((cell) => cell.textContent));
    expect(cells).toEqual(data.map((d) => [d.label, COLUMNS[0]!.format(d.views as number), COLUMNS[1]!.format(d.position as number | null)]));
    expect(cells).toEqual([
      ["1 Mar", "1,200", "2.5"],
      ["2 Mar", "0", "–"],
    ]);
    await userEvent.click(screen.getByRole("button", { name: "Show as table", pressed: false }));
    expect(screen.queryByRole("img")).not.toBeInTheDocument();
    expect(screen.getByRole("region", { name: "Views by day" })).toContainElement(screen.getByRole("table", { name: "Views by day" }));
  });

  it("animates only for visitors who have not asked for less motion", () => {
    reducedMotion(false);
    const moving: { data: ChartDatum[]; animate: boolean }[] = [];
    figure(moving).unmount();
    expect(moving.at(-1)!.animate).toBe(true);

    reducedMotion(true);
    const still: { data: ChartDatum[]; animate: boolean }[] = [];
    figure(still);
    expect(still.at(-1)!.animate).toBe(false);
  });
});
