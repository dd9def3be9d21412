"""The config flow against the real gateway: a real setup code (``openclaw qr``), the wait for
approval with ``openclaw devices approve``, and re-authentication after ``devices revoke``.

On loopback the gateway approves new devices silently unless ``autoApproveLocal`` is off
(the ``pairing_required`` fixture), so the approval step is only visible with it off.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
import json
import logging
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from custom_components.openclaw.const import (
    CONF_DEVICE_KEY,
    CONF_DEVICE_TOKEN,
    CONF_SETUP_CODE,
    CONF_URL,
    DOMAIN,
)

from .gateway import Gateway
from .ha_fixtures import async_setup_core, start_user_flow, wait_for_step, wait_until

pytestmark = pytest.mark.e2e

# pairing.POLL_INTERVAL (3 s, not shortened here) plus one login.
APPROVAL_SEEN_TIMEOUT = 30.0
# The client's first reconnect after the gateway dropped it (backoff starts near 1 s).
RECONNECT_TIMEOUT = 30.0


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ (the integration under test)."""


@pytest.fixture
async def entries(hass: HomeAssistant) -> AsyncIterator[list[ConfigEntry]]:
    """Entries the test created; unloaded at its end (their connections close before the
    ``hass`` fixture checks for leftovers)."""
    await async_setup_core(hass)
    created: list[ConfigEntry] = []
    yield created
    for entry in created:
        if entry.state.recoverable:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def _bootstrap_token(code: str) -> str:
    raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
    return str(json.loads(raw)["bootstrapToken"])


async def _configure(hass: HomeAssistant, flow_id: str, data: Any = None) -> dict[str, Any]:
    return dict(await hass.config_entries.flow.async_configure(flow_id, data))


def _entity(hass: HomeAssistant, domain: str, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    return entity_id


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def _paired(gateway: Gateway, device_id: str) -> dict[str, Any] | None:
    listing = await gateway.rpc("device.pair.list")
    return next((d for d in listing["paired"] if d["deviceId"] == device_id), None)


async def test_setup_code_waits_for_approval_then_stores_only_the_device_token(
    hass: HomeAssistant,
    pairing_required: Gateway,
    entries: list[ConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = pairing_required
    code = (await gateway.setup_code())["setupCode"]
    result = await start_user_flow(hass, "setup_code")
    flow_id = result["flow_id"]
    result = await _configure(hass, flow_id, {CONF_SETUP_CODE: code})

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "pair"
    assert result["progress_action"] == "wait_for_approval"
    request_id = result["description_placeholders"]["request_id"]
    assert result["description_placeholders"]["command"] == f"openclaw devices approve {request_id}"

    # The gateway holds exactly this request, from Home Assistant's device.
    pending = (await gateway.rpc("device.pair.list"))["pending"]
    [request] = [p for p in pending if p["requestId"] == request_id]
    assert request["clientId"] == "gateway-client"
    assert request["clientMode"] == "backend"
    assert request["role"] == "operator"
    assert set(request["scopes"]) == {"operator.read", "operator.write"}
    assert hass.config_entries.async_entries(DOMAIN) == []

    approved = await gateway.approve(request_id)
    assert approved["device"]["deviceId"] == request["deviceId"]
    assert approved["device"]["approvedVia"] == "owner"
    await wait_for_step(hass, flow_id, "finish", APPROVAL_SEEN_TIMEOUT)
    result = await _configure(hass, flow_id)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    entries.append(entry)
    data = result["data"]
    assert set(data) == {CONF_URL, CONF_DEVICE_KEY, CONF_DEVICE_TOKEN}
    assert data[CONF_URL] == gateway.ws_url
    assert DeviceIdentity.from_storage(data[CONF_DEVICE_KEY]).device_id == request["deviceId"]
    # The bootstrap token (and so the setup code) is used, never kept nor logged.
    token = _bootstrap_token(code)
    assert token not in json.dumps(dict(entry.data))
    assert token not in caplog.text
    assert code not in caplog.text
    assert data[CONF_DEVICE_TOKEN] not in caplog.text

    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    hello = entry.runtime_data.client.hello
    assert hello is not None
    assert hello.auth_method == "device-token"  # the runtime login uses the stored token
    paired = await _paired(gateway, request["deviceId"])
    assert paired is not None and paired["approvedVia"] == "owner"


async def test_revoked_device_asks_for_reauth_and_a_new_setup_code_pairs_it_again(
    hass: HomeAssistant, gateway: Gateway, entries: list[ConfigEntry]
) -> None:
    # Paired through the flow; loopback approves it silently (autoApproveLocal on).
    code = (await gateway.setup_code())["setupCode"]
    result = await start_user_flow(hass, "setup_code")
    result = await _configure(hass, result["flow_id"], {CONF_SETUP_CODE: code})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    entries.append(entry)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    device_key = entry.data[CONF_DEVICE_KEY]
    device_id = DeviceIdentity.from_storage(device_key).device_id
    old_token = entry.data[CONF_DEVICE_TOKEN]
    connection = _entity(hass, "binary_sensor", f"{entry.entry_id}_connection")
    assert _state(hass, connection) == "on"

    # The gateway drops the revoked device's connection (measured: close 4001) and refuses
    # its token on the reconnect (AUTH_DEVICE_TOKEN_MISMATCH): Home Assistant asks to
    # re-authenticate, and the connection sensor shows the gateway as disconnected.
    await gateway.revoke(device_id)
    [flow] = await wait_until(
        lambda: [
            f
            for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if f["context"]["source"] == SOURCE_REAUTH
        ],
        RECONNECT_TIMEOUT,
    )
    assert flow["context"]["entry_id"] == entry.entry_id
    assert flow["step_id"] == "reauth_confirm"
    await hass.async_block_till_done()
    assert _state(hass, connection) == "off"

    result = await _configure(hass, flow["flow_id"], {"next_step_id": "setup_code"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "setup_code"
    # A new code from the RPC behind `openclaw qr` (0.1 s instead of the CLI's ~6 s).
    code = (
        await gateway.rpc(
            "device.pair.setupCode", {"publicUrl": gateway.ws_url, "includeQr": False}
        )
    )["setupCode"]
    result = await _configure(hass, flow["flow_id"], {CONF_SETUP_CODE: code})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert set(entry.data) == {CONF_URL, CONF_DEVICE_KEY, CONF_DEVICE_TOKEN}
    assert entry.data[CONF_DEVICE_KEY] == device_key  # the same device, paired again
    assert entry.data[CONF_DEVICE_TOKEN] != old_token
    assert _bootstrap_token(code) not in json.dumps(dict(entry.data))
    hello = entry.runtime_data.client.hello
    assert hello is not None and hello.auth_method == "device-token"
    assert _state(hass, connection) == "on"
    paired = await _paired(gateway, device_id)
    assert paired is not None
    assert paired["approvedVia"] == "silent"  # loopback, autoApproveLocal on
    assert paired["connected"] is True
