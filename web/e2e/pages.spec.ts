import { expect } from "@playwright/test";

import { becomeArtist, signUp, snap, test, uniqueEmail } from "./support";

// A tour of every main page at this project's width (desktop and mobile),
// leaving a full-page screenshot of each in web/screenshots/.

test("public pages", async ({ page }, info) => {
  const home = await page.goto("/");
  // Inline scripts run by their hashes, in the header and in the page itself
  // (all Vercel serves it with); the fixture fails the test on any refusal.
  const header = (await home?.headerValue("content-security-policy")) ?? "";
  expect(header).toMatch(/script-src 'self'( 'sha256-[^' ]+')+;/);
  expect(header).not.toMatch(/unsafe-inline|\*/);
  const meta = page.locator('meta[http-equiv="Content-Security-Policy"]');
  await expect(meta).toHaveAttribute("content", /script-src 'self'( 'sha256-[^' ]+')+;/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const firstWork = page.locator('a[href^="/artworks/"]').first();
  await expect(firstWork).toBeVisible();
  await snap(page, "home", info.project.name);

  await page.goto("/search/?q=stormy%20sea");
  await expect(page.getByRole("list", { name: "Search results" }).getByRole("listitem").first()).toBeVisible();
  await snap(page, "search", info.project.name);

  await page.goto("/");
  await page.locator('a[href^="/artworks/"]').first().click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Similar works" })).toBeVisible();
  await snap(page, "artwork", info.project.name);

  await page.locator('a[href^="/artists/"]').first().click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "Follow" })).toBeVisible();
  await snap(page, "artist", info.project.name);

  await page.goto("/signin/");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await snap(page, "signin", info.project.name);
});

test("signed-in pages", async ({ page }, info) => {
  await becomeArtist(page, `Studio Tour ${info.project.name}`);
  await snap(page, "studio", info.project.name);
  await page.getByRole("link", { name: "New artwork" }).click();
  await expect(page.getByRole("button", { name: "Save artwork" })).toBeVisible();
  await snap(page, "studio-new", info.project.name);
  await page.goto("/studio/shipping/");
  await expect(page.getByRole("button", { name: "Save shipping terms" })).toBeVisible();
  await snap(page, "studio-shipping", info.project.name);
  await page.goto("/studio/payouts/");
  await expect(page.getByRole("button", { name: "Connect a payout account" })).toBeVisible();
  await snap(page, "studio-payouts", info.project.name);
  await page.goto("/studio/sales/");
  await expect(page.getByRole("heading", { name: "No sales yet" })).toBeVisible();
  await page.goto("/studio/insights/");
  await expect(page.getByRole("heading", { name: "No insights yet" })).toBeVisible();
  await snap(page, "studio-insights-empty", info.project.name);

  await page.getByRole("button", { name: "Sign out" }).click();
  await signUp(page, { name: "Tour Collector", email: uniqueEmail("tour"), role: "Collector" });
  await page.goto("/collection/");
  await expect(page.getByRole("heading", { name: "Recommended for you" })).toBeVisible();
  await snap(page, "collection", info.project.name);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Collections", exact: true }).click();
  await expect(page.getByText(/No collections yet/)).toBeVisible();
  await page.getByRole("button", { name: "New collection" }).click();
  await page.getByRole("dialog", { name: "New collection" }).getByLabel("Title").fill(`Tour picks ${info.project.name}`);
  await page.getByRole("button", { name: "Create collection" }).click();
  await snap(page, "collections", info.project.name);
  await page.getByRole("link", { name: `Tour picks ${info.project.name}` }).click();
  await expect(page.getByRole("heading", { name: "No works in this collection yet" })).toBeVisible();
  await snap(page, "collection-page", info.project.name);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cart" }).click();
  await expect(page.getByRole("heading", { name: "Your cart is empty" })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Orders" }).click();
  await expect(page.getByRole("heading", { name: "No orders yet" })).toBeVisible();
});

test("a missing artwork, no results and an unreachable API each explain themselves", async ({ page }) => {
  await page.goto("/artworks/01900000-0000-7000-8000-000000000000");
  await expect(page.getByText(/not available/i)).toBeVisible();

  await page.goto("/search/?q=sea&min_price=100000000000");
  await expect(page.getByText(/No works match/i)).toBeVisible();

  await page.route("**/api/**", (route) => route.abort("connectionrefused"));
  await page.goto("/");
  await expect(page.getByRole("alert").filter({ hasText: /unreachable/i })).toBeVisible();
});

test("the session survives a reload through the refresh cookie", async ({ page }) => {
  await signUp(page, { name: "Reload Check", email: uniqueEmail("reload"), role: "Collector" });
  await page.reload();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.reload();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
});
