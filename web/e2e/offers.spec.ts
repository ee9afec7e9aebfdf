import { expect } from "@playwright/test";
import path from "node:path";

import {
  artistWithProfile,
  checkNarrow,
  listUniqueWork,
  receiveUntilComplete,
  registerAccount,
  screenshotDir,
  shipSale,
  signIn,
  signedInPage,
  snap,
  test,
} from "./support";

// Offers through the real server and its payments sandbox: an artist opens a
// work to offers with a private floor, a collector saves a card and offers
// below the floor (declined at once, politely), then offers again, the
// artist counters, the collector sees the counter arrive live and accepts,
// and the order, paid and accepted, is in both dashboards. The artist ships
// it, the collector says it arrived, and once it completes they review each
// other, double-blind: the collector's review is read by nobody until the
// artist has written theirs, and then both are published at once, on the
// order, the sale and the artist's page.

const run = Date.now().toString(36);
const title = `Tidal Study ${run}`;

test("a collector's offer is countered by the artist and accepted into a paid order", async ({ page, browser, request, policyViolations }, info) => {
  test.setTimeout(360_000);

  // Listed at £1,250; delivery within Britain £10.
  const hana = await artistWithProfile(request, "Hana Okabe");
  const workId = await listUniqueWork(request, hana, title, 125000);
  const iris = await registerAccount(request, "Iris Collector", "collector");

  const studio = await signedInPage(browser, hana.email, policyViolations);
  await test.step("the artist opens the work to offers with a private floor", async () => {
    await studio.goto(`/studio/edit/?id=${workId}`);
    const offers = studio.getByRole("region", { name: "Offers" });
    await expect(offers).toContainText("Collectors can only buy this work at its price.");
    await offers.getByRole("checkbox", { name: "Take offers on this work" }).check();
    await offers.getByLabel("Lowest offer you will consider (GBP, optional)").fill("800");
    await offers.getByRole("button", { name: "Save offer settings" }).click();
    await expect(offers.getByRole("status")).toHaveText("This work now takes offers.");
    await studio.reload();
    await expect(studio.getByLabel("Lowest offer you will consider (GBP, optional)")).toHaveValue("800.00");
  });

  const dialog = page.getByRole("dialog", { name: `Make an offer on “${title}”` });
  await test.step("the collector saves a card, and an offer below the floor is declined at once", async () => {
    await signIn(page, iris.email);
    await page.goto(`/artworks/${workId}`);
    await page.getByRole("button", { name: "Make an offer" }).click();
    await expect(dialog.getByRole("heading", { level: 2 })).toBeFocused();
    await expect(dialog).toContainText("First, save a card.");
    await dialog.getByLabel("Card number").fill("4242 4242 4242 4242");
    await dialog.getByRole("button", { name: "Save card" }).click();
    await expect(dialog).toContainText("charged to your Visa ending 4242 at once");

    await dialog.getByLabel("Your offer (GBP)").fill("500");
    await dialog.getByLabel("Full name").fill("Iris Collector");
    await dialog.getByLabel("Address", { exact: true }).fill("1 Harbour Row");
    await dialog.getByLabel("Town or city").fill("Bristol");
    await dialog.getByLabel("Postcode (optional)").fill("BS1 4RN");
    await dialog.getByLabel("Country").selectOption("GB");
    await dialog.screenshot({ path: path.join(screenshotDir, `offer-dialog-${info.project.name}.png`) });
    await dialog.getByRole("button", { name: "Send offer of £500.00" }).click();
    await expect(dialog.getByRole("heading", { name: "Your offer was declined" })).toBeFocused();
    await expect(dialog).toContainText("It is below what the artist can accept for this work");
  });

  await test.step("the collector offers again, above the floor", async () => {
    await dialog.getByRole("button", { name: "Make another offer" }).click();
    await dialog.getByLabel("Your offer (GBP)").fill("900");
    await dialog.getByLabel("Note for the artist (optional)").fill("I have loved it since the summer show.");
    await dialog.getByRole("button", { name: "Send offer of £900.00" }).click();
    await expect(dialog.getByRole("heading", { name: "Your offer is sent" })).toBeFocused();
    await expect(dialog).toContainText("Your offer of £900.00 awaits Hana Okabe's answer.");
    await dialog.getByRole("link", { name: "View your offer" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Offer on ${title}` })).toBeVisible();
    await expect(page.getByRole("region", { name: "Your offer of £900.00" })).toContainText("It expires in 3 days");
  });

  await test.step("the artist finds the offer awaiting them and counters", async () => {
    await studio.goto("/studio/offers/");
    const awaiting = studio.getByRole("list", { name: "Awaiting your answer" });
    await expect(awaiting.getByRole("listitem").filter({ hasText: title })).toContainText("from Iris Collector");
    await snap(studio, "studio-offers", info.project.name);
    await awaiting.getByRole("link", { name: title }).click();
    const answer = studio.getByRole("region", { name: "Iris Collector offers £900.00" });
    await expect(studio.getByRole("list", { name: "Offers" })).toContainText("“I have loved it since the summer show.”");
    await answer.getByRole("button", { name: "Counter" }).click();
    const counter = studio.getByRole("form", { name: "Your counter-offer" });
    await counter.getByLabel("Your counter-offer (GBP)").fill("1100");
    await counter.getByLabel("Note for Iris Collector (optional)").fill("It took me a year to paint.");
    await counter.getByRole("button", { name: "Send counter-offer of £1,100.00" }).click();
    await expect(studio.getByRole("region", { name: "Your offer of £1,100.00" })).toBeVisible();
  });

  await test.step("the counter reaches the collector's open thread live, and they accept it", async () => {
    const answer = page.getByRole("region", { name: "Hana Okabe offers £1,100.00" });
    await expect(answer).toBeVisible();
    await expect(page.getByRole("list", { name: "Offers" })).toContainText("“It took me a year to paint.”");
    await snap(page, "offer-thread", info.project.name);
    await checkNarrow(page, "offer-thread");
    await answer.getByRole("button", { name: "Accept £1,100.00" }).click();
    const confirm = page.getByRole("dialog", { name: "Accept £1,100.00?" });
    await expect(confirm).toContainText("Your saved card is charged £1,100.00 plus shipping at once");
    await confirm.getByRole("button", { name: "Accept and pay £1,100.00" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Accepted at £1,100.00: your order is placed and paid." })).toBeVisible();
  });

  await test.step("the order is paid and accepted, in the collector's orders and the artist's sales", async () => {
    await page.getByRole("link", { name: "See your order" }).click();
    await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "The artist accepted the order and is preparing it." })).toBeVisible();
    await expect(page.locator("dt", { hasText: "Total" }).locator("xpath=following-sibling::dd[1]")).toHaveText("£1,110.00");
    await page.goto("/orders/");
    const order = page.getByRole("list", { name: "Orders" }).getByRole("listitem").filter({ hasText: title });
    await expect(order).toContainText("Accepted");
    await expect(order).toContainText("£1,110.00");

    await studio.goto("/studio/sales/");
    const sale = studio.getByRole("list", { name: "Needs your attention" }).getByRole("listitem").filter({ hasText: title });
    await expect(sale).toContainText("Accepted");
    await expect(sale).toContainText("Ship by");
  });

  await test.step("the conversation about the work tells each step as a card", async () => {
    await studio.goto("/messages/");
    await studio.getByRole("list", { name: "Conversations" }).getByRole("link", { name: "Iris Collector" }).click();
    const messages = studio.getByRole("list", { name: "Messages" });
    await expect(messages.getByRole("link", { name: "View the offer" })).toHaveCount(3);
    await expect(messages.getByRole("listitem").last()).toContainText("Accepted the offer of GBP 1100.00.");
  });

  await test.step("the artist ships, the collector says it arrived, and the order completes", async () => {
    await studio.goto("/studio/sales/");
    await studio.getByRole("list", { name: "Needs your attention" }).getByRole("link", { name: title }).click();
    await shipSale(studio, `RM${run}GB`.toUpperCase());
    await page.goto("/orders/");
    await page.getByRole("list", { name: "Orders" }).getByRole("link", { name: title }).click();
    await receiveUntilComplete(page);
  });

  const collectorsWords = "Even better in person, and packed with great care.";
  const artistsWords = "Paid at once and kind in every message.";
  await test.step("the collector is asked for a review, and writes it once", async () => {
    await page.goto("/orders/");
    await page.getByRole("list", { name: "Reviews to write" }).getByRole("link", { name: `Review Hana Okabe for “${title}”` }).click();
    const reviews = page.getByRole("region", { name: "Reviews" });
    const form = reviews.getByRole("form", { name: "Review Hana Okabe" });
    await expect(reviews).toContainText("Neither of you reads the other's review until both are written");
    await form.getByRole("button", { name: "Send review" }).click();
    await expect(form.getByRole("group", { name: "Your rating" })).toHaveAccessibleDescription("Choose from 1 to 5 stars.");
    await form.getByRole("radio", { name: "5 stars" }).check();
    await form.getByLabel("Your review").fill(collectorsWords);
    await expect(form.getByLabel("Your review")).toHaveAccessibleDescription(`${collectorsWords.length} / 2,000 characters`);
    await snap(page, "order-review-form", info.project.name);
    await form.getByRole("button", { name: "Send review" }).click();
    await expect(reviews.getByText(/^Your review is written; it will be published when Hana Okabe writes theirs or on /)).toBeFocused();
    await expect(reviews.getByRole("article", { name: "Your review" })).toContainText(collectorsWords);
    await page.reload();
    await expect(reviews.getByRole("article", { name: "Your review" })).toBeVisible();
    await expect(reviews.getByRole("form")).toHaveCount(0);
    await page.goto("/orders/");
    await expect(page.getByRole("list", { name: "Orders" }).getByRole("link", { name: title })).toBeVisible();
    await expect(page.getByRole("region", { name: "Reviews to write" })).toHaveCount(0);
  });

  await test.step("the artist is told a review waits for theirs, but nobody reads it yet", async () => {
    await page.goto(`/artists/${hana.slug}`);
    await expect(page.getByRole("region", { name: "Reviews" })).toContainText("No reviews yet.");
    await expect(page.getByRole("link", { name: /^Rated / })).toHaveCount(0);

    await studio.goto("/studio/sales/");
    await studio.getByRole("region", { name: "Reviews to write" }).getByRole("link", { name: `Review Iris Collector for “${title}”` }).click();
    const reviews = studio.getByRole("region", { name: "Reviews" });
    await expect(reviews).toContainText(/Iris Collector has reviewed you\. Write yours by .* to read theirs/);
    await expect(reviews).not.toContainText(collectorsWords);
    await expect(reviews.getByRole("article")).toHaveCount(0);
  });

  await test.step("the artist writes theirs, and both are published on the order, the sale and the artist's page", async () => {
    // The collector watches their order while the artist writes.
    await page.goto("/orders/");
    await page.getByRole("list", { name: "Orders" }).getByRole("link", { name: title }).click();
    await expect(page.getByRole("article", { name: "Your review" })).toBeVisible();

    const reviews = studio.getByRole("region", { name: "Reviews" });
    const form = reviews.getByRole("form", { name: "Review Iris Collector" });
    await form.getByRole("radio", { name: "4 stars" }).check();
    await form.getByLabel("Your review").fill(artistsWords);
    await form.getByRole("button", { name: "Send review" }).click();
    await expect(reviews.getByRole("article", { name: "Iris Collector's review" })).toContainText(collectorsWords);
    await expect(reviews.getByRole("article", { name: "Your review" })).toContainText(artistsWords);
    await expect(reviews.getByRole("form")).toHaveCount(0);

    // Told live, the collector's open order shows the artist's review.
    const theirs = page.getByRole("article", { name: "Hana Okabe's review" });
    await expect(theirs).toContainText(artistsWords);
    await expect(theirs.getByRole("img", { name: "4 out of 5 stars" })).toBeVisible();
    await snap(page, "order-reviews", info.project.name);
    await checkNarrow(page, "order-reviews");

    await page.goto(`/artists/${hana.slug}`);
    await expect(page.getByRole("link", { name: "Rated 5.0 out of 5, 1 review" })).toBeVisible();
    const published = page.getByRole("list", { name: "Reviews of Hana Okabe" }).getByRole("listitem", { name: "Iris Collector" });
    await expect(published).toContainText("Verified purchase");
    await expect(published).toContainText(collectorsWords);
    await expect(published).toContainText(`bought “${title}”`);
    await expect(published.getByRole("img", { name: "5 out of 5 stars" })).toBeVisible();
    await expect(page.getByRole("list", { name: "Reviews by stars" }).getByRole("listitem").first()).toHaveText("5 stars: 1");
    await snap(page, "artist-reviews", info.project.name);
    await checkNarrow(page, "artist-reviews");
    await studio.context().close();
  });
});
