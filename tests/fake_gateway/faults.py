"""Fault switches and counters tests read and set on ``FakeGateway``.

All switches are plain attributes on ``gw.faults``; one-shot switches reset themselves when
they fire. Counters live on ``gw.stats``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Faults:
    # Seconds to hold every response (or only the methods listed in ``delay_methods``).
    response_delay: float = 0.0
    delay_methods: set[str] | None = None
    # Refuse the next N connects with UNAVAILABLE (retryAfterMs below), then close 1013.
    refuse_connects: int = 0
    refuse_retry_after_ms: int = 500
    # Next event frame's ``seq`` jumps by this many extra numbers (one-shot, per socket).
    skip_seq: int = 0
    # Next chat run: drop every connection after this many deltas were sent (one-shot).
    drop_after_deltas: int | None = None
    # Next chat.send: drop every connection instead of sending the ack; the run still starts.
    drop_before_ack: bool = False
    # Next chat run: drop every connection just before the final; history still gets it.
    drop_before_final: bool = False
    # How the "drop" faults above close: a WS close code, or None for an abrupt TCP cut.
    drop_close_code: int | None = None
    drop_close_reason: str = ""


@dataclass
class Stats:
    tcp_accepted: int = 0  # WS sockets opened (after the upgrade)
    connect_attempts: int = 0  # ``connect`` requests received
    hello_ok: int = 0
    connect_errors: Counter[str] = field(default_factory=Counter)  # by details.code or code
    requests: Counter[str] = field(default_factory=Counter)  # by method, after hello
    http_requests: Counter[str] = field(default_factory=Counter)  # by "METHOD /path"
    chat_sends: list[dict[str, Any]] = field(default_factory=list)  # params of every chat.send
    runs_started: int = 0
    last_connect: dict[str, Any] | None = None  # connect params (auth values kept: tests only)

    @property
    def last_chat_send(self) -> dict[str, Any] | None:
        return self.chat_sends[-1] if self.chat_sends else None
