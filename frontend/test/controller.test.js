import assert from "node:assert/strict";
import { test } from "node:test";
import { ChatController, errorText, newRunKey } from "../src/controller.js";

const row = (seq, role, text, extra = {}) => ({ seq, role, text, ...extra });

/** The integration's commands over a fake transcript; records every call. */
class FakeApi {
  constructor(transcript = []) {
    this.transcript = transcript;
    this.calls = [];
    this.listener = null;
    this.unsubscribed = 0;
    this.failSubscribe = 0;
    this.failSend = null;
    this.historyGate = null;
  }

  emit(event) {
    this.listener(event);
  }

  async subscribe(onEvent) {
    this.calls.push(["subscribe"]);
    if (this.failSubscribe > 0) {
      this.failSubscribe -= 1;
      throw { code: "home_assistant_error", message: "not loaded" };
    }
    this.listener = onEvent;
    return () => {
      this.unsubscribed += 1;
    };
  }

  async history({ limit, cursor }) {
    this.calls.push(["history", limit, cursor ?? null]);
    if (this.historyGate) await this.historyGate();
    const before = cursor ? Number(cursor.replace("seq:", "")) : Infinity;
    const older = this.transcript.filter((r) => r.seq < before);
    const page = older.slice(-limit);
    const hasMore = older.length > page.length;
    return {
      session_key: "agent:main:main",
      messages: page,
      has_more: hasMore,
      ...(hasMore ? { next_cursor: `seq:${page[0].seq}` } : {}),
    };
  }

  async send(params) {
    this.calls.push(["send", params]);
    if (this.failSend) throw this.failSend;
    return { run_id: params.idempotency_key, status: "started" };
  }

  async abort(params) {
    this.calls.push(["abort", params]);
    return { aborted: true, run_ids: [params.run_id] };
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

const snapshot = (extra = {}) => ({
  type: "snapshot",
  title: "Main",
  connected: true,
  run_state: "idle",
  run_id: null,
  text: "",
  error: null,
  ...extra,
});

function fakeTimers() {
  const pending = [];
  return {
    pending,
    setTimeout(fn, ms) {
      pending.push({ fn, ms });
      return pending.length;
    },
    clearTimeout(id) {
      if (pending[id - 1]) pending[id - 1].fn = null;
    },
    runAll() {
      const due = pending.splice(0);
      for (const t of due) t.fn?.();
    },
  };
}

async function started(api, options = {}) {
  const controller = new ChatController(api, { pageSize: 3, ...options });
  await controller.start();
  api.emit(snapshot());
  await settle();
  return controller;
}

test("it subscribes, then shows the newest page with a cursor for older ones", async () => {
  const api = new FakeApi([1, 2, 3, 4, 5].map((i) => row(i, i % 2 ? "user" : "assistant", `m${i}`)));
  const changes = [];
  const controller = await started(api, { onChange: (s) => changes.push(s) });
  assert.deepEqual(api.calls, [["subscribe"], ["history", 3, null]]);
  const { state } = controller;
  assert.equal(state.title, "Main");
  assert.deepEqual(
    state.rows.map((r) => r.text),
    ["m3", "m4", "m5"],
  );
  assert.equal(state.cursor, "seq:3");
  assert.equal(state.hasMore, true);
  assert.equal(state.loaded, true);
  assert.ok(changes.length >= 2);
});

test("scrolling back loads older pages until the first message", async () => {
  const api = new FakeApi([1, 2, 3, 4, 5].map((i) => row(i, "user", `m${i}`)));
  const controller = await started(api);
  assert.equal(await controller.loadOlder(), true);
  assert.deepEqual(
    controller.state.rows.map((r) => r.seq),
    [1, 2, 3, 4, 5],
  );
  assert.equal(controller.state.hasMore, false);
  assert.equal(await controller.loadOlder(), false);
  assert.deepEqual(api.calls.at(-1), ["history", 3, "seq:3"]);
});

test("one older page at a time", async () => {
  const api = new FakeApi([1, 2, 3, 4, 5, 6, 7].map((i) => row(i, "user", `m${i}`)));
  const controller = await started(api);
  let open;
  api.historyGate = () => new Promise((resolve) => (open = resolve));
  const first = controller.loadOlder();
  assert.equal(await controller.loadOlder(), false);
  open();
  assert.equal(await first, true);
  assert.equal(api.calls.filter((c) => c[0] === "history").length, 2);
});

test("a reply streams into the live bubble and is replaced by the transcript's row", async () => {
  const api = new FakeApi([row(1, "user", "old")]);
  const controller = await started(api);
  api.emit({ type: "started", run_id: "r1" });
  api.emit({ type: "delta", run_id: "r1", delta: "Hel", replaced: false });
  api.emit({ type: "delta", run_id: "r1", delta: "lo", replaced: false });
  assert.equal(controller.state.runState, "running");
  assert.deepEqual(controller.state.live, { runId: "r1", text: "Hello", state: "running", error: null });

  api.transcript.push(row(2, "user", "hi", { run_id: "r1" }), row(3, "assistant", "Hello!", { run_id: "r1" }));
  api.emit({ type: "end", run_id: "r1", state: "final", text: "Hello!", error: null });
  assert.equal(controller.state.live.text, "Hello!");
  await settle();

  assert.equal(controller.state.live, null);
  assert.equal(controller.state.runState, "idle");
  assert.deepEqual(
    controller.state.rows.map((r) => r.text),
    ["old", "hi", "Hello!"],
  );
});

test("a run started elsewhere shows the message that started it", async () => {
  const api = new FakeApi([row(1, "user", "old")]);
  const controller = await started(api);
  api.transcript.push(row(2, "user", "from an automation", { run_id: "r9" }));
  api.emit({ type: "started", run_id: "r9" });
  await settle();
  assert.deepEqual(
    controller.state.rows.map((r) => r.text),
    ["old", "from an automation"],
  );
  assert.equal(controller.state.live.runId, "r9");
});

test("a stopped reply the transcript did not keep stays visible as stopped", async () => {
  const api = new FakeApi([]);
  const controller = await started(api);
  api.emit({ type: "started", run_id: "r2" });
  api.emit({ type: "delta", run_id: "r2", delta: "tick0 tick1", replaced: false });
  api.emit({ type: "end", run_id: "r2", state: "aborted", text: "tick0 tick1", error: null });
  await settle();
  assert.equal(controller.state.runState, "aborted");
  assert.equal(controller.state.live, null);
  assert.deepEqual(controller.state.rows, [
    { role: "assistant", text: "tick0 tick1", run_id: "r2", local: true, state: "aborted", error: null },
  ]);
});

test("a sent message shows at once and gives way to the transcript's copy", async () => {
  const api = new FakeApi([]);
  const controller = await started(api);
  const image = { content: "data:image/png;base64,AAAA", mime_type: "image/png", file_name: "a.png" };

  assert.equal(await controller.send("  hello  ", [image]), true);

  const [, params] = api.calls.find((c) => c[0] === "send");
  assert.equal(params.message, "hello");
  assert.deepEqual(params.attachments, [image]);
  assert.match(params.idempotency_key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const [pending] = controller.state.rows;
  assert.equal(pending.pending, true);
  assert.equal(pending.images, 1);
  assert.equal(pending.run_id, params.idempotency_key);

  api.transcript.push(
    row(1, "user", "hello", { run_id: params.idempotency_key, images: 1 }),
    row(2, "assistant", "ECHO: hello", { run_id: params.idempotency_key }),
  );
  api.emit({ type: "started", run_id: params.idempotency_key });
  api.emit({ type: "end", run_id: params.idempotency_key, state: "final", text: "ECHO: hello", error: null });
  await settle();
  assert.deepEqual(
    controller.state.rows.map((r) => [r.text, Boolean(r.local)]),
    [
      ["hello", false],
      ["ECHO: hello", false],
    ],
  );
});

test("a refused message is taken back with the reason", async () => {
  const api = new FakeApi([]);
  const controller = await started(api);
  api.failSend = { code: "home_assistant_error", message: "Attachment refused: not an image" };
  assert.equal(await controller.send("look", []), false);
  assert.deepEqual(controller.state.rows, []);
  assert.equal(controller.state.error, "Attachment refused: not an image");
  assert.equal(controller.state.sending, false);
  controller.dismissError();
  assert.equal(controller.state.error, null);
});

test("nothing to send sends nothing", async () => {
  const api = new FakeApi([]);
  const controller = await started(api);
  assert.equal(await controller.send("   ", []), false);
  assert.equal(api.calls.filter((c) => c[0] === "send").length, 0);
});

test("stop aborts the running reply's run", async () => {
  const api = new FakeApi([]);
  const controller = await started(api);
  api.emit({ type: "started", run_id: "r5" });
  await controller.abort();
  assert.deepEqual(api.calls.at(-1), ["abort", { run_id: "r5" }]);
});

test("joining a running run shows its text so far", async () => {
  const api = new FakeApi([]);
  const controller = new ChatController(api, { pageSize: 3 });
  await controller.start();
  api.emit(snapshot({ run_state: "running", run_id: "r7", text: "so far" }));
  assert.deepEqual(controller.state.live, { runId: "r7", text: "so far", state: "running", error: null });
  assert.equal(controller.state.runState, "running");
});

test("after the gateway connection comes back the newest page is read again", async () => {
  const api = new FakeApi([row(1, "user", "a")]);
  const controller = await started(api);
  api.emit({ type: "connection", connected: false });
  assert.equal(controller.state.connected, false);
  api.transcript.push(row(2, "assistant", "b"));
  api.emit({ type: "connection", connected: true });
  await settle();
  assert.equal(controller.state.connected, true);
  assert.deepEqual(
    controller.state.rows.map((r) => r.text),
    ["a", "b"],
  );
});

test("when the integration reloads the card subscribes again", async () => {
  const api = new FakeApi([]);
  const timers = fakeTimers();
  const controller = await started(api, { timers, retryDelay: 1000 });
  api.emit({ type: "closed" });
  assert.equal(api.unsubscribed, 1);
  assert.equal(controller.state.connected, false);
  assert.equal(timers.pending[0].ms, 1000);
  timers.runAll();
  await settle();
  assert.equal(api.calls.filter((c) => c[0] === "subscribe").length, 2);
  api.emit(snapshot());
  await settle();
  assert.equal(controller.state.connected, true);
});

test("a refused subscription is retried, and stop cancels the retry", async () => {
  const api = new FakeApi([]);
  api.failSubscribe = 2;
  const timers = fakeTimers();
  const controller = new ChatController(api, { timers });
  await controller.start();
  assert.equal(controller.state.error, "not loaded");
  timers.runAll();
  await settle();
  assert.equal(api.calls.filter((c) => c[0] === "subscribe").length, 2);
  controller.stop();
  timers.runAll();
  await settle();
  assert.equal(api.calls.filter((c) => c[0] === "subscribe").length, 2);
});

test("a wrong entity or a missing permission is not retried", async () => {
  for (const error of [
    { code: "unauthorized", message: "Unauthorized" },
    { code: "home_assistant_error", message: "not a session", translation_key: "not_session_entity" },
  ]) {
    const api = new FakeApi([]);
    api.subscribe = async () => {
      throw error;
    };
    const timers = fakeTimers();
    const controller = new ChatController(api, { timers });
    await controller.start();
    assert.equal(controller.state.error, error.message);
    assert.equal(timers.pending.length, 0);
  }
});

test("of two overlapping reloads the later one wins", async () => {
  const api = new FakeApi([row(1, "user", "a")]);
  const controller = await started(api);
  const gates = [];
  api.historyGate = () => new Promise((resolve) => gates.push(resolve));
  const first = controller.reloadNewest();
  api.transcript.push(row(2, "assistant", "b"));
  const second = controller.reloadNewest();
  await settle();
  gates[1]();
  await second;
  api.transcript.pop();
  gates[0]();
  await first;
  assert.deepEqual(
    controller.state.rows.map((r) => r.text),
    ["a", "b"],
  );
});

test("after stop nothing reaches the view", async () => {
  const api = new FakeApi([]);
  const changes = [];
  const controller = await started(api, { onChange: (s) => changes.push(s) });
  controller.stop();
  const before = changes.length;
  api.emit({ type: "started", run_id: "r" });
  assert.equal(changes.length, before);
  assert.equal(api.unsubscribed, 1);
});

test("run keys are random v4 UUIDs without a secure context", () => {
  const keys = new Set(Array.from({ length: 100 }, () => newRunKey()));
  assert.equal(keys.size, 100);
});

test("error texts", () => {
  assert.equal(errorText({ code: "x", message: "boom" }), "boom");
  assert.equal(errorText("plain"), "plain");
});
