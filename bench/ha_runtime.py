"""A real Home Assistant core in this process, the way pytest-homeassistant-custom-component
builds one for tests (``async_test_home_assistant``), with the recorder on an SQLite file.

Registries are in memory, the config dir is a temporary directory, and the integration is
loaded from this working tree (``custom_components/openclaw``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import contextlib
from dataclasses import dataclass, field
import logging
from pathlib import Path
import shutil
import tempfile
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, frame, translation
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_test_home_assistant

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from custom_components.openclaw.assist_const import SUBENTRY_CONVERSATION
from custom_components.openclaw.const import (
    CONF_DEVICE_KEY,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
    EVENT_RUN,
)

# Start-up chatter of a sandboxed core (no libturbojpeg, no IPv4 address, custom integration).
QUIET_LOGGERS = (
    "homeassistant.components.camera.img_util",
    "homeassistant.components.network",
    "homeassistant.loader",
    "aiohttp_fast_zlib",
)


@contextlib.asynccontextmanager
async def home_assistant(*, recorder: bool = True) -> AsyncIterator[HomeAssistant]:
    """A running HA core (with the recorder on a file DB when ``recorder``)."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    config_dir = Path(tempfile.mkdtemp(prefix="openclaw-bench-ha-"))
    # As in phcc's tests: no zeroconf (multicast) behind HA's aiohttp resolver. The gateway
    # is an IP literal, so no name is ever resolved.
    threaded = aiohttp.ThreadedResolver()
    threaded.real_close = threaded.close  # type: ignore[attr-defined]  # HA closes it so
    resolver = patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver", return_value=threaded
    )
    try:
        with resolver:
            async with async_test_home_assistant(config_dir=str(config_dir)) as hass:
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)  # load custom_components/ too
                frame.async_setup(hass)
                await translation.async_load_integrations(hass, {"homeassistant"})
                assert await async_setup_component(hass, "homeassistant", {})
                if recorder:
                    await _setup_recorder(hass, config_dir)
                try:
                    yield hass
                finally:
                    for entry in hass.config_entries.async_entries():
                        if entry.state is ConfigEntryState.LOADED:
                            await hass.config_entries.async_unload(entry.entry_id)
                    await hass.async_block_till_done()
                    await hass.async_stop(force=True)
    finally:
        shutil.rmtree(config_dir, ignore_errors=True)


async def _setup_recorder(hass: HomeAssistant, config_dir: Path) -> None:
    from homeassistant.components import recorder
    from homeassistant.helpers import recorder as recorder_helper

    # The recorder logs its schema creation at INFO/WARNING: keep the table readable.
    logging.getLogger("homeassistant.components.recorder").setLevel(logging.ERROR)
    recorder_helper.async_initialize_recorder(hass)
    db_url = f"sqlite:///{config_dir / 'home-assistant_v2.db'}"
    assert await async_setup_component(
        hass, recorder.DOMAIN, {recorder.DOMAIN: {recorder.CONF_DB_URL: db_url}}
    )
    await hass.async_block_till_done()
    await wait_recording_done(hass)


async def wait_recording_done(hass: HomeAssistant) -> None:
    """Everything fired so far is committed to the database."""
    from homeassistant.components import recorder
    from homeassistant.util import dt as dt_util

    await hass.async_block_till_done()
    instance = recorder.get_instance(hass)
    instance._async_commit(dt_util.utcnow())
    await hass.async_block_till_done()
    await hass.async_add_executor_job(instance.block_till_done)
    await hass.async_block_till_done()


async def recorder_rows(hass: HomeAssistant, entity_ids: list[str]) -> dict[str, int]:
    """Rows in the database: ``openclaw_run`` events, and states of ``entity_ids``."""
    from homeassistant.components import recorder
    from homeassistant.components.recorder.util import session_scope
    from sqlalchemy import text

    await wait_recording_done(hass)
    instance = recorder.get_instance(hass)

    def count() -> dict[str, int]:
        with session_scope(session=instance.get_session(), read_only=True) as session:
            events = session.execute(
                text(
                    "SELECT count(*) FROM events JOIN event_types "
                    "ON events.event_type_id = event_types.event_type_id "
                    "WHERE event_types.event_type = :type"
                ),
                {"type": EVENT_RUN},
            ).scalar_one()
            states = 0
            if entity_ids:
                marks = ", ".join(f":e{i}" for i in range(len(entity_ids)))
                states = session.execute(
                    text(
                        "SELECT count(*) FROM states JOIN states_meta "
                        "ON states.metadata_id = states_meta.metadata_id "
                        f"WHERE states_meta.entity_id IN ({marks})"
                    ),
                    {f"e{i}": e for i, e in enumerate(entity_ids)},
                ).scalar_one()
            return {"events": int(events), "states": int(states)}

    return await instance.async_add_executor_job(count)


def make_entry(
    url: str, token: str, *, options: dict[str, Any] | None = None, conversation: bool = False
) -> MockConfigEntry:
    """The entry the config flow makes for URL + token (optionally with an Assist agent)."""
    subentries = []
    if conversation:
        subentries.append(
            ConfigSubentryData(
                data={"agent_id": "main"},
                subentry_type=SUBENTRY_CONVERSATION,
                title="Main agent",
                unique_id=None,
            )
        )
    return MockConfigEntry(
        domain=DOMAIN,
        title="OpenClaw bench",
        unique_id=url.removeprefix("ws://"),
        data={
            CONF_URL: url,
            CONF_DEVICE_KEY: DeviceIdentity.generate().to_storage(),
            CONF_TOKEN: token,
        },
        options=options or {},
        subentries_data=subentries,
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED, entry.state


def entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    return [
        e.entity_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    ]


@dataclass
class WriteCounter:
    """Counts state writes of some entities and ``openclaw_run`` bus events while active."""

    entities: set[str]
    changed: int = 0  # state_changed: the writes the recorder stores
    reported: int = 0  # state_reported: a write with nothing new (not stored)
    run_events: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    _unsubs: list[Callable[[], None]] = field(default_factory=list)

    def start(self, hass: HomeAssistant) -> None:
        @callback
        def ours(data: Any) -> bool:
            return data["entity_id"] in self.entities

        @callback
        def changed(_event: Event[Any]) -> None:
            self.changed += 1

        @callback
        def reported(_event: Event[Any]) -> None:
            self.reported += 1

        @callback
        def run_event(event: Event[Any]) -> None:
            self.run_events += 1
            state = str(event.data.get("state"))
            self.by_state[state] = self.by_state.get(state, 0) + 1

        self._unsubs = [
            hass.bus.async_listen(EVENT_STATE_CHANGED, changed, event_filter=ours),
            hass.bus.async_listen(EVENT_STATE_REPORTED, reported, event_filter=ours),
            hass.bus.async_listen(EVENT_RUN, run_event),
        ]

    def stop(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
