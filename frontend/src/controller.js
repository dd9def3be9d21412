// What the card does, without the DOM: follow the session's subscription, load the newest
// page of the transcript and older ones on demand, send and stop. The element renders
// `controller.state` whenever `onChange` fires. `api` is the integration's websocket commands
// (see api.js), passed in so tests can drive the controller with a fake.

import {
  applyStreamEvent,
  endedReplyRow,
  runStateAfter,
  withNewestPage,
  withOlderPage,
} from "./transcript.js";

export const DEFAULT_PAGE_SIZE = 30;
const RESUBSCRIBE_DELAY_MS = 3000;

/** Errors that another try will not fix (a wrong entity, no permission): no retry. */
export function isPermanent(err) {
  return (
    ["unauthorized", "invalid_format", "unknown_command"].includes(err?.code) ||
    err?.translation_key === "not_session_entity"
  );
}

/** A random UUID (v4); crypto.randomUUID needs a secure context, plain-http HA is not one. */
export function newRunKey(crypto = globalThis.crypto) {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The text of a websocket error ({code, message}) or an exception. */
export function errorText(err) {
  if (err && typeof err === "object" && typeof err.message === "string") return err.message;
  return String(err);
}

export class ChatController {
  constructor(api, options = {}) {
    this.api = api;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.onChange = options.onChange ?? (() => {});
    this.retryDelay = options.retryDelay ?? RESUBSCRIBE_DELAY_MS;
    this.timers = options.timers ?? globalThis;
    this.state = {
      title: null,
      connected: true,
      runState: "idle",
      live: null,
      rows: [],
      cursor: null,
      hasMore: false,
      loaded: false,
      loadingOlder: false,
      sending: false,
      error: null,
    };
    this._active = false;
    this._unsub = null;
    this._timer = null;
    this._reloads = 0;
  }

  _set(patch) {
    this.state = { ...this.state, ...patch };
    this.onChange(this.state);
  }

  async start() {
    if (this._active) return;
    this._active = true;
    await this._subscribe();
  }

  stop() {
    this._active = false;
    this._dropSubscription();
    if (this._timer !== null) {
      this.timers.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  _dropSubscription() {
    const unsub = this._unsub;
    this._unsub = null;
    if (unsub) Promise.resolve(unsub()).catch(() => {});
  }

  async _subscribe() {
    this._timer = null;
    try {
      const unsub = await this.api.subscribe((event) => this._onEvent(event));
      if (!this._active) {
        Promise.resolve(unsub()).catch(() => {});
        return;
      }
      this._unsub = unsub;
    } catch (err) {
      // The entry is not loaded (yet), or the session went away: try again later.
      this._set({ error: errorText(err), connected: false });
      if (!isPermanent(err)) this._retry();
    }
  }

  _retry() {
    if (this._active && this._timer === null) {
      this._timer = this.timers.setTimeout(() => this._subscribe(), this.retryDelay);
    }
  }

  _onEvent(event) {
    if (!this._active) return;
    if (event.type === "closed") {
      // The integration reloaded: subscribe again once it is back.
      this._dropSubscription();
      this._set({ connected: false });
      this._retry();
      return;
    }
    if (event.type === "connection") {
      this._set({ connected: event.connected });
      if (event.connected) this.reloadNewest();
      return;
    }
    const patch = {
      runState: runStateAfter(this.state.runState, event),
      live: applyStreamEvent(this.state.live, event),
    };
    if (event.type === "snapshot") {
      patch.title = event.title ?? null;
      patch.connected = event.connected;
      patch.error = null;
    }
    this._set(patch);
    // A snapshot starts (or restarts after a reconnect) the view; when a run starts the
    // transcript has the message that started it (sent from here or anywhere else), and when
    // it ends the reply.
    if (["snapshot", "started", "end"].includes(event.type)) this.reloadNewest();
  }

  /** Load the newest page and merge it; the newest call wins when several overlap. */
  async reloadNewest() {
    const call = ++this._reloads;
    let page;
    try {
      page = await this.api.history({ limit: this.pageSize });
    } catch (err) {
      if (call === this._reloads) this._set({ error: errorText(err) });
      return;
    }
    if (!this._active || call !== this._reloads) return;
    let rows = withNewestPage(this.state.rows, page.messages);
    const patch = { rows };
    if (!this.state.loaded) {
      patch.loaded = true;
      patch.cursor = page.next_cursor ?? null;
      patch.hasMore = Boolean(page.has_more && page.next_cursor);
    }
    const live = this.state.live;
    if (live && live.state !== "running") {
      if (!this._transcriptHas(rows, live) && live.text) rows = [...rows, endedReplyRow(live)];
      patch.rows = rows;
      patch.live = null;
    }
    this._set(patch);
  }

  _transcriptHas(rows, live) {
    const server = rows.filter((r) => !r.local && r.role === "assistant");
    if (server.some((r) => r.run_id === live.runId)) return true;
    // Rows without run ids (older gateways): the same text is the same reply.
    return !server.some((r) => r.run_id) && server.some((r) => r.text === live.text);
  }

  /** The page before the oldest row shown; false when there is none (or one is loading). */
  async loadOlder() {
    const { hasMore, cursor, loadingOlder } = this.state;
    if (!hasMore || !cursor || loadingOlder) return false;
    this._set({ loadingOlder: true });
    try {
      const page = await this.api.history({ limit: this.pageSize, cursor });
      this._set({
        rows: withOlderPage(this.state.rows, page.messages),
        cursor: page.next_cursor ?? null,
        hasMore: Boolean(page.has_more && page.next_cursor),
        loadingOlder: false,
      });
      return true;
    } catch (err) {
      this._set({ loadingOlder: false, error: errorText(err) });
      return false;
    }
  }

  /**
   * Send a message with images ([{content: dataUrl, mime_type, file_name}]). The message shows
   * at once; it is taken back (and false returned) when the integration refuses it.
   */
  async send(text, images = []) {
    const message = text.trim();
    if (!message && images.length === 0) return false;
    const key = newRunKey();
    const row = {
      role: "user",
      text: message,
      run_id: key,
      local: true,
      pending: true,
      timestamp: new Date().toISOString(),
    };
    if (images.length) row.images = images.length;
    this._set({ rows: [...this.state.rows, row], sending: true, error: null });
    try {
      await this.api.send({ message, attachments: images, idempotency_key: key });
      this._set({ sending: false });
      return true;
    } catch (err) {
      this._set({
        rows: this.state.rows.filter((r) => r !== row),
        sending: false,
        error: errorText(err),
      });
      return false;
    }
  }

  /** Stop the running reply. */
  async abort() {
    const live = this.state.live;
    const params = live && live.state === "running" && live.runId ? { run_id: live.runId } : {};
    try {
      await this.api.abort(params);
    } catch (err) {
      this._set({ error: errorText(err) });
    }
  }

  showError(message) {
    this._set({ error: message });
  }

  dismissError() {
    this._set({ error: null });
  }
}
