import { expect, type Locator, type Page } from "@playwright/test";

import { artistWithProfile, checkNarrow, listUniqueWork, registerAccount, signIn, signedInPage, snap, test } from "./support";

// An artist's insights through the real server: a collector views and saves
// one of their works, the server's rollup counts it (every couple of seconds
// in the browser tests: INSIGHTS_ROLLUP_INTERVAL_SECS in scripts/test), and
// the dashboard, its charts' tables and the works table all show it.

const run = Date.now().toString(36);
const title = `Harbour Insight ${run}`;

/** A headline figure's value. */
const figure = (page: Page, label: string): Locator =>
  page
    .getByRole("region", { name: "Totals" })
    .locator("div")
    .filter({ has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) })
    .locator("dd")
    .first();

test("a collector's view and save reach the artist's insights, in the charts and their tables", async ({ page, browser, request, policyViolations }, info) => {
  test.setTimeout(180_000);
  const artist = await artistWithProfile(request, "Insight Artist");
  const workId = await listUniqueWork(request, artist, title);
  const collector = await registerAccount(request, "Insight Collector", "collector");

  await test.step("a new artist's dashboard is quiet", async () => {
    await signIn(page, artist.email);
    await page.goto("/studio/");
    await page.getByRole("navigation", { name: "Studio" }).getByRole("link", { name: "Insights" }).click();
    await expect(page).toHaveURL(/\/studio\/insights\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "Insights" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "No activity in this period" })).toBeVisible();
  });

  await test.step("a collector views the work and saves it", async () => {
    const visitor = await signedInPage(browser, collector.email, policyViolations);
    await visitor.goto(`/artworks/${workId}`);
    await expect(visitor.getByRole("heading", { level: 1, name: title })).toBeVisible();
    const save = visitor.getByRole("button", { name: "Save", exact: true });
    await save.click();
    await expect(save).toHaveAttribute("aria-pressed", "true");
    await visitor.context().close();
  });

  await test.step("once rolled up, the dashboard counts the view and the save", async () => {
    await expect(async () => {
      await page.reload();
      await expect(figure(page, "Views")).toHaveText("1", { timeout: 3_000 });
      // The view and the save may be rolled up in different runs.
      await expect(figure(page, "Saves")).toHaveText("1", { timeout: 1_000 });
    }).toPass({ timeout: 90_000 });
    await expect(figure(page, "Orders")).toHaveText("0");
    await expect(page.getByText(/^Last counted /)).toBeVisible();

    const activity = page.getByRole("region", { name: "Views, saves and orders" });
    await expect(activity.getByRole("img")).toHaveAttribute("aria-label", /: 1 view, 1 save and 0 orders;/);
    await expect(activity.locator("svg .recharts-line")).toHaveCount(3);
    const funnel = page.getByRole("region", { name: "From view to order" });
    await expect(funnel.getByRole("img")).toHaveAttribute("aria-label", /1 view, 1 save \(100% of views\), 0 orders/);
    await snap(page, "studio-insights", info.project.name);

    // The table in the chart's place holds the same figures: today, the period's last day, has the view and the save.
    await activity.getByRole("button", { name: "Show as table" }).click();
    await expect(activity.getByRole("button", { name: "Show as table" })).toHaveAttribute("aria-pressed", "true");
    await expect(activity.getByRole("img")).toHaveCount(0);
    const table = activity.getByRole("table", { name: "Views, saves and orders by day" });
    await expect(table).toBeVisible();
    const rows = table.locator("tbody tr");
    await expect(rows).toHaveCount(30);
    await expect(rows.last().locator("td")).toHaveText(["1", "1", "0"]);
    await expect(table.locator("tbody td").filter({ hasText: /^[1-9]/ })).toHaveCount(2);
  });

  await test.step("the works table has the work's figures and opens its own insights", async () => {
    const works = page.getByRole("table", { name: /^Your works/ });
    const row = works.getByRole("row").filter({ has: page.getByRole("link", { name: title }) });
    // Work, then views, saves, likes, shares, impressions, clicks, offers, orders, revenue.
    await expect(row.locator("td")).toHaveText(["1", "1", "0", "0", "0", "0", "0", "0", "–"]);
    await works.getByRole("button", { name: /Saves/ }).click();
    await expect(page).toHaveURL(/sort=saves/);
    await expect(works.getByRole("columnheader", { name: /Saves/ })).toHaveAttribute("aria-sort", "descending");

    await page.getByRole("link", { name: title }).click();
    await expect(page).toHaveURL(new RegExp(`work=${workId}`));
    await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
    await expect(figure(page, "Views")).toHaveText("1");
    await expect(figure(page, "Saves")).toHaveText("1");
  });

  await test.step("the period is in the address", async () => {
    await page.getByLabel("Period").selectOption({ label: "Last 7 days" });
    await expect(page).toHaveURL(/period=7d/);
    await expect(page.getByText(/· 7 days, counted in UTC/)).toBeVisible();
    await expect(figure(page, "Views")).toHaveText("1");
    await page.reload();
    await expect(page.getByLabel("Period")).toHaveValue("7d");
    await page.getByRole("link", { name: "← All works" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Insights" })).toBeVisible();
    await expect(page).toHaveURL(/\/studio\/insights\/\?period=7d&sort=saves$/);
    await checkNarrow(page, "studio-insights");
  });
});
