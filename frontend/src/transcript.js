// The rows the card shows, as plain data (no DOM): pages from the integration merged by
// transcript seq, messages the user just sent (pending until the transcript has them) and the
// reply that is streaming now.
//
// Server row: {role, text, seq?, timestamp?, run_id?, images?, error?}
// Local row:  the same plus {local: true}, and {pending: true} or {state: "aborted"|"error"}

/** A stable identity: the transcript seq, else what the row says about itself. */
export function rowKey(row) {
  if (typeof row.seq === "number") return `s${row.seq}`;
  return `l:${row.role}:${row.run_id ?? ""}:${row.timestamp ?? ""}:${row.text.slice(0, 40)}`;
}

function bySeq(rows) {
  if (!rows.every((r) => typeof r.seq === "number")) return rows;
  return [...rows].sort((a, b) => a.seq - b.seq);
}

function dedupe(rows) {
  const seen = new Set();
  const out = [];
  for (const row of rows) {
    const key = rowKey(row);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(row);
    }
  }
  return out;
}

/** Server rows plus an older page (paging back on scroll). */
export function withOlderPage(rows, page) {
  return bySeq(dedupe([...page, ...rows]));
}

/**
 * Server rows plus the newest page, and the local rows that page makes redundant dropped:
 * a pending message whose run (or, failing that, whose text) is now in the transcript, and an
 * ended reply whose run has its own assistant row.
 */
export function withNewestPage(rows, page) {
  const fresh = page.filter((r) => !r.local);
  const runs = new Set(fresh.filter((r) => r.run_id).map((r) => `${r.role}:${r.run_id}`));
  const userTexts = new Set(fresh.filter((r) => r.role === "user").map((r) => r.text));
  const anyRunIds = fresh.some((r) => r.run_id);
  const kept = rows.filter((row) => {
    if (!row.local) return true;
    if (row.run_id && runs.has(`${row.role}:${row.run_id}`)) return false;
    if (row.pending && !anyRunIds && userTexts.has(row.text)) return false;
    return true;
  });
  const server = bySeq(dedupe([...kept.filter((r) => !r.local), ...fresh]));
  return [...server, ...kept.filter((r) => r.local)];
}

/** The run's reply as the card shows it while streaming. */
export function emptyLive(runId = null) {
  return { runId, text: "", state: "running", error: null };
}

/**
 * Apply one subscription message to the live reply; returns the new live reply (or null
 * when no run is shown). Messages: snapshot, started, delta, end (see chat_stream.py).
 */
export function applyStreamEvent(live, event) {
  switch (event.type) {
    case "snapshot":
      return event.run_state === "running" ? { ...emptyLive(event.run_id), text: event.text ?? "" } : null;
    case "started":
      return emptyLive(event.run_id);
    case "delta": {
      const base = live && live.runId === event.run_id ? live : emptyLive(event.run_id);
      return { ...base, text: event.replaced ? event.delta : base.text + event.delta };
    }
    case "end":
      return {
        runId: event.run_id,
        text: event.text ?? "",
        state: event.state,
        error: event.error ?? null,
      };
    default:
      return live;
  }
}

/** The sensor-like run state the header shows, from a subscription message. */
export function runStateAfter(current, event) {
  switch (event.type) {
    case "snapshot":
      return event.run_state;
    case "started":
    case "delta":
      return "running";
    case "end":
      return event.state === "final" ? "idle" : event.state;
    default:
      return current;
  }
}

/** An ended reply the transcript did not keep (an abort): a local row so it stays visible. */
export function endedReplyRow(live) {
  return {
    role: "assistant",
    text: live.text,
    run_id: live.runId,
    local: true,
    state: live.state,
    error: live.error,
  };
}
