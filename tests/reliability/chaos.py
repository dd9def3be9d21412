"""What a chaos loop measures: every terminal event a client delivers, and its outages.

``Observer`` subscribes to a ``GatewayClient`` the way the integration does (``subscribe_chat``
and ``subscribe_connection``) and timestamps what it sees. ``ChaosTally`` turns the observed
runs into the figures of the report: finals delivered exactly once, duplicates, lost runs,
reconnect and recovery times.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
import time
from typing import Any

from custom_components.openclaw.aioopenclaw import ChatEvent, GatewayClient, RunState

from .report import maximum, mean


async def settle(task: asyncio.Task[Any]) -> None:
    """End a helper task whatever happened to it (its error was recorded elsewhere)."""
    if not task.done():
        task.cancel()
    with contextlib.suppress(BaseException):
        await task


class Observer:
    """Timestamps every chat event and connection change of one client."""

    def __init__(self, client: GatewayClient) -> None:
        self.client = client
        self.terminal: dict[str, list[ChatEvent]] = defaultdict(list)
        self.terminal_at: dict[str, float] = {}
        self.texts: dict[str, str] = {}  # run id -> text of the last delta seen
        self._waiters: dict[tuple[str, str], asyncio.Event] = {}
        # (run id, what) -> callback run inside the delivering listener, before the next frame
        self._hooks: dict[tuple[str, str], Callable[[], None]] = {}
        self.outages: list[list[float | None]] = []  # [down_at, up_at]
        self._unsubs = [
            client.subscribe_chat(self._on_chat),
            client.subscribe_connection(self._on_connection),
        ]

    def close(self) -> None:
        for unsub in self._unsubs:
            unsub()

    def _on_chat(self, event: ChatEvent) -> None:
        if event.state is RunState.DELTA:
            self.texts[event.run_id] = event.text
            self._wake(event.run_id, "delta")
            self._wake(event.run_id, f"text:{event.text}")
        elif event.state.terminal:
            self.terminal[event.run_id].append(event)
            self.terminal_at.setdefault(event.run_id, time.monotonic())

    def _wake(self, run_id: str, what: str) -> None:
        hook = self._hooks.pop((run_id, what), None)
        if hook is not None:
            hook()
        waiter = self._waiters.get((run_id, what))
        if waiter is not None:
            waiter.set()

    def on(self, run_id: str, what: str, hook: Callable[[], None]) -> None:
        """Run ``hook`` synchronously when the run's first delta (``"delta"``) or the delta
        with a given text (``"text:<text>"``) is delivered, i.e. before the client reads the
        next frame: the way to cut a connection between two frames."""
        self._hooks[(run_id, what)] = hook

    def _on_connection(self, connected: bool, _error: BaseException | None) -> None:
        now = time.monotonic()
        if not connected:
            if not self.outages or self.outages[-1][1] is not None:
                self.outages.append([now, None])
        elif self.outages and self.outages[-1][1] is None:
            self.outages[-1][1] = now

    def expect(self, run_id: str, what: str = "delta") -> asyncio.Event:
        """An event set when the run's first delta (or ``text:<text>`` delta) arrives.

        Call before the run starts: a listener wakes it synchronously, in the same callback
        that delivers the frame, so a fault can be injected before the next frame is read.
        """
        return self._waiters.setdefault((run_id, what), asyncio.Event())

    def outages_since(self, start: float) -> list[list[float | None]]:
        return [o for o in self.outages if o[0] is not None and o[0] >= start]


@dataclass
class RunRecord:
    run_id: str
    expected: str
    fault: str
    started: float
    result_text: str | None = None
    error: str | None = None


@dataclass
class ChaosTally:
    target: str
    records: list[RunRecord] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    gateway_runs_started: int | str = "-"

    def add(self, record: RunRecord) -> None:
        self.records.append(record)
        self.faults[record.fault] += 1

    def figures(self, observer: Observer) -> dict[str, Any]:
        once = duplicates = lost = wrong = resynced = 0
        recoveries: list[float] = []
        for rec in self.records:
            finals = observer.terminal.get(rec.run_id, [])
            duplicates += max(0, len(finals) - 1)
            if not finals:
                lost += 1
                continue
            good = finals[0].state is RunState.FINAL and finals[0].text == rec.expected
            good = good and rec.result_text == rec.expected
            resynced += finals[0].resynced
            if not good:
                wrong += 1
            elif len(finals) == 1:
                once += 1
            outages = observer.outages_since(rec.started)
            done = observer.terminal_at.get(rec.run_id)
            first_down = outages[0][0] if outages else None
            if first_down is not None and done is not None and done >= first_down:
                recoveries.append(done - first_down)
        reconnects = [o[1] - o[0] for o in observer.outages if o[1] is not None and o[0]]
        return {
            "runs": len(self.records),
            "once": once,
            "duplicates": duplicates,
            "lost": lost,
            "wrong": wrong,
            "resynced": resynced,
            "reconnects": len(observer.outages),
            "reconnect_times": reconnects,
            "recoveries": recoveries,
        }

    def row(self, observer: Observer) -> list[Any]:
        f = self.figures(observer)
        faults = ", ".join(f"{name} {n}" for name, n in sorted(self.faults.items()))
        return [
            self.target,
            f["runs"],
            f["once"],
            f["duplicates"],
            f["lost"],
            f["wrong"],
            f["resynced"],
            self.gateway_runs_started,
            f["reconnects"],
            mean(f["reconnect_times"]),
            mean(f["recoveries"]),
            maximum(f["recoveries"]),
            faults,
        ]
