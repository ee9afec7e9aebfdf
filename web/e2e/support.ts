import { test as base, expect, type Page } from "@playwright/test";
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

export async function signUp(page: Page, account: { name: string; email: string; role: "Artist" | "Collector" }) {
  await page.goto("/signup/");
  await page.getByLabel("Display name").fill(account.name);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("radio", { name: account.role }).check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

export async function becomeArtist(page: Page, name: string) {
  await signUp(page, { name, email: uniqueEmail("artist"), role: "Artist" });
  await expect(page).toHaveURL(/\/studio\/$/);
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
