"""One client socket: an ordered outgoing queue, the per-socket event ``seq`` and its grants."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import json
from typing import Any
import uuid

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

_COMPACT = (",", ":")

# Which scope an event needs (EVENT_SCOPE_GUARDS); unlisted events go to every socket.
EVENT_SCOPES: dict[str, str] = {
    "chat": "operator.read",
    "agent": "operator.read",
    "session.message": "operator.read",
    "session.tool": "operator.read",
    "sessions.changed": "operator.read",
    "chat.metadata.changed": "operator.read",
    "device.pair.requested": "operator.pairing",
    "device.pair.resolved": "operator.pairing",
    "presence": "operator.read",
    "node.pair.requested": "operator.pairing",
    "node.pair.resolved": "operator.pairing",
}

# ``write`` implies read/talk/sessions.*; ``admin`` implies everything.
_IMPLIED: dict[str, set[str]] = {
    "operator.write": {
        "operator.read",
        "operator.talk",
        "operator.sessions.read",
        "operator.sessions.write",
    },
    "operator.sessions.write": {"operator.sessions.read"},
}


def has_scope(granted: list[str], needed: str) -> bool:
    if "operator.admin" in granted or needed in granted:
        return True
    return any(needed in _IMPLIED.get(s, set()) for s in granted)


@dataclass
class _Close:
    code: int
    reason: str


@dataclass(eq=False)
class Conn:
    ws: ServerConnection
    conn_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    nonce: str = field(default_factory=lambda: str(uuid.uuid4()))
    authed: bool = False
    role: str = "operator"
    scopes: list[str] = field(default_factory=list)
    caps: list[str] = field(default_factory=list)
    client: dict[str, Any] = field(default_factory=dict)
    device_id: str | None = None
    auth_method: str | None = None
    protocol: int = 4
    seq: int = 0
    skip_next: int = 0
    sessions_subscribed: bool = False
    message_keys: set[str] = field(default_factory=set)
    gone: asyncio.Event = field(default_factory=asyncio.Event)  # set when the handler ended
    _queue: asyncio.Queue[dict[str, Any] | str | _Close] = field(default_factory=asyncio.Queue)
    _writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._writer = asyncio.create_task(self._drain())

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer

    @property
    def open(self) -> bool:
        return self._writer is not None and not self._writer.done()

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame; order is kept exactly as queued."""
        self._queue.put_nowait(frame)

    def send_raw(self, text: str) -> None:
        self._queue.put_nowait(text)

    def event(
        self,
        name: str,
        payload: Any,
        *,
        with_seq: bool = True,
        state_version: dict[str, int] | None = None,
    ) -> None:
        frame: dict[str, Any] = {"type": "event", "event": name, "payload": payload}
        if with_seq:
            self.seq += 1 + self.skip_next
            self.skip_next = 0
            frame["seq"] = self.seq
        if state_version is not None:
            frame["stateVersion"] = dict(state_version)
        self.send(frame)

    def res(self, req_id: Any, payload: Any = None, error: dict[str, Any] | None = None) -> None:
        frame: dict[str, Any] = {"type": "res", "id": req_id, "ok": error is None}
        if error is None:
            frame["payload"] = payload
        else:
            frame["error"] = error
        self.send(frame)

    def finish(self) -> None:
        """Let the writer send what is queued, then stop (the socket is done)."""
        self._queue.put_nowait(_Close(0, ""))

    def close(self, code: int, reason: str = "") -> None:
        """Close after everything queued so far was sent."""
        self._queue.put_nowait(_Close(code, reason))

    def may_receive(self, event: str, session_key: str | None = None) -> bool:
        if not self.authed:
            return False
        needed = EVENT_SCOPES.get(event)
        if needed is not None and not has_scope(self.scopes, needed):
            return False
        if event in ("chat", "agent") and "session-scoped-events" in self.caps:
            return session_key is not None and session_key in self.message_keys
        return True

    async def _drain(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                item = await self._queue.get()
                if isinstance(item, _Close):
                    if item.code:
                        await self.ws.close(item.code, item.reason)
                    return
                text = (
                    item
                    if isinstance(item, str)
                    else json.dumps(item, separators=_COMPACT, ensure_ascii=False)
                )
                await self.ws.send(text)
