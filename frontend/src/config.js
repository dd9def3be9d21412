// The card's configuration: checks, the editor's schema, and a first config for the card
// picker. Plain data, no DOM.

export const CARD_TYPE = "openclaw-chat-card";
export const DEFAULT_HEIGHT = "420px";

/** ha-form schema of the visual editor: the entity picker shows run state sensors of OpenClaw. */
export const EDITOR_SCHEMA = [
  {
    name: "entity",
    required: true,
    selector: {
      entity: { filter: { integration: "openclaw", domain: "sensor", device_class: "enum" } },
    },
  },
  { name: "title", selector: { text: {} } },
  { name: "height", selector: { text: {} } },
];

export const EDITOR_LABELS = {
  entity: "Session (its run state sensor)",
  title: "Title (default: the session's name)",
  height: `Height of the conversation in masonry dashboards (default ${DEFAULT_HEIGHT})`,
};

/** The config, checked; throws (Home Assistant shows the message on the card) when unusable. */
export function checkConfig(config) {
  if (!config || typeof config !== "object") throw new Error("Invalid configuration");
  if (typeof config.entity !== "string" || !/^[a-z0-9_]+\.[a-z0-9_]+$/.test(config.entity)) {
    throw new Error("Choose an OpenClaw session: set `entity` to its run state sensor");
  }
  if (config.title !== undefined && typeof config.title !== "string") {
    throw new Error("`title` must be text");
  }
  if (
    config.page_size !== undefined &&
    !(Number.isInteger(config.page_size) && config.page_size >= 1 && config.page_size <= 200)
  ) {
    throw new Error("`page_size` must be a whole number from 1 to 200");
  }
  if (config.height !== undefined && !/^\d+(\.\d+)?(px|em|rem|vh|dvh|svh)$/.test(config.height)) {
    throw new Error("`height` must be a CSS length such as 420px or 60vh");
  }
  return config;
}

/** The editor's form value as a card config (empty optional fields dropped). */
export function configFromForm(previous, value) {
  const config = { ...previous, ...value, type: previous.type ?? `custom:${CARD_TYPE}` };
  for (const key of ["title", "height"]) {
    if (typeof config[key] === "string" && config[key].trim() === "") delete config[key];
  }
  return config;
}

/** The first config in the card picker: the first OpenClaw run state sensor there is. */
export function stubConfig(hass) {
  const entities = Object.values(hass?.entities ?? {});
  const found = entities.find(
    (e) => e.platform === "openclaw" && e.translation_key === "run_state",
  );
  return { entity: found?.entity_id ?? "" };
}
