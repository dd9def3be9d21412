"""Row 3: write amplification of a run: state writes, bus events and recorder rows.

A run in an exposed session (``agent:main:main``) streams 1000 deltas over ~5 s, then 100
deltas over the same time. The floor is a run with a single delta: its writes are the fixed
cost of a run (started, run state, usage, event entity, active runs, final). Deltas add at
most one flush per coalescing interval, and a flush changes one state (the reply sensor), so

    bound = floor + ceil(duration * delta_rate)

whatever the number of deltas (the floor's one delta already counts the first, leading-edge
flush). Rows are counted in the recorder's SQLite database.
"""

from __future__ import annotations

import math
import time
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback

from custom_components.openclaw.const import DEFAULT_DELTA_RATE, EVENT_RUN

from .fake_process import FakeGatewayProcess
from .ha_runtime import (
    WriteCounter,
    entity_ids,
    home_assistant,
    make_entry,
    recorder_rows,
    setup_entry,
)
from .report import Row

SESSION = "agent:main:main"
DURATION = 5.0


async def _run(
    hass: HomeAssistant, gw: FakeGatewayProcess, entry: Any, deltas: int, duration: float
) -> dict[str, Any]:
    """Counts for one run of ``deltas`` deltas spread over ``duration`` seconds."""
    entities = entity_ids(hass, entry)
    counter = WriteCounter(set(entities))
    before = await recorder_rows(hass, entities)
    times: list[float] = []

    @callback
    def on_run(_event: Event[Any]) -> None:
        times.append(time.monotonic())

    await gw.call("script", kwargs={"chunks": [], "hang": True})
    counter.start(hass)
    unsub = hass.bus.async_listen(EVENT_RUN, on_run)
    try:
        rate = deltas / duration
        pace = hass.async_create_task(gw.call("pace", rate=rate, count=deltas))
        handle = await entry.runtime_data.client.chat_send(SESSION, "bench")
        await pace
        await handle.wait(30)
        await hass.async_block_till_done(
            wait_background_tasks=True
        )  # the final waits for its usage
    finally:
        unsub()
        counter.stop()
    after = await recorder_rows(hass, entities)
    return {
        "bus": counter.run_events,
        "changed": counter.changed,
        "reported": counter.reported,
        "event_rows": after["events"] - before["events"],
        "state_rows": after["states"] - before["states"],
        "duration": times[-1] - times[0] if len(times) > 1 else 0.0,
        "by_state": dict(counter.by_state),
    }


async def run(quick: bool = False) -> list[Row]:
    duration = 2.0 if quick else DURATION
    async with FakeGatewayProcess(tick_interval_ms=3_600_000) as gw, home_assistant() as hass:
        entry = make_entry(gw.url, gw.token)
        await setup_entry(hass, entry)
        await _run(hass, gw, entry, 5, 0.1)  # warm-up
        floor = await _run(hass, gw, entry, 1, 0.01)
        many = await _run(hass, gw, entry, 1000, duration)
        fewer = await _run(hass, gw, entry, 100, duration)
    rows = []
    flushes = math.ceil(many["duration"] * DEFAULT_DELTA_RATE)
    checks = (
        ("bus", "openclaw_run bus events", "bus events"),
        ("changed", "state writes (state_changed)", "state writes"),
        ("event_rows", "recorder rows: events", "event rows"),
        ("state_rows", "recorder rows: states", "state rows"),
    )
    for field, what, unit in checks:
        bound = floor[field] + flushes
        value = many[field]
        rows.append(
            Row(
                "3",
                f"1000-delta run: {what}",
                f"{value} {unit}",
                f"{floor[field]} (1-delta run)",
                value / bound,
                f"<= {bound} (floor + ceil({many['duration']:.2f} s x {DEFAULT_DELTA_RATE:g}/s))",
                value <= bound,
                f"100 deltas over the same time: {fewer[field]}."
                + (
                    f" Writes that found nothing new (state_reported, not recorded): "
                    f"{many['reported']} for 1000 deltas, {fewer['reported']} for 100, "
                    f"{floor['reported']} for 1: every flush re-renders each entity of the "
                    "session, only the reply sensor changes."
                    if field == "changed"
                    else ""
                )
                + (f" By state: {many['by_state']}." if field == "bus" else ""),
            )
        )
    return rows
