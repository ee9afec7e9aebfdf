import type { Schemas } from "./api/types";

/** Everything a search is, as kept in the address so it can be shared and reloaded. */
export type SearchState = {
  q: string;
  category: string | null;
  style: string | null;
  minPrice: number | null;
  maxPrice: number | null;
  yearFrom: number | null;
  yearTo: number | null;
};

export const EMPTY_SEARCH: SearchState = {
  q: "",
  category: null,
  style: null,
  minPrice: null,
  maxPrice: null,
  yearFrom: null,
  yearTo: null,
};

// The address uses the API's own parameter names, so a shared link reads the
// same as the request it makes.
const NUMBER_PARAMS = [
  ["minPrice", "min_price"],
  ["maxPrice", "max_price"],
  ["yearFrom", "year_from"],
  ["yearTo", "year_to"],
] as const;

function integer(value: string | null): number | null {
  if (value === null || !/^-?\d+$/.test(value.trim())) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

function text(value: string | null): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

export function parseSearch(params: URLSearchParams): SearchState {
  const state: SearchState = {
    ...EMPTY_SEARCH,
    q: params.get("q")?.trim().slice(0, 200) ?? "",
    category: text(params.get("category")),
    style: text(params.get("style")),
  };
  for (const [key, param] of NUMBER_PARAMS) state[key] = integer(params.get(param));
  return state;
}

/** The query string for a state, in a fixed order and without empty values. */
export function searchToQuery(state: SearchState): string {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set("q", state.q.trim());
  if (state.category) params.set("category", state.category);
  if (state.style) params.set("style", state.style);
  for (const [key, param] of NUMBER_PARAMS) {
    const value = state[key];
    if (value !== null) params.set(param, String(value));
  }
  return params.toString();
}

export function hasFilters(state: SearchState): boolean {
  return (
    state.category !== null ||
    state.style !== null ||
    state.minPrice !== null ||
    state.maxPrice !== null ||
    state.yearFrom !== null ||
    state.yearTo !== null
  );
}

/** The filters as API query parameters (shared by search and browsing). */
export function filterParams(state: SearchState) {
  return {
    category: state.category ?? undefined,
    style: state.style ?? undefined,
    min_price: state.minPrice ?? undefined,
    max_price: state.maxPrice ?? undefined,
    year_from: state.yearFrom ?? undefined,
    year_to: state.yearTo ?? undefined,
  };
}

/** How many of the leading hits decide whether keywords carried a search:
 * the first screenful is what a person judges the results by. */
const JUDGED_HITS = 10;

export type SearchExplanation = "none" | "few" | null;

/**
 * Whether the results on show were found by meaning rather than by the words
 * typed: `none` when no leading hit matched a word, `few` when fewer than a
 * third did, otherwise null (nothing to explain).
 */
export function explainResults(hits: Pick<Schemas["SearchHit"], "matched">[]): SearchExplanation {
  const judged = hits.slice(0, JUDGED_HITS);
  if (judged.length === 0) return null;
  const byKeyword = judged.filter((hit) => hit.matched.includes("keyword")).length;
  if (byKeyword === 0) return "none";
  return byKeyword * 3 < judged.length ? "few" : null;
}

export function explanationText(kind: Exclude<SearchExplanation, null>, q: string): string {
  return kind === "none"
    ? `No exact word matches — showing works close in meaning to “${q}”.`
    : `Few exact word matches — most of these are close in meaning to “${q}”.`;
}

/** Found only by meaning, which the card marks so the result makes sense. */
export function isSemanticOnly(hit: Pick<Schemas["SearchHit"], "matched">): boolean {
  return hit.matched.length > 0 && !hit.matched.includes("keyword");
}
