import { expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";

import { PASSWORD, confirmEmailByApi, receiveUntilComplete, shipSale, signIn, signUp, snap, test, uniqueEmail, watchPolicy } from "./support";

// Buying art from two artists in one checkout, through the real server and
// its payments sandbox: the artists list their works and set how they ship,
// a collector pays (a refused card first), both artists accept and ship, the
// collector says the works arrived, and the orders complete and are paid out.
// A card whose bank asks for 3-D Secure goes through that step, and a second
// collector racing for a unique work is told it was just sold.
// scripts/test starts the server with no payout hold and the order timers
// every two seconds, so completion follows receipt within moments.
test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);

type Account = { email: string; token: string };

/** An account made through the API, as the other journeys' data is. */
async function register(request: APIRequestContext, name: string, role: "artist" | "collector"): Promise<Account> {
  const email = uniqueEmail(role);
  const response = await request.post("/api/auth/register", { data: { email, password: PASSWORD, display_name: name, role } });
  expect(response.status(), await response.text()).toBe(201);
  const session = (await response.json()) as { access_token: string };
  await confirmEmailByApi(request, email);
  return { email, token: session.access_token };
}

async function send(request: APIRequestContext, account: Account, method: "POST" | "PUT", url: string, data?: object) {
  const response = await request.fetch(url, {
    method,
    headers: { Authorization: `Bearer ${account.token}` },
    ...(data ? { data } : {}),
  });
  expect(response.ok(), `${method} ${url}: ${response.status()} ${await response.text()}`).toBe(true);
  return (await response.json()) as Record<string, unknown>;
}

/** An artist with a profile, through the API. */
async function artist(request: APIRequestContext, name: string): Promise<Account> {
  const account = await register(request, name, "artist");
  const slug = `${name.toLowerCase().replace(/\W+/g, "-")}-${run}`;
  await send(request, account, "POST", "/api/artists", { slug, name, bio: "Prints and paintings of the coast." });
  return account;
}

async function listWork(request: APIRequestContext, account: Account, work: object): Promise<string> {
  const created = await send(request, account, "POST", "/api/artworks", {
    description: "Made in a small studio by the harbour, in the light of early morning.",
    medium: "Oil on linen",
    status: "published",
    ...work,
  });
  return created.id as string;
}

/** A signed-in page of its own, its policy refusals counted with the test's. */
async function pageOf(browser: Browser, email: string, violations: string[]): Promise<Page> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const page = await context.newPage();
  watchPolicy(page, violations);
  await signIn(page, email);
  return page;
}

async function fillAddress(page: Page) {
  await page.getByLabel("Full name").fill("Iris Collector");
  await page.getByLabel("Address", { exact: true }).fill("1 Harbour Row");
  await page.getByLabel("Town or city").fill("Bristol");
  await page.getByLabel("Postcode (optional)").fill("BS1 4RN");
  await page.getByLabel("Country").selectOption("GB");
}

async function payWith(page: Page, card: string) {
  await page.getByLabel("Card number").fill(card);
  await page.getByRole("button", { name: /^Pay / }).click();
}

/** Accepts the sale of `title` and ships it, from the artist's studio. */
async function acceptAndShip(page: Page, title: string) {
  await page.goto("/studio/sales/");
  await page.getByRole("list", { name: "Needs your attention" }).getByRole("link", { name: title }).click();
  const answer = page.getByRole("region", { name: "Accept this order?" });
  await expect(answer).toContainText("Answer by");
  await answer.getByRole("button", { name: "Accept order" }).click();
  await shipSale(page, `RM${run}GB`.toUpperCase());
}

/**
 * The page at a small phone's width: nothing is wider than the screen, and a
 * screenshot of it lands beside the desktop one.
 */
async function onNarrowScreen(page: Page, name: string) {
  const wide = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 780 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} is wider than a 360-pixel screen`).toBeLessThanOrEqual(0);
  await snap(page, name, "narrow");
  if (wide) await page.setViewportSize(wide);
}

const wave = `Wave at Dawn ${run}`;
const harbour = `Harbour Lights ${run}`;

test("two artists sell to one collector in one checkout, through to payout", async ({ page, browser, request, policyViolations }, info) => {
  test.setTimeout(300_000);

  // Hana sells a unique painting; Mateo a limited edition of 25 prints.
  const hana = await artist(request, "Hana Okabe");
  const mateo = await artist(request, "Mateo Ruiz");
  const waveId = await listWork(request, hana, {
    title: wave,
    category: "painting",
    edition: { kind: "unique" },
    price: { amount_minor: 125000, currency: "GBP" },
  });
  const harbourId = await listWork(request, mateo, {
    title: harbour,
    category: "print",
    edition: { kind: "limited", size: 25, available: 25 },
    price: { amount_minor: 9000, currency: "GBP" },
  });

  await test.step("the artists set how they ship and connect payout accounts", async () => {
    await send(request, mateo, "PUT", "/api/me/shipping", { origin_country: "GB", currency: "GBP", domestic_minor: 0, collection: false });
    await send(request, mateo, "POST", "/api/me/payouts/account");

    const studio = await pageOf(browser, hana.email, policyViolations);
    await studio.goto("/studio/shipping/");
    await studio.getByLabel("Ships from").selectOption("GB");
    await studio.getByLabel("Currency").selectOption("GBP");
    await studio.getByLabel("Delivery within United Kingdom (GBP)").fill("15");
    await studio.getByLabel("Delivery abroad (GBP)").fill("45.50");
    await studio.getByRole("button", { name: "Save shipping terms" }).click();
    await expect(studio.getByRole("status").filter({ hasText: "Shipping terms saved." })).toBeVisible();
    await studio.reload();
    await expect(studio.getByLabel("Delivery abroad (GBP)")).toHaveValue("45.50");

    await studio.goto("/studio/payouts/");
    await expect(studio.getByText("Not connected")).toBeVisible();
    await studio.getByRole("button", { name: "Connect a payout account" }).click();
    // The sandbox's onboarding sends the artist straight back.
    await expect(studio).toHaveURL(/\/studio\/payouts\/?\?done=1$/);
    await expect(studio.getByText("Connected: payouts are enabled")).toBeVisible();
    await studio.context().close();
  });

  await test.step("a visitor is sent to sign in before buying", async () => {
    await page.goto(`/artworks/${waveId}`);
    await expect(page.getByText("Available", { exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Buy now" }).click();
    await expect(page).toHaveURL(new RegExp(`/signin/\\?next=${encodeURIComponent(`/artworks/${waveId}`)}`));
  });

  const collector = { name: "Iris Collector", email: uniqueEmail("collector"), role: "Collector" as const };
  await test.step("a collector puts the painting and two prints in the cart", async () => {
    await signUp(page, collector);
    await page.goto(`/artworks/${waveId}`);
    await page.getByRole("button", { name: "Add to cart" }).click();
    await expect(page.getByRole("status").filter({ hasText: "In your cart." })).toBeVisible();

    await page.goto(`/artworks/${harbourId}`);
    await expect(page.getByText("25 of 25 left")).toBeVisible();
    await page.getByLabel("Quantity").selectOption("2");
    await page.getByRole("button", { name: "Buy now" }).click();
    await expect(page).toHaveURL(/\/cart\/$/);
  });

  const checkoutUrl = await test.step("the cart groups the works by artist and prices the shipping", async () => {
    await expect(page.getByRole("region", { name: "Hana Okabe" }).getByRole("link", { name: wave })).toBeVisible();
    const mateoGroup = page.getByRole("region", { name: "Mateo Ruiz" });
    await expect(mateoGroup.getByLabel("Quantity")).toHaveValue("2");
    await fillAddress(page);
    await expect(page.getByRole("region", { name: "Hana Okabe" })).toContainText("Shipping to United Kingdom: £15.00.");
    await expect(mateoGroup).toContainText("Shipping to United Kingdom: free.");
    await snap(page, "cart", info.project.name);
    await onNarrowScreen(page, "cart");
    await page.getByRole("button", { name: "Continue to payment · £1,445.00" }).click();
    await expect(page).toHaveURL(/\/checkout\/\?id=[0-9a-f-]{36}$/);
    return page.url();
  });

  await test.step("a refused card says why; a good one pays for both orders", async () => {
    await expect(page.getByText(/Your works are held for you until/)).toBeVisible();
    await expect(page.getByLabel("Card number")).toHaveAccessibleDescription(/4000 0000 0000 0002 is declined/);
    await payWith(page, "4000 0000 0000 0002");
    const card = page.getByLabel("Card number");
    await expect(card).toHaveAttribute("aria-invalid", "true");
    await expect(card).toHaveAccessibleDescription(/^Your card was declined\./);
    await snap(page, "checkout-declined", info.project.name);
    await onNarrowScreen(page, "checkout-declined");

    // The refusal loses nothing: both works stay held in the checkout, and
    // the orders page leads back to paying for them.
    const summary = page.getByRole("region", { name: "Your order" });
    await expect(summary).toContainText(wave);
    await expect(summary).toContainText(harbour);
    await expect(page.getByText(/Your works are held for you until/)).toBeVisible();
    await page.goto("/orders/");
    await expect(page.getByRole("list", { name: "Orders" }).getByText("Awaiting payment", { exact: true })).toHaveCount(2);
    await page.getByRole("list", { name: "Orders" }).getByRole("link", { name: wave }).click();
    await page.getByRole("link", { name: "Complete payment" }).click();
    await expect(page).toHaveURL(checkoutUrl);
    await expect(page.getByLabel("Card number")).toHaveAccessibleDescription(/^Your card was declined\./);

    await payWith(page, "4242 4242 4242 4242");
    await expect(page.getByRole("heading", { name: "Thank you: your order is placed" })).toBeVisible();
    const orders = page.getByRole("list", { name: "Your orders" });
    await expect(orders.getByRole("listitem")).toHaveCount(2);
    await expect(orders.getByText("Paid", { exact: true })).toHaveCount(2);
    await snap(page, "checkout-paid", info.project.name);
    // Reloaded, the page still knows the checkout is paid.
    await page.goto(checkoutUrl);
    await expect(page.getByRole("heading", { name: "Thank you: your order is placed" })).toBeVisible();
  });

  await test.step("the works' pages say what is left", async () => {
    await page.goto(`/artworks/${waveId}`);
    await expect(page.getByText("Sold", { exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Buy now" })).toHaveCount(0);
    await page.goto(`/artworks/${harbourId}`);
    await expect(page.getByText("23 of 25 left")).toBeVisible();
  });

  await test.step("both artists accept and ship", async () => {
    const hanaStudio = await pageOf(browser, hana.email, policyViolations);
    await acceptAndShip(hanaStudio, wave);
    await snap(hanaStudio, "studio-sale", info.project.name);
    await onNarrowScreen(hanaStudio, "studio-sale");
    await hanaStudio.context().close();
    const mateoStudio = await pageOf(browser, mateo.email, policyViolations);
    await acceptAndShip(mateoStudio, harbour);
    await mateoStudio.context().close();
  });

  await test.step("the collector says both arrived, and the orders complete", async () => {
    await page.goto("/orders/");
    const list = page.getByRole("list", { name: "Orders" });
    await expect(list.getByText("Shipped", { exact: true })).toHaveCount(2);
    await snap(page, "orders", info.project.name);
    for (const title of [wave, harbour]) {
      await page.goto("/orders/");
      await list.getByRole("link", { name: title }).click();
      await receiveUntilComplete(page);
    }
    await snap(page, "order", info.project.name);
    await onNarrowScreen(page, "order");
  });

  await test.step("the artist's share is paid out", async () => {
    const studio = await pageOf(browser, hana.email, policyViolations);
    await studio.goto("/studio/sales/");
    const sales = studio.getByRole("list", { name: "All other sales" });
    await expect(sales.getByRole("link", { name: wave })).toBeVisible();
    await snap(studio, "studio-sales", info.project.name);
    await sales.getByRole("link", { name: wave }).click();
    await expect(studio.getByRole("status").filter({ hasText: /^Complete/ })).toBeVisible();
    const net = (await studio.locator("dt", { hasText: "You receive" }).locator("xpath=following-sibling::dd[1]").innerText()).trim();
    expect(net).toMatch(/^£[\d,]+\.\d\d$/);
    await studio.goto("/studio/payouts/");
    const row = studio.getByRole("table", { name: "Your balance by currency" }).getByRole("row", { name: /GBP/ });
    // Signed in again from the refresh cookie before any reload: a reload
    // that cuts that refresh short would leave the page signed out.
    await expect(studio.getByRole("button", { name: "Sign out" })).toBeVisible();
    await expect(async () => {
      await studio.reload();
      await expect(row.getByRole("cell").nth(2)).toHaveText(net, { timeout: 2_000 });
    }).toPass({ timeout: 60_000 });
    await expect(row.getByRole("cell").nth(0)).toHaveText("£0.00");
    await snap(studio, "studio-payouts-paid", info.project.name);
    await studio.context().close();
  });
});

test("a card whose bank asks for 3-D Secure is authenticated before it pays", async ({ page, request }, info) => {
  const noor = await artist(request, "Noor Haddad");
  await send(request, noor, "PUT", "/api/me/shipping", { origin_country: "GB", currency: "GBP", domestic_minor: 1200, collection: false });
  const title = `Salt Marsh ${run}`;
  const workId = await listWork(request, noor, {
    title,
    category: "painting",
    edition: { kind: "unique" },
    price: { amount_minor: 64000, currency: "GBP" },
  });

  await signUp(page, { name: "Iris Collector", email: uniqueEmail("collector"), role: "Collector" });
  await page.goto(`/artworks/${workId}`);
  await page.getByRole("button", { name: "Buy now" }).click();
  await expect(page).toHaveURL(/\/cart\/$/);
  await fillAddress(page);
  await page.getByRole("button", { name: "Continue to payment · £652.00" }).click();
  await expect(page.getByLabel("Card number")).toHaveAccessibleDescription(/4000 0027 6000 3184 asks for authentication/);

  await payWith(page, "4000 0027 6000 3184");
  const bank = page.getByRole("heading", { name: "Your bank asks you to confirm this payment" });
  await expect(bank).toBeFocused();
  await snap(page, "checkout-authentication", info.project.name);

  // A failed authentication is a refusal like any other: the buyer may try again.
  await page.getByRole("button", { name: "Fail authentication" }).click();
  await expect(page.getByLabel("Card number")).toHaveAccessibleDescription(/^The card's bank could not authenticate this payment\./);

  await payWith(page, "4000 0027 6000 3184");
  await expect(bank).toBeFocused();
  await page.getByRole("button", { name: "Complete authentication" }).click();
  await expect(page.getByRole("heading", { name: "Thank you: your order is placed" })).toBeVisible();
  const orders = page.getByRole("list", { name: "Your orders" });
  await expect(orders.getByRole("listitem")).toHaveCount(1);
  await expect(orders.getByText("Paid", { exact: true })).toBeVisible();
  await expect(orders).toContainText("£652.00");
});

test("a second collector racing for the same unique work is told it was just sold", async ({ page, browser, request, policyViolations }) => {
  const ada = await artist(request, "Ada Lind");
  await send(request, ada, "PUT", "/api/me/shipping", { origin_country: "GB", currency: "GBP", domestic_minor: 1000, collection: true });
  const title = `Low Tide ${run}`;
  const workId = await listWork(request, ada, {
    title,
    category: "painting",
    edition: { kind: "unique" },
    price: { amount_minor: 48000, currency: "GBP" },
  });

  // Both collectors have the work in their cart and the cart open.
  const first = await register(request, "First Collector", "collector");
  const second = await register(request, "Second Collector", "collector");
  for (const buyer of [first, second]) await send(request, buyer, "PUT", `/api/cart/items/${workId}`, { quantity: 1 });
  const rival = await pageOf(browser, second.email, policyViolations);
  await rival.goto("/cart/");
  await expect(rival.getByRole("region", { name: "Ada Lind" }).getByRole("link", { name: title })).toBeVisible();
  await fillAddress(rival);

  // The first one checks out and pays meanwhile.
  await signIn(page, first.email);
  await page.goto("/cart/");
  await fillAddress(page);
  await page.getByRole("button", { name: /^Continue to payment/ }).click();
  await payWith(page, "4242 4242 4242 4242");
  await expect(page.getByRole("heading", { name: "Thank you: your order is placed" })).toBeVisible();

  // The second one's cart still shows the work as it was when it loaded.
  await rival.getByRole("button", { name: /^Continue to payment/ }).click();
  await expect(rival.getByRole("alert").filter({ hasText: `"${title}" was just sold.` })).toBeVisible();
  await expect(rival).toHaveURL(/\/cart\/$/);
  // The cart, read again, says so too, and the work's page says Sold.
  await expect(rival.getByText(`“${title}” is no longer available: remove it.`)).toBeVisible();
  await rival.goto(`/artworks/${workId}`);
  await expect(rival.getByText("Sold", { exact: true })).toBeVisible();
  await rival.context().close();
});
