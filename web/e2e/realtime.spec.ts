import { expect, type Page } from "@playwright/test";

import {
  apiAs,
  artistWithProfile,
  buyThroughSite,
  checkNarrow,
  listUniqueWork,
  registerAccount,
  signedInPage,
  snap,
  test,
  watchPolicy,
} from "./support";

// What happens elsewhere shows up at once, in two browsers at the same time:
// a collector asks an artist about a work and they talk, each seeing the
// other's messages, typing and read receipts arrive without reloading; and a
// collector's bell rings the moment another collector buys a work they saved.
// Each test makes its own accounts and works.

const run = Date.now().toString(36);

/** Records the WebSocket URLs a page opens (none means its live connection fell back to Server-Sent Events). */
function recordSockets(urls: string[]) {
  return (page: Page) => page.on("websocket", (socket) => urls.push(socket.url()));
}

test("a collector asks an artist about a work, and they talk live", async ({ browser, request, policyViolations }, info) => {
  test.setTimeout(180_000);
  const hana = await artistWithProfile(request, "Hana Okabe");
  const title = `Wave at Dawn ${run}`;
  const workId = await listUniqueWork(request, hana, title, 125000);
  const iris = await registerAccount(request, "Iris Collector", "collector");

  const artistSockets: string[] = [];
  const artist = await signedInPage(browser, hana.email, policyViolations, recordSockets(artistSockets));
  await artist.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Messages" }).click();
  await expect(artist.getByRole("heading", { name: "No conversations yet" })).toBeVisible();

  const collectorSockets: string[] = [];
  const collector = await signedInPage(browser, iris.email, policyViolations, recordSockets(collectorSockets));

  await test.step("the collector asks about the work from its page", async () => {
    await collector.goto(`/artworks/${workId}`);
    await collector.getByRole("button", { name: "Ask the artist" }).click();
    await collector.getByLabel("Your question for Hana Okabe").fill("Is it framed?\nAnd is the linen primed?");
    await collector.getByRole("button", { name: "Send question" }).click();
    await expect(collector.getByRole("status").filter({ hasText: "Sent to Hana Okabe." })).toBeVisible();
    await collector.getByRole("link", { name: "Open the conversation" }).click();
    await expect(collector).toHaveURL(/\/messages\/\?c=[0-9a-f-]{36}$/);
    await expect(collector.getByRole("heading", { level: 1, name: "Hana Okabe" })).toBeVisible();
  });

  await test.step("the artist's inbox shows the new conversation without a reload", async () => {
    const inbox = artist.getByRole("list", { name: "Conversations" });
    const row = inbox.getByRole("listitem").filter({ hasText: title });
    await expect(row).toContainText("Iris Collector");
    await expect(row).toContainText("Is it framed?");
    await expect(row).toContainText("1 unread");
    await expect(inbox).not.toContainText(iris.email);
    // The question is a notification too, counted by the bell as it arrives.
    await expect(artist.getByRole("link", { name: /^Notifications/ })).toHaveAccessibleName("Notifications, 1 unread");
    await row.getByRole("link", { name: "Iris Collector" }).click();
    const thread = artist.getByRole("list", { name: "Messages" });
    // Line breaks are the writer's; the text is text.
    await expect(thread.getByText("Is it framed?\nAnd is the linen primed?")).toBeVisible();
  });

  await test.step("the artist sees the collector typing, then the message, as they happen", async () => {
    const thread = artist.getByRole("list", { name: "Messages" });
    await collector.getByLabel("Your message").fill("Does it ship abroad? <b>Asking</b> for Lisbon.");
    await expect(artist.getByText("Iris Collector is typing…")).toBeVisible();
    await collector.getByRole("button", { name: "Send" }).click();
    await expect(thread.getByRole("listitem").last()).toContainText("Does it ship abroad? <b>Asking</b> for Lisbon.");
    await expect(artist.getByText("Iris Collector is typing…")).toBeHidden();
    // Read where it arrived, its notification is read too: the bell still counts only the question.
    await expect(artist.getByRole("link", { name: /^Notifications/ })).toHaveAccessibleName("Notifications, 1 unread");
    // The artist has the conversation open, so the message is read: the
    // collector sees the receipt under it.
    const mine = collector.getByRole("list", { name: "Messages" }).getByRole("listitem").last();
    await expect(mine).toContainText("Seen");
  });

  await test.step("the collector sees the artist's answer arrive", async () => {
    await artist.getByLabel("Your message").fill("Yes: framed in oak, and I ship worldwide.");
    await artist.getByRole("button", { name: "Send" }).click();
    const thread = collector.getByRole("list", { name: "Messages" });
    await expect(thread.getByRole("listitem").last()).toContainText("Yes: framed in oak, and I ship worldwide.");
    await expect(artist.getByRole("list", { name: "Messages" }).getByRole("listitem").last()).toContainText("Seen");
    await snap(collector, "conversation", info.project.name);
    await checkNarrow(collector, "conversation");
  });

  // Both pages spoke over a WebSocket, which the pages' policy allows.
  expect(artistSockets.some((url) => url.includes("/api/realtime?ticket="))).toBe(true);
  expect(collectorSockets.some((url) => url.includes("/api/realtime?ticket="))).toBe(true);
  await artist.context().close();
  await collector.context().close();
});

test("a collector's bell rings the moment a work they saved is sold", async ({ browser, request, policyViolations }, info) => {
  test.setTimeout(180_000);
  const ada = await artistWithProfile(request, "Ada Lind");
  const title = `Low Tide ${run}`;
  const workId = await listUniqueWork(request, ada, title);
  const first = await registerAccount(request, "First Collector", "collector");
  const second = await registerAccount(request, "Second Collector", "collector");
  await apiAs(request, first, "POST", "/api/interactions", { artwork_id: workId, kind: "save" });

  const watcher = await signedInPage(browser, first.email, policyViolations);
  const bell = watcher.getByRole("link", { name: /^Notifications/ });
  await test.step("the first collector only wants to hear when a saved work sells", async () => {
    await bell.click();
    await expect(watcher.getByRole("heading", { level: 1, name: "Notifications" })).toBeVisible();
    await expect(watcher.getByRole("heading", { name: "Nothing yet" })).toBeVisible();
    await expect(bell).toHaveAccessibleName("Notifications");
    const reserved = watcher.getByRole("checkbox", { name: "A work you saved is reserved: in the app" });
    await reserved.uncheck();
    await expect(watcher.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
    await expect(reserved).not.toBeChecked();
    await expect(watcher.getByRole("checkbox", { name: "A work you saved is sold: in the app" })).toBeChecked();
    await checkNarrow(watcher, "notifications");
  });

  await test.step("another collector buys the work, and the bell counts it at once", async () => {
    const buyer = await signedInPage(browser, second.email, policyViolations);
    await buyThroughSite(buyer, workId);
    await buyer.context().close();
    // No reload: the notification arrives on the collector's live channel.
    await expect(bell).toHaveAccessibleName("Notifications, 1 unread");
    const list = watcher.getByRole("list", { name: "Your notifications" });
    const sold = list.getByRole("link", { name: `“${title}”, which you saved, has sold.` });
    await expect(sold).toHaveAttribute("href", `/artworks/${workId}`);
    await snap(watcher, "notifications", info.project.name);
  });

  await test.step("reading it clears the bell", async () => {
    await watcher.getByRole("button", { name: "Mark as read" }).click();
    await expect(bell).toHaveAccessibleName("Notifications");
    await expect(watcher.getByText("You are all caught up.")).toBeVisible();
  });
  await watcher.context().close();
});

test("a work's page and its artist's page say Just sold the moment it sells", async ({ browser, request, policyViolations }) => {
  test.setTimeout(180_000);
  const noor = await artistWithProfile(request, "Noor Haddad");
  const title = `Salt Marsh ${run}`;
  const workId = await listUniqueWork(request, noor, title, 64000);
  const buyer = await registerAccount(request, "Third Collector", "collector");

  // A visitor, not signed in: works' channels are open to anyone.
  const visitor = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const workPage = await visitor.newPage();
  const artistPage = await visitor.newPage();
  watchPolicy(workPage, policyViolations);
  watchPolicy(artistPage, policyViolations);
  await workPage.goto(`/artworks/${workId}`);
  await expect(workPage.getByText("Available", { exact: true })).toBeVisible();
  await artistPage.goto(`/artists/${noor.slug}`);
  const card = artistPage.getByRole("list", { name: "Works by Noor Haddad" }).getByRole("listitem").filter({ hasText: title });
  await expect(card).toBeVisible();

  const buying = await signedInPage(browser, buyer.email, policyViolations);
  await buyThroughSite(buying, workId);
  await buying.context().close();

  await expect(workPage.getByText("Just sold")).toBeVisible();
  await expect(workPage.getByText("Sold", { exact: true })).toBeVisible();
  await expect(workPage.getByRole("button", { name: "Buy now" })).toHaveCount(0);
  await expect(card).toContainText("Just sold");
  await visitor.close();
});
