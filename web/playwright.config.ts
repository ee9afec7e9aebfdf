import { defineConfig, devices } from "@playwright/test";

import chromiumFlags from "./chromium-flags.json" with { type: "json" };

// Runs against a marketplace someone else started (scripts/test and
// scripts/lighthouse start one on a fresh database and pass its address), in
// the distribution's Chromium: browsers are never downloaded.
const baseURL = process.env.WEB_BASE_URL;
if (!baseURL) {
  throw new Error("WEB_BASE_URL is not set: run the end-to-end tests through scripts/test");
}

// The machine has no network beyond loopback: every background connection
// Chromium would make is switched off rather than left to fail
// (chromium-flags.json, shared with scripts/lighthouse.mjs).
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", ...chromiumFlags],
};

export default defineConfig({
  testDir: "e2e",
  // The journeys share one database and build on each other's state only
  // within a file; one worker keeps a 2-core machine responsive.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    launchOptions: chromium,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 900 }, channel: undefined } },
    {
      name: "mobile",
      use: { ...devices["Pixel 7"], channel: undefined },
      // Only the page tour runs twice; the journeys are the same at any width.
      testMatch: /pages\.spec\.ts/,
    },
  ],
});
