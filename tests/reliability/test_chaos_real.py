"""A short chaos loop against the real gateway (npm ``openclaw``), through ``FaultProxy``.

The real gateway cannot be told to drop a socket at a given frame, so the proxy does it:
holding the gateway->client direction loses an ack while the request still arrives, and a
hook inside the client's chat listener cuts the link between two frames (after the first
delta, or right after the delta that completes the text, before the final). Once in the loop
the gateway itself restarts. Each run must reach the client exactly once, whole, and the
model must have been asked once per run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time
import uuid

import pytest

from custom_components.openclaw.aioopenclaw import GatewayClient, OpenClawError
from tests.e2e.fake_model import FakeModel
from tests.e2e.gateway import Gateway

from .chaos import ChaosTally, Observer, RunRecord, settle
from .proxy import FaultProxy

pytestmark = pytest.mark.e2e

# Ten runs, each fault at least once, the (slow: ~12 s) restart once.
SCHEDULE = (
    "none",
    "cut_before_ack",
    "cut_mid_stream",
    "cut_before_final",
    "stall",
    "cut_before_ack",
    "cut_mid_stream",
    "cut_before_final",
    "restart",
    "none",
)
RUN_TIMEOUT = 45.0
STALL_S = 1.5


async def _one_run(
    client: GatewayClient,
    gateway: Gateway,
    proxy: FaultProxy,
    observer: Observer,
    index: int,
    fault: str,
    session_key: str,
) -> RunRecord:
    run_id = f"chaos-{uuid.uuid4().hex[:12]}"
    text = f"chaos {index} {uuid.uuid4().hex[:8]}"
    expected = f"ECHO: {text}"
    record = RunRecord(run_id, expected, fault, time.monotonic())

    def cut_now() -> None:
        proxy.hold("down")  # nothing more reaches the client, then the link dies
        proxy.cut_all()
        proxy.release()

    if fault == "cut_mid_stream":
        observer.on(run_id, "delta", cut_now)
    elif fault == "cut_before_final":
        observer.on(run_id, f"text:{expected}", cut_now)
    first_delta = observer.expect(run_id)
    sent_before = proxy.upstream_bytes
    if fault == "cut_before_ack":
        proxy.hold("down")
    send = asyncio.create_task(client.chat_send(session_key, text, idempotency_key=run_id))
    try:
        if fault == "cut_before_ack":
            async with asyncio.timeout(10):
                while proxy.upstream_bytes == sent_before:  # noqa: ASYNC110 - proxy counter
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)  # the gateway has the request; its ack is held
            cut_now()
        elif fault in ("stall", "restart"):
            async with asyncio.timeout(RUN_TIMEOUT):
                await first_delta.wait()
            if fault == "stall":
                proxy.hold("both")
                await asyncio.sleep(STALL_S)
                proxy.release()
            else:
                await gateway.arestart()
        handle = await send
        record.result_text = (await handle.wait(RUN_TIMEOUT)).text
    except (OpenClawError, TimeoutError) as err:
        record.error = f"{type(err).__name__}: {err}"
    finally:
        proxy.release()
        await settle(send)
    return record


async def test_chaos_loop_against_the_real_gateway(
    gateway: Gateway,
    fake_model: FakeModel,
    make_client: Callable[..., GatewayClient],
    record: Callable[..., None],
) -> None:
    async with FaultProxy(gateway.port) as proxy:
        client = make_client(proxy.url, token=gateway.token, backoff=(0.2, 1.0))
        await client.connect()
        observer = Observer(client)
        tally = ChaosTally(f"real gateway {gateway.install.version} (client, via proxy)")
        session_key = f"agent:main:chaos-{uuid.uuid4().hex[:8]}"
        for index, fault in enumerate(SCHEDULE):
            tally.add(await _one_run(client, gateway, proxy, observer, index, fault, session_key))
        await asyncio.sleep(1.0)  # late duplicates would arrive now
        texts = {r.expected.removeprefix("ECHO: ") for r in tally.records}
        asked = [r for r in fake_model.chat_requests() if r["text"] in texts]
        tally.gateway_runs_started = len(asked)
        figures = tally.figures(observer)
        record("chaos", tally.row(observer))

        errors = [(r.run_id, r.fault, r.error) for r in tally.records if r.error]
        assert errors == []
        assert figures["duplicates"] == 0
        assert figures["lost"] == 0
        assert figures["wrong"] == 0
        assert figures["once"] == len(SCHEDULE)
        assert sorted(r["text"] for r in asked) == sorted(texts)  # the model ran each once
        assert client._tracker.active_runs() == {}
        assert client._handles == {}
        observer.close()
        await client.close()
