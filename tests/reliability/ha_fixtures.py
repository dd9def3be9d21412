"""Home Assistant helpers for the reliability tests that drive the integration.

Imported by those test modules only (``from .ha_fixtures import ...``), so the client-level
tests of this tier never import Home Assistant's test plugin fixtures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.openclaw.const import CONF_SETUP_CODE, DOMAIN, EVENT_RUN


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ in every test of the module that imports this."""


async def wait_until(predicate: Callable[[], Any], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polling state HA and the fake change
            await asyncio.sleep(0.01)


async def add_entry_with_setup_code(hass: HomeAssistant, code: str) -> ConfigEntry:
    """The user flow's setup-code path, to a loaded entry."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "setup_code"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SETUP_CODE: code}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry: ConfigEntry = result["result"]
    return entry


class RunEvents:
    """``openclaw_run`` bus events, by run id (what automations see)."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.by_run: dict[str, list[dict[str, Any]]] = {}

        @callback
        def on_event(event: Event) -> None:
            self.by_run.setdefault(event.data["run_id"], []).append(dict(event.data))

        self.unsubscribe = hass.bus.async_listen(EVENT_RUN, on_event)

    def terminal(self, run_id: str) -> list[dict[str, Any]]:
        return [
            e for e in self.by_run.get(run_id, []) if e["state"] in ("final", "aborted", "error")
        ]
