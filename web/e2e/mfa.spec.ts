import { expect } from "@playwright/test";
import { TOTP } from "otpauth";

import { PASSWORD, signUp, test, uniqueEmail } from "./support";

// A collector protects their account with an authenticator app: the app is
// played here by otpauth, computing RFC 6238 codes from the key the page shows.

test("a collector turns on an authenticator app and signs in with its code", async ({ page }) => {
  const email = uniqueEmail("mfa");
  await signUp(page, { name: "Kai Careful", email, role: "Collector" });
  await page.goto("/account/security/");
  const section = page.getByRole("region", { name: "Authenticator app" });

  const app = await test.step("the app is set up from the key and confirmed with its first code", async () => {
    await section.getByLabel("Current password").fill(PASSWORD);
    await section.getByRole("button", { name: "Set up an authenticator app" }).click();
    await expect(section.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
    const key = (await section.getByText(/^Key:/).innerText()).replace("Key:", "").trim();
    const totp = new TOTP({ secret: key });
    await section.getByLabel("Code from the app").fill(totp.generate());
    await section.getByRole("button", { name: "Turn on" }).click();
    await expect(section.getByRole("list", { name: "Recovery codes" }).getByRole("listitem")).toHaveCount(10);
    await expect(section).toContainText("10 recovery codes left.");
    return totp;
  });

  await test.step("signing in asks for the app's code after the password", async () => {
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.goto("/signin/");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    // The code that confirmed the app is spent: the app's next one.
    await page.getByLabel("Code").fill(app.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
  });
});
