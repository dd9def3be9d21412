"""Finding a run's end in a session's transcript (``chat.history`` rows), on every release.

2026.9.x marks each assistant row with ``__openclaw.runId``. 2026.3.24 and 2026.5.12 do not:
their rows carry only ``__openclaw {id, seq}``. There a run's row is found by content instead:
the user row holding the message the run answered, then the last assistant row before the next
user row. Measured on both releases: ``chat.history`` user rows hold the sent text unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .models import Usage, message_text

# stopReason of an assistant row that asked for a tool: the run goes on after it.
_NOT_TERMINAL = frozenset({"toolUse", "tool_use", "tool_calls"})


def row_run_id(row: dict[str, Any]) -> str | None:
    meta = row.get("__openclaw")
    run_id = meta.get("runId") if isinstance(meta, dict) else None
    return run_id if isinstance(run_id, str) and run_id else None


def has_run_ids(rows: Sequence[dict[str, Any]]) -> bool:
    """Whether this release links assistant rows to runs (2026.9.x does, older ones do not)."""
    return any(row.get("role") == "assistant" and row_run_id(row) for row in rows)


def row_by_run_id(rows: Sequence[dict[str, Any]], run_id: str) -> dict[str, Any] | None:
    """The last assistant row of ``run_id`` (transcripts that carry run ids)."""
    for row in rows[::-1]:
        if row.get("role") == "assistant" and row_run_id(row) == run_id:
            return row
    return None


def _is_end(row: dict[str, Any]) -> bool:
    stop = row.get("stopReason")
    return row.get("role") == "assistant" and not (isinstance(stop, str) and stop in _NOT_TERMINAL)


def row_answering(
    rows: Sequence[dict[str, Any]], message: str, *, skip: int = 0
) -> dict[str, Any] | None:
    """The assistant row that ended the run answering the newest user row with ``message``.

    ``skip`` passes over that many newer user rows with the same text (two runs in flight
    with one text). None while the run has not ended (no terminal assistant row yet).
    """
    wanted = message.strip()
    users = [
        i
        for i, row in enumerate(rows)
        if row.get("role") == "user" and message_text(row).strip() == wanted
    ]
    if len(users) <= skip:
        return None
    start = users[-1 - skip]
    end = next((i for i in range(start + 1, len(rows)) if rows[i].get("role") == "user"), None)
    answer = rows[start + 1 : end]
    last = next((row for row in reversed(answer) if row.get("role") == "assistant"), None)
    return last if last is not None and _is_end(last) else None


def row_with_reply(rows: Sequence[dict[str, Any]], reply: str) -> dict[str, Any] | None:
    """The newest assistant row whose text is ``reply`` (a run whose final we saw)."""
    wanted = reply.rstrip()
    for row in rows[::-1]:
        if row.get("role") == "assistant" and message_text(row).rstrip() == wanted:
            return row
    return None


def reported_usage(data: Any) -> Usage | None:
    """A row's usage, or None when the release recorded none.

    2026.3.24 does not ask the model for usage in a stream and writes zeros; no real turn
    uses zero tokens, so all-zero counts mean "not reported", never "free".
    """
    usage = Usage.from_payload(data)
    if usage is None:
        return None
    counts = (usage.input_tokens, usage.output_tokens, usage.total_tokens)
    return usage if any(count for count in counts) else None
