import assert from "node:assert/strict";
import { test } from "node:test";
import { EDITOR_SCHEMA, checkConfig, configFromForm, stubConfig } from "../src/config.js";

test("a config needs a session entity", () => {
  assert.throws(() => checkConfig({}), /entity/);
  assert.throws(() => checkConfig({ entity: "not an id" }), /entity/);
  assert.throws(() => checkConfig({ entity: "sensor.main_run_state", height: "tall" }), /height/);
  assert.throws(() => checkConfig({ entity: "sensor.main_run_state", page_size: 0 }), /page_size/);
  assert.throws(() => checkConfig({ entity: "sensor.main_run_state", page_size: 2.5 }), /page_size/);
  const ok = { entity: "sensor.main_run_state", title: "Agent", height: "60vh", page_size: 10 };
  assert.equal(checkConfig(ok), ok);
});

test("the editor drops empty optional fields and keeps the card type", () => {
  const config = configFromForm(
    { type: "custom:openclaw-chat-card", entity: "sensor.a_run_state" },
    { entity: "sensor.b_run_state", title: " ", height: "" },
  );
  assert.deepEqual(config, { type: "custom:openclaw-chat-card", entity: "sensor.b_run_state" });
});

test("the entity picker offers OpenClaw run state sensors", () => {
  const entity = EDITOR_SCHEMA.find((s) => s.name === "entity");
  assert.equal(entity.required, true);
  assert.deepEqual(entity.selector.entity.filter, {
    integration: "openclaw",
    domain: "sensor",
    device_class: "enum",
  });
});

test("the card picker starts with the first OpenClaw run state sensor", () => {
  const hass = {
    entities: {
      "sensor.kitchen": { entity_id: "sensor.kitchen", platform: "demo" },
      "sensor.main_latest_reply": {
        entity_id: "sensor.main_latest_reply",
        platform: "openclaw",
        translation_key: "reply",
      },
      "sensor.main_run_state": {
        entity_id: "sensor.main_run_state",
        platform: "openclaw",
        translation_key: "run_state",
      },
    },
  };
  assert.deepEqual(stubConfig(hass), { entity: "sensor.main_run_state" });
  assert.deepEqual(stubConfig({ entities: {} }), { entity: "" });
});
