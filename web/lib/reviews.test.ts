import { describe, expect, it } from "vitest";

import { artistReviewView, orderReviews, reviewView, saleReviews } from "@/test/commerce";

import { formatDate } from "./orders";
import { formatAverage, orderReviewHref, reviewProblems, reviewStanding, reviewTextOf, worksOf } from "./reviews";

const closes = formatDate("2026-12-21T10:00:00Z");
const now = new Date("2026-12-10T10:00:00Z");

describe("where an order's reviews stand", () => {
  it("invite the viewer to write while the window is open, saying until when", () => {
    expect(reviewStanding(orderReviews(), now)).toBe(
      `Write your review by ${closes} (in 11 days). Neither of you reads the other's review until both are written or the time to review ends on ${closes}.`,
    );
    expect(reviewStanding(orderReviews({ their_review: "sealed" }), now)).toBe(
      `Hana Okabe has reviewed you. Write yours by ${closes} (in 11 days) to read theirs: both are published together.`,
    );
  });

  it("say when a written review is published", () => {
    const written = orderReviews({ can_write: false, mine: reviewView() });
    expect(reviewStanding(written, now)).toBe(`Your review is written; it will be published when Hana Okabe writes theirs or on ${closes}.`);
    const asArtist = saleReviews({ can_write: false, mine: artistReviewView() });
    expect(reviewStanding(asArtist, now)).toBe(`Your review is written; it will be published when Iris Collector writes theirs or on ${closes}.`);
  });

  it("have nothing more to say once both are published, and tell how a closed window ended", () => {
    const both = orderReviews({
      can_write: false,
      mine: reviewView({ published_at: "2026-12-11T09:00:00Z" }),
      their_review: "published",
      theirs: artistReviewView({ published_at: "2026-12-11T09:00:00Z" }),
    });
    expect(reviewStanding(both, now)).toBeNull();
    const closed = { state: "closed", opens_at: "2026-12-07T10:00:00Z", closes_at: "2026-12-21T10:00:00Z" } as const;
    expect(reviewStanding(orderReviews({ window: closed, can_write: false }), now)).toBe(`The time to review this order ended on ${closes}.`);
    const alone = orderReviews({ window: closed, can_write: false, mine: reviewView({ published_at: "2026-12-21T10:00:00Z" }) });
    expect(reviewStanding(alone, now)).toBe("Hana Okabe did not write a review.");
    expect(reviewStanding(orderReviews({ window: { state: "not_open" }, can_write: false }), now)).toBeNull();
  });
});

describe("a review as typed", () => {
  it("needs stars and a few words, and at most 2,000 characters as the API counts them", () => {
    expect(reviewProblems(null, " \n ")).toEqual({ rating: "Choose from 1 to 5 stars.", body: "Say a few words about how it went." });
    expect(reviewProblems(4, "é".repeat(2000))).toEqual({});
    expect(reviewProblems(4, `  ${"a".repeat(2000)}\r\n`)).toEqual({});
    expect(reviewProblems(4, "é".repeat(2001)).body).toBe("Shorten your review to 2,000 characters (it has 2,001).");
  });

  it("is sent trimmed, with line breaks as the API keeps them", () => {
    expect(reviewTextOf("  Lovely work,\r\nwell packed. \n")).toBe("Lovely work,\nwell packed.");
  });
});

describe("reviews in sentences and links", () => {
  it("show an average with its tenth, and name an order's works", () => {
    expect(formatAverage(4.6, "en")).toBe("4.6");
    expect(formatAverage(5, "en")).toBe("5.0");
    expect(worksOf(["Low Tide"])).toBe("“Low Tide”");
    expect(worksOf(["Low Tide", "Salt Marsh", "Dune"])).toBe("“Low Tide” and 2 more");
  });

  it("lead each party to their side of the order", () => {
    expect(orderReviewHref(orderReviews())).toBe("/orders/?id=0190c4f6-0dd0-7000-8000-000000000001");
    expect(orderReviewHref(saleReviews())).toBe("/studio/sales/?id=0190c4f6-0dd0-7000-8000-000000000001");
  });
});
