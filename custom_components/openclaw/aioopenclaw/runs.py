"""Per-run state: the one place that decides what is new, what is a duplicate, what is final.

The gateway's per-run ``seq`` has gaps and ``final`` repeats the last delta's value, deltas can
be coalesced or dropped under load, and a failed run gets two ``error`` events. So a run's
progress is judged by its cumulative text, and a terminal state is accepted once per run id.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
import time
from typing import Any

from .models import ChatEvent, RunResult, RunState, Usage, message_text
from .transcript import reported_usage

# Enough finished run ids to recognise late duplicates without growing without bound.
FINISHED_RUNS_KEPT = 4096
# A dict lookup instead of RunState(...) (an exception per unknown state, slow per delta).
_STATES: dict[str, RunState] = {state.value: state for state in RunState}


@dataclass(slots=True)
class _RunProgress:
    session_key: str
    text: str = ""
    seq: int | None = None
    output_tokens: int | None = None
    # What we sent (runs we started): finds the run's row in transcripts without run ids.
    message: str | None = None
    agent_seen: bool = False  # an `agent` event of this run arrived: the agent ran it
    queued: bool = False  # acknowledged by an empty final; the reply comes as another run
    started: float = field(default_factory=time.monotonic)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class RunTracker:
    """Turns raw ``chat`` payloads into ``ChatEvent``s, each terminal state exactly once."""

    def __init__(self, finished_kept: int = FINISHED_RUNS_KEPT) -> None:
        self._active: dict[str, _RunProgress] = {}
        self._finished: OrderedDict[str, RunResult] = OrderedDict()
        self._finished_kept = finished_kept

    def active_runs(self) -> dict[str, str]:
        """Run id -> session key of the runs seen started and not yet ended."""
        return {run_id: run.session_key for run_id, run in self._active.items()}

    def result(self, run_id: str) -> RunResult | None:
        return self._finished.get(run_id)

    def is_finished(self, run_id: str) -> bool:
        return run_id in self._finished

    def expect(self, run_id: str, session_key: str, message: str | None = None) -> None:
        """Track a run we started before any event of it arrives (so resync can find it)."""
        if run_id not in self._finished:
            run = self._active.setdefault(run_id, _RunProgress(session_key))
            run.message = message if message is not None else run.message

    def sent_message(self, run_id: str) -> str | None:
        run = self._active.get(run_id)
        return run.message if run is not None else None

    def started_at(self, run_id: str) -> float | None:
        """When the run was sent or first seen (``time.monotonic``)."""
        run = self._active.get(run_id)
        return run.started if run is not None else None

    def is_queued(self, run_id: str) -> bool:
        run = self._active.get(run_id)
        return run is not None and run.queued

    def has_queued(self, session_key: str) -> bool:
        return any(r.queued and r.session_key == session_key for r in self._active.values())

    def note_agent(self, payload: dict[str, Any]) -> None:
        """An ``agent`` event: the run it names was really started by the agent."""
        run = self._active.get(str(payload.get("runId")))
        if run is not None:
            run.agent_seen = True

    def forget(self, run_id: str) -> None:
        """Stop tracking a run whose send never reached the gateway."""
        self._active.pop(run_id, None)

    def note_usage(self, payload: dict[str, Any]) -> None:
        """An ``agent`` usage event: 2026.9.6 reports output tokens there, not in the final."""
        run = self._active.get(str(payload.get("runId")))
        data = payload.get("data")
        if run is not None and isinstance(data, dict):
            tokens = data.get("outputTokens")
            if isinstance(tokens, int) and not isinstance(tokens, bool):
                run.output_tokens = tokens

    def process(self, payload: dict[str, Any]) -> ChatEvent | None:
        """The event to deliver for one ``chat`` payload, or None for a duplicate or stray."""
        run_id = _str(payload.get("runId"))
        raw_state = payload.get("state")
        state = _STATES.get(raw_state) if isinstance(raw_state, str) else None
        if state is None:
            return None
        if run_id is None or run_id in self._finished:
            return None
        session_key = _str(payload.get("sessionKey")) or ""
        run = self._active.get(run_id)
        if run is None:
            run = self._active[run_id] = _RunProgress(session_key)
        elif session_key and not run.session_key:
            run.session_key = session_key
        seq = payload.get("seq")
        seq = seq if isinstance(seq, int) else None
        if state is RunState.STATUS:
            status = payload.get("status")
            phase = _str(status.get("phase")) if isinstance(status, dict) else _str(status)
            return ChatEvent(
                run_id,
                run.session_key,
                state,
                seq,
                run.text,
                phase=phase,
                agent_id=_str(payload.get("agentId")),
            )
        text, delta, replaced = self._advance(run, payload)
        if state is RunState.DELTA:
            if not delta and not replaced:
                return None  # nothing new: a duplicate or a coalesced repeat
            run.text, run.seq = text, seq
            return ChatEvent(
                run_id,
                run.session_key,
                state,
                seq,
                text,
                delta,
                replaced,
                agent_id=_str(payload.get("agentId")),
            )
        if state is RunState.FINAL and self._queued_ack(run, payload):
            # 2026.5.12 answers a message sent while the session is busy with an empty final
            # and runs it later as a follow-up under another run id: not this run's end. The
            # client finds the reply in the transcript once the follow-up has run.
            run.queued = True
            return None
        # Terminal: accepted once; the run leaves the active set.
        usage = reported_usage(payload.get("usage"))
        if usage is None and isinstance(payload.get("message"), dict):
            usage = reported_usage(payload["message"].get("usage"))
        if usage is None and run.output_tokens is not None:
            usage = Usage(output_tokens=run.output_tokens)  # the transcript has the rest
        event = ChatEvent(
            run_id,
            run.session_key,
            state,
            seq,
            text,
            delta,
            replaced,
            agent_id=_str(payload.get("agentId")),
            stop_reason=_str(payload.get("stopReason")),
            usage=usage,
            error_message=_str(payload.get("errorMessage")),
            error_kind=_str(payload.get("errorKind")),
        )
        self._finish(event)
        return event

    @staticmethod
    def _queued_ack(run: _RunProgress, payload: dict[str, Any]) -> bool:
        """An empty final for a run we sent that the agent never started (no agent event).

        Not for a slash command: 2026.5.12 ends ``/new`` or ``/reset`` the same way, and
        they have no reply to wait for (measured; 2026.9.6 gives them a reply text).
        """
        return (
            run.message is not None
            and not run.message.lstrip().startswith("/")
            and not run.agent_seen
            and not run.text
            and "message" not in payload
            and payload.get("stopReason") is None
            and payload.get("usage") is None
        )

    def fail_lost(self, run_id: str, message: str) -> ChatEvent | None:
        """End a run that cannot finish any more (the gateway restarted under it)."""
        run = self._active.get(run_id)
        if run is None or run_id in self._finished:
            return None
        event = ChatEvent(
            run_id,
            run.session_key,
            RunState.ERROR,
            None,
            run.text,
            error_message=message,
            resynced=True,
        )
        self._finish(event)
        return event

    def resolve_from_history(
        self, run_id: str, session_key: str, message: dict[str, Any]
    ) -> ChatEvent | None:
        """A terminal event rebuilt from the transcript, for a run whose final we missed."""
        if run_id in self._finished:
            return None
        run = self._active.get(run_id) or _RunProgress(session_key)
        # The live final is trimmed by the gateway; the transcript keeps the model's raw text.
        text = message_text(message).rstrip()
        stop_reason = _str(message.get("stopReason"))
        state = RunState.ABORTED if stop_reason == "aborted" else RunState.FINAL
        if stop_reason == "error":
            state = RunState.ERROR
        delta = text.removeprefix(run.text)
        event = ChatEvent(
            run_id,
            session_key,
            state,
            None,
            text,
            delta,
            not text.startswith(run.text),
            stop_reason=stop_reason,
            usage=reported_usage(message.get("usage")),
            error_message=_str(message.get("errorMessage")),
            resynced=True,
        )
        self._finish(event)
        return event

    @staticmethod
    def _advance(run: _RunProgress, payload: dict[str, Any]) -> tuple[str, str, bool]:
        """(cumulative text, new suffix, replaced) for this payload."""
        message = payload.get("message")
        if isinstance(message, dict):
            text = message_text(message)
        else:
            delta_text = _str(payload.get("deltaText"))
            if delta_text is None:
                return run.text, "", False  # e.g. a silent final: keep what we have
            text = delta_text if payload.get("replace") else run.text + delta_text
        if text.startswith(run.text):
            return text, text[len(run.text) :], False
        return text, text, True

    def _finish(self, event: ChatEvent) -> None:
        self._active.pop(event.run_id, None)
        self._finished[event.run_id] = RunResult(
            run_id=event.run_id,
            session_key=event.session_key,
            state=event.state,
            text=event.text,
            usage=event.usage,
            stop_reason=event.stop_reason,
            error_message=event.error_message,
        )
        while len(self._finished) > self._finished_kept:
            self._finished.popitem(last=False)
