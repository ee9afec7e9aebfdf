import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { formatDate } from "@/lib/orders";
import { BUYER, ORDER, artistReviewView, orderReviews, reviewView, saleReviews } from "@/test/commerce";
import { fakeLive, renderWithLive } from "@/test/live";
import { json, problem, requests, route } from "@/test/network";
import { renderWithQueries } from "@/test/render";

import { OrderReviews } from "./OrderReviews";

const closes = formatDate("2026-12-21T10:00:00Z");
const path = `/api/orders/${ORDER}/reviews`;
const sent = async () => {
  const posts = requests.filter((r) => r.method === "POST");
  return Promise.all(posts.map((r) => r.json() as Promise<unknown>));
};

describe("an order's reviews", () => {
  it("are not shown before the order completes", async () => {
    route({ [`GET ${path}`]: json(orderReviews({ window: { state: "not_open" }, can_write: false })) });
    const { container } = renderWithQueries(<OrderReviews orderId={ORDER} userId={BUYER} />);
    await waitFor(() => expect(requests).toHaveLength(1));
    expect(container).toBeEmptyDOMElement();
  });

  it("take stars as a radio group and text with its count, and say what is missing", async () => {
    route({ [`GET ${path}`]: json(orderReviews()) });
    renderWithQueries(<OrderReviews orderId={ORDER} userId={BUYER} />);

    const form = await screen.findByRole("form", { name: "Review Hana Okabe" });
    expect(screen.getByRole("region", { name: "Reviews" })).toHaveTextContent(`Write your review by ${closes}`);
    const stars = within(form).getByRole("group", { name: "Your rating" });
    expect(within(stars).getAllByRole("radio").map((r) => r.getAttribute("value"))).toEqual(["1", "2", "3", "4", "5"]);
    const text = within(form).getByLabelText("Your review");
    expect(text).toHaveAccessibleDescription("0 / 2,000 characters");

    await userEvent.click(within(form).getByRole("button", { name: "Send review" }));
    expect(stars).toHaveAccessibleDescription("Choose from 1 to 5 stars.");
    expect(text).toHaveAccessibleDescription("Say a few words about how it went. 0 / 2,000 characters");
    expect(text).toHaveAttribute("aria-invalid", "true");
    expect(await sent()).toEqual([]);

    await userEvent.click(within(stars).getByRole("radio", { name: "4 stars" }));
    expect(within(stars).getByRole("radio", { name: "4 stars" })).toBeChecked();
    expect(stars).not.toHaveAccessibleDescription();
    await userEvent.type(text, "Lovely");
    expect(text).toHaveAccessibleDescription("6 / 2,000 characters");
    expect(text).not.toHaveAttribute("aria-invalid");
    await userEvent.clear(text);
    await userEvent.click(text);
    await userEvent.paste("a".repeat(2001));
    expect(text).toHaveAccessibleDescription(/2,001 \/ 2,000 characters$/);
    await userEvent.click(within(form).getByRole("button", { name: "Send review" }));
    expect(text).toHaveAccessibleDescription(/^Shorten your review to 2,000 characters \(it has 2,001\)\./);
    expect(await sent()).toEqual([]);
  });

  it("send the review, then say it waits for the other party, and the form is gone", async () => {
    route({
      [`GET ${path}`]: json(orderReviews()),
      [`POST ${path}`]: json(orderReviews({ can_write: false, mine: reviewView({ rating: 5 }) }), 201),
    });
    renderWithQueries(<OrderReviews orderId={ORDER} userId={BUYER} />);
    const form = await screen.findByRole("form", { name: "Review Hana Okabe" });
    await userEvent.click(within(form).getByRole("radio", { name: "5 stars" }));
    await userEvent.type(within(form).getByLabelText("Your review"), "  Beautifully packed,{Enter}and even better in person.  ");
    await userEvent.click(within(form).getByRole("button", { name: "Send review" }));

    const standing = await screen.findByText(
      `Your review is written; it will be published when Hana Okabe writes theirs or on ${closes}.`,
    );
    expect(standing).toHaveFocus();
    expect(await sent()).toEqual([{ rating: 5, body: "Beautifully packed,\nand even better in person." }]);
    expect(screen.queryByRole("form")).not.toBeInTheDocument();
    const mine = screen.getByRole("article", { name: "Your review" });
    expect(within(mine).getByRole("img", { name: "5 out of 5 stars" })).toBeInTheDocument();
    // Plain text, its line break kept.
    expect(within(mine).getByText(/^Beautifully packed/).textContent).toBe("Beautifully packed,\nand even better in person.");
  });

  it("place the API's field errors under their fields, and show any other refusal", async () => {
    route({
      [`GET ${path}`]: json(orderReviews()),
      [`POST ${path}`]: problem(422, "Unprocessable", "invalid review", [{ field: "body", message: "must not contain control characters" }]),
    });
    renderWithQueries(<OrderReviews orderId={ORDER} userId={BUYER} />);
    const form = await screen.findByRole("form", { name: "Review Hana Okabe" });
    await userEvent.click(within(form).getByRole("radio", { name: "3 stars" }));
    await userEvent.type(within(form).getByLabelText("Your review"), "Fine");
    await userEvent.click(within(form).getByRole("button", { name: "Send review" }));
    expect(await within(form).findByText("Your review must not contain control characters.")).toBeInTheDocument();
    expect(within(form).getByRole("alert")).toHaveTextContent("Please correct the fields marked below.");

    route({ [`POST ${path}`]: problem(429, "Too many requests", "Slow down.") });
    await userEvent.click(within(form).getByRole("button", { name: "Send review" }));
    await waitFor(() => expect(within(form).getByRole("alert")).toHaveTextContent("Slow down. Please wait a moment before trying again."));
  });

  it("read the order again when the API says it cannot be reviewed any more", async () => {
    const closed = { state: "closed", opens_at: "2026-12-07T10:00:00Z", closes_at: "2026-12-21T10:00:00Z" } as const;
    let answer = orderReviews();
    route({
      [`GET ${path}`]: () => json(answer),
      [`POST ${path}`]: () => {
        answer = orderReviews({ window: closed, can_write: false });
        return problem(409, "Conflict", "the time to review this order ended at 2026-12-21T10:00:00Z");
      },
    });
    renderWithQueries(<OrderReviews orderId={ORDER} userId={BUYER} />);
    const form = await screen.findByRole("form", { name: "Review Hana Okabe" });
    await userEvent.click(within(form).getByRole("radio", { name: "2 stars" }));
    await userEvent.type(within(form).getByLabelText("Your review"), "Late");
    await userEvent.click(within(form).getByRole("button", { name: "Send review" }));
    expect(await screen.findByText(`The time to review this order ended on ${closes}.`)).toBeInTheDocument();
    expect(screen.queryByRole("form")).not.toBeInTheDocument();
  });

  it("prompt the artist when the buyer has written, and show both once published, as they arrive", async () => {
    const live = fakeLive();
    let answer = saleReviews({ their_review: "sealed" });
    route({ [`GET ${path}`]: () => json(answer) });
    renderWithLive(<OrderReviews orderId={ORDER} userId="artist-user" />, live);

    expect(await screen.findByText(/^Iris Collector has reviewed you\. Write yours by/)).toBeInTheDocument();
    expect(screen.getByRole("form", { name: "Review Iris Collector" })).toBeInTheDocument();
    expect(live.channels()).toContain("user:artist-user");

    answer = saleReviews({
      can_write: false,
      mine: artistReviewView({ published_at: "2026-12-11T09:00:00Z" }),
      their_review: "published",
      theirs: reviewView({ published_at: "2026-12-11T09:00:00Z" }),
    });
    live.event("user:artist-user", "notification", { kind: "review", data: { event: "published", order_id: ORDER } });
    const theirs = await screen.findByRole("article", { name: "Iris Collector's review" });
    expect(within(theirs).getByRole("img", { name: "5 out of 5 stars" })).toBeInTheDocument();
    expect(theirs).toHaveTextContent(/published/);
    expect(within(screen.getByRole("article", { name: "Your review" })).getByRole("img", { name: "4 out of 5 stars" })).toBeInTheDocument();
    expect(screen.queryByRole("form")).not.toBeInTheDocument();
  });

  it("tell their author a review was hidden, and why", async () => {
    route({
      [`GET ${path}`]: json(
        orderReviews({
          can_write: false,
          mine: reviewView({ published_at: "2026-12-11T09:00:00Z", hidden: { at: "2026-12-12T09:00:00Z", reason: "Names a courier's employee" } }),
          their_review: "hidden",
        }),
      ),
    });
    renderWithQueries(<OrderReviews orderId={ORDER} userId={BUYER} />);
    expect(await screen.findByRole("article", { name: "Your review" })).toHaveTextContent(/A moderator hid this review on .*: Names a courier's employee/);
    expect(screen.getByText("A moderator hid Hana Okabe's review.")).toBeInTheDocument();
  });
});
