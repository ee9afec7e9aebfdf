"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useId, useMemo, useState, type FormEvent, type ReactNode } from "react";

import { LoadMore } from "@/components/ArtworkGrid";
import { Field, readable } from "@/components/Field";
import { PageSkeleton } from "@/components/PageSkeleton";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { StatusBadge } from "@/components/StatusBadge";
import { api, call } from "@/lib/api/client";
import { ApiError } from "@/lib/api/problem";
import type { Schemas } from "@/lib/api/types";
import {
  PRESETS,
  WORK_SORTS,
  bucketise,
  change,
  currenciesOf,
  daysIn,
  describeChange,
  earnedIn,
  formatCount,
  formatPeriod,
  granularityOf,
  isQuiet,
  parsePeriod,
  parseSort,
  periodParams,
  periodProblem,
  presetPeriod,
  previousPeriod,
  utcToday,
  type Change,
  type Metrics,
  type Period,
  type Preset,
  type WorkSort,
} from "@/lib/insights";
import { formatMoney } from "@/lib/money";
import { formatDateTime } from "@/lib/orders";

import { NeedsProfile, StudioGate } from "../StudioGate";
import { StudioNav } from "../StudioNav";
import { ActivityChart, FunnelChart, RevenueChart, SearchChart } from "./InsightsCharts";

type Conversion = Schemas["Conversion"];
type WorkInsights = Schemas["WorkInsights"];

export const insightsKey = (period: Period) => ["insights", period.from, period.to] as const;
const workKey = (id: string, period: Period) => ["insights", "work", id, period.from, period.to] as const;
const worksKey = (period: Period, sort: WorkSort) => ["insights", "works", period.from, period.to, sort] as const;

/** How many works a page of the table holds. */
const WORKS_PER_PAGE = 20;

export function Insights() {
  return (
    <StudioGate>
      {(user) =>
        !user.artist_id ? (
          <NeedsProfile />
        ) : (
          <div className="flex flex-col gap-8">
            <StudioNav />
            <Dashboard />
          </div>
        )
      }
    </StudioGate>
  );
}

type Place = { period: Period; work: string | null; sort: WorkSort };

/** The dashboard's address: `?period=` or `?from=&to=`, `work=` for one work, `sort=` for the table. */
function href(pathname: string, place: Place): string {
  const params = new URLSearchParams();
  if (place.work) params.set("work", place.work);
  for (const [key, value] of Object.entries(periodParams(place.period))) params.set(key, value);
  if (place.sort !== "views") params.set("sort", place.sort);
  const qs = params.toString();
  return qs ? `${pathname}?${qs}` : pathname;
}

function useInsightsAddress() {
  const query = useSearchParams().toString();
  const pathname = usePathname();
  const { place, problem } = useMemo(() => {
    const params = new URLSearchParams(query);
    const { period, problem } = parsePeriod(params, utcToday());
    return { place: { period, work: params.get("work"), sort: parseSort(params.get("sort")) }, problem };
  }, [query]);
  // Pushed, not replaced: each period or work looked at is a step back.
  const go = (patch: Partial<Place>) => window.history.pushState(null, "", href(pathname, { ...place, ...patch }));
  return { place, problem, go, link: (patch: Partial<Place>) => href(pathname, { ...place, ...patch }) };
}

function Dashboard() {
  const { place, problem, go, link } = useInsightsAddress();
  const picker = (
    <PeriodPicker
      key={`${place.period.preset} ${place.period.from} ${place.period.to}`}
      period={place.period}
      onChange={(period) => go({ period })}
    />
  );
  const notice = problem && (
    <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950">
      The period in the address could not be used ({problem.replace(/\.$/, "")}), so these are the last 30 days.
    </p>
  );
  return place.work ? (
    <WorkView id={place.work} period={place.period} link={link} picker={picker} notice={notice} />
  ) : (
    <Overview place={place} picker={picker} notice={notice} link={link} onSort={(sort) => go({ sort })} />
  );
}

function PeriodPicker({ period, onChange }: { period: Period; onChange: (period: Period) => void }) {
  const [custom, setCustom] = useState(period.preset === "custom");
  const [from, setFrom] = useState(period.from);
  const [to, setTo] = useState(period.to);
  const [error, setError] = useState<string | null>(null);
  const selectId = useId();

  function apply(event: FormEvent) {
    event.preventDefault();
    const problem = periodProblem(from, to);
    setError(problem);
    if (!problem) onChange({ preset: "custom", from, to });
  }

  return (
    <div className="flex flex-wrap items-end gap-x-4 gap-y-3">
      <div>
        <label htmlFor={selectId} className="field-label">
          Period
        </label>
        <select
          id={selectId}
          value={custom ? "custom" : period.preset}
          onChange={(event) => {
            const value = event.target.value;
            if (value === "custom") {
              setCustom(true);
              return;
            }
            setCustom(false);
            onChange(presetPeriod(value as Preset, utcToday()));
          }}
          className="field-input"
        >
          {PRESETS.map((preset) => (
            <option key={preset.value} value={preset.value}>
              {preset.label}
            </option>
          ))}
          <option value="custom">Custom dates…</option>
        </select>
      </div>
      {custom && (
        <form onSubmit={apply} noValidate aria-label="Custom period" className="flex flex-wrap items-start gap-x-4 gap-y-3">
          <Field label="From" error={error}>
            {(control) => (
              <input {...control} type="date" value={from} max={to || undefined} onChange={(e) => setFrom(e.target.value)} className="field-input" />
            )}
          </Field>
          <Field label="To">
            {(control) => <input {...control} type="date" value={to} min={from || undefined} onChange={(e) => setTo(e.target.value)} className="field-input" />}
          </Field>
          <button type="submit" className="btn-secondary mt-6">
            Show these days
          </button>
        </form>
      )}
      <p className="w-full text-sm text-stone-600">
        {formatPeriod(period.from, period.to)} · {formatCount(daysIn(period.from, period.to))} days, counted in UTC
      </p>
    </div>
  );
}

function Heading({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div>
      <h1 className="font-serif text-3xl">{title}</h1>
      {children}
    </div>
  );
}

function AsOf({ at }: { at: string | null | undefined }) {
  return (
    <p className="text-sm text-stone-600">
      {at ? (
        <>
          Last counted <time dateTime={at}>{formatDateTime(at)}</time>; the numbers are refreshed every few minutes.
        </>
      ) : (
        "Not counted yet: the numbers are refreshed every few minutes."
      )}
    </p>
  );
}

function DashboardSkeleton({ label }: { label: string }) {
  return (
    <PageSkeleton label={label}>
      <div aria-hidden="true" className="grid grid-cols-2 gap-3 sm:grid-cols-3">
        {Array.from({ length: 9 }, (_, i) => (
          <div key={i} className="h-24 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
        ))}
      </div>
      <div aria-hidden="true" className="mt-8 h-72 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
    </PageSkeleton>
  );
}

/** A refusal of the period (422), with what the API said of it; anything else, the usual error. */
function Failure({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  if (error instanceof ApiError && error.status === 422) {
    const labels: Record<string, string> = { from: "The first day", to: "The last day" };
    const reasons = (error.problem.errors ?? []).map((e) => readable(labels[e.field] ?? e.field, e.message));
    return (
      <div role="alert">
        <StateMessage title="These days cannot be shown" link={{ href: "/studio/insights/", label: "Show the last 30 days", secondary: true }}>
          {reasons.length > 0 ? reasons.map((reason) => <p key={reason}>{reason}</p>) : <p>{error.message}</p>}
        </StateMessage>
      </div>
    );
  }
  return <ErrorState error={error} onRetry={onRetry} />;
}

function usePeriodQueries<T>(key: (period: Period) => readonly unknown[], fetch: (period: Period, signal: AbortSignal) => Promise<T>, period: Period) {
  const previous = previousPeriod(period);
  const current = useQuery({ queryKey: key(period), queryFn: ({ signal }) => fetch(period, signal) });
  // Only for the comparison: without it the figures still show.
  const before = useQuery({ queryKey: key(previous), queryFn: ({ signal }) => fetch(previous, signal), enabled: current.isSuccess });
  return { current, before: before.data ?? null, previous };
}

type OverviewProps = {
  place: Place;
  picker: ReactNode;
  notice: ReactNode;
  link: (patch: Partial<Place>) => string;
  onSort: (sort: WorkSort) => void;
};

function Overview({ place, picker, notice, link, onSort }: OverviewProps) {
  const { period, sort } = place;
  const { current, before, previous } = usePeriodQueries(
    insightsKey,
    (p, signal) => call(() => api.GET("/api/me/insights", { params: { query: { from: p.from, to: p.to } }, signal })),
    period,
  );
  const works = useWorks(period, sort);
  const noWorks = works.data?.pages[0]?.total === 0;

  return (
    <>
      <Heading title="Insights">
        <p className="mt-1 max-w-2xl text-stone-600">
          How collectors found, kept and bought your works: views, saves, search, offers, orders and revenue.
        </p>
      </Heading>
      {picker}
      {notice}
      {current.isPending ? (
        <DashboardSkeleton label="Loading your insights…" />
      ) : current.isError ? (
        <Failure error={current.error} onRetry={() => void current.refetch()} />
      ) : noWorks && isQuiet(current.data.totals) ? (
        <StateMessage title="No insights yet" link={{ href: "/studio/new/", label: "List your first work" }}>
          <p>Once your works are listed and collectors find them, you will see here how often they are viewed, saved, found in search and bought.</p>
        </StateMessage>
      ) : (
        <>
          <AsOf at={current.data.as_of} />
          <Figures totals={current.data.totals} before={before?.totals ?? null} previous={previous} />
          {isQuiet(current.data.totals) ? (
            <Quiet period={period} link={link}>
              Nothing happened to your works in these days: no views, saves, searches, offers or orders.
            </Quiet>
          ) : (
            <Charts data={current.data} period={period} />
          )}
        </>
      )}
      {!noWorks && <WorksTable works={works} period={period} sort={sort} onSort={onSort} link={link} />}
    </>
  );
}

function Quiet({ period, link, children }: { period: Period; link: (patch: Partial<Place>) => string; children: ReactNode }) {
  const year = presetPeriod("12m", utcToday());
  const longer = period.preset !== "12m" && daysIn(period.from, period.to) < daysIn(year.from, year.to);
  return (
    <StateMessage title="No activity in this period" link={longer ? { href: link({ period: year }), label: "Look at the last 12 months", secondary: true } : undefined}>
      <p>{children}</p>
    </StateMessage>
  );
}

function Charts({ data, period }: { data: { daily: Schemas["DayMetrics"][]; totals: Metrics; conversion: Conversion }; period: Period }) {
  const granularity = granularityOf(data.daily.length);
  const buckets = bucketise(data.daily, granularity);
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <div className="lg:col-span-2">
        <ActivityChart buckets={buckets} granularity={granularity} period={period} />
      </div>
      <SearchChart buckets={buckets} granularity={granularity} period={period} totals={data.totals} />
      <FunnelChart totals={data.totals} conversion={data.conversion} />
      {data.totals.revenue.map((total) => (
        <div key={total.currency} className="lg:col-span-2">
          <RevenueChart buckets={buckets} granularity={granularity} period={period} currency={{ ...total, amount_minor: 0 }} total={total} />
        </div>
      ))}
    </div>
  );
}

const FIGURES: { label: string; pick: (m: Metrics) => number }[] = [
  { label: "Views", pick: (m) => m.views },
  { label: "Saves", pick: (m) => m.saves },
  { label: "Likes", pick: (m) => m.likes },
  { label: "Shares", pick: (m) => m.shares },
  { label: "Search impressions", pick: (m) => m.search_impressions },
  { label: "Search clicks", pick: (m) => m.search_clicks },
  { label: "Offers", pick: (m) => m.offers },
  { label: "Orders", pick: (m) => m.orders },
];

/** The period's totals, each with how it moved from the period before, once that has loaded. */
function Figures({ totals, before, previous }: { totals: Metrics; before: Metrics | null; previous: Period }) {
  const currencies = currenciesOf(totals.revenue, before?.revenue ?? []);
  return (
    <section aria-labelledby="figures-heading">
      <h2 id="figures-heading" className="sr-only">
        Totals
      </h2>
      <p className="mb-3 text-sm text-stone-600">
        Changes are against the {formatCount(daysIn(previous.from, previous.to))} days before: {formatPeriod(previous.from, previous.to)}.
      </p>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3">
        {FIGURES.map(({ label, pick }) => (
          <Figure key={label} label={label} value={formatCount(pick(totals))} change={before ? change(pick(totals), pick(before)) : null} />
        ))}
        {currencies.length === 0 ? (
          <Figure label="Revenue" value="None" change={null} quiet="No sales in either period" />
        ) : (
          currencies.map((currency) => {
            const now = earnedIn(totals.revenue, currency);
            const then = before ? earnedIn(before.revenue, currency) : null;
            return (
              <Figure
                key={currency.currency}
                label={currencies.length > 1 ? `Revenue (${currency.currency})` : "Revenue"}
                value={formatMoney(now)}
                change={then ? change(now.amount_minor, then.amount_minor) : null}
                show={(amount) => formatMoney({ ...currency, amount_minor: amount })}
              />
            );
          })
        )}
      </dl>
    </section>
  );
}

const TONE: Record<Change["direction"], string> = { up: "text-emerald-800", down: "text-red-800", same: "text-stone-600" };
const ARROW: Record<Change["direction"], string> = { up: "▲", down: "▼", same: "■" };

type FigureProps = { label: string; value: string; change: Change | null; show?: (n: number) => string; quiet?: string };

function Figure({ label, value, change, show, quiet }: FigureProps) {
  return (
    <div className="rounded-lg border border-stone-200 bg-white p-4">
      <dt className="text-sm text-stone-600">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums">{value}</dd>
      {change ? (
        <dd className={`mt-1 text-xs ${TONE[change.direction]}`}>
          <span aria-hidden="true">{ARROW[change.direction]} </span>
          {describeChange(change, show)}
        </dd>
      ) : (
        quiet && <dd className="mt-1 text-xs text-stone-600">{quiet}</dd>
      )}
    </div>
  );
}

function useWorks(period: Period, sort: WorkSort) {
  return useInfiniteQuery({
    queryKey: worksKey(period, sort),
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/me/insights/works", {
          params: { query: { from: period.from, to: period.to, sort, limit: WORKS_PER_PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? null,
  });
}

type WorksQuery = ReturnType<typeof useWorks>;

type WorksTableProps = {
  works: WorksQuery;
  period: Period;
  sort: WorkSort;
  onSort: (sort: WorkSort) => void;
  link: (patch: Partial<Place>) => string;
};

const SORT_LABEL = Object.fromEntries(WORK_SORTS.map((s) => [s.value, s.label])) as Record<WorkSort, string>;

const WORK_COLUMNS: { label: string; sort?: WorkSort; value: (w: WorkInsights) => string }[] = [
  { label: "Views", sort: "views", value: (w) => formatCount(w.views) },
  { label: "Saves", sort: "saves", value: (w) => formatCount(w.saves) },
  { label: "Likes", sort: "likes", value: (w) => formatCount(w.likes) },
  { label: "Shares", sort: "shares", value: (w) => formatCount(w.shares) },
  { label: "Impressions", sort: "search_impressions", value: (w) => formatCount(w.search_impressions) },
  { label: "Clicks", sort: "search_clicks", value: (w) => formatCount(w.search_clicks) },
  { label: "Offers", sort: "offers", value: (w) => formatCount(w.offers) },
  { label: "Orders", sort: "orders", value: (w) => formatCount(w.orders) },
  { label: "Revenue", value: (w) => (w.revenue.length === 0 ? "–" : w.revenue.map((m) => formatMoney(m)).join(", ")) },
];

function WorksTable({ works, period, sort, onSort, link }: WorksTableProps) {
  const items = works.data?.pages.flatMap((page) => page.items) ?? [];
  const total = works.data?.pages[0]?.total ?? 0;
  const caption = `Your works, ${formatPeriod(period.from, period.to)}, most ${SORT_LABEL[sort].toLowerCase()} first`;
  return (
    <section aria-labelledby="works-heading">
      <div className="flex flex-wrap items-baseline justify-between gap-4 border-b border-stone-200 pb-2">
        <h2 id="works-heading" className="font-serif text-xl">
          Works
          {works.data && <span className="ml-2 text-base text-stone-600">({formatCount(total)})</span>}
        </h2>
        <p className="text-sm text-stone-600">Choose a column to order by it; a title opens that work&rsquo;s insights.</p>
      </div>
      {works.isPending ? (
        <PageSkeleton label="Loading your works…">
          <div aria-hidden="true" className="mt-4 h-48 animate-pulse rounded-lg bg-stone-200 motion-reduce:animate-none" />
        </PageSkeleton>
      ) : works.isError ? (
        <ErrorState error={works.error} onRetry={() => void works.refetch()} />
      ) : (
        <>
          <div role="region" aria-label={caption} tabIndex={0} className="mt-2 overflow-x-auto">
            <table className="w-full border-collapse text-sm">
              <caption className="sr-only">{caption}</caption>
              <thead>
                <tr className="border-b border-stone-300 text-left">
                  <th scope="col" className="py-2 pr-4 font-medium">
                    Work
                  </th>
                  {WORK_COLUMNS.map((column) => (
                    <th
                      key={column.label}
                      scope="col"
                      aria-sort={column.sort === sort ? "descending" : undefined}
                      className="py-2 pr-4 text-right font-medium whitespace-nowrap last:pr-0"
                    >
                      {column.sort ? (
                        <button
                          type="button"
                          onClick={() => onSort(column.sort!)}
                          className={`inline-flex items-center gap-1 rounded hover:underline ${column.sort === sort ? "font-semibold" : ""}`}
                        >
                          {column.label}
                          <span aria-hidden="true" className={column.sort === sort ? "" : "invisible"}>
                            ▼
                          </span>
                        </button>
                      ) : (
                        column.label
                      )}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {items.map((work) => (
                  <tr key={work.artwork_id} className="border-b border-stone-200">
                    <th scope="row" className="max-w-64 py-2 pr-4 text-left font-normal">
                      <Link href={link({ work: work.artwork_id })} className="font-medium underline-offset-2 hover:underline">
                        {work.title}
                      </Link>
                      <div className="mt-1">
                        <StatusBadge status={work.status} />
                      </div>
                    </th>
                    {WORK_COLUMNS.map((column) => (
                      <td key={column.label} className="py-2 pr-4 text-right tabular-nums whitespace-nowrap last:pr-0">
                        {column.value(work)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore hasMore={works.hasNextPage} loading={works.isFetchingNextPage} onMore={() => void works.fetchNextPage()} />
        </>
      )}
    </section>
  );
}

type WorkViewProps = { id: string; period: Period; link: (patch: Partial<Place>) => string; picker: ReactNode; notice: ReactNode };

function WorkView({ id, period, link, picker, notice }: WorkViewProps) {
  const back = link({ work: null });
  const { current, before, previous } = usePeriodQueries(
    (p) => workKey(id, p),
    (p, signal) =>
      call(() => api.GET("/api/me/insights/works/{artwork_id}", { params: { path: { artwork_id: id }, query: { from: p.from, to: p.to } }, signal })),
    period,
  );
  const backLink = (
    <Link href={back} className="text-sm text-stone-700 hover:underline">
      ← All works
    </Link>
  );

  if (current.isError && current.error instanceof ApiError && [400, 404].includes(current.error.status)) {
    return (
      <StateMessage title="Work not found" link={{ href: back, label: "All your works' insights", secondary: true }}>
        <p>It may belong to another artist, or the link may be mistyped.</p>
      </StateMessage>
    );
  }
  const work = current.data;
  return (
    <>
      <div>
        {backLink}
        <div className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-2">
          <Heading title={work ? work.title : "Insights"} />
          {work && <StatusBadge status={work.status} />}
        </div>
        {work && (
          <p className="mt-1 text-stone-600">
            <Link href={`/studio/edit/?id=${work.artwork_id}`} className="underline underline-offset-2 hover:text-stone-900">
              Edit this work
            </Link>
            {work.status !== "draft" && (
              <>
                {" · "}
                <a href={`/artworks/${work.artwork_id}`} className="underline underline-offset-2 hover:text-stone-900">
                  View its page
                </a>
              </>
            )}
          </p>
        )}
      </div>
      {picker}
      {notice}
      {current.isPending ? (
        <DashboardSkeleton label="Loading this work's insights…" />
      ) : current.isError ? (
        <Failure error={current.error} onRetry={() => void current.refetch()} />
      ) : (
        <>
          <AsOf at={current.data.as_of} />
          <Figures totals={current.data.totals} before={before?.totals ?? null} previous={previous} />
          {isQuiet(current.data.totals) ? (
            <Quiet period={period} link={link}>
              Nothing happened to this work in these days: no views, saves, searches, offers or orders.
            </Quiet>
          ) : (
            <Charts data={current.data} period={period} />
          )}
        </>
      )}
    </>
  );
}
