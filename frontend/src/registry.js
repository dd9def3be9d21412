// When to define the card's elements. Home Assistant's app replaces window.customElements with
// a scoped-registry polyfill while it starts; an element defined on the browser's own registry
// before that stays unknown to dashboards ("Custom element doesn't exist"). The integration's
// module is small and can run first, so it waits until the app has defined <home-assistant>
// (or the polyfill is there), then defines.

export function registryReady(win = globalThis) {
  return Boolean(win.CustomElementRegistryPolyfill || win.customElements?.get("home-assistant"));
}

/** Resolves once the registry is Home Assistant's (or after `limitMs`, outside its app). */
export async function whenRegistryReady(win = globalThis, { intervalMs = 20, limitMs = 15000 } = {}) {
  const started = Date.now();
  while (!registryReady(win) && Date.now() - started < limitMs) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
