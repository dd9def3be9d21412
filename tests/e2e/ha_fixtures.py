"""Home Assistant side of the e2e tier: an in-process Home Assistant (phcc's ``hass``) wired to
the session's real gateway.

Plain helpers, no fixtures: each ``test_ha_*`` module declares the few fixtures it needs, so
that nothing here depends on fixture discovery across modules.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field
import time
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from custom_components.openclaw.client_factory import gateway_unique_id
from custom_components.openclaw.const import (
    CONF_DEVICE_KEY,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
    EVENT_RUN,
)

from .gateway import Gateway

# The first model turn after a boot (or a config reload) takes 4-7 s, up to ~15 s on a busy
# 2-core machine; later turns well under a second.
FIRST_TURN_TIMEOUT = 60.0


async def async_setup_core(hass: HomeAssistant) -> None:
    """What a running Home Assistant always has (Assist needs ``homeassistant``)."""
    assert await async_setup_component(hass, "homeassistant", {})


def shared_token_entry(gateway: Gateway, **kwargs: Any) -> MockConfigEntry:
    """The entry the config flow's manual path stores for ``ws://127.0.0.1:P`` + gateway
    token (on loopback, ``gateway-client``/``backend`` with the shared token needs no pairing).
    """
    return MockConfigEntry(
        domain=DOMAIN,
        title="OpenClaw 127.0.0.1",
        unique_id=gateway_unique_id(gateway.ws_url),
        data={
            CONF_URL: gateway.ws_url,
            CONF_DEVICE_KEY: DeviceIdentity.generate().to_storage(),
            CONF_TOKEN: gateway.token,
        },
        **kwargs,
    )


@contextlib.asynccontextmanager
async def loaded_entry(hass: HomeAssistant, gateway: Gateway) -> AsyncIterator[MockConfigEntry]:
    """The integration set up against a real gateway; unloaded when the block ends."""
    await async_setup_core(hass)
    entry = shared_token_entry(gateway)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    try:
        yield entry
    finally:
        if entry.state.recoverable:
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()


async def wait_until(predicate: Any, timeout: float, interval: float = 0.05) -> Any:
    """Poll ``predicate()`` on the event loop until it is truthy; that value."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:.0f} s")
        await asyncio.sleep(interval)
    return value


async def start_user_flow(hass: HomeAssistant, path: str) -> dict[str, Any]:
    """A user flow at the ``setup_code`` or ``manual`` form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": path}
    )
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == path
    return dict(result)


async def wait_for_step(hass: HomeAssistant, flow_id: str, step_id: str, timeout: float) -> None:
    """Until the pairing wait of ``flow_id`` has ended and the flow moved on to ``step_id``."""
    await wait_until(
        lambda: hass.config_entries.flow.async_get(flow_id)["step_id"] == step_id, timeout
    )


@dataclass
class RunEvent:
    """One ``openclaw_run`` bus event and when it fired (monotonic seconds)."""

    at: float
    data: dict[str, Any]

    @property
    def state(self) -> str:
        return str(self.data["state"])


@dataclass
class RunEvents:
    """Every ``openclaw_run`` event fired while listening."""

    events: list[RunEvent] = field(default_factory=list)

    @callback
    def on_event(self, event: Event[Any]) -> None:
        self.events.append(RunEvent(time.monotonic(), dict(event.data)))

    def of(self, run_id: str) -> list[RunEvent]:
        return [e for e in self.events if e.data["run_id"] == run_id]

    def states(self, run_id: str) -> list[str]:
        return [e.state for e in self.of(run_id)]

    def terminal(self, run_id: str) -> list[RunEvent]:
        return [e for e in self.of(run_id) if e.state in ("final", "aborted", "error")]


def listen_runs(hass: HomeAssistant) -> tuple[RunEvents, Any]:
    """Start recording ``openclaw_run`` events; (the recorder, the unsubscribe callback)."""
    runs = RunEvents()
    return runs, hass.bus.async_listen(EVENT_RUN, runs.on_event)
