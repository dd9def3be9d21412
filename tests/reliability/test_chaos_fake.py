"""Chaos loop against the fake gateway: N runs while connections drop at chosen points, the
gateway restarts or goes away, and the network stalls. Every run must end exactly once, with
its whole text, and the gateway must start each run once (resends reuse the idempotency key).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import random
import time

from custom_components.openclaw.aioopenclaw import GatewayClient, OpenClawError
from tests.fake_gateway import FakeGateway

from .chaos import ChaosTally, Observer, RunRecord, settle

MAIN = "agent:main:main"
RUNS = 200
SEED = 20260710
SESSIONS = (MAIN, "agent:main:chaos-a", "agent:main:chaos-b")
RUN_TIMEOUT = 15.0
# Ticks every 0.2 s: the client's watchdog gives up on a link after 0.4 s of silence.
TICK_MS = 200
# Fault -> weight. "none" keeps a share of undisturbed runs between the faults.
FAULTS = {
    "none": 10,
    "drop_before_ack": 6,
    "drop_mid_stream": 6,
    "drop_before_final": 6,
    "restart": 1,
    "offline": 2,
    "stall_short": 2,
    "stall_long": 1,
}
# How the drop faults end a connection: an abrupt TCP cut or a WS close code.
DROP_CODES = (None, None, 1012, 1011, 1001)


async def _inject_mid_run(gw: FakeGateway, fault: str, rng: random.Random) -> None:
    if fault == "restart":
        await gw.restart(unavailable_for=rng.uniform(0.05, 0.4))
    elif fault == "offline":
        await gw.go_offline()
        await asyncio.sleep(rng.uniform(0.05, 0.3))
        await gw.go_online()
    elif fault == "stall_short":  # shorter than the watchdog: only a delay
        gw.stall()
        await asyncio.sleep(0.1)
        gw.resume()
    elif fault == "stall_long":  # the watchdog must notice the dead link
        gw.stall()
        await asyncio.sleep(2.5 * TICK_MS / 1000)
        gw.resume()


async def _one_run(
    client: GatewayClient,
    gw: FakeGateway,
    observer: Observer,
    rng: random.Random,
    index: int,
    fault: str,
) -> RunRecord:
    run_id = f"chaos-{index:04d}"
    pieces = [f"run{index} "] + [f"w{j} " for j in range(rng.randint(1, 6))] + ["end"]
    gw.script_reply(chunks=pieces, delay=0.005)
    first_delta = observer.expect(run_id)
    gw.faults.drop_close_code = rng.choice(DROP_CODES)
    if fault == "drop_before_ack":
        gw.faults.drop_before_ack = True
    elif fault == "drop_mid_stream":
        gw.faults.drop_after_deltas = rng.randint(1, len(pieces) - 1)
    elif fault == "drop_before_final":
        gw.faults.drop_before_final = True
    record = RunRecord(run_id, "".join(pieces), fault, time.monotonic())
    key = SESSIONS[index % len(SESSIONS)]
    send = asyncio.create_task(client.chat_send(key, f"chaos {index}", idempotency_key=run_id))
    try:
        if fault in ("restart", "offline", "stall_short", "stall_long"):
            async with asyncio.timeout(RUN_TIMEOUT):
                await first_delta.wait()
            await _inject_mid_run(gw, fault, rng)
        handle = await send
        record.result_text = (await handle.wait(RUN_TIMEOUT)).text
    except (OpenClawError, TimeoutError) as err:
        record.error = f"{type(err).__name__}: {err}"
    finally:
        await settle(send)
    return record


async def test_chaos_loop_against_the_fake_gateway(
    socket_enabled: None,
    make_client: Callable[..., GatewayClient],
    record: Callable[..., None],
) -> None:
    rng = random.Random(SEED)
    names, weights = zip(*FAULTS.items(), strict=True)
    async with FakeGateway(tick_interval_ms=TICK_MS) as gw:
        client = make_client(gw.url, token=gw.token)
        await client.connect()
        observer = Observer(client)
        tally = ChaosTally("fake gateway (client)")
        tasks_before = len(asyncio.all_tasks())
        for index in range(RUNS):
            fault = rng.choices(names, weights)[0]
            tally.add(await _one_run(client, gw, observer, rng, index, fault))
        await asyncio.sleep(0.3)  # late duplicates would arrive now
        tally.gateway_runs_started = gw.stats.runs_started
        figures = tally.figures(observer)
        record("chaos", tally.row(observer))

        errors = [(r.run_id, r.fault, r.error) for r in tally.records if r.error]
        assert errors == []
        assert figures["duplicates"] == 0
        assert figures["lost"] == 0
        assert figures["wrong"] == 0
        assert figures["once"] == RUNS
        assert gw.stats.runs_started == RUNS  # no resend started a second run
        assert client.connected
        # Nothing left behind: no run still tracked, no handle, no extra task.
        assert client._tracker.active_runs() == {}
        assert client._handles == {}
        assert len(asyncio.all_tasks()) <= tasks_before
        observer.close()
        await client.close()


async def test_a_send_right_after_an_unnoticed_cut_neither_blocks_nor_fails(
    fake: FakeGateway,
    make_client: Callable[..., GatewayClient],
    record: Callable[..., None],
) -> None:
    """The socket died (RST) but the reader has not run yet: the send must wait for the
    reconnect and resend, not spin on the dead socket with the event loop blocked.

    Found by the real-gateway chaos loop (a send right after a cut). The window is a few
    loop iterations wide, so the cut is followed by 0..7 yields before the send.
    """
    client = make_client(fake.url, token=fake.token)
    await client.connect()
    observer = Observer(client)
    tally = ChaosTally("fake gateway (send right after a cut)")
    lags: list[float] = []

    async def watch_loop() -> None:  # how long the event loop goes without running us
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            lags.append(time.monotonic() - before - 0.01)

    monitor = asyncio.create_task(watch_loop())
    try:
        for yields in range(8):
            await client.wait_connected(5)
            await asyncio.sleep(0.05)
            run_id = f"cut-then-send-{yields}"
            rec = RunRecord(run_id, f"ECHO: after cut {yields}", "cut_then_send", time.monotonic())
            fake.splitter.cut_all()  # like the proxy's cut: an abrupt reset
            for _ in range(yields):
                await asyncio.sleep(0)
            try:
                handle = await client.chat_send(
                    MAIN, f"after cut {yields}", idempotency_key=run_id, retry_for=3
                )
                rec.result_text = (await handle.wait(5)).text
            except (OpenClawError, TimeoutError) as err:
                rec.error = f"{type(err).__name__}: {err}"
            tally.add(rec)
    finally:
        monitor.cancel()
    await asyncio.sleep(0.2)
    tally.gateway_runs_started = fake.stats.runs_started
    record("chaos", tally.row(observer))
    errors = [(r.run_id, r.error) for r in tally.records if r.error]
    assert errors == []
    assert max(lags) < 0.5, f"event loop blocked for {max(lags):.1f} s"
    assert tally.figures(observer)["once"] == 8
