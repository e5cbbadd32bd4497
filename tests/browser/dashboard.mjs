// Loads each HTML page given on the command line in headless Chromium (the
// Debian package; CHROMIUM overrides the path) and checks that it renders
// as a person would see it: no console error or warning, no uncaught
// exception, no dialog (an escaped alert() that ran), no network request
// besides the file itself, no script element, the dashboard's sections and
// charts present, nothing wider than the window. Saves a full-page
// screenshot next to each page (NAME.png) and prints its path.
//
// Usage: node tests/browser/dashboard.mjs PAGE.html...
import { strict as assert } from "node:assert";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
// Without the background-networking flags Chromium reaches for the network
// on its own (component updates, field trials), which this test forbids.
const args = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const pages = process.argv.slice(2);
if (pages.length === 0) {
  console.error("usage: node tests/browser/dashboard.mjs PAGE.html...");
  process.exit(2);
}

// Every wait has a deadline.
const TIMEOUT_MS = 60_000;

const browser = await chromium.launch({ executablePath, args, headless: true, timeout: TIMEOUT_MS });
let failed = false;
try {
  for (const file of pages) {
    const url = pathToFileURL(path.resolve(file)).href;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    const problems = [];
    page.on("console", (msg) => {
      if (msg.type() === "error" || msg.type() === "warning") {
        problems.push(`console ${msg.type()}: ${msg.text()}`);
      }
    });
    page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
    page.on("dialog", async (dialog) => {
      problems.push(`dialog opened: ${dialog.message()}`);
      await dialog.dismiss();
    });
    const requests = [];
    context.on("request", (req) => {
      if (req.url() !== url) requests.push(req.url());
    });
    context.on("requestfailed", (req) => {
      if (req.url() !== url) requests.push(`${req.url()} (failed)`);
    });

    const response = await page.goto(url, { waitUntil: "load", timeout: TIMEOUT_MS });
    assert.ok(response === null || response.ok(), `${file}: loading failed`);
    // Let late resource loads or violations surface.
    await page.waitForTimeout(500);

    const facts = await page.evaluate(() => ({
      title: document.title,
      h1: document.querySelector("h1")?.textContent ?? "",
      scripts: document.scripts.length,
      charts: document.querySelectorAll("svg.dc").length,
      sections: [...document.querySelectorAll("main section")].map((s) => s.id),
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? "",
      hostileShownAsText: document.body.textContent.includes("<script>alert(1)</script>"),
      injected: document.querySelectorAll("img, iframe, object, embed, body script").length,
    }));
    const shot = file.replace(/\.html$/, "") + ".png";
    await page.screenshot({ path: shot, fullPage: true, timeout: TIMEOUT_MS });
    await context.close();

    try {
      assert.deepEqual(problems, [], `${file}: console errors or warnings`);
      assert.deepEqual(requests, [], `${file}: network requests`);
      assert.equal(facts.scripts, 0, `${file}: script elements`);
      assert.equal(facts.injected, 0, `${file}: injected elements`);
      assert.match(facts.csp, /^default-src 'none'; style-src 'sha256-[^']+'; script-src 'none';/);
      assert.match(facts.h1, /^Test history/);
      assert.ok(facts.charts >= 3, `${file}: ${facts.charts} charts`);
      assert.deepEqual(facts.sections, ["runs", "new-failures", "flaky", "slowest", "metrics", "recent"]);
      assert.ok(facts.hostileShownAsText, `${file}: the hostile test name is not shown as text`);
      assert.ok(facts.overflow <= 0, `${file}: ${facts.overflow}px wider than the window`);
      console.log(`ok ${file}: ${facts.charts} charts, no console error, no request; screenshot ${shot}`);
    } catch (err) {
      failed = true;
      console.error(`not ok ${err.message}\n${JSON.stringify({ problems, requests, facts }, null, 2)}`);
      console.error(`screenshot ${shot}`);
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
