"""Fuzzing the actions' input: whatever a script or the UI passes, an action answers with a
result or a translated error (schema error, ServiceValidationError, HomeAssistantError),
never another exception, and the gateway connection is still up and answering afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from hypothesis import strategies as st
import probatio
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from custom_components.openclaw.client_factory import gateway_unique_id
from custom_components.openclaw.const import (
    CONF_DEVICE_KEY,
    CONF_HOOKS_TOKEN,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
)
from tests.fake_gateway import FakeGateway

from .fuzzing import SCALARS, FuzzCounts, examples, json_values
from .ha_fixtures import auto_enable_custom_integrations  # noqa: F401 - autouse fixture

CALLS = 300
# Inputs that reached a bug once.
ODD_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("preview", {"entity_id": 5}),
    ("preview", {"entity_id": 1.5, "session_keys": ["agent:main:main"]}),
    ("send", {"message": "hi", "entity_id": 5}),
    ("send", {"message": "hi", "cameras": 5}),
    ("history", {"entity_id": 5}),
]
_TEXT = st.text(max_size=30)
_ANY = SCALARS | json_values(4) | st.lists(_TEXT, max_size=3)


def _field(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's plausible values (junk is mixed in by ``_calls``)."""
    return plausible


_TARGET = {
    "entity_id": _field(st.sampled_from(["sensor.agent_main_main_run_state", "light.x", ""])),
    "config_entry_id": _field(st.sampled_from(["", "nope"])),
    "session_key": _field(st.sampled_from(["agent:main:main", "agent:main:none", "main", ""])),
}
FIELDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "send": {
        **_TARGET,
        "message": _field(_TEXT),
        "attachments": _field(
            st.lists(st.fixed_dictionaries({"media_content_id": _field(_TEXT)}), max_size=2)
        ),
        "files": _field(st.lists(_TEXT, max_size=2)),
        "cameras": _field(st.lists(st.sampled_from(["camera.none", "x"]), max_size=2)),
        "thinking": _field(st.sampled_from(["low", "high", "bogus"])),
        "deliver": _field(st.booleans()),
        "timeout": _field(st.integers(min_value=-5, max_value=10**9)),
        "wait_for_reply": _field(st.booleans()),
        "idempotency_key": _field(_TEXT),
    },
    "abort": {**_TARGET, "run_id": _field(_TEXT)},
    "wake": {
        "config_entry_id": _TARGET["config_entry_id"],
        "text": _field(_TEXT),
        "mode": _field(st.sampled_from(["now", "next-heartbeat", "later"])),
    },
    "run_agent": {
        "config_entry_id": _TARGET["config_entry_id"],
        "message": _field(_TEXT),
        "name": _field(_TEXT),
        "agent_id": _field(st.sampled_from(["main", "ghost"])),
        "model": _field(_TEXT),
        "timeout": _field(st.integers(min_value=-5, max_value=10**9)),
        "wake_mode": _field(st.sampled_from(["now", "bogus"])),
        "idempotency_key": _field(_TEXT),
    },
    "history": {
        **_TARGET,
        "limit": _field(st.integers(min_value=-5, max_value=5000)),
        "cursor": _field(st.sampled_from(["1", "seq:3", "0", "abc"])),
    },
    "list_sessions": {
        "config_entry_id": _TARGET["config_entry_id"],
        "limit": _field(st.integers(min_value=-5, max_value=5000)),
        "search": _field(_TEXT),
        "agent_id": _field(st.sampled_from(["main", "ghost"])),
    },
    "preview": {
        "entity_id": _TARGET["entity_id"],
        "config_entry_id": _TARGET["config_entry_id"],
        "session_keys": _field(st.lists(st.sampled_from(["agent:main:main", "x"]), max_size=3)),
        "limit": _field(st.integers(min_value=-5, max_value=500)),
        "max_chars": _field(st.integers(min_value=-5, max_value=10**6)),
    },
}


def _calls() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """Plausible calls, and calls where any field may hold any value or an unknown key."""

    def junk(fields: dict[str, st.SearchStrategy[Any]]) -> dict[str, st.SearchStrategy[Any]]:
        return {name: strategy | _ANY for name, strategy in fields.items()}

    per_service = []
    for name, fields in FIELDS.items():
        plausible = st.fixed_dictionaries({}, optional=fields)
        odd = st.tuples(
            st.fixed_dictionaries({}, optional=junk(fields)),
            st.dictionaries(st.text(max_size=6), _ANY, max_size=1),
        ).map(lambda parts: {**parts[0], **parts[1]})
        per_service.append(st.tuples(st.just(name), plausible | odd))
    return st.one_of(per_service)


async def test_fuzz_action_input(
    hass: HomeAssistant, socket_enabled: None, record: Callable[..., None]
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    calls = ODD_CALLS + examples(_calls(), CALLS)
    async with FakeGateway() as fake:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="OpenClaw 127.0.0.1",
            unique_id=gateway_unique_id(fake.url),
            data={
                CONF_URL: fake.url,
                CONF_DEVICE_KEY: DeviceIdentity.generate().to_storage(),
                CONF_TOKEN: fake.token,
            },
            options={CONF_HOOKS_TOKEN: fake.hooks_token},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        client = entry.runtime_data.client
        counts = FuzzCounts("action input (7 actions)", recovered=0)
        for service, data in calls:
            counts.examples += 1
            try:
                await hass.services.async_call(
                    DOMAIN, service, data, blocking=True, return_response=True
                )
            except probatio.Invalid, HomeAssistantError:
                counts.typed += 1
            except Exception as err:  # noqa: BLE001 - the finding
                counts.unhandled.append(
                    (f"{type(err).__name__}: {err}"[:200], repr((service, data))[:300])
                )
            else:
                counts.accepted += 1
        await hass.async_block_till_done()
        answering = client.connected and bool(await client.health())
        counts.recovered = "yes" if answering else "no"
        record("fuzz", counts.row())
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()

    assert counts.unhandled == [], counts.smallest_failures()
    assert answering
    assert counts.accepted > 0 and counts.typed > 0  # both paths were exercised
