import { describe, expect, it } from "vitest";

import { collectionHref, outcomeOf, parseCollectionRef, standingOf, titleWords } from "./collections";

const id = "0190c4f6-cccc-7000-8000-000000000001";

describe("collection addresses", () => {
  it("are an editorial collection's slug", () => {
    expect(collectionHref({ id, slug: "spring-light", title: "Spring light" })).toBe("/collections/spring-light");
    expect(parseCollectionRef("spring-light")).toEqual({ kind: "slug", value: "spring-light" });
  });

  it("are a personal collection's title words before its id, and only the id counts", () => {
    const href = collectionHref({ id, slug: null, title: "Café  nights, & Sea-Studies!" });
    expect(href).toBe(`/collections/cafe-nights-sea-studies-${id}`);
    expect(parseCollectionRef(href.slice("/collections/".length))).toEqual({ kind: "id", value: id });
    // Renamed since the link was shared: the same collection.
    expect(parseCollectionRef(`old-name-${id}`)).toEqual({ kind: "id", value: id });
    expect(parseCollectionRef(id.toUpperCase())).toEqual({ kind: "id", value: id });
  });

  it("are the bare id when the title has no letters or digits to show", () => {
    expect(collectionHref({ id, slug: null, title: "…!?" })).toBe(`/collections/${id}`);
  });

  it("keep long titles to whole words", () => {
    const words = titleWords("an extraordinarily long title about the many moods of the northern sea in winter light");
    expect(words.length).toBeLessThanOrEqual(60);
    expect(words).toBe("an-extraordinarily-long-title-about-the-many-moods-of-the");
  });

  it("are nothing else", () => {
    expect(parseCollectionRef("Not A Slug")).toBeNull();
    expect(parseCollectionRef("a".repeat(81))).toBeNull();
    expect(parseCollectionRef("trailing-")).toBeNull();
  });
});

describe("a collection's standing", () => {
  it("is its visibility, or for an editorial one whether it is published", () => {
    expect(standingOf({ kind: "personal", visibility: "private", published_at: null })).toBe("Private");
    expect(standingOf({ kind: "personal", visibility: "public", published_at: null })).toBe("Public");
    expect(standingOf({ kind: "editorial", visibility: "public", published_at: null })).toBe("Draft");
    expect(standingOf({ kind: "editorial", visibility: "public", published_at: "2026-12-03T09:00:00Z" })).toBe("Published");
  });
});

describe("what adding to collections did", () => {
  it("names one collection and counts several", () => {
    const sea = { title: "Sea studies" };
    const portraits = { title: "Portraits" };
    expect(outcomeOf({ added: [sea], removed: [] })).toBe("Added to “Sea studies”.");
    expect(outcomeOf({ added: [sea, portraits], removed: [] })).toBe("Added to 2 collections.");
    expect(outcomeOf({ added: [sea], removed: [portraits] })).toBe("Added to “Sea studies” and taken out of “Portraits”.");
    expect(outcomeOf({ added: [], removed: [portraits] })).toBe("Taken out of “Portraits”.");
  });
});
