import assert from "node:assert/strict";
import { test } from "node:test";
import { registryReady, whenRegistryReady } from "../src/registry.js";

const registry = (names) => ({ get: (name) => (names.includes(name) ? class {} : undefined) });

test("the registry is Home Assistant's once its app defined <home-assistant>", () => {
  assert.equal(registryReady({ customElements: registry([]) }), false);
  assert.equal(registryReady({ customElements: registry(["home-assistant"]) }), true);
  assert.equal(registryReady({ customElements: registry([]), CustomElementRegistryPolyfill: {} }), true);
});

test("definition waits for the app, and not forever outside it", async () => {
  const win = { customElements: registry([]) };
  setTimeout(() => {
    win.customElements = registry(["home-assistant"]);
  }, 30);
  await whenRegistryReady(win, { intervalMs: 5 });
  assert.equal(registryReady(win), true);
  const started = Date.now();
  await whenRegistryReady({ customElements: registry([]) }, { intervalMs: 5, limitMs: 40 });
  assert.ok(Date.now() - started >= 40);
});
