import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "@/lib/api/types";
import { formatPeriod, formatShortDay } from "@/lib/insights";
import { useSession } from "@/lib/session";
import { ARTIST_A, WAVE, gbp } from "@/test/commerce";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { Insights } from "./Insights";

// Next keeps useSearchParams in step with history.pushState and replaceState; so does this stand-in.
vi.mock("next/navigation", async () => {
  const { useMemo, useSyncExternalStore } = await import("react");
  const listeners = new Set<() => void>();
  for (const name of ["pushState", "replaceState"] as const) {
    const original = window.history[name].bind(window.history);
    window.history[name] = (...args: Parameters<History["pushState"]>) => {
      original(...args);
      listeners.forEach((listener) => listener());
    };
  }
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return {
    useRouter: () => ({ push: vi.fn(), replace: vi.fn(), prefetch: vi.fn() }),
    usePathname: () => window.location.pathname,
    useSearchParams: () => {
      const search = useSyncExternalStore(subscribe, () => window.location.search);
      return useMemo(() => new URLSearchParams(search), [search]);
    },
  };
});

const artist = { id: "0190c4f6-8888-7000-8000-000000000001", email: "hana@example.com", display_name: "Hana", role: "artist", artist_id: ARTIST_A } as never;

type Day = Schemas["DayMetrics"];
type Metrics = Schemas["Metrics"];

const ZERO: Metrics = {
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
};

function days(from: string, count: number, figures: Record<number, Partial<Metrics>> = {}): Day[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => ({
    ...ZERO,
    ...figures[i],
    day: new Date(start + i * 86_400_000).toISOString().slice(0, 10),
  }));
}

function total(series: Day[]): Metrics {
  const sum = (pick: (d: Day) => number) => series.reduce((n, d) => n + pick(d), 0);
  const impressions = sum((d) => d.search_impressions);
  const positions = sum((d) => (d.average_position ?? 0) * d.search_impressions);
  const revenue = new Map<string, Schemas["Money"]>();
  for (const money of series.flatMap((d) => d.revenue)) {
    const seen = revenue.get(money.currency);
    revenue.set(money.currency, { ...money, amount_minor: (seen?.amount_minor ?? 0) + money.amount_minor });
  }
  return {
    views: sum((d) => d.views),
    likes: sum((d) => d.likes),
    saves: sum((d) => d.saves),
    shares: sum((d) => d.shares),
    search_impressions: impressions,
    search_clicks: sum((d) => d.search_clicks),
    average_position: impressions ? positions / impressions : null,
    click_through_rate: impressions ? sum((d) => d.search_clicks) / impressions : null,
    offers: sum((d) => d.offers),
    orders: sum((d) => d.orders),
    revenue: [...revenue.values()],
  };
}

function insights(from: string, count: number, figures: Record<number, Partial<Metrics>> = {}): Schemas["ArtistInsights"] {
  const daily = days(from, count, figures);
  const totals = total(daily);
  return {
    from,
    to: daily.at(-1)!.day,
    as_of: "2026-03-07T10:15:00Z",
    totals,
    conversion: {
      view_to_save: totals.views ? totals.saves / totals.views : null,
      save_to_order: totals.saves ? totals.orders / totals.saves : null,
      view_to_order: totals.views ? totals.orders / totals.views : null,
    },
    daily,
    top_works: [],
  };
}

function workRow(overrides: Partial<Schemas["WorkInsights"]> = {}): Schemas["WorkInsights"] {
  return { ...ZERO, artwork_id: WAVE, title: "Wave at Dawn", status: "published", conversion: {}, ...overrides };
}

function worksPage(items: Schemas["WorkInsights"][], overrides: Partial<Schemas["WorkInsightsPage"]> = {}): Schemas["WorkInsightsPage"] {
  return { from: "2026-03-01", to: "2026-03-07", sort: "views", items, total: items.length, next_cursor: null, ...overrides };
}

// A week with activity: views on three days, a save, a search, an order with its revenue.
const WEEK = insights("2026-03-01", 7, {
  0: { views: 4, likes: 1 },
  2: { views: 10, saves: 2, search_impressions: 8, search_clicks: 2, average_position: 2.5, click_through_rate: 0.25 },
  5: { views: 6, orders: 1, offers: 1, revenue: [gbp(125000)] },
});
// The week before: fewer views, no orders.
const WEEK_BEFORE = insights("2026-02-22", 7, { 1: { views: 16, saves: 1 } });

/** Answers the dashboard by the period asked for. */
function answerByPeriod(answers: Record<string, Schemas["ArtistInsights"]>) {
  return (request: Request) => {
    const from = new URL(request.url).searchParams.get("from")!;
    const answer = answers[from];
    return answer ? json(answer) : json(insights(from, 7));
  };
}

const asked = (path: string) =>
  requests.filter((r) => new URL(r.url).pathname === path).map((r) => Object.fromEntries(new URL(r.url).searchParams));

function openAt(address: string) {
  window.history.pushState({}, "", address);
}

beforeEach(() => {
  useSession.setState({ status: "signed-in", user: artist, accessToken: "token" });
  openAt("/studio/insights/?from=2026-03-01&to=2026-03-07");
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the artist's insights", () => {
  it("ask for the period in the address and the one before it, and show each total with its change", async () => {
    route({
      "GET /api/me/insights": answerByPeriod({ "2026-03-01": WEEK, "2026-02-22": WEEK_BEFORE }),
      "GET /api/me/insights/works": json(worksPage([workRow({ views: 20, saves: 2, orders: 1, revenue: [gbp(125000)] })])),
    });
    renderWithQueries(<Insights />);

    const figures = await screen.findByRole("region", { name: "Totals" });
    const figure = (label: string) => within(figures).getByText(label, { selector: "dt" }).parentElement!;
    expect(figure("Views")).toHaveTextContent("20");
    await waitFor(() => expect(figure("Views")).toHaveTextContent("up 25% from 16"));
    expect(figure("Saves")).toHaveTextContent("up 100% from 1");
    expect(figure("Orders")).toHaveTextContent("up from 0");
    expect(figure("Shares")).toHaveTextContent("no change");
    expect(figure("Revenue")).toHaveTextContent("£1,250.00");
    expect(figures).toHaveTextContent(`against the 7 days before: ${formatPeriod("2026-02-22", "2026-02-28")}`);

    expect(asked("/api/me/insights")).toEqual([
      { from: "2026-03-01", to: "2026-03-07" },
      { from: "2026-02-22", to: "2026-02-28" },
    ]);
    expect(asked("/api/me/insights/works")).toEqual([{ from: "2026-03-01", to: "2026-03-07", sort: "views", limit: "20" }]);
    expect(screen.getByRole("navigation", { name: "Studio" }).querySelector('[aria-current="page"]')).toHaveTextContent("Insights");
  });

  it("give every chart a summary, and a table holding the same figures as its data", async () => {
    route({
      "GET /api/me/insights": answerByPeriod({ "2026-03-01": WEEK }),
      "GET /api/me/insights/works": json(worksPage([workRow()])),
    });
    renderWithQueries(<Insights />);

    const activity = await screen.findByRole("region", { name: "Views, saves and orders" });
    expect(within(activity).getByRole("img")).toHaveAccessibleName(
      `Views, saves and orders by day, ${formatPeriod("2026-03-01", "2026-03-07")}: 20 views, 2 saves and 1 order; the most views, 10, in ${formatShortDay("2026-03-03")}.`,
    );
    // The chart is drawn: one line per series.
    expect(activity.querySelectorAll(".recharts-line")).toHaveLength(3);

    await userEvent.click(within(activity).getByRole("button", { name: "Show as table", pressed: false }));
    expect(within(activity).getByRole("button", { name: "Show as table" })).toHaveAttribute("aria-pressed", "true");
    expect(within(activity).queryByRole("img")).not.toBeInTheDocument();
    const table = within(activity).getByRole("table", { name: "Views, saves and orders by day" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => [...row.children].map((cell) => cell.textContent))).toEqual(
      WEEK.daily.map((d) => [formatShortDay(d.day), String(d.views), String(d.saves), String(d.orders)]),
    );

    const search = screen.getByRole("region", { name: "Search" });
    expect(within(search).getByRole("img")).toHaveAccessibleName(/8 impressions and 2 clicks, 25% clicked through, at an average position of 2\.5/);
    const searchRows = within(within(search).getByRole("table", { hidden: true })).getAllByRole("row", { hidden: true });
    expect([...searchRows[3]!.children].map((cell) => cell.textContent)).toEqual([formatShortDay("2026-03-03"), "8", "2", "2.5"]);
    expect([...searchRows[1]!.children].map((cell) => cell.textContent)).toEqual([formatShortDay("2026-03-01"), "0", "0", "–"]);

    const funnel = screen.getByRole("region", { name: "From view to order" });
    expect(within(funnel).getByRole("img")).toHaveAccessibleName("From view to save to order: 20 views, 2 saves (10% of views), 1 order (50% of saves).");
    const steps = within(within(funnel).getByRole("table", { hidden: true })).getAllByRole("row", { hidden: true }).slice(1);
    expect(steps.map((row) => [...row.children].map((cell) => cell.textContent))).toEqual([
      ["Views", "20", "–"],
      ["Saves", "2", "10%"],
      ["Orders", "1", "50%"],
    ]);

    const revenue = screen.getByRole("region", { name: "Revenue in GBP" });
    const revenueRows = within(within(revenue).getByRole("table", { hidden: true })).getAllByRole("row", { hidden: true });
    expect([...revenueRows[6]!.children].map((cell) => cell.textContent)).toEqual([formatShortDay("2026-03-06"), "£1,250.00"]);
    expect([...revenueRows[1]!.children].map((cell) => cell.textContent)).toEqual([formatShortDay("2026-03-01"), "£0.00"]);
  });

  it("write money in each currency's own minor units", async () => {
    const yen = insights("2026-03-01", 7, { 1: { views: 1, orders: 1, revenue: [{ amount_minor: 3000, currency: "JPY", exponent: 0 }] } });
    route({
      "GET /api/me/insights": answerByPeriod({ "2026-03-01": yen }),
      "GET /api/me/insights/works": json(worksPage([workRow({ revenue: [{ amount_minor: 3000, currency: "JPY", exponent: 0 }] })])),
    });
    renderWithQueries(<Insights />);
    const revenue = await screen.findByRole("region", { name: "Revenue in JPY" });
    expect(within(revenue).getByRole("img")).toHaveAccessibleName(`Revenue in JPY by day, ${formatPeriod("2026-03-01", "2026-03-07")}: ¥3,000 in all; the most, ¥3,000, in ${formatShortDay("2026-03-02")}.`);
    expect(within(screen.getByRole("table", { name: /Your works/ })).getByText("¥3,000")).toBeInTheDocument();
  });

  it("take the period from its preset in the address, as days ending today in UTC", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-03-31T23:30:00-05:00"));
    openAt("/studio/insights/?period=7d");
    route({
      "GET /api/me/insights": answerByPeriod({}),
      "GET /api/me/insights/works": json(worksPage([workRow()])),
    });
    renderWithQueries(<Insights />);
    expect(await screen.findByLabelText("Period")).toHaveValue("7d");
    await waitFor(() => expect(asked("/api/me/insights")[0]).toEqual({ from: "2026-03-26", to: "2026-04-01" }));
  });

  it("keep the chosen period in the address and ask for it", async () => {
    route({
      "GET /api/me/insights": answerByPeriod({ "2026-03-01": WEEK }),
      "GET /api/me/insights/works": json(worksPage([workRow()])),
    });
    renderWithQueries(<Insights />);
    await screen.findByRole("region", { name: "Totals" });

    await userEvent.selectOptions(screen.getByLabelText("Period"), "Last 12 months");
    expect(new URLSearchParams(window.location.search).get("period")).toBe("12m");
    await waitFor(() => expect(asked("/api/me/insights").length).toBeGreaterThanOrEqual(3));

    await userEvent.selectOptions(screen.getByLabelText("Period"), "Custom dates…");
    const custom = screen.getByRole("form", { name: "Custom period" });
    await userEvent.clear(within(custom).getByLabelText("From"));
    await userEvent.type(within(custom).getByLabelText("From"), "2026-02-10");
    await userEvent.clear(within(custom).getByLabelText("To"));
    await userEvent.type(within(custom).getByLabelText("To"), "2026-02-01");
    await userEvent.click(within(custom).getByRole("button", { name: "Show these days" }));
    expect(within(custom).getByLabelText("From")).toHaveAccessibleDescription("The first day must not be after the last.");

    await userEvent.clear(within(custom).getByLabelText("To"));
    await userEvent.type(within(custom).getByLabelText("To"), "2026-02-20");
    await userEvent.click(within(custom).getByRole("button", { name: "Show these days" }));
    expect(window.location.search).toBe("?from=2026-02-10&to=2026-02-20");
    await waitFor(() => expect(asked("/api/me/insights")).toContainEqual({ from: "2026-02-10", to: "2026-02-20" }));
    expect(asked("/api/me/insights")).toContainEqual({ from: "2026-01-30", to: "2026-02-09" });
  });

  it("say when the address's days cannot be used, and show the last 30 days", async () => {
    openAt("/studio/insights/?from=2026-03-07&to=2026-03-01");
    route({
      "GET /api/me/insights": answerByPeriod({}),
      "GET /api/me/insights/works": json(worksPage([workRow()])),
    });
    renderWithQueries(<Insights />);
    expect(await screen.findByText(/The period in the address could not be used \(The first day must not be after the last\)/)).toBeInTheDocument();
    expect(screen.getByLabelText("Period")).toHaveValue("30d");
  });

  it("order the works table by the column chosen, page it by cursor, and link each work to its insights", async () => {
    route({
      "GET /api/me/insights": answerByPeriod({ "2026-03-01": WEEK }),
      "GET /api/me/insights/works": (request) => {
        const query = new URL(request.url).searchParams;
        if (query.get("cursor") === "20") {
          return json(worksPage([workRow({ artwork_id: "0190c4f6-1111-7000-8000-000000000021", title: "Harbour Lights" })], { total: 21, sort: "saves" }));
        }
        return json(worksPage([workRow({ views: 20, saves: 2 })], { total: 21, next_cursor: "20", sort: (query.get("sort") ?? "views") as never }));
      },
    });
    renderWithQueries(<Insights />);
    const table = await screen.findByRole("table", { name: `Your works, ${formatPeriod("2026-03-01", "2026-03-07")}, most views first` });
    expect(within(table).getByRole("columnheader", { name: /Views/ })).toHaveAttribute("aria-sort", "descending");
    const link = within(table).getByRole("link", { name: "Wave at Dawn" });
    expect(link).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/studio/insights/?\\?work=${WAVE}&from=2026-03-01&to=2026-03-07$`)));

    await userEvent.click(within(table).getByRole("button", { name: /Saves/ }));
    expect(new URLSearchParams(window.location.search).get("sort")).toBe("saves");
    const bySaves = await screen.findByRole("table", { name: /most saves first/ });
    expect(within(bySaves).getByRole("columnheader", { name: /Saves/ })).toHaveAttribute("aria-sort", "descending");

    await userEvent.click(screen.getByRole("button", { name: "Show more" }));
    expect(await within(bySaves).findByRole("link", { name: "Harbour Lights" })).toBeInTheDocument();
    expect(asked("/api/me/insights/works").at(-1)).toEqual({ from: "2026-03-01", to: "2026-03-07", sort: "saves", limit: "20", cursor: "20" });
    expect(screen.getByRole("heading", { name: /^Works\s*\(21\)$/ })).toBeInTheDocument();
  });

  it("show one work's insights from ?work=, with a way back to all works", async () => {
    openAt(`/studio/insights/?work=${WAVE}&period=7d`);
    route({
      [`GET /api/me/insights/works/${WAVE}`]: (request) => {
        const from = new URL(request.url).searchParams.get("from")!;
        const { top_works: _, ...rest } = insights(from, 7, { 3: { views: 5, saves: 1 } });
        return json({ ...rest, artwork_id: WAVE, title: "Wave at Dawn", status: "published" });
      },
    });
    renderWithQueries(<Insights />);
    expect(await screen.findByRole("heading", { level: 1, name: "Wave at Dawn" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "← All works" })).toHaveAttribute("href", expect.stringMatching(/^\/studio\/insights\/?\?period=7d$/));
    expect(screen.getByRole("link", { name: "Edit this work" })).toHaveAttribute("href", expect.stringMatching(new RegExp(`^/studio/edit/?\\?id=${WAVE}$`)));
    const figures = screen.getByRole("region", { name: "Totals" });
    expect(within(figures).getByText("Views", { selector: "dt" }).parentElement).toHaveTextContent("5");
    expect(screen.getByRole("region", { name: "Views, saves and orders" })).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: /Your works/ })).not.toBeInTheDocument();
    await waitFor(() => expect(asked(`/api/me/insights/works/${WAVE}`)).toHaveLength(2));
  });

  it("say so when the work is not the artist's", async () => {
    openAt(`/studio/insights/?work=${WAVE}`);
    route({ [`GET /api/me/insights/works/${WAVE}`]: problem(404, "Not found", "no such work of yours") });
    renderWithQueries(<Insights />);
    expect(await screen.findByRole("heading", { name: "Work not found" })).toBeInTheDocument();
  });

  it("invite a new artist with no works to list one", async () => {
    route({
      "GET /api/me/insights": json({ ...insights("2026-03-01", 7), as_of: null }),
      "GET /api/me/insights/works": json(worksPage([])),
    });
    renderWithQueries(<Insights />);
    expect(await screen.findByRole("heading", { name: "No insights yet" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "List your first work" })).toHaveAttribute("href", expect.stringMatching(/^\/studio\/new\/?$/));
    expect(screen.queryByRole("region", { name: "Totals" })).not.toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });

  it("say a quiet period was quiet, and offer a longer one", async () => {
    route({
      "GET /api/me/insights": answerByPeriod({}),
      "GET /api/me/insights/works": json(worksPage([workRow()])),
    });
    renderWithQueries(<Insights />);
    expect(await screen.findByRole("heading", { name: "No activity in this period" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Look at the last 12 months" })).toHaveAttribute("href", expect.stringMatching(/^\/studio\/insights\/?\?period=12m$/));
    expect(screen.queryByRole("region", { name: "Views, saves and orders" })).not.toBeInTheDocument();
    expect(screen.getByRole("table", { name: /Your works/ })).toBeInTheDocument();
  });

  it("show the API's problem when it refuses the days, and its detail when it fails", async () => {
    route({
      "GET /api/me/insights": problem(422, "Unprocessable Entity", "the request is invalid", [{ field: "to", message: "a period is at most 366 days" }]),
      "GET /api/me/insights/works": json(worksPage([workRow()])),
    });
    const { unmount } = renderWithQueries(<Insights />);
    const refused = await screen.findByRole("alert");
    expect(refused).toHaveTextContent("These days cannot be shown");
    expect(refused).toHaveTextContent("A period is at most 366 days.");
    unmount();

    route({ "GET /api/me/insights": problem(503, "Service Unavailable", "the database is not answering") });
    renderWithQueries(<Insights />);
    const failed = await screen.findByRole("alert");
    expect(failed).toHaveTextContent("Something went wrong");
    expect(failed).toHaveTextContent("the database is not answering");
    expect(within(failed).getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });

  it("send an artist without a profile to make one", async () => {
    useSession.setState({ status: "signed-in", user: { ...(artist as object), artist_id: null } as never, accessToken: "token" });
    renderWithQueries(<Insights />);
    expect(await screen.findByRole("heading", { name: "Create your artist profile first" })).toBeInTheDocument();
  });
});
