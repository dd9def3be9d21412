// openclaw-chat-card: read and talk to an OpenClaw session from a dashboard.
// The logic lives in controller.js (tested without a browser); this element renders it.

import { LitElement, html, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { chatApi } from "./api.js";
import { CARD_TYPE, DEFAULT_HEIGHT, checkConfig, stubConfig } from "./config.js";
import { ChatController } from "./controller.js";
import { OpenClawChatCardEditor } from "./editor.js";
import { MAX_IMAGES, attachmentsFit, imageAttachment } from "./images.js";
import { ensureMarkdown, markdownReady } from "./markdown.js";
import { registryReady, whenRegistryReady } from "./registry.js";
import { rowKey } from "./transcript.js";
import { runStateLabel, text } from "./strings.js";
import { cardStyles } from "./styles.js";

// Set by build.mjs from package.json.
const VERSION = typeof __CARD_VERSION__ === "string" ? __CARD_VERSION__ : "dev";
// Material Design Icons (Pictogrammers, Apache-2.0): send, stop, image-plus, image.
const ICON_SEND = "M2,21L23,12L2,3V10L17,12L2,14V21Z";
const ICON_STOP = "M18,18H6V6H18V18Z";
const ICON_IMAGE =
  "M13 19C13 19.7 13.13 20.37 13.35 21H5C3.9 21 3 20.11 3 19V5C3 3.9 3.9 3 5 3H19C20.11 3 21 3.9 21 5V13.35C20.37 13.13 19.7 13 19 13V5H5V19H13M13.96 12.29L11.21 15.83L9.25 13.47L6.5 17H13.35C13.75 15.88 14.47 14.91 15.4 14.21L13.96 12.29M20 18V15H18V18H15V20H18V23H20V20H23V18H20Z";
const ICON_PICTURE =
  "M8.5,13.5L11,16.5L14.5,12L19,18H5M21,19V5C21,3.89 20.1,3 19,3H5A2,2 0 0,0 3,5V19A2,2 0 0,0 5,21H19A2,2 0 0,0 21,19Z";
// Scrolled this close to an edge counts as being there.
const EDGE_PX = 48;
const FILL_DELAY_MS = 250;

const icon = (path) =>
  html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d=${path}></path></svg>`;

export class OpenClawChatCard extends LitElement {
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
    _view: { state: true },
    _draft: { state: true },
    _images: { state: true },
    _markdown: { state: true },
  };

  static styles = cardStyles;

  constructor() {
    super();
    this._draft = "";
    this._images = [];
    this._markdown = markdownReady();
    this._controller = null;
    this._stick = true;
    this._resize = null;
  }

  static getConfigElement() {
    return document.createElement(`${CARD_TYPE}-editor`);
  }

  static getStubConfig(hass) {
    return stubConfig(hass);
  }

  setConfig(config) {
    checkConfig(config);
    const restart =
      this._config?.entity !== config.entity || this._config?.page_size !== config.page_size;
    this._config = config;
    if (restart && this._controller) {
      this._stopController();
      this._startController();
    }
  }

  getCardSize() {
    return 8;
  }

  getGridOptions() {
    return { columns: 12, min_columns: 4, rows: 8, min_rows: 4 };
  }

  connectedCallback() {
    super.connectedCallback();
    this._startController();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this._stopController();
    clearTimeout(this._fillTimer);
    this._resize?.disconnect();
    this._resize = null;
  }

  willUpdate(changed) {
    if (changed.has("hass")) this._startController();
  }

  _startController() {
    if (this._controller || !this.hass || !this._config || !this.isConnected) return;
    const controller = new ChatController(chatApi(() => this.hass, this._config.entity), {
      pageSize: this._config.page_size,
      onChange: (state) => {
        if (controller === this._controller) this._view = state;
      },
    });
    this._controller = controller;
    this._view = controller.state;
    this._stick = true;
    controller.start();
    if (!this._markdown) {
      ensureMarkdown().then((ready) => {
        this._markdown = ready;
      });
    }
  }

  _stopController() {
    this._controller?.stop();
    this._controller = null;
  }

  // -- scrolling -----------------------------------------------------------------------------

  get _scroller() {
    return this.renderRoot?.querySelector(".transcript");
  }

  firstUpdated() {
    // Markdown renders after the row is in the DOM: keep the newest line in view as it grows.
    this._resize = new ResizeObserver(() => {
      this._keepBottom();
      this._fillSoon();
    });
    const content = this.renderRoot.querySelector(".content");
    if (content) this._resize.observe(content);
  }

  updated() {
    this._keepBottom();
    this._fillSoon();
  }

  // A first page shorter than the card: fetch older ones until it scrolls. Judged once the
  // rows' Markdown has had a moment to render, so a page of short rows does not pull in more.
  _fillSoon() {
    clearTimeout(this._fillTimer);
    this._fillTimer = setTimeout(() => {
      const view = this._view;
      const el = this._scroller;
      if (el && view?.loaded && view.hasMore && el.scrollHeight <= el.clientHeight) {
        this._loadOlder();
      }
    }, FILL_DELAY_MS);
  }

  _keepBottom() {
    const el = this._scroller;
    if (el && this._stick) el.scrollTop = el.scrollHeight;
  }

  _onScroll() {
    const el = this._scroller;
    if (!el) return;
    this._stick = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX;
    if (el.scrollTop < EDGE_PX) this._loadOlder();
  }

  async _loadOlder() {
    const el = this._scroller;
    const controller = this._controller;
    if (!el || !controller || !controller.state.hasMore || controller.state.loadingOlder) return;
    const fromBottom = el.scrollHeight - el.scrollTop;
    if (await controller.loadOlder()) {
      await this.updateComplete;
      // Older rows went in above: keep the rows the user was reading where they were.
      el.scrollTop = el.scrollHeight - fromBottom;
    }
  }

  // -- input ---------------------------------------------------------------------------------

  _onInput(ev) {
    this._draft = ev.target.value;
    this._fitTextarea(ev.target);
  }

  _fitTextarea(area) {
    area.style.height = "auto";
    area.style.height = `${area.scrollHeight + 2}px`;
  }

  _onKeyDown(ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      this._send();
    }
  }

  async _send(ev) {
    ev?.preventDefault();
    const controller = this._controller;
    if (!controller || controller.state.sending) return;
    const draft = this._draft;
    const images = this._images;
    if (!draft.trim() && images.length === 0) return;
    this._draft = "";
    this._images = [];
    this._stick = true;
    const area = this.renderRoot.querySelector("textarea");
    if (area) {
      area.value = "";
      this._fitTextarea(area);
    }
    const attachments = images.map(({ content, mime_type, file_name }) => ({
      content,
      mime_type,
      file_name,
    }));
    if (!(await controller.send(draft, attachments)) && !this._draft && this._images.length === 0) {
      // Refused: give the words (and pictures) back.
      this._draft = draft;
      this._images = images;
      if (area) area.value = draft;
    }
  }

  _stop() {
    this._controller?.abort();
  }

  _pickImages() {
    this.renderRoot.querySelector("input[type=file]")?.click();
  }

  async _onFiles(ev) {
    const input = ev.target;
    const files = [...(input.files ?? [])].slice(0, MAX_IMAGES - this._images.length);
    input.value = "";
    for (const file of files) {
      try {
        const image = await imageAttachment(file);
        if (!attachmentsFit([...this._images, image])) {
          this._controller?.showError(`${file.name}: ${text("too_big")}`);
          continue;
        }
        this._images = [...this._images, image];
      } catch (err) {
        this._controller?.showError(`${file.name}: ${err?.message ?? err}`);
      }
    }
  }

  _removeImage(index) {
    this._images = this._images.filter((_, i) => i !== index);
  }

  // -- rendering -----------------------------------------------------------------------------

  _title() {
    if (this._config.title) return this._config.title;
    const state = this.hass?.states?.[this._config.entity];
    return this._view?.title || state?.attributes?.friendly_name || this._config.entity;
  }

  _renderText(value, live = false) {
    if (!value && live) return html`<span class="typing"></span>`;
    if (this._markdown) return html`<ha-markdown breaks .content=${value}></ha-markdown>`;
    return html`<div class="plain">${value}</div>`;
  }

  _renderImages(count) {
    if (!count) return nothing;
    return html`<div class="meta">
      ${icon(ICON_PICTURE)} ${count} ${text(count === 1 ? "image" : "images")}
    </div>`;
  }

  _renderRow(row) {
    const classes = ["row", row.role];
    if (row.pending) classes.push("pending");
    let meta = nothing;
    if (row.state === "aborted" || row.aborted) {
      meta = html`<div class="meta">${text("aborted")}</div>`;
    }
    else if (row.state === "error" || row.error) {
      meta = html`<div class="meta error">${text("error")}${row.error ? `: ${row.error}` : ""}</div>`;
    }
    const body =
      row.role === "assistant" ? this._renderText(row.text) : html`${row.text}`;
    const showBubble = row.text || row.role === "user";
    return html`<div class=${classes.join(" ")} data-role=${row.role} data-seq=${row.seq ?? ""}>
      ${showBubble ? html`<div class="bubble">${body}</div>` : nothing}
      ${this._renderImages(row.images)} ${meta}
    </div>`;
  }

  _renderLive(live) {
    if (!live) return nothing;
    let meta = nothing;
    if (live.state === "aborted") meta = html`<div class="meta">${text("aborted")}</div>`;
    else if (live.state === "error") {
      meta = html`<div class="meta error">${text("error")}${live.error ? `: ${live.error}` : ""}</div>`;
    }
    return html`<div class="row assistant live" data-role="assistant" data-state=${live.state}>
      <div class="bubble">${this._renderText(live.text, live.state === "running")}</div>
      ${meta}
    </div>`;
  }

  render() {
    if (!this._config) return nothing;
    const view = this._view ?? {};
    const running = view.runState === "running";
    const shownState = view.connected === false ? "disconnected" : view.runState ?? "idle";
    const label =
      shownState === "disconnected" ? text("disconnected") : runStateLabel(this.hass, shownState);
    const rows = view.rows ?? [];
    const empty = view.loaded && rows.length === 0 && !view.live;
    const height = this._config.height ?? DEFAULT_HEIGHT;
    const canSend = view.connected !== false && !view.sending;
    return html`<ha-card ?data-loaded=${Boolean(view.loaded)}>
      <header>
        <div class="title">${this._title()}</div>
        <div class="state" data-state=${shownState} role="status">
          <span class="dot"></span><span class="label">${label}</span>
        </div>
      </header>
      <div class="transcript" style="flex-basis: ${height}" @scroll=${this._onScroll}>
        <div class="content">
          ${view.loadingOlder ? html`<div class="notice">${text("older")}</div>` : nothing}
          ${empty ? html`<div class="notice">${text("start")}</div>` : nothing}
          ${repeat(rows, rowKey, (row) => this._renderRow(row))} ${this._renderLive(view.live)}
        </div>
      </div>
      ${view.error
        ? html`<div class="error-banner" role="alert">
            <span>${view.error}</span>
            <button class="plain-button" @click=${() => this._controller?.dismissError()}>
              ${text("dismiss")}
            </button>
          </div>`
        : nothing}
      ${this._images.length
        ? html`<div class="attachments">
            ${this._images.map(
              (image, i) => html`<div class="thumb">
                <img src=${image.preview} alt=${image.file_name} />
                <button aria-label=${text("remove")} @click=${() => this._removeImage(i)}>×</button>
              </div>`,
            )}
          </div>`
        : nothing}
      <form @submit=${this._send}>
        <input type="file" accept="image/*" multiple @change=${this._onFiles} />
        <button
          type="button"
          class="icon attach"
          title=${text("attach")}
          aria-label=${text("attach")}
          ?disabled=${this._images.length >= MAX_IMAGES}
          @click=${this._pickImages}
        >
          ${icon(ICON_IMAGE)}
        </button>
        <textarea
          rows="1"
          .value=${this._draft}
          placeholder=${text("placeholder")}
          aria-label=${text("placeholder")}
          @input=${this._onInput}
          @keydown=${this._onKeyDown}
        ></textarea>
        ${running
          ? html`<button
              type="button"
              class="icon stop"
              title=${text("stop")}
              aria-label=${text("stop")}
              @click=${this._stop}
            >
              ${icon(ICON_STOP)}
            </button>`
          : nothing}
        <button
          type="submit"
          class="icon send"
          title=${text("send")}
          aria-label=${text("send")}
          ?disabled=${!canSend || (!this._draft.trim() && this._images.length === 0)}
        >
          ${icon(ICON_SEND)}
        </button>
      </form>
    </ha-card>`;
  }
}

function register() {
  if (customElements.get(CARD_TYPE)) return;
  customElements.define(CARD_TYPE, OpenClawChatCard);
  customElements.define(`${CARD_TYPE}-editor`, OpenClawChatCardEditor);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: CARD_TYPE,
    name: "OpenClaw chat",
    description: "Read and talk to an OpenClaw agent session, with replies streaming live.",
    preview: false,
    documentationURL: "https://github.com/openclaw-ha/openclaw-homeassistant#dashboard-card",
  });
  console.info(`%c OPENCLAW-CHAT-CARD %c ${VERSION} `, "color:#fff;background:#d9480f", "");
}

if (registryReady()) register();
else whenRegistryReady().then(register);
