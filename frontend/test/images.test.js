import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_IMAGE_SIDE, attachmentsFit, fitWithin, keepAsIs } from "../src/images.js";

test("pictures are scaled down to fit, never up", () => {
  assert.deepEqual(fitWithin(4000, 3000), { width: MAX_IMAGE_SIDE, height: 1200 });
  assert.deepEqual(fitWithin(3000, 4000), { width: 1200, height: MAX_IMAGE_SIDE });
  assert.deepEqual(fitWithin(640, 480), { width: 640, height: 480 });
  assert.deepEqual(fitWithin(10000, 1), { width: 1600, height: 1 });
});

test("small pictures in a sendable format go untouched", () => {
  assert.equal(keepAsIs("image/gif", 200_000, 300, 200), true);
  assert.equal(keepAsIs("image/png", 800_000, 300, 200), false);
  assert.equal(keepAsIs("image/heic", 200_000, 300, 200), false);
  assert.equal(keepAsIs("image/jpeg", 200_000, 3000, 200), false);
});

test("the pictures of one message stay under Home Assistant's websocket message limit", () => {
  const picture = (chars) => ({ content: "x".repeat(chars) });
  assert.equal(attachmentsFit([picture(1_000_000), picture(1_000_000)]), true);
  assert.equal(attachmentsFit([picture(1_000_000), picture(1_000_000), picture(1_000_001)]), false);
  assert.equal(attachmentsFit([]), true);
});
