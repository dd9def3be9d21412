// The chat card in a real headless browser against a real Home Assistant and a real gateway.
// Driven by tests/e2e/test_chat_card_browser.py, which starts everything and asserts on the
// report this script writes:
//
//   node e2e/chat-card.e2e.mjs CONFIG.json
//
// CONFIG: {url, dashboard, pagedView, username, password, chromium, artifacts, message,
//          replyPrefix, imageMessage, slowMessage, timeoutMs}
// Steps: log in through the login page, open the dashboard with the card, send a message and
// record every text the streaming reply shows until the final one, send a picture, stop a slow
// run, scroll a two-messages-a-page card back, look at the card on a (slow) phone-width screen, open the visual editor, switch to the
// dark theme. Screenshots go to `artifacts`.
// Fails (exit 1, with a screenshot) only when a step times out; the test judges the report.

import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
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

/** A small RGB PNG (a gradient), made here so the test needs no image file. */
function pngImage(width, height) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([head, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * (width * 3 + 1) + 1 + x * 3;
      rows[o] = (x * 255) / width;
      rows[o + 1] = (y * 255) / height;
      rows[o + 2] = 160;
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
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

// The card once it has its subscription and the newest page of the transcript.
const SHOWN = "openclaw-chat-card ha-card[data-loaded]";

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
// The card's history requests, as they go over Home Assistant's websocket.
const historyCalls = [];
page.on("websocket", (ws) =>
  ws.on("framesent", (frame) => {
    try {
      for (const msg of [JSON.parse(frame.payload)].flat()) {
        if (msg.type === "openclaw/chat/history") {
          historyCalls.push({ limit: msg.limit ?? null, cursor: msg.cursor ?? null });
        }
      }
    } catch {
      // not JSON
    }
  }),
);
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
  await page.locator(SHOWN).waitFor({ timeout });
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
    const done = await page.evaluate((prefix) => {
      const rows = window.__oc.rows();
      return (
        window.__oc.live() === null &&
        rows.some((r) => r.role === "assistant" && r.text.startsWith(prefix))
      );
    }, config.replyPrefix);
    if (done) break;
    if (Date.now() - sentAt > timeout) throw new Error("no final reply");
    await page.waitForTimeout(50);
  }
  report.stream = await page.evaluate(() => window.__oc.stopRecording());
  report.rowsAfterReply = await page.evaluate(() => window.__oc.rows());
  report.stateAfterReply = await page.evaluate(() => window.__oc.state());
  step("reply final", { sinceSend: Date.now() - sentAt });
  await shot(page, "04-final");

  // -- a picture ------------------------------------------------------------------------------
  await page
    .locator("openclaw-chat-card input[type=file]")
    .setInputFiles({ name: "gradient.png", mimeType: "image/png", buffer: pngImage(64, 48) });
  await page.locator("openclaw-chat-card .thumb img").waitFor();
  await input.fill(config.imageMessage);
  await shot(page, "05-picture-attached");
  await input.press("Enter");
  await page.waitForFunction(
    (text) => {
      const rows = window.__oc.rows();
      const asked = rows.findIndex((r) => r.role === "user" && r.text === text);
      return asked >= 0 && rows.slice(asked + 1).some((r) => r.role === "assistant") && !window.__oc.live();
    },
    config.imageMessage,
    { timeout },
  );
  report.rowsAfterPicture = await page.evaluate(() => window.__oc.rows());
  step("picture answered");
  await shot(page, "06-picture-answered");

  // -- a slow run, stopped ---------------------------------------------------------------------
  await input.fill(config.slowMessage);
  await input.press("Enter");
  await page.waitForFunction(() => /tick2/.test(window.__oc.live() ?? ""), null, { timeout });
  step("slow run streaming");
  await shot(page, "07-slow-run");
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
  await shot(page, "08-stopped");

  // -- paging back on scroll (a card with page_size 2) ----------------------------------------
  const callsBefore = historyCalls.length;
  await page.goto(`${config.url}${config.pagedView}`);
  await page.locator(SHOWN).waitFor({ timeout });
  await page.evaluate(PAGE_HELPERS);
  await page.waitForTimeout(500);
  report.pagedRowsInitial = (await page.evaluate(() => window.__oc.rows())).length;
  report.pagedCallsBeforeScroll = historyCalls.length - callsBefore;
  await shot(page, "09-paged-first");
  const transcript = page.locator("openclaw-chat-card .transcript");
  // Until it shows this test's six rows and one more page (or nothing more comes).
  let unchanged = 0;
  let count = report.pagedRowsInitial;
  while (unchanged < 3 && count < 8) {
    await transcript.hover();
    await page.mouse.wheel(0, -3000);
    await page.waitForTimeout(400);
    const now = (await page.evaluate(() => window.__oc.rows())).length;
    unchanged = now === count ? unchanged + 1 : 0;
    count = now;
  }
  report.pagedRows = (await page.evaluate(() => window.__oc.rows())).map((r) => r.text);
  report.pagedHistoryCalls = historyCalls.slice(callsBefore);
  await shot(page, "09-paged-all");
  step("paged back");

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
  await phonePage.locator(SHOWN).waitFor({ timeout });
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
  await phonePage.locator("openclaw-chat-card").screenshot({ path: join(config.artifacts, "10-phone-card.png") });
  await shot(phonePage, "10-phone");
  step("phone width");

  // -- the visual editor (edit mode, the card's Edit button) ------------------------------------
  await page.goto(`${config.url}${config.dashboard}?edit=1`);
  await page.locator(SHOWN).waitFor({ timeout });
  await page.evaluate(PAGE_HELPERS);
  await page.locator("hui-card-options ha-button").first().click();
  await page.locator("openclaw-chat-card-editor ha-entity-picker").waitFor({ timeout });
  await page.waitForTimeout(500);
  report.editor = await page.evaluate(() => {
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
    const editor = find(document, "openclaw-chat-card-editor");
    const picker = editor.shadowRoot.querySelector("ha-form").shadowRoot
      ? find(editor.shadowRoot, "ha-entity-picker")
      : null;
    return {
      upgraded: Boolean(picker?.shadowRoot),
      entity: picker?.value ?? null,
      fields: [...editor.shadowRoot.querySelector("ha-form").shadowRoot.querySelectorAll("ha-selector")].length,
    };
  });
  await shot(page, "11-editor");
  await page.keyboard.press("Escape");
  await page.goto(`${config.url}${config.dashboard}`);
  await page.locator(SHOWN).waitFor({ timeout });
  await page.evaluate(PAGE_HELPERS);
  step("visual editor");

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
  await shot(page, "12-dark");
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
