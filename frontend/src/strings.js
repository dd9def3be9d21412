// Texts of the card. Run states use the integration's own translations (the run state
// sensor's) when the frontend has them, so they follow the user's language.

const TEXTS = {
  placeholder: "Message",
  send: "Send",
  stop: "Stop",
  attach: "Attach image",
  remove: "Remove",
  older: "Loading older messages…",
  start: "No messages yet. Say hello!",
  disconnected: "Disconnected",
  aborted: "Stopped",
  error: "Failed",
  dismiss: "Dismiss",
  image: "image",
  images: "images",
  too_big: "the pictures of one message would be too large together; send it on its own.",
};

const RUN_STATES = { idle: "Idle", running: "Running", aborted: "Aborted", error: "Error" };

export function text(key) {
  return TEXTS[key] ?? key;
}

export function runStateLabel(hass, state) {
  const key = `component.openclaw.entity.sensor.run_state.state.${state}`;
  const translated = hass?.localize?.(key);
  return translated || RUN_STATES[state] || state;
}
