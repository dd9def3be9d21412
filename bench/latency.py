"""Row 2: latency from a gateway frame to the ``openclaw_run`` bus event and to the ChatLog delta.

One Assist turn per rate: the fake gateway (its own process) paces a run's deltas at 50, 200
and 1000 per second and notes when it sent each (``time.monotonic_ns``, one clock for both
processes). In Home Assistant a bus listener and the ChatLog delta listener (the one the Assist
pipeline uses for streaming TTS) note when each delta shows up. The floor is a bare aiohttp
client in the same process and event loop, receiving the same frames with a JSON decode: what
the transport and the loop cost before any of our code runs.

The bus event is coalesced (``delta_rate``, 4 per second by default): a delta that arrives
inside the coalescing window is published with the next flush. So two figures: the events
fired on arrival (the first delta of a window and the final: our processing latency, which the
budget is about) and how long until a delta's text is on the bus at all (coalescing wait
included, bounded by 1 / delta_rate).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
from dataclasses import dataclass, field
import json
import time
from typing import Any

import aiohttp
from homeassistant.components import conversation
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.helpers import chat_session, entity_registry as er

from custom_components.openclaw.const import DEFAULT_DELTA_RATE, EVENT_RUN

from .fake_process import FakeGatewayProcess
from .ha_runtime import home_assistant, make_entry, setup_entry
from .report import Row, ms, percentile
from .throughput import _bare_connect

PIECE = "tok "
RATES = {50: 200, 200: 1000, 1000: 2000}  # deltas per second -> deltas in the run
BUDGET_RATE = 200
BUDGET_P99 = 0.005


@contextlib.contextmanager
def _chat_log_listener(hass: HomeAssistant, listener: Any) -> Iterator[str]:
    """A chat session whose ChatLog reports every delta, as the Assist pipeline opens it."""
    with (
        chat_session.async_get_chat_session(hass) as session,
        conversation.async_get_chat_log(hass, session, chat_log_delta_listener=listener),
    ):
        yield session.conversation_id


def _latencies(sent: list[tuple[int, int]], seen: list[tuple[int, int]]) -> list[float | None]:
    """Per sent delta i (cumulative length (i+1)*len(PIECE)): the first time ``seen`` (time,
    cumulative length) reached it, minus its send time, in seconds (None: never seen)."""
    out: list[float | None] = []
    j = 0
    for i, (_seq, sent_ns) in enumerate(sent):
        needed = (i + 1) * len(PIECE)
        while j < len(seen) and seen[j][1] < needed:
            j += 1
        out.append((seen[j][0] - sent_ns) / 1e9 if j < len(seen) else None)
    return out


def _p(values: list[float]) -> str:
    return f"p50 {ms(percentile(values, 50))}, p99 {ms(percentile(values, 99))}"


class BareProbe:
    """The floor: a bare aiohttp client on the same loop, receive + JSON decode only."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, int], int] = {}
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self, session: aiohttp.ClientSession, gw: FakeGatewayProcess) -> None:
        self._ws = await _bare_connect(session, gw)
        self._reader = asyncio.create_task(self._read(self._ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                return
            now = time.monotonic_ns()
            frame = json.loads(msg.data)
            if frame.get("event") == "chat":
                payload = frame["payload"]
                self.seen.setdefault((payload["runId"], payload["seq"]), now)

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader

    def latency(self, run_id: str, seq: int, sent_ns: int) -> float | None:
        seen = self.seen.get((run_id, seq))
        return None if seen is None else (seen - sent_ns) / 1e9


@dataclass
class Samples:
    """Latencies of one path and of the floor for the same frames."""

    ours: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    added: list[float] = field(default_factory=list)  # ours - floor, frame by frame

    def add(self, ours: float | None, floor: float | None) -> None:
        if ours is None:
            return
        self.ours.append(ours)
        if floor is not None:
            self.floor.append(floor)
            self.added.append(ours - floor)


async def _turn(
    hass: HomeAssistant, gw: FakeGatewayProcess, probe: BareProbe, agent: str, rate: int, count: int
) -> tuple[Samples, Samples, float]:
    """One Assist turn with ``count`` deltas at ``rate``: (ChatLog, bus incl. coalescing wait,
    achieved rate)."""
    bus: list[tuple[int, int]] = []
    chat_log: list[tuple[int, int]] = []
    total = 0

    @callback
    def on_run(event: Event[Any]) -> None:
        if event.data["state"] == "delta":
            bus.append((time.monotonic_ns(), len(event.data.get("text") or "")))

    def on_delta(_log: conversation.ChatLog, delta: dict[str, Any]) -> None:
        nonlocal total
        content = delta.get("content")
        if isinstance(content, str) and content:
            total += len(content)
            chat_log.append((time.monotonic_ns(), total))

    unsub = hass.bus.async_listen(EVENT_RUN, on_run)
    try:
        with _chat_log_listener(hass, on_delta) as conversation_id:
            pace = asyncio.create_task(gw.call("pace", rate=rate, count=count, piece=PIECE))
            await conversation.async_converse(
                hass, "bench", conversation_id, Context(), language="en", agent_id=agent
            )
            paced = await pace
    finally:
        unsub()
    run_id = paced["run_id"]
    sent = [(int(s), int(t)) for s, t in paced["sent"]]
    floors = [probe.latency(run_id, s, t) for s, t in sent]
    log_samples, bus_samples = Samples(), Samples()
    for ours, floor in zip(_latencies(sent, chat_log), floors, strict=True):
        log_samples.add(ours, floor)
    for ours, floor in zip(_latencies(sent, bus), floors, strict=True):
        bus_samples.add(ours, floor)
    achieved = count / paced["elapsed"] if paced["elapsed"] else float("nan")
    return log_samples, bus_samples, achieved


async def _short_runs(
    hass: HomeAssistant, gw: FakeGatewayProcess, probe: BareProbe, entry: Any, rate: int, runs: int
) -> Samples:
    """Latency of the bus events a frame fires itself (the first delta of a run and the
    final), over ``runs`` short runs of 5 deltas at ``rate``."""
    client = entry.runtime_data.client
    bus: list[tuple[int, int | None, str, bool]] = []

    @callback
    def on_run(event: Event[Any]) -> None:
        # No current task: the coalescer's timer fired it, not an arriving frame.
        timer = asyncio.current_task() is None
        bus.append((time.monotonic_ns(), event.data.get("seq"), event.data["state"], timer))

    samples = Samples()
    await gw.call("script", kwargs={"chunks": [], "hang": True, "count": runs})
    unsub = hass.bus.async_listen(EVENT_RUN, on_run)
    try:
        for _ in range(runs):
            bus.clear()
            pace = asyncio.create_task(gw.call("pace", rate=rate, count=5, piece=PIECE))
            handle = await client.chat_send("agent:main:main", "bench")
            paced = await pace
            await handle.wait(10)
            run_id = paced["run_id"]
            send_at = {int(s): int(t) for s, t in paced["sent"]}
            final_seq, final_ns = int(paced["final"][0]), int(paced["final"][1])
            for t, seq, state, timer in bus:
                if state == "delta" and not timer and seq in send_at:
                    sent_ns = send_at[seq]
                elif state == "final":
                    sent_ns, seq = final_ns, final_seq
                else:
                    continue
                floor = probe.latency(run_id, seq, sent_ns) if state == "delta" else None
                samples.add((t - sent_ns) / 1e9, floor)
    finally:
        unsub()
    return samples


def _row(key: str, what: str, samples: Samples, budgeted: bool, note: str) -> Row:
    """The budget is judged on the latency our code adds to the floor's, frame by frame: the
    absolute p99 on a loaded 2-core machine is the scheduler's (see the loop lag in the note),
    and the floor pays it too."""
    p99 = percentile(samples.ours, 99)
    floor_p99 = percentile(samples.floor, 99)
    added_p99 = percentile(samples.added, 99)
    return Row(
        key,
        what,
        _p(samples.ours) + f" (added p99 {ms(added_p99)})",
        _p(samples.floor),
        p99 / floor_p99,
        f"p99 < {ms(BUDGET_P99)} over the floor" if budgeted else "—",
        added_p99 < BUDGET_P99 if budgeted else None,
        f"{note} Added by our code, frame by frame (ours - floor): {_p(samples.added)}; "
        f"{len(samples.ours)} samples.",
    )


class LoopLag:
    """How late a 1 ms timer fires on this loop: the process's share of the CPU at the time."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.worst = 0.0
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.001)
            self.worst = max(self.worst, loop.time() - before - 0.001)

    async def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return self.worst


async def run(quick: bool = False) -> list[Row]:
    rows: list[Row] = []
    rates = {50: 100, 200: 400, 1000: 1000} if quick else RATES
    async with (
        FakeGatewayProcess(tick_interval_ms=3_600_000) as gw,
        home_assistant() as hass,
        aiohttp.ClientSession() as session,
    ):
        entry = make_entry(gw.url, gw.token, conversation=True)
        await setup_entry(hass, entry)
        agent = next(
            e.entity_id
            for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
            if e.domain == "conversation"
        )
        probe = BareProbe()
        await probe.start(session, gw)
        try:
            await gw.call("script", kwargs={"chunks": [], "hang": True, "count": len(rates) + 1})
            await _turn(hass, gw, probe, agent, 200, 50)  # warm-up: first-turn imports, caches
            for rate, count in rates.items():
                lag = LoopLag()
                lag.start()
                chat_log, visible, achieved = await _turn(hass, gw, probe, agent, rate, count)
                lag_turn = await lag.stop()
                lag.start()
                fired = await _short_runs(hass, gw, probe, entry, rate, 10 if quick else 40)
                lag_short = await lag.stop()
                budgeted = rate == BUDGET_RATE
                rows.append(
                    _row(
                        f"2 @{rate}/s",
                        "frame -> ChatLog delta (Assist streaming)",
                        chat_log,
                        budgeted,
                        f"One Assist turn, {count} deltas ({achieved:.0f}/s achieved), every "
                        "delta uncoalesced. Floor: a bare aiohttp client on the same loop, same "
                        f"frames (ratio of p99s). Worst loop lag meanwhile: {ms(lag_turn)}.",
                    )
                )
                rows.append(
                    _row(
                        f"2 @{rate}/s",
                        "frame -> openclaw_run event (fired on arrival)",
                        fired,
                        budgeted,
                        "The first delta and the final of short runs of 5 deltas at this rate "
                        "(later deltas of a run wait for the coalescer's timer; floor: first "
                        "deltas only). Text of every delta of the long run on the bus, "
                        f"coalescing wait included: {_p(visible.ours)}, bounded by "
                        f"1/delta_rate = {ms(1 / DEFAULT_DELTA_RATE)}. Worst loop lag during the "
                        f"short runs: {ms(lag_short)}.",
                    )
                )
        finally:
            await probe.stop()
    return rows
