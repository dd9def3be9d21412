"""The chaos loop through Home Assistant: the ``send`` action (waiting for the reply) while
the fake gateway drops, restarts, goes away and stalls. What counts is what a user and an
automation see: the action's reply, and the ``openclaw_run`` bus events (each run must end
there exactly once, with its whole text).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import random
import time
from types import SimpleNamespace

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw.aioopenclaw import DeviceIdentity, RunState
from custom_components.openclaw.client_factory import gateway_unique_id
from custom_components.openclaw.const import CONF_DEVICE_KEY, CONF_TOKEN, CONF_URL, DOMAIN
from tests.fake_gateway import FakeGateway

from .chaos import ChaosTally, Observer, RunRecord, settle
from .ha_fixtures import RunEvents, auto_enable_custom_integrations, wait_until  # noqa: F401 - autouse fixture
from .test_chaos_fake import DROP_CODES, FAULTS, TICK_MS, _inject_mid_run

RUNS = 60
SEED = 7


async def test_chaos_loop_through_home_assistant(
    hass: HomeAssistant, socket_enabled: None, record: Callable[..., None]
) -> None:
    rng = random.Random(SEED)
    names, weights = zip(*FAULTS.items(), strict=True)
    assert await async_setup_component(hass, "homeassistant", {})
    async with FakeGateway(tick_interval_ms=TICK_MS) as fake:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="OpenClaw 127.0.0.1",
            unique_id=gateway_unique_id(fake.url),
            data={
                CONF_URL: fake.url,
                CONF_DEVICE_KEY: DeviceIdentity.generate().to_storage(),
                CONF_TOKEN: fake.token,
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        client = entry.runtime_data.client
        client._backoff = (0.05, 0.2)  # the test's clock: reconnect in ms, not seconds
        observer = Observer(client)
        events = RunEvents(hass)
        tally = ChaosTally("fake gateway (HA action + openclaw_run events)")

        for index in range(RUNS):
            fault = rng.choices(names, weights)[0]
            run_id = f"ha-chaos-{index:03d}"
            pieces = [f"run{index} "] + [f"w{j} " for j in range(rng.randint(1, 6))] + ["end"]
            fake.script_reply(chunks=pieces, delay=0.005)
            fake.faults.drop_close_code = rng.choice(DROP_CODES)
            if fault == "drop_before_ack":
                fake.faults.drop_before_ack = True
            elif fault == "drop_mid_stream":
                fake.faults.drop_after_deltas = rng.randint(1, len(pieces) - 1)
            elif fault == "drop_before_final":
                fake.faults.drop_before_final = True
            rec = RunRecord(run_id, "".join(pieces), fault, time.monotonic())
            call = asyncio.create_task(
                hass.services.async_call(
                    DOMAIN,
                    "send",
                    {
                        "message": f"chaos {index}",
                        "idempotency_key": run_id,
                        "wait_for_reply": True,
                    },
                    blocking=True,
                    return_response=True,
                )
            )
            try:
                if fault in ("restart", "offline", "stall_short", "stall_long"):
                    await wait_until(lambda: run_id in events.by_run)  # noqa: B023
                    await _inject_mid_run(fake, fault, rng)
                async with asyncio.timeout(20):
                    response = await call
                rec.result_text = str((response or {}).get("text"))
            except (HomeAssistantError, TimeoutError) as err:
                rec.error = f"{type(err).__name__}: {err}"
            finally:
                await settle(call)
            tally.add(rec)

        await asyncio.sleep(0.3)
        await hass.async_block_till_done()
        # What counts: the terminal bus events, not the client's own callbacks.
        observer.terminal = {
            run_id: [
                SimpleNamespace(state=RunState(e["state"]), text=e["text"], resynced=False)
                for e in events.terminal(run_id)
            ]
            for run_id in events.by_run
        }
        tally.gateway_runs_started = fake.stats.runs_started
        figures = tally.figures(observer)
        row = tally.row(observer)
        row[6] = "-"  # finals from history: not visible on the bus
        record("chaos", row)

        errors = [(r.run_id, r.fault, r.error) for r in tally.records if r.error]
        assert errors == []
        assert (figures["duplicates"], figures["lost"], figures["wrong"]) == (0, 0, 0)
        assert figures["once"] == RUNS
        assert fake.stats.runs_started == RUNS
        assert entry.runtime_data.coordinator.active_runs == 0  # nothing left streaming
        observer.close()
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
