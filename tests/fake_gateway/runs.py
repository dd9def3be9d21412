"""Scripted chat runs: the fake "model" and the event stream a run produces.

A run emits what 2026.9.6 emits, in the same order: ``chat.metadata.changed``, ``agent``
lifecycle start, ``chat`` ``state:"status"`` phases, then per piece an ``agent`` assistant
event and a ``chat`` delta (v4: ``deltaText`` = new suffix, ``message`` = cumulative text),
then ``agent`` lifecycle end and a ``chat`` final that repeats the last delta's ``seq``.
``payload.seq`` counts the run's agent events and has gaps (hidden events); errors send two
``error`` events (the second without ``agentId`` and with ``seq`` 1).

Scripting: ``gw.script_reply(...)`` queues a ``RunScript`` for the next run(s); otherwise
``gw.model(message)`` is asked (may return a ``RunScript`` or a plain reply string); otherwise
the reply is ``"ECHO: <message>"``, one piece per word.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
import re
from typing import TYPE_CHECKING, Any
import uuid

from .auth import now_ms
from .sessions import MODEL_ID, MODEL_PROVIDER, Session

if TYPE_CHECKING:
    from .connection import Conn
    from .server import FakeGateway

STATUS_PHASES = ("preparing_workspace", "preparing_context", "starting_model")
ERROR_SUFFIX = "\nTo view logs, run `openclaw logs --follow` in a terminal."


@dataclass
class RunScript:
    """What the fake model does for one run.

    text: full reply (default ``"ECHO: <message>"``); split into word pieces unless ``chunks``.
    chunks: exact delta pieces (their concatenation is the reply).
    delay: seconds before each piece (slow mode for abort tests).
    start_delay: seconds before the first event after the ack.
    error: fail with this ``errorMessage`` after the pieces (two ``error`` events).
    hang: after the pieces, never finish on its own (only ``chat.abort`` or stop ends it).
    silent: final without ``message`` (the model answered ``NO_REPLY``).
    usage: override the usage of the transcript row (and the agent usage event's output).
    tools: tool calls the agent makes (``agent`` events on stream ``tool``, sent only to the
        connection that started the run and declared the ``tool-events`` cap, as 2026.9.6 does).
    """

    text: str | None = None
    chunks: list[str] | None = None
    delay: float = 0.0
    start_delay: float = 0.0
    error: str | None = None
    hang: bool = False
    silent: bool = False
    usage: dict[str, Any] | None = None
    tools: list[ToolCall] = field(default_factory=list)


@dataclass
class ToolCall:
    """One tool call of a run: ``start`` then ``result`` events before delta ``before_piece``.

    ``before_piece`` past the last piece puts the call after all text (before the final).
    ``duration`` is the time between the start and the result events.
    ``preamble``: text the model said along with the call. 2026.9.6 sends it as ``agent``
    ``item`` events (kind ``preamble``, phases update/end) to every operator, not as chat
    deltas: the run's chat text is only what the model says after its tool calls.
    """

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    is_error: bool = False
    before_piece: int = 0
    duration: float = 0.0
    call_id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:12]}")
    preamble: str | None = None


ModelFn = Callable[[str], "RunScript | str | None"]


def split_words(text: str) -> list[str]:
    """``"ECHO: hi there"`` -> ``["ECHO:", " hi", " there"]``."""
    return re.findall(r"\s*\S+", text) or ([text] if text else [])


@dataclass
class Run:
    run_id: str
    session_key: str
    agent_id: str
    message: str
    script: RunScript
    origin: str = "chat"
    started_at: int = field(default_factory=now_ms)
    text: str = ""
    seq: int = 0  # agent-event counter of this run
    chat_seq: int = 0  # seq of the last chat delta
    state: str = "running"  # running | final | error | aborted
    error: str | None = None
    task: asyncio.Task[None] | None = None
    # Connections that get this run's tool events (chat.send senders with cap tool-events).
    tool_recipients: list[Conn] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    listeners: list[asyncio.Queue[tuple[str, str]]] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def listen(self) -> asyncio.Queue[tuple[str, str]]:
        """Queue of ``("delta", piece)`` then one of final/error/aborted (HTTP streaming)."""
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.listeners.append(queue)
        return queue

    def notify(self, kind: str, value: str) -> None:
        for queue in self.listeners:
            queue.put_nowait((kind, value))


class RunManager:
    def __init__(self, gw: FakeGateway) -> None:
        self.gw = gw
        self.runs: dict[str, Run] = {}
        self.scripts: list[RunScript] = []

    # --- scripting ---------------------------------------------------------------------------

    def next_script(self, message: str) -> RunScript:
        if self.scripts:
            return self.scripts.pop(0)
        if self.gw.model is not None:
            result = self.gw.model(message)
            if isinstance(result, RunScript):
                return result
            if isinstance(result, str):
                return RunScript(text=result)
        return RunScript()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(
        self,
        session: Session,
        message: str,
        run_id: str | None = None,
        *,
        origin: str = "chat",
        record_user: bool = True,
    ) -> Run:
        run_id = run_id or str(uuid.uuid4())
        script = self.next_script(message)
        run = Run(run_id, session.key, session.agent_id, message, script, origin)
        self.runs[run_id] = run
        self.gw.stats.runs_started += 1
        if record_user:
            stored = session.append(
                {
                    "role": "user",
                    "content": message,
                    "timestamp": now_ms(),
                    "idempotencyKey": f"{run_id}:user",
                    "__openclaw": {"runId": run_id},
                }
            )
            self.gw.emit_session_message(session, stored, run_id)
        run.task = asyncio.create_task(self._drive(run, session))
        return run

    def active_in(self, session_key: str) -> list[Run]:
        return [r for r in self.runs.values() if r.running and r.session_key == session_key]

    async def stop_all(self) -> None:
        tasks = [r.task for r in self.runs.values() if r.task is not None and not r.task.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for run in self.runs.values():
            if run.running:  # let HTTP handlers waiting on this run finish
                run.state = "aborted"
                run.notify("aborted", run.text)
                run.done.set()

    # --- events ------------------------------------------------------------------------------

    def _agent(self, run: Run, stream: str, data: dict[str, Any], *, hidden: bool = False) -> None:
        run.seq += 1
        if hidden:
            return  # e.g. tool/thinking events a plain operator does not get: a seq gap
        self.gw.broadcast(
            "agent",
            {
                "runId": run.run_id,
                "seq": run.seq,
                "stream": stream,
                "ts": now_ms(),
                "data": data,
                "sessionKey": run.session_key,
            },
            session_key=run.session_key,
        )

    def _tool_event(self, run: Run, data: dict[str, Any]) -> None:
        # The gateway sends tool events only to the run's registered tool-event recipients.
        run.seq += 1
        payload = {
            "runId": run.run_id,
            "seq": run.seq,
            "stream": "tool",
            "ts": now_ms(),
            "data": data,
            "sessionKey": run.session_key,
            "agentId": run.agent_id,
        }
        for conn in run.tool_recipients:
            if conn in self.gw.conns and conn.may_receive("agent", run.session_key):
                conn.event("agent", payload)

    async def _tools(self, run: Run, calls: list[ToolCall]) -> None:
        for call in calls:
            if call.preamble:
                item = {
                    "kind": "preamble",
                    "title": "Preamble",
                    "progressText": call.preamble,
                    "itemId": f"commentary-0-{uuid.uuid4().hex}",
                }
                self._agent(run, "item", {**item, "phase": "update"})
                self._agent(run, "item", {**item, "phase": "end"})
            self._tool_event(
                run,
                {
                    "phase": "start",
                    "name": call.name,
                    "toolCallId": call.call_id,
                    "args": call.args,
                },
            )
            if call.duration:
                await asyncio.sleep(call.duration)
            self._tool_event(
                run,
                {
                    "phase": "result",
                    "name": call.name,
                    "toolCallId": call.call_id,
                    "meta": None,
                    "isError": call.is_error,
                    "result": call.result,
                },
            )

    def _chat(self, run: Run, state: str, **extra: Any) -> None:
        payload: dict[str, Any] = {
            "runId": run.run_id,
            "sessionKey": run.session_key,
            "agentId": run.agent_id,
            "seq": extra.pop("seq", run.chat_seq or run.seq),
            "state": state,
        }
        payload.update(extra)
        self.gw.broadcast("chat", payload, session_key=run.session_key)

    def _message(self, text: str) -> dict[str, Any]:
        return {
            "role": "assistant",
            "content": [{"type": "text", "text": text}],
            "timestamp": now_ms(),
        }

    # --- the run -----------------------------------------------------------------------------

    async def _drive(self, run: Run, session: Session) -> None:
        script = run.script
        faults = self.gw.faults
        drop_after = faults.drop_after_deltas
        faults.drop_after_deltas = None
        drop_before_final = faults.drop_before_final
        faults.drop_before_final = False
        if script.start_delay:
            await asyncio.sleep(script.start_delay)
        self.gw.broadcast("chat.metadata.changed", {}, session_key=run.session_key)
        self._agent(run, "lifecycle", {"phase": "start", "startedAt": run.started_at})
        if self.gw.protocol >= 4:  # state "status" is a 9.x addition
            for phase in STATUS_PHASES:
                self._chat(run, "status", phase=phase)
        self._agent(run, "run_status", {"status": "running"})
        self._agent(
            run, "lifecycle", {"phase": "model", "provider": MODEL_PROVIDER, "model": MODEL_ID}
        )
        if script.chunks is not None:
            pieces = list(script.chunks)
        else:
            pieces = split_words(script.text if script.text is not None else f"ECHO: {run.message}")
        for index, piece in enumerate(pieces):
            await self._tools(run, [c for c in script.tools if c.before_piece == index])
            if script.delay:
                await asyncio.sleep(script.delay)
            if index % 2 == 1:
                self._agent(run, "thinking", {}, hidden=True)
            run.text += piece
            self._agent(run, "assistant", {"text": run.text, "delta": piece})
            run.chat_seq = run.seq
            extra: dict[str, Any] = {"message": self._message(run.text)}
            if self.gw.protocol >= 4:
                extra = {"deltaText": piece, **extra}
            self._chat(run, "delta", **extra)
            run.notify("delta", piece)
            if drop_after is not None and index + 1 == drop_after:
                self.gw.drop_connections_for_fault()
        await self._tools(run, [c for c in script.tools if c.before_piece >= len(pieces)])
        if script.hang:
            await asyncio.Event().wait()
        if script.error is not None:
            self._fail(run, session, script.error)
            return
        usage = script.usage or _usage(run.message, run.text)
        stored = None
        if not script.silent:
            stored = session.append(
                {
                    **self._message(run.text),
                    "provider": MODEL_PROVIDER,
                    "model": MODEL_ID,
                    "usage": usage,
                    "stopReason": "stop",
                    "responseId": f"chatcmpl-{uuid.uuid4().hex[:12]}",
                    "__openclaw": {"runId": run.run_id},
                }
            )
        session.input_tokens += int(usage.get("input", 0))
        session.output_tokens += int(usage.get("output", 0))
        run.state = "final"
        if drop_before_final:
            self.gw.drop_connections_for_fault()
        # As 2026.9.6 does: output tokens as an `agent` usage event, the full usage only in
        # the transcript row (session.message comes before lifecycle end), none in the final.
        self._agent(run, "usage", {"outputTokens": int(usage.get("output", 0))})
        if stored is not None:
            self.gw.emit_session_message(session, stored, run.run_id)
        self._agent(run, "lifecycle", {"phase": "end", "endedAt": now_ms(), "terminalReply": True})
        final: dict[str, Any] = {"stopReason": "stop"}
        if not script.silent:
            final["message"] = self._message(run.text)
        self._chat(run, "final", **final)
        self.gw.emit_sessions_changed(session, "run-finished")
        run.notify("final", run.text)
        run.done.set()

    def _fail(self, run: Run, session: Session, message: str) -> None:
        run.state = "error"
        run.error = message
        session.append(
            {
                "role": "assistant",
                "content": [],
                "provider": MODEL_PROVIDER,
                "model": MODEL_ID,
                "stopReason": "error",
                "errorMessage": message,
                "timestamp": now_ms(),
                "__openclaw": {"runId": run.run_id},
            }
        )
        self._agent(run, "lifecycle", {"phase": "error", "error": message})
        self._chat(
            run,
            "error",
            errorMessage=message,
            errorDetail={
                "provider": MODEL_PROVIDER,
                "model": MODEL_ID,
                "failoverReason": "format",
                "providerRuntimeFailureKind": "schema",
            },
        )
        second = {
            "runId": run.run_id,
            "sessionKey": run.session_key,
            "seq": 1,
            "state": "error",
            "errorMessage": f"⚠️ Agent failed before reply: {message}{ERROR_SUFFIX}",
        }
        self.gw.broadcast("chat", second, session_key=run.session_key)
        self.gw.emit_sessions_changed(session, "run-failed")
        run.notify("error", message)
        run.done.set()

    def abort(self, run: Run, stop_reason: str = "rpc") -> None:
        """Stop a running run now and send ``aborted`` (callers answer after this)."""
        if not run.running:
            return
        run.state = "aborted"
        if run.task is not None:
            run.task.cancel()
        session = self.gw.sessions.ensure(run.session_key)
        if run.text:
            session.append(
                {
                    **self._message(run.text),
                    "provider": MODEL_PROVIDER,
                    "model": MODEL_ID,
                    "stopReason": "aborted",
                    "__openclaw": {"runId": run.run_id},
                }
            )
        self._agent(run, "lifecycle", {"phase": "end", "endedAt": now_ms(), "aborted": True})
        self._chat(run, "aborted", stopReason=stop_reason, message=self._message(run.text))
        self.gw.emit_sessions_changed(session, "run-aborted")
        run.notify("aborted", run.text)
        run.done.set()


def _usage(message: str, reply: str) -> dict[str, Any]:
    prompt = 1000 + len(message) // 4
    output = max(1, len(reply) // 4)
    return {
        "input": prompt,
        "output": output,
        "cacheRead": 0,
        "cacheWrite": 0,
        "totalTokens": prompt + output,
    }
