"""Row 1: chat delta frames per second parsed and dispatched by ``GatewayClient``.

Floor: a bare aiohttp WebSocket receive loop that only ``json.loads`` each frame, on the same
frames from the same fake gateway. The gateway process writes every frame of a trial with one
socket write, so the receiver is always the bottleneck. Floor and client trials alternate and
the medians are compared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
import time
from typing import Any

import aiohttp

from custom_components.openclaw.aioopenclaw import ChatEvent, DeviceIdentity, GatewayClient
from custom_components.openclaw.aioopenclaw.connection import (
    MAX_MESSAGE_SIZE,
    ClientInfo,
    Credentials,
    build_connect_params,
)
from custom_components.openclaw.aioopenclaw.models import Challenge

from .fake_process import FakeGatewayProcess
from .report import Row

RUNS, DELTAS = 100, 199  # 20,000 frames per trial: 100 runs of 199 deltas and a final
BUDGET = 0.7


def _clocks() -> tuple[float, float]:
    """Wall time and this thread's CPU time."""
    return time.perf_counter(), time.thread_time()


def _rates(
    frames: int, first: tuple[float, float], last: tuple[float, float]
) -> tuple[float, float]:
    """Frames per second of wall time and per second of the receiving thread's CPU time."""
    return (frames - 1) / (last[0] - first[0]), (frames - 1) / (last[1] - first[1])


async def _bare_connect(
    session: aiohttp.ClientSession, gw: FakeGatewayProcess | None, *, url: str = "", token: str = ""
) -> aiohttp.ClientWebSocketResponse:
    """The handshake (not timed) for a bare receive loop, to ``gw`` or ``url`` + ``token``."""
    if gw is not None:
        url, token = gw.url, gw.token
    ws = await session.ws_connect(url, max_msg_size=MAX_MESSAGE_SIZE)
    challenge_frame = json.loads((await ws.receive()).data)["payload"]
    params = build_connect_params(
        challenge=Challenge(nonce=challenge_frame["nonce"], ts=challenge_frame["ts"]),
        identity=DeviceIdentity.generate(),
        credentials=Credentials(token=token),
        client=ClientInfo(),
        role="operator",
        scopes=("operator.read", "operator.write"),
        caps=(),
    )
    await ws.send_str(json.dumps({"type": "req", "id": "c", "method": "connect", "params": params}))
    while True:
        frame = json.loads((await ws.receive()).data)
        if frame.get("type") == "res":
            if not frame.get("ok"):
                raise RuntimeError(f"bare handshake refused: {frame.get('error')}")
            return ws


async def floor_trial(
    session: aiohttp.ClientSession,
    gw: FakeGatewayProcess,
    frames: int,
    loads: Callable[[str], Any] = json.loads,
) -> tuple[float, float]:
    ws = await _bare_connect(session, gw)
    try:
        blast = asyncio.create_task(gw.call("blast", runs=RUNS, deltas=DELTAS))
        msg = await ws.receive()
        first = _clocks()
        loads(msg.data)
        for _ in range(frames - 1):
            msg = await ws.receive()
            loads(msg.data)
        last = _clocks()
        await blast
    finally:
        await ws.close()
        await gw.call("wait_idle")
    return _rates(frames, first, last)


async def client_trial(
    session: aiohttp.ClientSession, gw: FakeGatewayProcess, frames: int
) -> tuple[float, float]:
    client = GatewayClient(session, gw.url, identity=DeviceIdentity.generate(), token=gw.token)
    await client.connect()
    done: asyncio.Future[tuple[float, float]] = asyncio.get_running_loop().create_future()
    seen = 0
    first = (0.0, 0.0)

    def on_chat(_event: ChatEvent) -> None:
        nonlocal seen, first
        seen += 1
        if seen == 1:
            first = _clocks()
        elif seen == frames:
            done.set_result(_clocks())

    client.subscribe_chat(on_chat)
    try:
        blast = asyncio.create_task(gw.call("blast", runs=RUNS, deltas=DELTAS))
        last = await asyncio.wait_for(done, 120)
        await blast
    finally:
        await client.close()
        await gw.call("wait_idle")
    return _rates(frames, first, last)


def _trials(rates: list[tuple[float, float]]) -> str:
    return ", ".join(f"{wall / 1000:.0f}k/{cpu / 1000:.0f}k" for wall, cpu in rates)


async def run(quick: bool = False) -> list[Row]:
    trials = 3 if quick else 7
    frames = RUNS * (DELTAS + 1)
    floors: list[tuple[float, float]] = []
    clients: list[tuple[float, float]] = []
    async with (
        FakeGatewayProcess(tick_interval_ms=3_600_000) as gw,
        aiohttp.ClientSession() as session,
    ):
        await floor_trial(session, gw, frames)  # warm-up (imports, first connection)
        await client_trial(session, gw, frames)
        for _ in range(trials):
            floors.append(await floor_trial(session, gw, frames))
            clients.append(await client_trial(session, gw, frames))
        # For reference: the same bare loop with orjson (Home Assistant ships it).
        orjson_floor = 0.0
        try:
            import orjson

            for _ in range(trials):
                orjson_floor = max(
                    orjson_floor, (await floor_trial(session, gw, frames, orjson.loads))[1]
                )
        except ImportError:
            pass
    # CPU time of the receiving thread: what the client costs, whatever else the machine runs.
    value, floor = max(c[1] for c in clients), max(f[1] for f in floors)
    ratio = value / floor
    wall_ratio = max(c[0] for c in clients) / max(f[0] for f in floors)
    return [
        Row(
            "1",
            "client event throughput (chat delta frames/s)",
            f"{value:,.0f}/CPU-s",
            f"{floor:,.0f}/CPU-s",
            ratio,
            f">= {BUDGET} of floor",
            ratio >= BUDGET,
            f"best of {trials} alternating trials of {frames:,} frames "
            f"(~{RUNS} runs x {DELTAS + 1}); bounded by one core's Python: aiohttp's frame "
            "reader and json.loads (the floor) plus the client's per-frame work (seq check, "
            "EventFrame, RunTracker text diff, ChatEvent, fan-out). "
            "Rates are per second of the receiving thread's CPU time (best trial), so other "
            f"load on the machine does not skew them; by wall time the ratio was {wall_ratio:.2f}. "
            f"Client trials (wall/CPU) {_trials(clients)}; floor trials {_trials(floors)}. "
            f"The same bare loop with orjson.loads: {orjson_floor:,.0f}/CPU-s.",
        )
    ]
