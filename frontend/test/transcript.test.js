import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyStreamEvent,
  endedReplyRow,
  rowKey,
  runStateAfter,
  withNewestPage,
  withOlderPage,
} from "../src/transcript.js";

const row = (seq, role, text, extra = {}) => ({ seq, role, text, ...extra });

test("rows are keyed by transcript seq, local rows by what they say", () => {
  assert.equal(rowKey(row(7, "user", "hi")), "s7");
  assert.notEqual(
    rowKey({ role: "user", text: "hi", run_id: "a" }),
    rowKey({ role: "user", text: "hi", run_id: "b" }),
  );
});

test("an older page goes before the rows, without duplicates, in seq order", () => {
  const rows = [row(3, "user", "c"), row(4, "assistant", "d")];
  const merged = withOlderPage(rows, [row(1, "user", "a"), row(2, "assistant", "b"), row(3, "user", "c")]);
  assert.deepEqual(
    merged.map((r) => r.seq),
    [1, 2, 3, 4],
  );
});

test("the newest page replaces the pending message and the ended reply of its run", () => {
  const pending = { role: "user", text: "hello", run_id: "r1", local: true, pending: true };
  const aborted = { role: "assistant", text: "part", run_id: "r0", local: true, state: "aborted" };
  const rows = [row(1, "user", "old"), aborted, pending];
  const page = [
    row(1, "user", "old"),
    row(2, "user", "hello", { run_id: "r1" }),
    row(3, "assistant", "ECHO: hello", { run_id: "r1" }),
  ];
  const merged = withNewestPage(rows, page);
  assert.deepEqual(
    merged.map((r) => [r.seq ?? null, r.text]),
    [
      [1, "old"],
      [2, "hello"],
      [3, "ECHO: hello"],
      [null, "part"],
    ],
  );
});

test("without run ids in the transcript a pending message is matched by its text", () => {
  const pending = { role: "user", text: "hello", run_id: "r1", local: true, pending: true };
  const merged = withNewestPage([pending], [row(1, "user", "hello"), row(2, "assistant", "x")]);
  assert.deepEqual(
    merged.map((r) => r.text),
    ["hello", "x"],
  );
});

test("a pending message stays until the transcript has it", () => {
  const pending = { role: "user", text: "new", run_id: "r9", local: true, pending: true };
  const merged = withNewestPage([pending], [row(1, "user", "old", { run_id: "r8" })]);
  assert.deepEqual(
    merged.map((r) => r.text),
    ["old", "new"],
  );
});

test("stream events build the live reply: deltas append, a replaced delta resets", () => {
  let live = null;
  live = applyStreamEvent(live, { type: "started", run_id: "r" });
  assert.deepEqual(live, { runId: "r", text: "", state: "running", error: null });
  live = applyStreamEvent(live, { type: "delta", run_id: "r", delta: "Hel", replaced: false });
  live = applyStreamEvent(live, { type: "delta", run_id: "r", delta: "lo", replaced: false });
  assert.equal(live.text, "Hello");
  live = applyStreamEvent(live, { type: "delta", run_id: "r", delta: "Hi", replaced: true });
  assert.equal(live.text, "Hi");
  live = applyStreamEvent(live, {
    type: "end",
    run_id: "r",
    state: "final",
    text: "Hi there",
    error: null,
  });
  assert.deepEqual(live, { runId: "r", text: "Hi there", state: "final", error: null });
});

test("a delta of another run starts that run's reply", () => {
  const live = applyStreamEvent(
    { runId: "old", text: "old text", state: "running", error: null },
    { type: "delta", run_id: "new", delta: "x", replaced: false },
  );
  assert.deepEqual(live, { runId: "new", text: "x", state: "running", error: null });
});

test("a snapshot shows a running reply, or none", () => {
  const running = applyStreamEvent(null, {
    type: "snapshot",
    run_state: "running",
    run_id: "r",
    text: "so far",
  });
  assert.equal(running.text, "so far");
  assert.equal(applyStreamEvent(running, { type: "snapshot", run_state: "idle" }), null);
});

test("the run state follows the messages", () => {
  assert.equal(runStateAfter("idle", { type: "started" }), "running");
  assert.equal(runStateAfter("running", { type: "end", state: "final" }), "idle");
  assert.equal(runStateAfter("running", { type: "end", state: "aborted" }), "aborted");
  assert.equal(runStateAfter("idle", { type: "snapshot", run_state: "error" }), "error");
  assert.equal(runStateAfter("idle", { type: "connection", connected: false }), "idle");
});

test("an ended reply becomes a local row", () => {
  assert.deepEqual(endedReplyRow({ runId: "r", text: "t", state: "aborted", error: null }), {
    role: "assistant",
    text: "t",
    run_id: "r",
    local: true,
    state: "aborted",
    error: null,
  });
});
