"""Home Assistant as a node of the real gateway, and the gateway's nodes in Home Assistant.

The agent's side of a node invoke is an operator of the same gateway: ``openclaw gateway call
node.invoke`` (the CLI) or the harness's admin RPC. What the tests show, measured on the real
gateway: the invoke reaches Home Assistant and its result comes back; a refused command comes
back as the gateway's ``UNAVAILABLE "<code>: <message>"`` with ``details.nodeError``; nothing
outside the exposed entities can be read or changed.

The gateway needs the commands in ``gateway.nodes.commands.allow`` (patched in for the test
and removed afterwards); on loopback the node's device is approved silently, its command
surface is approved here with ``node.pair.approve`` (what ``openclaw nodes approve`` calls).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import time
from typing import Any
import uuid

from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from custom_components.openclaw.const import DOMAIN
from custom_components.openclaw.node_const import (
    CONF_NODE_DEVICE_KEY,
    CONF_NODE_DEVICE_TOKEN,
    EVENT_NODE_COMMAND,
    NODE_COMMANDS,
    NODE_PLUGIN_TOOLS,
)

from .gateway import Gateway, merge_patch, version_key
from .ha_fixtures import async_setup_core, shared_token_entry, wait_until
from .raw_client import RawGatewayError

pytestmark = pytest.mark.e2e

CONNECT_TIMEOUT = 30.0
MEASURED_NODE_RELEASE = (2026, 9)


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ (the integration under test)."""


@pytest.fixture
async def node_commands_allowed(gateway: Gateway) -> AsyncIterator[None]:
    """``gateway.nodes.commands.allow`` lists Home Assistant's commands for the test."""
    if version_key(gateway.install.version) < MEASURED_NODE_RELEASE:
        # Before 2026.7 nodes had their own pairing store (node.pair.request/verify).
        pytest.skip(f"node role measured on 2026.9.6 only, not {gateway.install.version}")
    await gateway.config_patch({"gateway": {"nodes": {"commands": {"allow": list(NODE_COMMANDS)}}}})
    try:
        yield
    finally:
        if gateway.running:
            # Removing array entries needs replacePaths (measured: INVALID_REQUEST otherwise).
            since = gateway.log_size()
            current = await gateway.rpc("config.get")
            await gateway.rpc(
                "config.patch",
                {
                    "raw": json.dumps({"gateway": {"nodes": {"commands": None}}}),
                    "baseHash": current["hash"],
                    "replacePaths": ["gateway.nodes.commands.allow"],
                },
            )
            merge_patch(gateway.config, {"gateway": {"nodes": {"commands": None}}})
            await gateway.wait_log("config hot reload applied", since)


@pytest.fixture
async def home(hass: HomeAssistant) -> None:
    """Entities of the home; light.secret is not exposed to assistants."""
    await async_setup_core(hass)
    hass.states.async_set("light.kitchen", "off", {"friendly_name": "Kitchen light"})
    hass.states.async_set("light.secret", "on", {"friendly_name": "Secret light"})
    hass.states.async_set("lock.front_door", "locked", {"friendly_name": "Front door"})
    for entity_id in ("light.kitchen", "lock.front_door"):
        async_expose_entity(hass, "conversation", entity_id, True)
    async_expose_entity(hass, "conversation", "light.secret", False)


@pytest.fixture
async def entry(
    hass: HomeAssistant, gateway: Gateway, home: None, node_commands_allowed: None
) -> AsyncIterator[MockConfigEntry]:
    entry = shared_token_entry(gateway, options={"node": {"enabled": True}})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    yield entry
    if entry.state.recoverable:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def _node_row(gateway: Gateway, node_id: str) -> dict[str, Any] | None:
    listed = await gateway.rpc("node.list")
    return next((n for n in listed["nodes"] if n["nodeId"] == node_id), None)


@pytest.fixture
async def ha_node(hass: HomeAssistant, gateway: Gateway, entry: MockConfigEntry) -> str:
    """Home Assistant's node id, once connected and its command surface approved."""
    await wait_until(lambda: CONF_NODE_DEVICE_KEY in entry.data, CONNECT_TIMEOUT)
    node_id = DeviceIdentity.from_storage(entry.data[CONF_NODE_DEVICE_KEY]).device_id
    row: dict[str, Any] | None = None
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while (row is None or not row.get("connected")) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        row = await _node_row(gateway, node_id)
    assert row is not None and row["connected"], row
    assert (row["clientId"], row["clientMode"]) == ("node-host", "node")
    if row["approvalState"] != "approved":
        # Until then the node's commands are withheld, and HA says what to do.
        issues = ir.async_get(hass)
        await wait_until(
            lambda: (
                (i := issues.async_get_issue(DOMAIN, f"node_{entry.entry_id}")) is not None
                and i.translation_key == "node_commands_pending"
            ),
            CONNECT_TIMEOUT,
        )
        pending = await gateway.rpc("node.pair.list")
        (request,) = [p for p in pending["pending"] if p["nodeId"] == node_id]
        assert sorted(request["commands"]) == sorted(NODE_COMMANDS)
        await gateway.rpc("node.pair.approve", {"requestId": request["requestId"]})
        await wait_until(
            lambda: issues.async_get_issue(DOMAIN, f"node_{entry.entry_id}") is None,
            CONNECT_TIMEOUT,
        )
    assert CONF_NODE_DEVICE_TOKEN in entry.data  # the node's own device token, stored
    return node_id


async def _invoke(gateway: Gateway, node_id: str, command: str, params: Any) -> Any:
    """node.invoke as an admin operator over the harness's raw WS (0.1 s; the CLI takes 1-6 s)."""
    result = await gateway.rpc(
        "node.invoke",
        {
            "nodeId": node_id,
            "command": command,
            "params": params,
            "timeoutMs": 15000,
            "idempotencyKey": str(uuid.uuid4()),
        },
    )
    return result["payload"]


async def test_an_agent_invoke_reaches_home_assistant_and_returns(
    hass: HomeAssistant, gateway: Gateway, ha_node: str
) -> None:
    events: list[Event] = []
    hass.bus.async_listen(EVENT_NODE_COMMAND, events.append)
    # The CLI an agent host uses: `openclaw gateway call node.invoke --json --params …`.
    result = await gateway.call(
        "node.invoke",
        {
            "nodeId": ha_node,
            "command": "ha.entities.list",
            "params": {},
            "idempotencyKey": str(uuid.uuid4()),
        },
    )
    assert result["ok"] is True and result["nodeId"] == ha_node
    ids = [row["entity_id"] for row in result["payload"]["entities"]]
    assert ids == ["light.kitchen", "lock.front_door"]  # not light.secret

    turned_on = async_mock_service(hass, "light", "turn_on")
    payload = await _invoke(
        gateway,
        ha_node,
        "ha.action.call",
        {"action": "light.turn_on", "entity_id": "light.kitchen", "data": {"brightness": 120}},
    )
    assert payload["action"] == "light.turn_on" and payload["entity_ids"] == ["light.kitchen"]
    (call,) = turned_on
    assert call.data == {"entity_id": ["light.kitchen"], "brightness": 120}
    await hass.async_block_till_done()
    assert [(e.data["command"], e.data["outcome"]) for e in events] == [
        ("ha.entities.list", "done"),
        ("ha.action.call", "done"),
    ]


async def test_refused_commands_return_their_error_and_change_nothing(
    hass: HomeAssistant, gateway: Gateway, ha_node: str
) -> None:
    turned_on = async_mock_service(hass, "light", "turn_on")
    unlocked = async_mock_service(hass, "lock", "unlock")
    cases = [
        ("ha.entity.get", {"entity_id": "light.secret"}, "NOT_EXPOSED"),
        ("ha.action.call", {"action": "light.turn_on", "entity_id": "light.secret"}, "NOT_EXPOSED"),
        (
            "ha.action.call",
            {"action": "lock.unlock", "entity_id": "lock.front_door"},
            "SENSITIVE_REFUSED",
        ),
        (
            "ha.action.call",
            {"action": "homeassistant.restart", "entity_id": "light.kitchen"},
            "ACTION_NOT_ALLOWED",
        ),
    ]
    for command, params, code in cases:
        with pytest.raises(RawGatewayError) as err:
            await _invoke(gateway, ha_node, command, params)
        assert err.value.code == "UNAVAILABLE"
        assert err.value.details["nodeError"]["code"] == code, params
        assert str(err.value).startswith(f"{code}: ") or code in json.dumps(err.value.details)
    assert not turned_on and not unlocked
    assert hass.states.get("light.secret").state == "on"  # type: ignore[union-attr]
    assert hass.states.get("lock.front_door").state == "locked"  # type: ignore[union-attr]


async def test_the_gateways_nodes_in_home_assistant(
    hass: HomeAssistant, gateway: Gateway, entry: MockConfigEntry, ha_node: str
) -> None:
    nodes = await hass.services.async_call(
        DOMAIN, "list_nodes", {"connected_only": True}, blocking=True, return_response=True
    )
    assert nodes is not None
    (mine,) = [n for n in nodes["nodes"] if n["node_id"] == ha_node]  # type: ignore[union-attr, index]
    assert mine["connected"] is True and mine["approval_state"] == "approved"
    # The agent-visible tools Home Assistant published for its commands.
    row = await _node_row(gateway, ha_node)
    assert row is not None
    tools = {t["name"]: t["command"] for t in row["nodePluginTools"]}
    assert tools == {t["name"]: t["command"] for t in NODE_PLUGIN_TOOLS}
    # Earlier tests left offline "Home Assistant" nodes behind: find ours by unique id.
    registry = er.async_get(hass)
    sensor = await wait_until(
        lambda: registry.async_get_entity_id(
            "binary_sensor", DOMAIN, f"{entry.entry_id}_node_{ha_node}_connection"
        ),
        CONNECT_TIMEOUT,
    )
    await wait_until(lambda: (s := hass.states.get(sensor)) is not None and s.state == "on", 10)
    # Home Assistant's operator side invokes a node (here its own) and gets the payload.
    response = await hass.services.async_call(
        DOMAIN,
        "invoke_node",
        {
            "node": "Home Assistant",
            "command": "ha.entity.get",
            "params": {"entity_id": "light.kitchen"},
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["payload"]["entities"][0]["entity_id"] == "light.kitchen"  # type: ignore[index, call-overload]

    with pytest.raises(ServiceValidationError) as unknown:
        await hass.services.async_call(
            DOMAIN,
            "invoke_node",
            {"node": "no-such-node", "command": "ha.areas.list"},
            blocking=True,
            return_response=True,
        )
    assert unknown.value.translation_key == "unknown_node"
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "invoke_node",
            {"node": ha_node, "command": "camera.snap"},
            blocking=True,
            return_response=True,
        )
    assert refused.value.translation_key == "node_command_not_allowed"
    with pytest.raises(HomeAssistantError) as scope:  # fs.listDir needs operator.admin
        await hass.services.async_call(
            DOMAIN,
            "invoke_node",
            {"node": ha_node, "command": "fs.listDir"},
            blocking=True,
            return_response=True,
        )
    assert scope.value.translation_key == "node_missing_scope"
