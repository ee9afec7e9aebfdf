import { test as base, expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The shared datasets: real images and hostile files. */
export const datasets =
  process.env.ATELIER_DATASETS ?? fileURLToPath(new URL("../../../shared/datasets", import.meta.url));

export const screenshotDir = fileURLToPath(new URL("../screenshots", import.meta.url));
mkdirSync(screenshotDir, { recursive: true });

/**
 * Playwright's `test`, failing any test during which the browser refused
 * something under the pages' Content-Security-Policy: Chromium reports each
 * refusal (an inline script without its hash, an image or upload to another
 * origin) on the console, whichever page or navigation it happened on.
 */
export const test = base.extend<{ policyViolations: string[] }>({
  policyViolations: [
    async ({ page }, use) => {
      const violations: string[] = [];
      watchPolicy(page, violations);
      await use(violations);
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});

/** Records the policy refusals of a page (one the test opened besides its own) in `violations`. */
export function watchPolicy(page: Page, violations: string[]) {
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
}

/** A full-page screenshot in web/screenshots/, once the page has settled. */
export async function snap(page: Page, name: string, project: string) {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: path.join(screenshotDir, `${name}-${project}.png`), fullPage: true });
}

let accounts = 0;

/** A new address for every account, so reruns against one database never collide. */
export function uniqueEmail(kind: string): string {
  accounts += 1;
  return `${kind}-${Date.now().toString(36)}-${accounts}@example.com`;
}

export const PASSWORD = "correct horse battery staple";

/**
 * The address (path and query) of the newest link to the site's `pagePath`
 * mailed to `email`, read from the development mailbox. The worker sends
 * mail moments after it is written, so the mailbox is asked until it has it.
 */
export async function mailedLink(request: APIRequestContext, email: string, pagePath: string): Promise<string> {
  const pattern = new RegExp(`https?://\\S+${pagePath.replace(/[/.]/g, "\\$&")}\\?token=\\S+`);
  let link = "";
  await expect
    .poll(
      async () => {
        const response = await request.get(`/api/dev/mail?to=${encodeURIComponent(email)}`);
        const mail = (await response.json()) as { text_body: string }[];
        link = mail.map((message) => pattern.exec(message.text_body)?.[0]).find((found) => found !== undefined) ?? "";
        return link;
      },
      { message: `a link to ${pagePath} mailed to ${email}` },
    )
    .not.toBe("");
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

/** Confirms `email` through the API with the link mailed to it, as accounts made through the API need. */
export async function confirmEmailByApi(request: APIRequestContext, email: string): Promise<void> {
  const link = await mailedLink(request, email, "/verify-email/");
  const token = new URLSearchParams(link.split("?")[1]).get("token");
  const response = await request.post("/api/auth/email-verification", { data: { token } });
  expect(response.status(), await response.text()).toBe(204);
}

/** Opens the link mailed to `email` in the browser, which confirms the address. */
export async function confirmEmail(page: Page, email: string): Promise<void> {
  await page.goto(await mailedLink(page.request, email, "/verify-email/"));
  await expect(page.getByRole("status")).toContainText("Your e-mail address is confirmed");
}

/** Signs up through the form and, unless told not to, confirms the address from the mailbox. */
export async function signUp(
  page: Page,
  account: { name: string; email: string; role: "Artist" | "Collector" },
  { confirm = true }: { confirm?: boolean } = {},
) {
  await page.goto("/signup/");
  await page.getByLabel("Display name").fill(account.name);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("radio", { name: account.role }).check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  if (account.role === "Artist") await expect(page).toHaveURL(/\/studio\/$/);
  if (confirm) await confirmEmail(page, account.email);
}

export async function becomeArtist(page: Page, name: string) {
  await signUp(page, { name, email: uniqueEmail("artist"), role: "Artist" });
  await page.goto("/studio/");
  await page.getByLabel("Artist name").fill(name);
  await page.getByLabel("Bio").fill("Prints and paintings of the sea, made in a small studio by the harbour.");
  await page.getByRole("button", { name: "Create profile" }).click();
  await expect(page.getByRole("link", { name: "New artwork" })).toBeVisible();
}

export async function signIn(page: Page, email: string) {
  await page.goto("/signin/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** Titles of the works in a list with the given accessible name. */
export async function titlesIn(page: Page, list: string): Promise<string[]> {
  const region = page.getByRole("list", { name: list });
  await expect(region.getByRole("listitem").first()).toBeVisible();
  return region.getByRole("heading").allInnerTexts();
}

/** An account made through the API, with its access token for more API calls. */
export type ApiAccount = { email: string; name: string; token: string; userId: string };

export async function registerAccount(
  request: APIRequestContext,
  name: string,
  role: "artist" | "collector",
): Promise<ApiAccount> {
  const email = uniqueEmail(role);
  const response = await request.post("/api/auth/register", { data: { email, password: PASSWORD, display_name: name, role } });
  expect(response.status(), await response.text()).toBe(201);
  const session = (await response.json()) as { access_token: string; user: { id: string } };
  await confirmEmailByApi(request, email);
  return { email, name, token: session.access_token, userId: session.user.id };
}

/** One API call as `account`, which must succeed; its JSON answer, if any. */
export async function apiAs(
  request: APIRequestContext,
  account: ApiAccount,
  method: "POST" | "PUT" | "DELETE",
  url: string,
  data?: object,
): Promise<Record<string, unknown>> {
  const response = await request.fetch(url, {
    method,
    headers: { Authorization: `Bearer ${account.token}` },
    ...(data ? { data } : {}),
  });
  expect(response.ok(), `${method} ${url}: ${response.status()} ${await response.text()}`).toBe(true);
  const text = await response.text();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** An artist with a profile (at `/artists/<slug>`) and shipping terms, so their works can be bought. */
export async function artistWithProfile(request: APIRequestContext, name: string): Promise<ApiAccount & { slug: string }> {
  const account = await registerAccount(request, name, "artist");
  const slug = `${name.toLowerCase().replace(/\W+/g, "-")}-${Date.now().toString(36)}`;
  await apiAs(request, account, "POST", "/api/artists", { slug, name, bio: "Prints and paintings of the coast." });
  await apiAs(request, account, "PUT", "/api/me/shipping", { origin_country: "GB", currency: "GBP", domestic_minor: 1000, collection: true });
  return { ...account, slug };
}

/** A published unique work by `artist`; its id. */
export async function listUniqueWork(request: APIRequestContext, artist: ApiAccount, title: string, amountMinor = 48000): Promise<string> {
  const created = await apiAs(request, artist, "POST", "/api/artworks", {
    title,
    category: "painting",
    edition: { kind: "unique" },
    price: { amount_minor: amountMinor, currency: "GBP" },
    description: "Made in a small studio by the harbour, in the light of early morning.",
    medium: "Oil on linen",
    status: "published",
  });
  return created.id as string;
}

/**
 * A browser context of its own, signed in as `email`, its policy refusals
 * counted with the test's; `watch` sees the page before anything loads.
 */
export async function signedInPage(browser: Browser, email: string, violations: string[], watch?: (page: Page) => void): Promise<Page> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const page = await context.newPage();
  watchPolicy(page, violations);
  watch?.(page);
  await signIn(page, email);
  return page;
}

/** Buys one work through the site's cart and the payments sandbox, from its page to the thank-you. */
export async function buyThroughSite(page: Page, workId: string) {
  await page.goto(`/artworks/${workId}`);
  await page.getByRole("button", { name: "Buy now" }).click();
  await expect(page).toHaveURL(/\/cart\/$/);
  await page.getByLabel("Full name").fill("Second Collector");
  await page.getByLabel("Address", { exact: true }).fill("2 Harbour Row");
  await page.getByLabel("Town or city").fill("Bristol");
  await page.getByLabel("Postcode (optional)").fill("BS1 4RN");
  await page.getByLabel("Country").selectOption("GB");
  await page.getByRole("button", { name: /^Continue to payment/ }).click();
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: /^Pay / }).click();
  await expect(page.getByRole("heading", { name: "Thank you: your order is placed" })).toBeVisible();
}

/**
 * Ships the sale open on `page` (the artist's sale page, the order
 * accepted) with Royal Mail and `tracking`.
 */
export async function shipSale(page: Page, tracking: string) {
  const ship = page.getByRole("region", { name: "Ship this order" });
  await expect(ship).toContainText("Ship by");
  await ship.getByLabel("Carrier").fill("Royal Mail");
  await ship.getByLabel("Tracking number").fill(tracking);
  await ship.getByRole("button", { name: "Mark as shipped" }).click();
  await expect(page.getByRole("status").filter({ hasText: /^Shipped\./ })).toBeVisible();
  await expect(page.getByRole("region", { name: "Deadlines" })).toContainText("Counts as received on");
}

/**
 * Says the order open on `page` (the collector's order page, shipped)
 * arrived, and waits for it to complete: the browser tests' server has no
 * payout hold and runs the order timers every two seconds.
 */
export async function receiveUntilComplete(page: Page) {
  await expect(page.getByText(/Carrier: Royal Mail · Tracking number /)).toBeVisible();
  await page.getByRole("button", { name: "I received it" }).click();
  await expect(page.getByRole("status").filter({ hasText: /^(You have it|Complete)/ })).toBeVisible();
  const timeline = page.getByRole("list", { name: "Order timeline" });
  await expect(timeline).toContainText("Shipped");
  await expect(timeline).toContainText("Received");
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("status").filter({ hasText: "Complete. Enjoy your work." })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
}

/** The page at a small phone's width: nothing wider than the screen; a screenshot beside the desktop one. */
export async function checkNarrow(page: Page, name: string) {
  const wide = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 780 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} is wider than a 360-pixel screen`).toBeLessThanOrEqual(0);
  await snap(page, name, "narrow");
  if (wide) await page.setViewportSize(wide);
}
