// The chat card in a real headless browser against a real Home Assistant and a real gateway.
// Driven by tests/e2e/test_chat_card_browser.py, which starts everything and asserts on the
// report this script writes:
//
//   node e2e/chat-card.e2e.mjs CONFIG.json
//
// CONFIG: {url, dashboard, username, password, chromium, artifacts, message, slowMessage,
//          timeoutMs}
// Steps: log in through the login page, open the dashboard with the card, send a message and
// record every text the streaming reply shows until the final one, stop a slow run, then look
// at the card on a (slow) phone-width screen and in the dark theme. Screenshots go to `artifacts`.
// Fails (exit 1, with a screenshot) only when a step times out; the test judges the report.

import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";

const config = JSON.parse(await readFile(process.argv[2], "utf8"));
const timeout = config.timeoutMs ?? 60000;
const started = Date.now();
const report = { steps: [], console: [], screenshots: [] };
await mkdir(config.artifacts, { recursive: true });

function step(name, extra = {}) {
  const entry = { name, ms: Date.now() - started, ...extra };
  report.steps.push(entry);
  console.error(`card-e2e: ${(entry.ms / 1000).toFixed(1)} s ${name}`);
}

async function shot(page, name) {
  const path = join(config.artifacts, `${name}.png`);
  await page.screenshot({ path });
  report.screenshots.push(path);
}

// In the page: the card's texts, through its shadow root and <ha-markdown>'s.
const PAGE_HELPERS = () => {
  const deepText = (node) => {
    if (!node) return null;
    let out = "";
    const walk = (n) => {
      if (n.nodeType === Node.TEXT_NODE) out += n.nodeValue;
      if (n.shadowRoot) n.shadowRoot.childNodes.forEach(walk);
      n.childNodes.forEach(walk);
    };
    walk(node);
    return out.replace(/\s+/g, " ").trim();
  };
  const find = (root, selector) => {
    const hit = root.querySelector(selector);
    if (hit) return hit;
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) {
        const inner = find(el.shadowRoot, selector);
        if (inner) return inner;
      }
    }
    return null;
  };
  const card = () => find(document, "openclaw-chat-card");
  window.__oc = {
    deepText,
    card,
    live: () => deepText(card()?.shadowRoot.querySelector(".row.live .bubble")),
    state: () => card()?.shadowRoot.querySelector(".state")?.dataset.state ?? null,
    rows: () =>
      [...(card()?.shadowRoot.querySelectorAll(".row:not(.live)") ?? [])].map((row) => ({
        role: row.dataset.role,
        text: deepText(row.querySelector(".bubble")),
        meta: deepText(row.querySelector(".meta")),
        strong: [...(row.querySelector("ha-markdown")?.shadowRoot?.querySelectorAll("strong") ?? [])].map(
          (s) => s.textContent,
        ),
      })),
    // Every distinct text of the streaming reply, as painted frame by frame.
    record() {
      const seen = [];
      let last;
      const tick = () => {
        const text = window.__oc.live();
        if (text !== last) {
          seen.push({ t: Math.round(performance.now()), text });
          last = text;
        }
        window.__oc.frame = requestAnimationFrame(tick);
      };
      window.__oc.seen = seen;
      tick();
    },
    stopRecording() {
      cancelAnimationFrame(window.__oc.frame);
      return window.__oc.seen;
    },
  };
};

const browser = await chromium.launch({
  executablePath: config.chromium,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});

// Unhandled rejections with plain objects (websocket errors) reach pageerror as "Object":
// say what they were.
const REJECTIONS = () =>
  window.addEventListener("unhandledrejection", (event) => {
    let reason;
    try {
      reason = JSON.stringify(event.reason);
    } catch {
      reason = String(event.reason);
    }
    console.warn(`unhandled rejection: ${reason} ${event.reason?.stack ?? ""}`);
  });

function watchConsole(page, label) {
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning" || /openclaw/i.test(msg.text())) {
      report.console.push({ page: label, type: msg.type(), text: msg.text().slice(0, 500) });
    }
  });
  page.on("pageerror", (err) =>
    report.console.push({ page: label, type: "pageerror", text: String(err).slice(0, 500) }),
  );
}

const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
await context.addInitScript(REJECTIONS);
const page = await context.newPage();
const openPages = [page];
page.setDefaultTimeout(timeout);
watchConsole(page, "desktop");
try {
  // -- log in ---------------------------------------------------------------------------------
  await page.goto(`${config.url}${config.dashboard}`);
  await page.locator("input[name=username]").fill(config.username);
  await page.locator("input[name=password]").fill(config.password);
  await shot(page, "01-login");
  await page.locator("input[name=password]").press("Enter");
  await page.waitForURL((url) => url.pathname === config.dashboard);
  step("logged in");

  // -- the dashboard with the card ------------------------------------------------------------
  await page.locator("openclaw-chat-card .state[data-state=idle]").waitFor({ timeout });
  await page.evaluate(PAGE_HELPERS);
  // The card's module as the page loaded it (registered by the integration, not a resource).
  report.moduleUrls = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((e) => e.name)
      .filter((name) => /openclaw-chat-card/.test(name)),
  );
  report.markdownDefined = await page.evaluate(() => Boolean(customElements.get("ha-markdown")));
  step("card shown");
  await shot(page, "02-dashboard");

  // -- send, watch the reply grow -------------------------------------------------------------
  await page.evaluate(() => window.__oc.record());
  const input = page.locator("openclaw-chat-card textarea");
  await input.fill(config.message);
  const sentAt = Date.now();
  await input.press("Enter");
  step("message sent");
  let midShot = false;
  // Until the streamed bubble gave way to the transcript's row with the whole reply.
  for (;;) {
    const seen = await page.evaluate(() => window.__oc.seen.filter((s) => s.text).length);
    if (!midShot && seen >= 3) {
      midShot = true;
      await shot(page, "03-streaming");
    }
    const done = await page.evaluate(() => {
      const rows = window.__oc.rows();
      return window.__oc.live() === null && rows.some((r) => r.role === "assistant" && /ECHO/.test(r.text));
    });
    if (done) break;
    if (Date.now() - sentAt > timeout) throw new Error("no final reply");
    await page.waitForTimeout(50);
  }
  report.stream = await page.evaluate(() => window.__oc.stopRecording());
  report.rowsAfterReply = await page.evaluate(() => window.__oc.rows());
  report.stateAfterReply = await page.evaluate(() => window.__oc.state());
  step("reply final", { sinceSend: Date.now() - sentAt });
  await shot(page, "04-final");

  // -- a slow run, stopped ---------------------------------------------------------------------
  await input.fill(config.slowMessage);
  await input.press("Enter");
  await page.waitForFunction(() => /tick2/.test(window.__oc.live() ?? ""), null, { timeout });
  step("slow run streaming");
  await shot(page, "05-slow-run");
  const stopAt = Date.now();
  await page.locator("openclaw-chat-card button.stop").click();
  await page.locator("openclaw-chat-card .state[data-state=aborted]").waitFor({ timeout });
  step("stopped", { sinceClick: Date.now() - stopAt });
  await page.waitForFunction(() => window.__oc.live() === null, null, { timeout });
  const afterStop = await page.evaluate(() => window.__oc.rows());
  await page.waitForTimeout(1500); // nothing may arrive after the abort
  report.rowsAfterStop = afterStop;
  report.rowsLater = await page.evaluate(() => window.__oc.rows());
  report.stopButtonAfter = await page.locator("openclaw-chat-card button.stop").count();
  await shot(page, "06-stopped");

  // -- phone width ----------------------------------------------------------------------------
  const storage = await context.storageState();
  const phone = await browser.newContext({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    storageState: storage,
  });
  // A slow phone: Home Assistant's app code arrives well after the card's module, which must
  // still end up in the dashboards' registry (see src/registry.js).
  await phone.route(/\/frontend_latest\/app\.[0-9a-f]+\.js/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await phone.addInitScript(REJECTIONS);
  const phonePage = await phone.newPage();
  openPages.push(phonePage);
  phonePage.setDefaultTimeout(timeout);
  watchConsole(phonePage, "phone");
  await phonePage.goto(`${config.url}${config.dashboard}`);
  await phonePage.locator("openclaw-chat-card .state[data-state]").waitFor({ timeout });
  await phonePage.waitForTimeout(500);
  report.phone = await phonePage.evaluate(() => {
    const find = (root, selector) => {
      const hit = root.querySelector(selector);
      if (hit) return hit;
      for (const el of root.querySelectorAll("*")) {
        if (el.shadowRoot) {
          const inner = find(el.shadowRoot, selector);
          if (inner) return inner;
        }
      }
      return null;
    };
    const card = find(document, "openclaw-chat-card");
    const box = (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, width: r.width };
    };
    const root = card.shadowRoot;
    return {
      viewport: window.innerWidth,
      card: box(card),
      form: box(root.querySelector("form")),
      send: box(root.querySelector("button.send")),
      transcriptOverflowX: root.querySelector(".transcript").scrollWidth - root.querySelector(".transcript").clientWidth,
      rows: root.querySelectorAll(".row").length,
    };
  });
  await phonePage.locator("openclaw-chat-card").screenshot({ path: join(config.artifacts, "07-phone-card.png") });
  await shot(phonePage, "07-phone");
  step("phone width");

  // -- dark theme -----------------------------------------------------------------------------
  const cardBackground = () =>
    page.evaluate(() => getComputedStyle(window.__oc.card().shadowRoot.querySelector("ha-card")).backgroundColor);
  report.lightBackground = await cardBackground();
  await page.evaluate(() => {
    document
      .querySelector("home-assistant")
      .dispatchEvent(new CustomEvent("settheme", { detail: { dark: true }, bubbles: true, composed: true }));
  });
  await page.waitForFunction(
    (light) => getComputedStyle(window.__oc.card().shadowRoot.querySelector("ha-card")).backgroundColor !== light,
    report.lightBackground,
    { timeout: 10000 },
  );
  await page.waitForTimeout(1000); // ha-card fades between themes
  report.darkBackground = await cardBackground();
  await shot(page, "08-dark");
  step("dark theme");
  report.ok = true;
} catch (err) {
  report.ok = false;
  report.error = String(err?.stack ?? err);
  await shot(page, "failure").catch(() => {});
  // What Home Assistant shows instead of the card, if anything.
  report.errorCards = [];
  for (const p of openPages) {
    report.errorCards.push(
      await p
        .evaluate(() => {
          const found = [];
          const walk = (root) => {
            for (const el of root.querySelectorAll("*")) {
              if (el.localName === "hui-error-card") found.push(JSON.stringify(el._config ?? null));
              if (el.shadowRoot) walk(el.shadowRoot);
            }
          };
          walk(document);
          return found;
        })
        .catch((e) => [String(e)]),
    );
  }
  process.exitCode = 1;
} finally {
  report.totalMs = Date.now() - started;
  await writeFile(join(config.artifacts, "report.json"), JSON.stringify(report, null, 2));
  await browser.close();
}
