import { describe, expect, it } from "vitest";

import { EMPTY_SEARCH, explainResults, explanationText, parseSearch, searchToQuery, type SearchState } from "./search";

const hits = (...sides: ("keyword" | "semantic")[][]) => sides.map((matched) => ({ matched }));

describe("search state in the address", () => {
  it("round-trips every field through the query string", () => {
    const state: SearchState = {
      q: "stormy sea & ships",
      category: "painting",
      style: "pre-raphaelite-brotherhood",
      minPrice: 50000,
      maxPrice: 199999,
      yearFrom: 1800,
      yearTo: 1900,
    };
    const query = searchToQuery(state);
    expect(query).toBe(
      "q=stormy+sea+%26+ships&category=painting&style=pre-raphaelite-brotherhood&min_price=50000&max_price=199999&year_from=1800&year_to=1900",
    );
    expect(parseSearch(new URLSearchParams(query))).toEqual(state);
  });

  it("leaves out what is not set, so an empty search is the bare page", () => {
    expect(searchToQuery(EMPTY_SEARCH)).toBe("");
    expect(searchToQuery({ ...EMPTY_SEARCH, q: "  turner ", minPrice: 0 })).toBe("q=turner&min_price=0");
  });

  it("ignores values a hand-edited link cannot mean", () => {
    const state = parseSearch(new URLSearchParams("q=&category=%20&min_price=cheap&year_from=18.5&year_to=1900&utm=x"));
    expect(state).toEqual({ ...EMPTY_SEARCH, yearTo: 1900 });
  });
});

describe("explaining results found by meaning", () => {
  it("says so when no leading hit matched a word", () => {
    expect(explainResults(hits(["semantic"], ["semantic"], ["semantic"]))).toBe("none");
  });

  it("says so when keywords carried fewer than a third of the first ten", () => {
    const mostlyMeaning = hits(["keyword", "semantic"], ["keyword"], ...Array.from({ length: 8 }, () => ["semantic" as const]));
    expect(explainResults(mostlyMeaning)).toBe("few");
  });

  it("says nothing when words found the results, or there are none", () => {
    const byWords = hits(["keyword", "semantic"], ["keyword"], ["semantic"], ["keyword"]);
    expect(explainResults(byWords)).toBeNull();
    expect(explainResults([])).toBeNull();
  });

  it("judges only the first screenful", () => {
    const words = Array.from({ length: 10 }, () => ["keyword" as const]);
    const meaning = Array.from({ length: 30 }, () => ["semantic" as const]);
    expect(explainResults(hits(...words, ...meaning))).toBeNull();
  });

  it("quotes the search in the line", () => {
    expect(explanationText("none", "xyzzy")).toBe("No exact word matches — showing works close in meaning to “xyzzy”.");
    expect(explanationText("few", "sea")).toContain("close in meaning to “sea”");
  });
});
