"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";

import { ArtworkGrid, GridSkeleton, LoadMore } from "@/components/ArtworkGrid";
import { CollectionRow } from "@/components/CollectionCard";
import { ErrorState, StateMessage } from "@/components/StateMessage";
import { api, call } from "@/lib/api/client";
import { ApiError } from "@/lib/api/problem";
import type { ArtworkCard, Schemas } from "@/lib/api/types";
import { cardFromView, soleCurrency } from "@/lib/artwork";
import { pluralise } from "@/lib/format";
import {
  EMPTY_SEARCH,
  explainResults,
  explanationText,
  filterParams,
  hasFilters,
  isSemanticOnly,
  parseSearch,
  searchToQuery,
  type SearchState,
} from "@/lib/search";

import { SearchFilters, type FilterOptions } from "./SearchFilters";

const TYPING_PAUSE_MS = 300;

export function SearchPage() {
  const params = useSearchParams();
  const pathname = usePathname();
  const query = params.toString();
  const state = useMemo(() => parseSearch(new URLSearchParams(query)), [query]);

  // The search the handlers build on: the address as last rendered, moved
  // ahead by each navigate until the next render.
  const latest = useRef(state);
  useLayoutEffect(() => {
    latest.current = state;
  });
  // Words the box wrote to the address and the router has not caught up
  // with yet: seeing them come back is not a reason to overwrite the box.
  const [written, setWritten] = useState<string[]>([]);

  // The address is written at once (synchronously, and without a scroll), so
  // a reload or a shared link always holds what the box shows; only the
  // request waits for typing to pause.
  const navigate = (next: SearchState) => {
    const qs = searchToQuery(next);
    if (next.q !== latest.current.q) setWritten((words) => [...words.slice(-20), next.q]);
    latest.current = next;
    window.history.replaceState(null, "", qs ? `${pathname}?${qs}` : pathname);
  };

  const [text, setText] = useState(state.q);
  const [shownQ, setShownQ] = useState(state.q);
  if (state.q !== shownQ) {
    setShownQ(state.q);
    if (!written.includes(state.q) && state.q !== text.trim()) setText(state.q);
    if (state.q === written.at(-1)) setWritten([]);
  }

  // What is searched: filters apply at once, new words once typing pauses.
  const [settled, setSettled] = useState(state);
  if (state.q === settled.q && searchToQuery(state) !== searchToQuery(settled)) setSettled(state);
  useEffect(() => {
    if (state.q === settled.q) return;
    const timer = setTimeout(() => setSettled(state), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [state, settled.q]);

  const update = (patch: Partial<SearchState>) => navigate({ ...latest.current, ...patch });
  const clearFilters = () => navigate({ ...EMPTY_SEARCH, q: latest.current.q });

  return (
    <div className="grid gap-8 lg:grid-cols-[15rem_minmax(0,1fr)]">
      <form role="search" className="lg:col-span-2" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor="search-q" className="sr-only">
          Search artworks
        </label>
        <input
          id="search-q"
          type="search"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            update({ q: event.target.value.trim().slice(0, 200) });
          }}
          maxLength={200}
          autoComplete="off"
          placeholder="Try “stormy sea”, “Rossetti” or “quiet interiors”"
          className="field-input mt-0 rounded-full px-5 py-3 text-base"
        />
      </form>
      {settled.q ? (
        <SearchResults query={settled} state={state} onChange={update} onClear={clearFilters} />
      ) : (
        <BrowseResults query={settled} state={state} onChange={update} onClear={clearFilters} />
      )}
    </div>
  );
}

type ResultsProps = {
  /** What is being searched for, which lags the address while typing. */
  query: SearchState;
  /** What the address says, which the filters show. */
  state: SearchState;
  onChange: (patch: Partial<SearchState>) => void;
  onClear: () => void;
};

function SearchResults({ query, state, onChange, onClear }: ResultsProps) {
  const key = searchToQuery(query);
  const search = useInfiniteQuery({
    queryKey: ["search", key],
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/search", {
          params: { query: { q: query.q, ...filterParams(query), cursor: pageParam } },
          signal,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    // While the next words are being searched, the last results stay put
    // rather than flashing back to a skeleton on every keystroke.
    placeholderData: keepPreviousData,
  });

  const first = search.data?.pages[0];
  const options: FilterOptions = {
    categories: first?.facets.categories ?? [],
    styles: first?.facets.styles ?? [],
    prices: first?.facets.prices ?? [],
  };
  const hits = search.data?.pages.flatMap((page) => page.items) ?? [];
  const works = hits.map((hit) => ({ ...hit, reason: isSemanticOnly(hit) ? "Similar in meaning" : null }));
  const explanation = explainResults(hits);
  // Price labels keep the currency they last had, so narrowing to no results
  // does not turn "£500" into a bare "500".
  const [currency, setCurrency] = useState<string | null>(null);
  const shownCurrency = soleCurrency(works);
  if (shownCurrency && shownCurrency !== currency) setCurrency(shownCurrency);

  let body;
  if (search.isPending) {
    body = <GridSkeleton layout="narrow" count={8} />;
  } else if (!search.data || (search.isError && !search.isFetchNextPageError)) {
    body = <SearchError error={search.error} onRetry={() => void search.refetch()} />;
  } else if (works.length === 0) {
    body = (
      <StateMessage
        title={`No works match “${query.q}”${hasFilters(query) ? " with these filters" : ""}`}
        action={
          hasFilters(query) && (
            <button type="button" className="btn-primary" onClick={onClear}>
              Search without filters
            </button>
          )
        }
      >
        <p>
          {hasFilters(query)
            ? "Try removing a filter: the words alone may find more."
            : "Try fewer or different words, or describe the mood or subject instead."}
        </p>
      </StateMessage>
    );
  } else {
    body = (
      <>
        {explanation && (
          <p className="mb-4 rounded-md bg-amber-50 px-4 py-2 text-sm text-stone-800">
            {explanationText(explanation, query.q)}
          </p>
        )}
        <ArtworkGrid works={works} label="Search results" layout="narrow" />
        <LoadMore
          hasMore={search.hasNextPage}
          loading={search.isFetchingNextPage}
          onMore={() => void search.fetchNextPage()}
        />
        {search.isFetchNextPageError && <ErrorState error={search.error} onRetry={() => void search.fetchNextPage()} />}
      </>
    );
  }

  return (
    <>
      <SearchFilters
        state={state}
        options={options}
        currency={shownCurrency ?? currency}
        pending={search.isPending}
        onChange={onChange}
        onClear={onClear}
      />
      <section aria-labelledby="results-heading" aria-busy={search.isFetching && !search.isFetchingNextPage}>
        <h2 id="results-heading" className="sr-only">
          Results
        </h2>
        <p className="mb-4 min-h-6 text-sm text-stone-700" aria-live="polite">
          {first ? pluralise(first.total, "work") : ""}
          {search.isPlaceholderData && <span className="ml-2 text-stone-600">Updating…</span>}
        </p>
        {first?.collections && first.collections.length > 0 && (
          <CollectionResults collections={first.collections.map((hit) => hit.collection)} query={query.q} />
        )}
        {body}
      </section>
    </>
  );
}

/** Collections whose title matches, a kind of result of their own above the works. */
function CollectionResults({ collections, query }: { collections: Schemas["CollectionSummary"][]; query: string }) {
  return (
    <section aria-labelledby="collection-results-heading" className="mb-8 border-b border-stone-200 pb-6">
      <h3 id="collection-results-heading" className="mb-3 text-base font-semibold text-stone-900">
        Collections
      </h3>
      <CollectionRow collections={collections} label={`Collections matching “${query}”`} />
    </section>
  );
}

/** With nothing typed the API has no search to run, so the filters browse
 * the newest published works instead. */
function BrowseResults({ query, state, onChange, onClear }: ResultsProps) {
  const key = searchToQuery(query);
  const categories = useQuery({
    queryKey: ["categories"],
    queryFn: () => call(() => api.GET("/api/categories")),
    staleTime: 10 * 60_000,
  });
  const browse = useInfiniteQuery({
    queryKey: ["browse", key],
    queryFn: ({ pageParam, signal }) =>
      call(() =>
        api.GET("/api/artworks", {
          params: { query: { ...filterParams(query), sort: "newest", limit: 20, cursor: pageParam } },
          signal,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });

  const options: FilterOptions = {
    categories: flattenCategories(categories.data ?? []),
    styles: [],
    prices: [],
  };
  const works: ArtworkCard[] = browse.data?.pages.flatMap((page) => page.items.map(cardFromView)) ?? [];

  let body;
  if (browse.isPending) {
    body = <GridSkeleton layout="narrow" count={8} />;
  } else if (!browse.data || (browse.isError && !browse.isFetchNextPageError)) {
    body = <SearchError error={browse.error} onRetry={() => void browse.refetch()} />;
  } else if (works.length === 0) {
    body = (
      <StateMessage
        title="No works match these filters"
        action={
          <button type="button" className="btn-primary" onClick={onClear}>
            Show all works
          </button>
        }
      >
        <p>Try a wider range of years, or another category.</p>
      </StateMessage>
    );
  } else {
    body = (
      <>
        <ArtworkGrid works={works} label="Search results" layout="narrow" />
        <LoadMore
          hasMore={browse.hasNextPage}
          loading={browse.isFetchingNextPage}
          onMore={() => void browse.fetchNextPage()}
        />
        {browse.isFetchNextPageError && <ErrorState error={browse.error} onRetry={() => void browse.fetchNextPage()} />}
      </>
    );
  }

  return (
    <>
      <SearchFilters state={state} options={options} currency={null} onChange={onChange} onClear={onClear} />
      <section aria-labelledby="results-heading" aria-busy={browse.isFetching && !browse.isFetchingNextPage}>
        <h2 id="results-heading" className="mb-1 text-lg font-semibold text-stone-900">
          Latest works
        </h2>
        <p className="mb-4 min-h-6 text-sm text-stone-700">
          Search by title, artist, medium or mood, or narrow the newest works with the filters.
        </p>
        {body}
      </section>
    </>
  );
}

/** A rejected filter (say, years the wrong way round) explains itself rather
 * than showing a generic failure. */
function SearchError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  if (error instanceof ApiError && error.status === 422) {
    const messages = Object.entries(error.fieldErrors).map(([field, message]) => `${fieldName(field)} ${message}`);
    return (
      <StateMessage title="These filters do not fit together">
        <p>{messages.length > 0 ? messages.join(". ") : error.message}</p>
      </StateMessage>
    );
  }
  return <ErrorState error={error} onRetry={onRetry} />;
}

function fieldName(field: string): string {
  const names: Record<string, string> = {
    q: "The search",
    year_from: "Year from",
    year_to: "Year to",
    min_price: "The lowest price",
    max_price: "The highest price",
  };
  return names[field] ?? field;
}

export function flattenCategories(nodes: Schemas["CategoryNode"][], depth = 0): Schemas["FacetCount"][] {
  return nodes.flatMap((node) => [
    // Sub-categories are indented in the list, the way a select can show nesting.
    { value: node.slug, label: `${"\u00a0\u00a0".repeat(depth)}${node.name}`, count: node.artwork_count },
    ...flattenCategories(node.children, depth + 1),
  ]);
}
