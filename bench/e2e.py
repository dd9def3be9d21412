"""Row 7: against the real gateway (npm ``openclaw``, with the e2e tier's fake model): time
from ``chat.send`` to the first delta seen in Home Assistant (the ``openclaw_run`` delta event)
against the first delta seen by a bare client on the same gateway (the floor).

A bare socket sends each turn and notes when the first delta reaches it; HA (in this process,
connected the way the config flow connects it) notes when its bus event fires. The gateway
and its model dominate both figures; the ratio shows what HA adds on the way.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import shutil
import tempfile
import time
from typing import Any
import uuid

import aiohttp
from homeassistant.core import Event, callback

from custom_components.openclaw.const import EVENT_RUN

from .ha_runtime import home_assistant, make_entry, setup_entry
from .report import Row, median, ms
from .throughput import _bare_connect

SESSION = "agent:main:main"


class BareSide:
    """Sends the turns and notes when each run's first delta and final arrive."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.first_delta: dict[str, int] = {}
        self.finals: dict[str, asyncio.Event] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            msg = await self.ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                return
            now = time.monotonic_ns()
            frame = json.loads(msg.data)
            if frame.get("event") != "chat":
                continue
            payload = frame["payload"]
            run_id = payload.get("runId")
            if payload.get("state") == "delta":
                self.first_delta.setdefault(run_id, now)
            elif payload.get("state") in ("final", "error", "aborted"):
                self.finals.setdefault(run_id, asyncio.Event()).set()

    async def send(self, run_id: str, text: str) -> int:
        self.finals.setdefault(run_id, asyncio.Event())
        frame = {
            "type": "req",
            "id": run_id,
            "method": "chat.send",
            "params": {"sessionKey": SESSION, "message": text, "idempotencyKey": run_id},
        }
        sent = time.monotonic_ns()
        await self.ws.send_str(json.dumps(frame))
        return sent

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


async def run(quick: bool = False) -> list[Row]:
    from tests.e2e.fake_model import FakeModel
    from tests.e2e.gateway import Gateway, find_install

    install = find_install()
    if install is None:
        return [
            Row(
                "7",
                "real gateway: first delta in HA vs bare client",
                "not run",
                "—",
                None,
                "—",
                None,
                "the real gateway is not installed (scripts/bench installs it unless --only "
                "leaves row 7 out)",
            )
        ]
    turns = 3 if quick else 8
    run_dir = Path(tempfile.mkdtemp(prefix="openclaw-bench-e2e-"))
    model = FakeModel(run_dir)
    model.start()
    gateway = Gateway(install, run_dir, model.base_url)
    ha_first: dict[str, int] = {}
    results: list[tuple[float, float]] = []
    try:
        boot = await gateway.astart()
        async with home_assistant() as hass, aiohttp.ClientSession() as session:
            entry = make_entry(gateway.ws_url, gateway.token)
            await setup_entry(hass, entry)

            @callback
            def on_run(event: Event[Any]) -> None:
                if event.data["state"] == "delta":
                    ha_first.setdefault(event.data["run_id"], time.monotonic_ns())

            unsub = hass.bus.async_listen(EVENT_RUN, on_run)
            bare = BareSide(
                await _bare_connect(session, None, url=gateway.ws_url, token=gateway.token)
            )
            try:
                for i in range(turns + 1):  # the first turn warms the gateway up
                    run_id = str(uuid.uuid4())
                    sent = await bare.send(run_id, f"bench turn {i}")
                    await asyncio.wait_for(bare.finals[run_id].wait(), 60)
                    await hass.async_block_till_done()
                    if i and run_id in ha_first and run_id in bare.first_delta:
                        results.append(
                            (
                                (ha_first[run_id] - sent) / 1e9,
                                (bare.first_delta[run_id] - sent) / 1e9,
                            )
                        )
            finally:
                unsub()
                await bare.close()
    finally:
        await gateway.astop()
        gateway.cleanup_tmp()
        model.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
    ha = median([r[0] for r in results])
    floor = median([r[1] for r in results])
    added = median([r[0] - r[1] for r in results])
    return [
        Row(
            "7",
            f"real gateway {install.version}: chat.send -> first delta in HA",
            ms(ha),
            f"{ms(floor)} (bare client)",
            ha / floor,
            "—",
            None,
            f"median of {len(results)} turns (gateway ready in {boot:.1f} s; fake model, "
            f"pieces 50 ms apart). HA after the bare client, turn by turn: median "
            f"{ms(added)}. Bounded by the gateway and its model, not by HA.",
        )
    ]
