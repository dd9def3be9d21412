"""Row 4: a gateway with 10,000 sessions and 100 agents.

Setup time of the config entry (connect, agents.list, sessions.list, every platform, entity
registry), the memory it keeps, the entity count, and what ``sessions.list`` costs. The floor
is the same measurement against a gateway with one agent and 10 sessions, set up first in the
same Home Assistant (so imports are paid by the floor, not by the figure).

Memory: tracemalloc's count of the bytes still allocated after setup (a second setup with
tracing on; tracing slows it down, so time comes from the first) and the RSS growth.
"""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant

from .fake_process import FakeGatewayProcess
from .ha_runtime import entity_ids, home_assistant, make_entry, setup_entry
from .report import Row, median, mib, ms, rss_bytes
from .throughput import _bare_connect

AGENTS = 100
SESSIONS = 10_000
BUDGET_SETUP = 2.0
BUDGET_MEMORY = 50 * (1 << 20)


async def _setup(hass: HomeAssistant, gw: FakeGatewayProcess, *, trace: bool) -> dict[str, Any]:
    """Set up an entry for ``gw``, measure, then remove it again."""
    entry = make_entry(gw.url, gw.token)
    gc.collect()
    rss_before = rss_bytes()
    if trace:
        tracemalloc.start()
        traced_before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    await setup_entry(hass, entry)
    elapsed = time.perf_counter() - started
    gc.collect()
    result: dict[str, Any] = {
        "time": elapsed,
        "rss": rss_bytes() - rss_before,
        "entities": len(entity_ids(hass, entry)),
        "sessions": len(entry.runtime_data.coordinator.sessions),
    }
    if trace:
        result["traced"] = tracemalloc.get_traced_memory()[0] - traced_before
        tracemalloc.stop()
    if not trace:
        client = entry.runtime_data.client
        result["list200"] = await _timed(lambda: client.sessions_list(limit=200))
        result["list_all"] = await _timed(client.sessions_list)
        async with aiohttp.ClientSession() as session:
            ws = await _bare_connect(session, gw)
            try:
                result["bare200"] = await _timed(lambda: _bare_rpc(ws, {"limit": 200}))
                result["bare_all"] = await _timed(lambda: _bare_rpc(ws, {}))
            finally:
                await ws.close()
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    return result


async def _bare_rpc(ws: aiohttp.ClientWebSocketResponse, params: dict[str, Any]) -> None:
    """The floor: the same sessions.list on a bare socket, answer JSON-decoded, nothing else."""
    await ws.send_str(
        json.dumps({"type": "req", "id": "l", "method": "sessions.list", "params": params})
    )
    while True:
        frame = json.loads((await ws.receive()).data)
        if frame.get("type") == "res":
            return


async def _timed(call: Any, times: int = 5) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return median(samples)


async def run(quick: bool = False) -> list[Row]:
    small_kwargs = {"tick_interval_ms": 3_600_000}
    big_kwargs = {
        "tick_interval_ms": 3_600_000,
        "agents": [{"id": "main"}] + [{"id": f"agent{i}"} for i in range(1, AGENTS)],
    }
    async with (
        FakeGatewayProcess(**small_kwargs) as small,
        FakeGatewayProcess(**big_kwargs) as big,
        home_assistant() as hass,
    ):
        await small.call("add_sessions", n=10)
        for i in range(AGENTS):
            agent = "main" if i == 0 else f"agent{i}"
            await big.call("add_sessions", n=SESSIONS // AGENTS, agent=agent, prefix="s")
        await _setup(hass, small, trace=False)  # warm-up: imports, translations, platforms
        floor = await _setup(hass, small, trace=False)
        value = await _setup(hass, big, trace=False)
        floor_mem = await _setup(hass, small, trace=True)
        value_mem = await _setup(hass, big, trace=True)
    extra = value_mem["traced"]
    return [
        Row(
            "4",
            f"setup, {SESSIONS:,} sessions / {AGENTS} agents",
            ms(value["time"]),
            f"{ms(floor['time'])} (1 agent, 10 sessions)",
            value["time"] / floor["time"],
            f"< {BUDGET_SETUP:g} s",
            value["time"] < BUDGET_SETUP,
            f"{value['sessions']} sessions exposed (the agents' main sessions, capped at 50), "
            f"{value['entities']} entities (floor: {floor['sessions']} exposed, "
            f"{floor['entities']} entities). Setup lists at most 200 sessions, so the "
            "gateway's session count does not enter; the entity count (bounded by the cap) "
            "does.",
        ),
        Row(
            "4",
            "extra memory after setup",
            mib(extra),
            f"{mib(floor_mem['traced'])} (1 agent, 10 sessions)",
            extra / floor_mem["traced"] if floor_mem["traced"] else None,
            f"< {mib(BUDGET_MEMORY)}",
            extra < BUDGET_MEMORY,
            f"tracemalloc: bytes still allocated after setup. RSS growth: {mib(value['rss'])} "
            f"(floor {mib(floor['rss'])}); RSS includes allocator slack.",
        ),
        Row(
            "4",
            "sessions.list (limit 200, as setup calls it)",
            ms(value["list200"]),
            f"{ms(value['bare200'])} (bare socket)",
            value["list200"] / value["bare200"],
            "—",
            None,
            f"All {SESSIONS:,} rows in one call: {ms(value['list_all'])} (bare "
            f"{ms(value['bare_all'])}); limit 200 against the 10-session gateway: "
            f"{ms(floor['list200'])}. Median of 5 calls; the fake gateway's own work (sorting "
            f"{SESSIONS:,} sessions in Python) is in both.",
        ),
    ]
