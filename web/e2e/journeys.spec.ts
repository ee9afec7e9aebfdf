import { expect, type Page } from "@playwright/test";
import path from "node:path";

import { becomeArtist, datasets, signUp, test, titlesIn, uniqueEmail } from "./support";

// One listing travels through the whole marketplace: an artist lists and
// illustrates it, a collector finds it by describing it in other words,
// saves it, and their recommendations move.
test.describe.configure({ mode: "serial" });

const title = `Great Wave at Dawn ${Date.now().toString(36)}`;
const description =
  "A towering ocean wave curls like a claw over three fishing boats, while Mount Fuji sits small and calm in the distance.";
// Shares no distinctive word with the title or the description.
const paraphrase = "huge swell breaking over little rowing vessels with a snowy peak far away";

test("an artist lists a work, uploads its image and sees it processed", async ({ page }) => {
  await becomeArtist(page, "Hana Okabe");
  await page.getByRole("link", { name: "New artwork" }).click();

  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Description").fill(description);
  await page.getByLabel("Medium").fill("Woodblock print on washi");
  await page.getByLabel("Category").selectOption({ label: "Print" });
  await page.getByLabel("Year").fill("2024");
  await page.getByLabel("Height (cm)").fill("25.5");
  await page.getByLabel("Width (cm)").fill("37");
  await page.getByLabel("Edition", { exact: true }).selectOption({ label: "Limited" });
  await page.getByLabel("Edition size").fill("50");
  await page.getByLabel("Available").fill("50");
  await page.getByLabel("Price", { exact: true }).fill("1250");
  await page.getByLabel("Currency").selectOption("GBP");
  await page.getByLabel("Status").selectOption({ label: "Published" });

  // The API's own validation reaches the field it is about.
  await page.getByLabel("Edition size").fill("0");
  await page.getByRole("button", { name: "Save artwork" }).click();
  const size = page.getByLabel("Edition size");
  await expect(size).toHaveAttribute("aria-invalid", "true");
  await size.fill("50");
  await page.getByRole("button", { name: "Save artwork" }).click();
  await expect(page).toHaveURL(/\/studio\/edit\/\?id=[0-9a-f-]{36}/);

  await uploadAndWatch(page, path.join(datasets, "images", "hokusai_great_wave_crop.jpg"), { gradual: true });
  const images = page.getByRole("region", { name: "Images" });
  await expect(images.getByText("Ready").first()).toBeVisible({ timeout: 90_000 });
  await expect(images.getByRole("img", { name: title }).first()).toBeVisible();
});

test("a file that is not an image is rejected with its reason", async ({ page }) => {
  await becomeArtist(page, "Mateo Ruiz");
  await page.getByRole("link", { name: "New artwork" }).click();
  await page.getByLabel("Title").fill("Harbour at Night");
  await page.getByLabel("Category").selectOption({ label: "Painting" });
  await page.getByLabel("Price", { exact: true }).fill("400");
  await page.getByRole("button", { name: "Save artwork" }).click();
  await expect(page).toHaveURL(/\/studio\/edit\/\?id=/);

  // An HTML page named .jpg passes the browser's checks; the server sniffs it.
  await uploadAndWatch(page, path.join(datasets, "bad-images", "html_page.jpg"), { gradual: false });
  const images = page.getByRole("region", { name: "Images" });
  await expect(images.getByText("Rejected").first()).toBeVisible({ timeout: 60_000 });
  await expect(images.getByText(/not a JPEG, PNG, WebP or TIFF image/i)).toBeVisible();
});

test("a collector finds the work by a paraphrase, saves it and gets new recommendations", async ({ page }) => {
  await signUp(page, { name: "Iris Collector", email: uniqueEmail("collector"), role: "Collector" });

  await page.goto("/collection/");
  const before = await titlesIn(page, "Recommended for you");

  await page.goto("/search/");
  const box = page.getByRole("searchbox", { name: "Search artworks" });
  await box.fill(paraphrase);
  const results = page.getByRole("list", { name: "Search results" });
  // The listing is embedded by a background job; a search shortly after
  // publishing may predate it, so search again until it is in.
  await expect(async () => {
    await page.reload();
    await expect(results.getByRole("link", { name: title })).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 90_000 });
  expect(page.url()).toContain("q=");
  await expect(page.getByRole("searchbox", { name: "Search artworks" })).toHaveValue(paraphrase);

  await results.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  const save = page.getByRole("button", { name: "Save", exact: true });
  await save.click();
  await expect(save).toHaveAttribute("aria-pressed", "true");
  // Likes and saves are remembered across visits.
  const like = page.getByRole("button", { name: "Like", exact: true });
  // The button shows the like at once; the reload waits for the API to have it.
  const liked = page.waitForResponse(
    (r) => new URL(r.url()).pathname === "/api/interactions" && (r.request().postDataJSON() as { kind?: string } | null)?.kind === "like",
  );
  await like.click();
  await expect(like).toHaveAttribute("aria-pressed", "true");
  expect((await liked).ok()).toBe(true);
  await page.reload();
  await expect(page.getByRole("button", { name: "Like", exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("button", { name: "Save", exact: true })).toHaveAttribute("aria-pressed", "true");

  await page.goto("/collection/");
  await expect(page.getByRole("list", { name: "Saved works" }).getByRole("link", { name: title })).toBeVisible();
  await expect
    .poll(async () => {
      await page.reload();
      return (await titlesIn(page, "Recommended for you")).join("|");
    })
    .not.toBe(before.join("|"));
});

async function uploadAndWatch(page: Page, file: string, { gradual }: { gradual: boolean }) {
  const images = page.getByRole("region", { name: "Images" });
  await expect(images).toBeVisible();
  // Records every value the bar shows, to prove it moved rather than jumped
  // straight from nothing to done.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => {
      const bar = document.querySelector('[aria-label="Upload progress"], [aria-labelledby][role="progressbar"]');
      const value = bar?.getAttribute("aria-valuenow") ?? (bar as HTMLProgressElement | null)?.value?.toString();
      if (value && seen.at(-1) !== value) seen.push(value);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  // Loopback would send the file in one go; a slow uplink makes the
  // browser report progress on the way, as it would for a real artist.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 64 * 1024,
  });
  await page.getByLabel("Add image").setInputFiles(file);
  await expect(images.getByRole("progressbar", { name: "Upload progress" })).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen))
    .toContain("100");
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  if (gradual) {
    expect(seen.some((value) => Number(value) > 0 && Number(value) < 100), `progress went ${seen.join(" → ")}`).toBe(true);
  }
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await cdp.detach();
}
