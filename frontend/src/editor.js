// The visual card editor: Home Assistant's ha-form with an entity picker for the session.

import { LitElement, html, nothing } from "lit";
import { EDITOR_LABELS, EDITOR_SCHEMA, configFromForm } from "./config.js";

// The card editor dialog does not always have ha-form and the entity picker loaded; the
// entities card's editor brings both.
export const EDITOR_ELEMENTS = ["ha-form", "ha-entity-picker"];

async function loadHaForm() {
  if (EDITOR_ELEMENTS.every((name) => customElements.get(name))) return;
  const helpers = await window.loadCardHelpers?.();
  const card = helpers?.createCardElement({ type: "entities", entities: [] });
  await card?.constructor?.getConfigElement?.();
}

export class OpenClawChatCardEditor extends LitElement {
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
    _ready: { state: true },
  };

  setConfig(config) {
    this._config = config;
  }

  connectedCallback() {
    super.connectedCallback();
    this._ready = EDITOR_ELEMENTS.every((name) => customElements.get(name));
    if (!this._ready) {
      loadHaForm()
        .catch(() => {})
        .finally(() => {
          this._ready = true;
        });
    }
  }

  render() {
    if (!this._config || !this.hass || !this._ready) return nothing;
    return html`<ha-form
      .hass=${this.hass}
      .data=${this._config}
      .schema=${EDITOR_SCHEMA}
      .computeLabel=${(schema) => EDITOR_LABELS[schema.name] ?? schema.name}
      @value-changed=${this._changed}
    ></ha-form>`;
  }

  _changed(ev) {
    ev.stopPropagation();
    const config = configFromForm(this._config, ev.detail.value);
    this._config = config;
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
    );
  }
}
