import { expect } from "@playwright/test";

import { confirmEmail, mailedLink, signUp, test, uniqueEmail } from "./support";

// An account proves its address from the mail it is sent, and a forgotten
// password comes back the same way: the links are read from the
// development mailbox, as the person would open them from their inbox.

test("a new collector confirms their address from the mail, then resets a forgotten password", async ({ page }) => {
  const email = uniqueEmail("account");
  const banner = page.getByRole("region", { name: "Confirm your e-mail address" });

  await test.step("until the address is confirmed, every page says so and offers the link again", async () => {
    await signUp(page, { name: "Noor Reader", email, role: "Collector" }, { confirm: false });
    await expect(banner).toContainText(email);
    await banner.getByRole("button", { name: "Send the link again" }).click();
    await expect(banner.getByRole("status")).toHaveText("A new link is on its way.");
    // Only the newest link works: wait for the second mail before opening one.
    await expect
      .poll(async () => {
        const mail = (await (await page.request.get(`/api/dev/mail?to=${encodeURIComponent(email)}`)).json()) as unknown[];
        return mail.length;
      })
      .toBe(2);
  });

  await test.step("the link confirms the address, and the reminder goes", async () => {
    await confirmEmail(page, email);
    await page.goto("/search/");
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
    await expect(banner).toBeHidden();
  });

  await test.step("a forgotten password is reset by mail, and the new one signs in", async () => {
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.goto("/signin/");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    // The sign-in form has an Email field too: fill only once the new page is up.
    await expect(page.getByRole("heading", { level: 1, name: "Forgot your password?" })).toBeVisible();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await expect(page.getByRole("status")).toContainText("a link to choose a new password is on its way");

    await page.goto(await mailedLink(page.request, email, "/reset-password/"));
    await page.getByLabel("Password", { exact: true }).fill("lighthouse keeper's blue umbrella");
    await page.getByRole("button", { name: "Save the new password" }).click();
    await expect(page.getByRole("status")).toContainText("Your password is changed");

    await page.getByRole("main").getByRole("link", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeVisible();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill("lighthouse keeper's blue umbrella");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  });

  await test.step("the reset ended the old sessions: only this browser is signed in", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
    const sessions = page.getByRole("list", { name: "Sessions" });
    await expect(sessions.getByRole("listitem")).toHaveCount(1);
    await expect(sessions).toContainText("This device");
    await expect(page.getByRole("region", { name: "E-mail address" })).toContainText(`${email} is confirmed.`);
  });
});
