import { expect } from "@playwright/test";
import path from "node:path";

import { artistWithProfile, checkNarrow, listUniqueWork, registerAccount, screenshotDir, signIn, signedInPage, snap, test } from "./support";

// Offers through the real server and its payments sandbox: an artist opens a
// work to offers with a private floor, a collector saves a card and offers
// below the floor (declined at once, politely), then offers again, the
// artist counters, the collector sees the counter arrive live and accepts,
// and the order, paid and accepted, is in both dashboards.

const run = Date.now().toString(36);
const title = `Tidal Study ${run}`;

test("a collector's offer is countered by the artist and accepted into a paid order", async ({ page, browser, request, policyViolations }, info) => {
  test.setTimeout(240_000);

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
    await studio.context().close();
  });
});
