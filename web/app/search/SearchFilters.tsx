"use client";

import { useEffect, useEffectEvent, useState } from "react";

import type { Schemas } from "@/lib/api/types";
import { priceBucketLabel, styleLabel } from "@/lib/artwork";
import { hasFilters, type SearchState } from "@/lib/search";

export type FilterOptions = {
  categories: Schemas["FacetCount"][];
  styles: Schemas["FacetCount"][];
  prices: Schemas["PriceBucket"][];
};

type Props = {
  state: SearchState;
  options: FilterOptions;
  /** The currency the results are priced in, for the price labels. */
  currency: string | null;
  /** Facets are on their way: their controls keep their place meanwhile. */
  pending?: boolean;
  onChange: (patch: Partial<SearchState>) => void;
  onClear: () => void;
};

export function SearchFilters({ state, options, currency, pending = false, onChange, onClear }: Props) {
  const showStyles = pending || options.styles.length > 0 || state.style !== null;
  return (
    <aside aria-label="Filters" className="flex flex-col gap-6 lg:sticky lg:top-6 lg:self-start">
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-1">
        <FacetSelect
          id="filter-category"
          label="Category"
          anyLabel="All categories"
          value={state.category}
          facets={options.categories}
          onChange={(category) => onChange({ category })}
        />
        {showStyles && (
          <FacetSelect
            id="filter-style"
            label="Style"
            anyLabel="All styles"
            value={state.style}
            facets={options.styles}
            onChange={(style) => onChange({ style })}
          />
        )}
      </div>

      {pending && options.prices.length === 0 && (
        <div aria-hidden="true">
          <div className="field-label">Price</div>
          <div className="mt-2 flex flex-wrap gap-2 lg:flex-col">
            {["w-36", "w-40", "w-48", "w-40"].map((width, index) => (
              <div key={index} className={`h-[2.125rem] ${width} rounded-full border border-stone-200 bg-white lg:w-full`} />
            ))}
          </div>
        </div>
      )}

      {options.prices.length > 0 && (
        <fieldset>
          <legend className="field-label">Price</legend>
          <div className="mt-2 flex flex-wrap gap-2 lg:flex-col lg:items-stretch">
            {options.prices.map((bucket) => {
              const max = bucket.max ?? null;
              const pressed = state.minPrice === bucket.min && state.maxPrice === max;
              return (
                <button
                  key={bucket.label}
                  type="button"
                  aria-pressed={pressed}
                  onClick={() =>
                    onChange(pressed ? { minPrice: null, maxPrice: null } : { minPrice: bucket.min, maxPrice: max })
                  }
                  className={`flex items-center justify-between gap-3 rounded-full border px-3 py-1.5 text-sm ${
                    pressed
                      ? "border-stone-900 bg-stone-900 text-white"
                      : "border-stone-300 bg-white text-stone-800 hover:border-stone-500"
                  }`}
                >
                  <span>{priceBucketLabel(bucket, currency)}</span>
                  <span className={pressed ? "text-stone-200" : "text-stone-600"}>{bucket.count.toLocaleString()}</span>
                </button>
              );
            })}
          </div>
        </fieldset>
      )}

      <div className="grid grid-cols-2 gap-4">
        <YearField id="filter-year-from" label="Year from" value={state.yearFrom} onCommit={(yearFrom) => onChange({ yearFrom })} />
        <YearField id="filter-year-to" label="Year to" value={state.yearTo} onCommit={(yearTo) => onChange({ yearTo })} />
      </div>

      <button type="button" className="btn-secondary" onClick={onClear} disabled={!hasFilters(state)}>
        Clear filters
      </button>
    </aside>
  );
}

type SelectProps = {
  id: string;
  label: string;
  anyLabel: string;
  value: string | null;
  facets: Schemas["FacetCount"][];
  onChange: (value: string | null) => void;
};

function FacetSelect({ id, label, anyLabel, value, facets, onChange }: SelectProps) {
  // Facets count the current results, so a chosen value can be missing from
  // them (a shared link, or a category with nothing left after other filters);
  // it stays listed so the select still shows what is applied.
  const listed = value === null || facets.some((facet) => facet.value === value);
  return (
    <div>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <select
        id={id}
        value={value ?? ""}
        onChange={(event) => onChange(event.target.value || null)}
        className="field-input"
      >
        <option value="">{anyLabel}</option>
        {!listed && value !== null && <option value={value}>{styleLabel(value)}</option>}
        {facets.map((facet) => (
          <option key={facet.value} value={facet.value}>
            {`${styleLabel(facet.label)} (${facet.count.toLocaleString()})`}
          </option>
        ))}
      </select>
    </div>
  );
}

const COMMIT_PAUSE_MS = 500;

type YearProps = {
  id: string;
  label: string;
  value: number | null;
  onCommit: (value: number | null) => void;
};

/** A year typed digit by digit would search for 1, 18 and 185 on the way to
 * 1850, so it is applied once typing pauses or the field is left. */
function YearField({ id, label, value, onCommit }: YearProps) {
  const [draft, setDraft] = useState(value === null ? "" : String(value));
  const [shown, setShown] = useState(value);
  if (value !== shown) {
    setShown(value);
    setDraft(value === null ? "" : String(value));
  }
  const commit = useEffectEvent(onCommit);

  const parsed = draft.trim() === "" ? null : /^-?\d{1,4}$/.test(draft.trim()) ? Number(draft) : undefined;
  useEffect(() => {
    if (parsed === undefined || parsed === value) return;
    const timer = setTimeout(() => commit(parsed), COMMIT_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [parsed, value]);

  return (
    <div>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={0}
        max={2100}
        step={1}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onBlur={() => {
          if (parsed !== undefined && parsed !== value) onCommit(parsed);
        }}
        className="field-input"
      />
    </div>
  );
}
