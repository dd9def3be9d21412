// Replies render with Home Assistant's own <ha-markdown> (sanitised, themed like the rest of
// the UI). The frontend loads it lazily, with its markdown card; asking the card helpers for a
// markdown card pulls it in. Until then (or without it) the card shows plain text.

let loading = null;

export function markdownReady() {
  return Boolean(customElements.get("ha-markdown"));
}

export function ensureMarkdown(timeoutMs = 10000) {
  if (markdownReady()) return Promise.resolve(true);
  loading ??= (async () => {
    try {
      const helpers = await window.loadCardHelpers?.();
      helpers?.createCardElement({ type: "markdown", content: "" });
      await Promise.race([
        customElements.whenDefined("ha-markdown"),
        new Promise((resolve) => setTimeout(resolve, timeoutMs)),
      ]);
    } catch {
      // Plain text it is.
    }
    return markdownReady();
  })();
  return loading;
}
