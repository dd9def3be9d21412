"""Run tracking: deltas from cumulative text, and each terminal state exactly once."""

from __future__ import annotations

from typing import Any

from custom_components.openclaw.aioopenclaw.models import RunState
from custom_components.openclaw.aioopenclaw.runs import RunTracker


def chat(
    state: str, text: str | None = None, *, run: str = "r1", seq: int = 1, **extra: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "runId": run,
        "sessionKey": "agent:main:main",
        "seq": seq,
        "state": state,
    }
    if text is not None:
        payload["message"] = {
            "role": "assistant",
            "content": [{"type": "text", "text": text}],
        }
    payload.update(extra)
    return payload


def test_deltas_come_from_cumulative_text_even_when_some_were_dropped() -> None:
    tracker = RunTracker()
    first = tracker.process(chat("delta", "ECHO:", seq=2, deltaText="ECHO:"))
    assert first is not None and (first.delta, first.text) == ("ECHO:", "ECHO:")
    # The gateway may drop deltas under load; the cumulative text still tells what is new.
    second = tracker.process(chat("delta", "ECHO: hello world", seq=6, deltaText=" world"))
    assert second is not None and second.delta == " hello world"
    assert tracker.process(chat("delta", "ECHO: hello world", seq=6)) is None  # duplicate


def test_final_repeating_the_last_seq_is_delivered_once() -> None:
    tracker = RunTracker()
    tracker.process(chat("delta", "hi", seq=14))
    final = tracker.process(
        chat("final", "hi", seq=14, stopReason="stop", usage={"input": 3, "output": 1})
    )
    assert final is not None and final.state is RunState.FINAL
    assert final.usage is not None and final.usage.total_tokens == 4
    assert tracker.process(chat("final", "hi", seq=14)) is None
    assert tracker.result("r1") is not None and tracker.active_runs() == {}


def test_two_error_events_give_one_error() -> None:
    tracker = RunTracker()
    first = tracker.process(chat("error", seq=9, errorMessage="LLM request failed", agentId="main"))
    second = tracker.process(chat("error", seq=1, errorMessage="⚠️ Agent failed before reply"))
    assert first is not None and first.error_message == "LLM request failed"
    assert second is None


def test_replaced_text_and_delta_text_only_frames() -> None:
    tracker = RunTracker()
    tracker.process(chat("delta", seq=1, deltaText="abc"))
    replaced = tracker.process(chat("delta", "xyz", seq=2))
    assert replaced is not None and replaced.replaced and replaced.delta == "xyz"
    appended = tracker.process(chat("delta", seq=3, deltaText="!"))
    assert appended is not None and appended.text == "xyz!"
    silent_final = tracker.process(chat("final", seq=3))
    assert silent_final is not None and silent_final.text == "xyz!"


def test_history_resolves_a_missed_final_once() -> None:
    tracker = RunTracker()
    tracker.expect("r1", "agent:main:main")
    tracker.process(chat("delta", "par", seq=1))
    row = {
        "role": "assistant",
        "content": [{"type": "text", "text": "partial and more"}],
        "stopReason": "stop",
        "__openclaw": {"runId": "r1"},
    }
    event = tracker.resolve_from_history("r1", "agent:main:main", row)
    assert event is not None and event.resynced and event.text == "partial and more"
    assert tracker.resolve_from_history("r1", "agent:main:main", row) is None
    assert tracker.process(chat("final", "partial and more", seq=5)) is None


def test_unknown_states_and_missing_run_ids_are_ignored() -> None:
    tracker = RunTracker()
    assert tracker.process({"state": "final"}) is None
    assert tracker.process(chat("weird")) is None


def test_finished_runs_are_bounded() -> None:
    tracker = RunTracker(finished_kept=3)
    for i in range(10):
        tracker.process(chat("final", "x", run=f"r{i}"))
    assert [tracker.is_finished(f"r{i}") for i in (0, 6, 7, 9)] == [
        False,
        False,
        True,
        True,
    ]
