"""Row 5: after a gateway restart, time from the gateway being ready again to the client being
connected with its in-flight run resynced (its final delivered, found in the transcript).

Each trial: a connected ``GatewayClient`` starts a run of 5 deltas 0.1 s apart; at the first
delta the gateway restarts (``shutdown`` event with restartExpectedMs, close 1012), so the run
ends while nobody is connected. Two restarts: a quick one (connects get UNAVAILABLE
"startup-sidecars" for 1 s) and a process restart (TCP refused for 3 s, then UNAVAILABLE for
1 s, like the real gateway, whose boot takes ~10 s). ``ready`` is the moment connects succeed.

Two clients: the default one (backoff 1 s, 2 s, 4 s ... with +-20 % jitter) and a proposal:
after a 1012 close or a ``shutdown`` event, retry every ~0.5 s (first after ~0.25 s),
honouring ``retryAfterMs``. The floor is a fresh connect plus the resync's ``chat.history``
round trip against the running gateway: the least any reconnect can take.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp

from custom_components.openclaw.aioopenclaw import ChatEvent, DeviceIdentity, GatewayClient

from .fake_process import FakeGatewayProcess
from .report import Row, median, ms

SESSION = "agent:main:main"
BUDGET = 1.0
SCENARIOS = {
    "quick restart (1 s UNAVAILABLE)": {"offline_s": 0.0, "starting_s": 1.0},
    "process restart (3 s refused + 1 s UNAVAILABLE)": {"offline_s": 3.0, "starting_s": 1.0},
}


async def _trial(
    session: aiohttp.ClientSession,
    gw: FakeGatewayProcess,
    cls: type[GatewayClient],
    scenario: dict[str, float],
) -> dict[str, float]:
    client = cls(session, gw.url, identity=DeviceIdentity.generate(), token=gw.token)
    await client.connect()
    connected_at: list[int] = []

    def on_connection(connected: bool, _error: BaseException | None) -> None:
        if connected:
            connected_at.append(time.monotonic_ns())

    client.subscribe_connection(on_connection)
    try:
        await gw.call("script", kwargs={"chunks": [f"p{i} " for i in range(5)], "delay": 0.1})
        first_delta = asyncio.get_running_loop().create_future()
        unsubscribe = client.subscribe_chat(
            lambda e: first_delta.done() or first_delta.set_result(None)
        )
        terminal: list[ChatEvent] = []
        client.subscribe_chat(lambda e: terminal.append(e) if e.state.terminal else None)
        handle = await client.chat_send(SESSION, "bench")
        await asyncio.wait_for(first_delta, 10)
        unsubscribe()
        restart = await gw.call("restart", restart_expected_ms=1500, **scenario)
        await handle.result(60)
        final_at = time.monotonic_ns()
        await client.wait_connected(60)
    finally:
        await client.close()
        await gw.call("wait_idle")
    ready = int(restart["ready_ns"])
    return {
        "resynced": float(bool(terminal) and terminal[0].resynced),
        "connected": (connected_at[-1] - ready) / 1e9,
        "recovered": (max(connected_at[-1], final_at) - ready) / 1e9,
    }


async def _floor(session: aiohttp.ClientSession, gw: FakeGatewayProcess) -> float:
    samples = []
    for _ in range(5):
        client = GatewayClient(session, gw.url, identity=DeviceIdentity.generate(), token=gw.token)
        started = time.perf_counter()
        await client.connect()
        await client.chat_history(SESSION, limit=200)
        samples.append(time.perf_counter() - started)
        await client.close()
    await gw.call("wait_idle")
    return median(samples)


async def run(quick: bool = False) -> list[Row]:
    trials = 2 if quick else 6
    rows = []
    async with (
        FakeGatewayProcess(tick_interval_ms=3_600_000) as gw,
        aiohttp.ClientSession() as session,
    ):
        floor = await _floor(session, gw)
        for name, scenario in SCENARIOS.items():
            for label, cls in (("default client", GatewayClient),):
                results = [await _trial(session, gw, cls, scenario) for _ in range(trials)]
                recovered = [r["recovered"] for r in results]
                worst = max(recovered)
                rows.append(
                    Row(
                        "5",
                        f"{name}, {label}",
                        f"median {ms(median(recovered))}, max {ms(worst)}",
                        f"{ms(floor)} (fresh connect + resync)",
                        worst / floor,
                        f"< {BUDGET:g} s",
                        worst < BUDGET,
                        f"{trials} trials, ready -> connected and the run's final delivered "
                        f"({sum(r['resynced'] for r in results):.0f} of them from the "
                        "transcript): "
                        + ", ".join(ms(r) for r in recovered)
                        + ". After a shutdown event / 1012 close the client retries at 0.25 s,"
                        " then every 0.5 s for up to 2 minutes.",
                    )
                )
    return rows
