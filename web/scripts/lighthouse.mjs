// Lighthouse performance and accessibility scores for the home, search and
// artwork pages of a running marketplace (WEB_BASE_URL), in Debian's
// Chromium. Prints one line per page and fails when a score is under the
// bar (0.9 unless LIGHTHOUSE_MIN says otherwise). scripts/lighthouse runs it.
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

import chromiumFlags from "../chromium-flags.json" with { type: "json" };

const base = process.env.WEB_BASE_URL;
if (!base) {
  console.error("WEB_BASE_URL is not set: run scripts/lighthouse");
  process.exit(2);
}
const minimum = Number(process.env.LIGHTHOUSE_MIN ?? "0.9");

async function firstArtworkWithImage() {
  const response = await fetch(new URL("/api/feed", base));
  if (!response.ok) throw new Error(`GET /api/feed answered ${response.status}`);
  const { items } = await response.json();
  const work = items.find((item) => item.thumbnail?.length) ?? items[0];
  if (!work) throw new Error("the feed is empty: nothing to open an artwork page for");
  return work.id;
}

const pages = [
  ["home", "/"],
  ["search", "/search/?q=stormy%20sea%20at%20dusk"],
  ["artwork", `/artworks/${await firstArtworkWithImage()}`],
];

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  chromeFlags: ["--headless=new", ...chromiumFlags],
});

const failures = [];
try {
  console.log(`${"page".padEnd(8)} ${"performance".padStart(11)} ${"accessibility".padStart(13)}  LCP     TBT    CLS    url`);
  for (const [name, path] of pages) {
    const url = new URL(path, base).href;
    const result = await lighthouse(url, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: ["performance", "accessibility"],
    });
    const { categories, audits } = result.lhr;
    const performance = categories.performance.score ?? 0;
    const accessibility = categories.accessibility.score ?? 0;
    console.log(
      `${name.padEnd(8)} ${performance.toFixed(2).padStart(11)} ${accessibility.toFixed(2).padStart(13)}  ` +
        `${audits["largest-contentful-paint"].displayValue.padEnd(7)} ${audits["total-blocking-time"].displayValue.padEnd(6)} ` +
        `${audits["cumulative-layout-shift"].displayValue.padEnd(6)} ${url}`,
    );
    for (const [category, score] of [["performance", performance], ["accessibility", accessibility]]) {
      if (score < minimum) failures.push(`${name} ${category} ${score.toFixed(2)} < ${minimum}`);
    }
    if (accessibility < 1) {
      for (const audit of Object.values(audits)) {
        if (audit.score === 0 && categories.accessibility.auditRefs.some((ref) => ref.id === audit.id)) {
          console.log(`         accessibility: ${audit.id}: ${audit.title}`);
        }
      }
    }
  }
} finally {
  await chrome.kill();
}

if (failures.length) {
  console.error(`below the bar: ${failures.join("; ")}`);
  process.exit(1);
}
