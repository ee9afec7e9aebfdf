import { expect, type Page } from "@playwright/test";

import { artistWithProfile, checkNarrow, listUniqueWork, signUp, test, uniqueEmail } from "./support";

// A collector gathers two works into a collection from the works' own pages,
// with a note on each, puts them in order and shares it: anyone then reaches
// it at its address, and search finds it by its title.

const stamp = Date.now().toString(36);
const title = `Harbour light ${stamp}`;
const firstWork = `Moored Boats ${stamp}`;
const secondWork = `Breakwater at Noon ${stamp}`;

/** Adds the open work to the collection through its page's dialog, with a note. */
async function addFromWorkPage(page: Page, workId: string, workTitle: string, note: string, create: boolean) {
  await page.goto(`/artworks/${workId}`);
  await expect(page.getByRole("heading", { level: 1, name: workTitle })).toBeVisible();
  await page.getByRole("button", { name: "Add to collection", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Add “${workTitle}” to a collection` });
  if (create) {
    const group = dialog.getByRole("group", { name: "New collection" });
    await group.getByLabel("Title of the new collection").fill(title);
    await group.getByRole("button", { name: "Create collection" }).click();
  }
  const box = dialog.getByRole("checkbox", { name: new RegExp(title) });
  if (!create) await box.check();
  await expect(box).toBeChecked();
  await dialog.getByLabel("Note (optional)").fill(note);
  await dialog.getByRole("button", { name: "Save", exact: true }).click();
  await expect(dialog.getByText(`Added to “${title}”.`)).toBeVisible();
  return dialog;
}

async function titlesInOrder(page: Page): Promise<string[]> {
  const list = page.getByRole("list", { name: "Works in this collection" });
  await expect(list.getByRole("listitem").first()).toBeVisible();
  return list.getByRole("heading", { level: 3 }).allInnerTexts();
}

test("a collector curates a collection, shares it, and search finds it", async ({ page, request }) => {
  const artist = await artistWithProfile(request, `Coast Painter ${stamp}`);
  const first = await listUniqueWork(request, artist, firstWork);
  const second = await listUniqueWork(request, artist, secondWork);

  await signUp(page, { name: "Curating Collector", email: uniqueEmail("curator"), role: "Collector" });

  // The first work starts the collection, from the work's own page.
  const dialog = await addFromWorkPage(page, first, firstWork, "Where the harbour wakes up.", true);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  // The second joins it, and the dialog leads to the collection.
  const again = await addFromWorkPage(page, second, secondWork, "Noon, and nothing moves.", false);
  await again.getByRole("link", { name: `View “${title}”` }).click();

  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/collections/harbour-light-${stamp}-[0-9a-f-]{36}$`));
  const address = new URL(page.url()).pathname;
  expect(await titlesInOrder(page)).toEqual([firstWork, secondWork]);
  await expect(page.getByText("Where the harbour wakes up.")).toBeVisible();
  await expect(page.getByText("Private: only you can see it.")).toBeVisible();

  // The second work goes first, by the button, and the order is saved.
  const saved = page.waitForResponse((r) => r.url().endsWith("/order") && r.request().method() === "PUT");
  await page.getByRole("button", { name: `Move up “${secondWork}”` }).click();
  expect((await saved).status()).toBe(200);
  expect(await titlesInOrder(page)).toEqual([secondWork, firstWork]);
  await expect(page.getByRole("button", { name: `Move up “${secondWork}”` })).toBeFocused();

  await page.getByRole("button", { name: "Make public" }).click();
  await expect(page.getByText("Public: anyone with the link can see it, and it can appear in search.")).toBeVisible();

  // The header leads back to the collector's collections.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Collections", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Your collections" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Your collections" }).getByRole("link", { name: title })).toHaveAttribute("href", address);

  // Signed out, anyone reaches it at its address, in its order, with its notes.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto(address);
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByText("Curated by Curating Collector · 2 works")).toBeVisible();
  expect(await titlesInOrder(page)).toEqual([secondWork, firstWork]);
  await expect(page.getByText("Noon, and nothing moves.")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Move/ })).toHaveCount(0);
  await checkNarrow(page, "collection-page");

  // Search shows it as a collection, apart from the works.
  await page.goto(`/search/?q=${encodeURIComponent(title)}`);
  const found = page.getByRole("list", { name: `Collections matching “${title}”` });
  await expect(found.getByRole("link", { name: title })).toHaveAttribute("href", address);
  await expect(found).toContainText("By Curating Collector · 2 works");
});
