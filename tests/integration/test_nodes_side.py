"""Home Assistant as a node of the fake gateway: the agent's side is an operator that calls
node.invoke on Home Assistant's node. Only exposed entities can be read or changed,
sensitive ones need the user's confirmation script, and every command is recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
import json
from typing import Any

import aiohttp
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.components.recorder import Recorder
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import area_registry as ar, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.openclaw import node_side
from custom_components.openclaw.aioopenclaw import DeviceIdentity, GatewayClient
from custom_components.openclaw.aioopenclaw.node import NodeCommandFailedError, invoke_node
from custom_components.openclaw.client_factory import gateway_unique_id
from custom_components.openclaw.const import CONF_DEVICE_KEY, CONF_DEVICE_TOKEN, CONF_URL, DOMAIN
from custom_components.openclaw.logbook import describe_node_command
from custom_components.openclaw.node_const import (
    CONF_NODE_DEVICE_KEY,
    CONF_NODE_DEVICE_TOKEN,
    EVENT_NODE_COMMAND,
    NODE_COMMANDS,
)
from tests.fake_gateway import FakeGateway

from .conftest import ENTRY_ID
from .helpers import wait_for

NODE_ISSUE = f"node_{ENTRY_ID}"


@pytest.fixture
async def fake_gateway(socket_enabled: None) -> AsyncIterator[FakeGateway]:
    """The gateway configured for Home Assistant's node commands (allowlisted, approved)."""
    async with FakeGateway() as gateway:
        gateway.node_commands_allow = set(NODE_COMMANDS)
        gateway.auto_approve_node_commands = True
        yield gateway


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """The logbook test needs the recorder's database prepared before ``hass`` starts."""


@pytest.fixture
def node_section() -> dict[str, Any]:
    return {"enabled": True}


@pytest.fixture
def entry_options(node_section: dict[str, Any]) -> dict[str, Any]:
    return {"node": node_section}


@pytest.fixture
async def home(hass: HomeAssistant) -> None:
    """A few entities; light.secret and sensor.private are not exposed to assistants."""
    assert await async_setup_component(hass, "homeassistant", {})
    kitchen = ar.async_get(hass).async_create("Kitchen")
    registry = er.async_get(hass)
    for domain, object_id in (("light", "kitchen"), ("light", "secret")):
        registry.async_get_or_create(domain, "test", object_id, suggested_object_id=object_id)
        registry.async_update_entity(f"{domain}.{object_id}", area_id=kitchen.id)
    hass.states.async_set(
        "light.kitchen",
        "off",
        {"friendly_name": "Kitchen light", "brightness": 0, "entity_picture": "/api/x?token=t"},
    )
    hass.states.async_set("light.secret", "on", {"friendly_name": "Secret light"})
    hass.states.async_set("switch.heater", "off", {"friendly_name": "Heater"})
    hass.states.async_set("lock.front_door", "locked", {"friendly_name": "Front door"})
    hass.states.async_set(
        "cover.garage", "closed", {"friendly_name": "Garage", "device_class": "garage"}
    )
    hass.states.async_set("sensor.private", "42", {"friendly_name": "Private"})
    hass.states.async_set("fan.attic", "off", {"friendly_name": "Attic fan"})
    exposed = ("light.kitchen", "switch.heater", "lock.front_door", "cover.garage", "fan.attic")
    for entity_id in exposed:
        async_expose_entity(hass, "conversation", entity_id, True)
    for entity_id in ("light.secret", "sensor.private"):
        async_expose_entity(hass, "conversation", entity_id, False)


@pytest.fixture
async def agent(
    hass: HomeAssistant, home: None, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> AsyncIterator[Agent]:
    """The agent's side: an operator of the same gateway, once Home Assistant's node is up."""
    node_id = DeviceIdentity.from_storage(setup_integration.data[CONF_NODE_DEVICE_KEY]).device_id
    await wait_for(
        hass, lambda: (n := fake_gateway.nodes.nodes.get(node_id)) is not None and n.conn
    )
    async with aiohttp.ClientSession() as session:
        client = GatewayClient(
            session, fake_gateway.url, identity=DeviceIdentity.generate(), token="gw-token"
        )
        await client.connect()
        try:
            yield Agent(hass, client, node_id)
        finally:
            await client.close()


class Agent:
    def __init__(self, hass: HomeAssistant, client: GatewayClient, node_id: str) -> None:
        self.hass = hass
        self.client = client
        self.node_id = node_id
        self.events: list[Event] = []
        hass.bus.async_listen(EVENT_NODE_COMMAND, self.events.append)

    async def invoke(self, command: str, params: Any = None, **kwargs: Any) -> Any:
        result = await invoke_node(self.client, self.node_id, command, params, **kwargs)
        await self.hass.async_block_till_done()
        return result.payload

    async def refused(self, command: str, params: Any) -> NodeCommandFailedError:
        with pytest.raises(NodeCommandFailedError) as err:
            await self.invoke(command, params)
        await self.hass.async_block_till_done()
        return err.value


async def test_off_by_default(
    hass: HomeAssistant, fake_gateway: FakeGateway, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert not fake_gateway.nodes.nodes
    assert CONF_NODE_DEVICE_KEY not in mock_config_entry.data
    assert ir.async_get(hass).async_get_issue(DOMAIN, NODE_ISSUE) is None
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_node_uses_its_own_paired_identity(
    hass: HomeAssistant, agent: Agent, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    data = setup_integration.data
    assert data[CONF_NODE_DEVICE_KEY] != data[CONF_DEVICE_KEY]
    record = fake_gateway.nodes.nodes[agent.node_id]
    assert record.conn is not None and record.conn.role == "node"
    assert (record.client["id"], record.client["mode"]) == ("node-host", "node")
    assert record.declared == list(NODE_COMMANDS)
    await wait_for(hass, lambda: len(record.visible_tools) == len(NODE_COMMANDS))
    assert [t["command"] for t in record.visible_tools] == list(NODE_COMMANDS)
    token = fake_gateway.pairing.devices[agent.node_id].tokens["node"][0]
    assert data[CONF_NODE_DEVICE_TOKEN] == token
    # Home Assistant's own node shows up among the gateway's nodes, connected.
    await wait_for(hass, lambda: hass.states.get("binary_sensor.home_assistant_connection"))
    assert hass.states.get("binary_sensor.home_assistant_connection").state == "on"  # type: ignore[union-attr]
    assert ir.async_get(hass).async_get_issue(DOMAIN, NODE_ISSUE) is None


async def test_reads_see_only_exposed_entities(agent: Agent) -> None:
    listed = await agent.invoke("ha.entities.list")
    ids = [row["entity_id"] for row in listed["entities"]]
    assert ids == ["cover.garage", "fan.attic", "light.kitchen", "lock.front_door", "switch.heater"]
    kitchen = next(r for r in listed["entities"] if r["entity_id"] == "light.kitchen")
    assert kitchen["area"] == "Kitchen" and kitchen["name"] == "Kitchen light"
    lights = await agent.invoke("ha.entities.list", {"domain": "light", "area": "kitchen"})
    assert [r["entity_id"] for r in lights["entities"]] == ["light.kitchen"]

    got = await agent.invoke("ha.entity.get", {"entity_id": "light.kitchen"})
    (row,) = got["entities"]
    assert row["state"] == "off" and row["attributes"] == {"brightness": 0}  # no picture/token

    hidden = await agent.refused("ha.entity.get", {"entity_id": "light.secret"})
    missing = await agent.refused("ha.entity.get", {"entity_id": "light.nowhere"})
    assert hidden.node_code == missing.node_code == "NOT_EXPOSED"
    assert hidden.node_message == "not an entity exposed to assistants: light.secret"
    assert missing.node_message == "not an entity exposed to assistants: light.nowhere"

    areas = await agent.invoke("ha.areas.list")
    assert areas["areas"] == [
        {
            "area_id": "kitchen",
            "name": "Kitchen",
            "floor_id": None,
            "aliases": [],
            "entity_ids": ["light.kitchen"],  # not light.secret, in the same area
        }
    ]
    outcomes = [(e.data["command"], e.data["outcome"]) for e in agent.events]
    assert outcomes == [
        ("ha.entities.list", "done"),
        ("ha.entities.list", "done"),
        ("ha.entity.get", "done"),
        ("ha.entity.get", "refused"),
        ("ha.entity.get", "refused"),
        ("ha.areas.list", "done"),
    ]


async def test_an_allowed_action_runs_and_is_recorded(hass: HomeAssistant, agent: Agent) -> None:
    calls = async_mock_service(hass, "light", "turn_on")
    result = await agent.invoke(
        "ha.action.call",
        {"action": "light.turn_on", "entity_id": "light.kitchen", "data": {"brightness": 200}},
        idempotency_key="kitchen-on-1",
    )
    (called,) = calls
    assert called.data == {"entity_id": ["light.kitchen"], "brightness": 200}
    assert result["action"] == "light.turn_on" and result["entity_ids"] == ["light.kitchen"]
    assert result["states"][0]["entity_id"] == "light.kitchen"

    # The same idempotency key again: the first outcome, and the light is not called twice.
    again = await agent.invoke(
        "ha.action.call",
        {"action": "light.turn_on", "entity_id": "light.kitchen", "data": {"brightness": 200}},
        idempotency_key="kitchen-on-1",
    )
    assert again == result and len(calls) == 1

    (event,) = agent.events
    assert event.data["outcome"] == "done" and event.data["action"] == "light.turn_on"
    assert event.data["entity_ids"] == ["light.kitchen"]
    assert event.data["data"] == {"brightness": 200}
    assert event.context.id == called.context.id  # the state change links to the command
    assert describe_node_command(dict(event.data)) == "called light.turn_on on light.kitchen"


async def test_refused_actions_change_nothing(hass: HomeAssistant, agent: Agent) -> None:
    lights = async_mock_service(hass, "light", "turn_on")
    switches = async_mock_service(hass, "switch", "turn_on")
    restarts = async_mock_service(hass, "homeassistant", "restart")
    locks = async_mock_service(hass, "lock", "unlock")
    covers = async_mock_service(hass, "cover", "open_cover")
    cases = [
        ({"action": "light.turn_on", "entity_id": "light.secret"}, "NOT_EXPOSED"),
        ({"action": "light.turn_on", "entity_id": "light.nowhere"}, "NOT_EXPOSED"),
        ({"action": "homeassistant.restart", "entity_id": "light.kitchen"}, "ACTION_NOT_ALLOWED"),
        ({"action": "light.blink", "entity_id": "light.kitchen"}, "ACTION_NOT_ALLOWED"),
        ({"action": "fan.turn_on", "entity_id": "fan.attic"}, "ACTION_NOT_AVAILABLE"),
        ({"action": "light.turn_on", "entity_id": "switch.heater"}, "INVALID_TARGET"),
        (
            {"action": "light.turn_on", "entity_id": "light.kitchen", "data": {"area_id": "x"}},
            "INVALID_PARAMS",
        ),
        ({"action": "lock.unlock", "entity_id": "lock.front_door"}, "SENSITIVE_REFUSED"),
        ({"action": "cover.open_cover", "entity_id": "cover.garage"}, "SENSITIVE_REFUSED"),
        (
            {"action": "light.turn_on", "entity_id": ["light.kitchen", "light.secret"]},
            "NOT_EXPOSED",
        ),
    ]
    for params, code in cases:
        err = await agent.refused("ha.action.call", params)
        assert err.node_code == code, params
    assert not (lights or switches or restarts or locks or covers)
    assert [e.data["outcome"] for e in agent.events] == ["refused"] * len(cases)
    assert [e.data["error_code"] for e in agent.events] == [code for _p, code in cases]
    line = describe_node_command(dict(agent.events[7].data))
    assert line.startswith("was refused lock.unlock on lock.front_door (SENSITIVE_REFUSED: ")


@pytest.mark.parametrize(
    "node_section",
    [
        {
            "enabled": True,
            "confirm_script": "script.confirm",
            "sensitive_entities": ["light.kitchen"],
        }
    ],
)
async def test_sensitive_actions_need_the_users_confirmation(
    hass: HomeAssistant, agent: Agent
) -> None:
    # The user's script: it would ask (an actionable notification); here it answers from
    # input_boolean.allow, and records what it was asked in input_text.asked.
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"allow": {"initial": True}}}
    )
    assert await async_setup_component(hass, "input_text", {"input_text": {"asked": {"max": 255}}})
    assert await async_setup_component(
        hass,
        "script",
        {
            "script": {
                "confirm": {
                    "sequence": [
                        {
                            "action": "input_text.set_value",
                            "target": {"entity_id": "input_text.asked"},
                            "data": {"value": "{{ summary }} {{ data }}"},
                        },
                        {
                            "variables": {
                                "answer": {
                                    "confirmed": "{{ is_state('input_boolean.allow', 'on') }}"
                                }
                            }
                        },
                        {"stop": "answered", "response_variable": "answer"},
                    ]
                }
            }
        },
    )
    unlocks = async_mock_service(hass, "lock", "unlock")
    lights = async_mock_service(hass, "light", "turn_on")

    await agent.invoke(
        "ha.action.call",
        {"action": "lock.unlock", "entity_id": "lock.front_door", "data": {"code": "1234"}},
    )
    assert len(unlocks) == 1 and unlocks[0].data["code"] == "1234"
    asked = hass.states.get("input_text.asked")
    assert asked is not None
    assert asked.state == "lock.unlock on lock.front_door {'code': '**REDACTED**'}"
    event = agent.events[-1]
    assert event.data["confirmed"] is True and event.data["data"] == {"code": "**REDACTED**"}
    assert "1234" not in str(event.data)

    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": "input_boolean.allow"}, blocking=True
    )
    err = await agent.refused(
        "ha.action.call", {"action": "light.turn_on", "entity_id": "light.kitchen"}
    )
    assert err.node_code == "CONFIRMATION_DENIED" and not lights  # marked sensitive by the user
    assert agent.events[-1].data["confirmed"] is False


async def test_pairing_and_command_approval_raise_a_repair_issue(
    hass: HomeAssistant,
    home: None,
    fake_gateway: FakeGateway,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(node_side, "PAIRING_RETRY", 0.05)
    fake_gateway.auto_approve_node_commands = False
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    # The operator device is approved silently; make the node's device wait for approval.
    fake_gateway.require_pairing = True
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    issues = ir.async_get(hass)
    await wait_for(hass, lambda: issues.async_get_issue(DOMAIN, NODE_ISSUE) is not None)
    issue = issues.async_get_issue(DOMAIN, NODE_ISSUE)
    assert issue is not None and issue.translation_key == "node_pairing_required"
    (request,) = fake_gateway.pending
    assert request.role == "node" and issue.translation_placeholders is not None
    assert issue.translation_placeholders["request_id"] == request.request_id

    fake_gateway.approve(request.request_id)
    await wait_for(
        hass,
        lambda: (
            (i := issues.async_get_issue(DOMAIN, NODE_ISSUE)) is not None
            and i.translation_key == "node_commands_pending"
        ),
    )
    (surface,) = fake_gateway.pending_nodes
    fake_gateway.approve_node(surface.request_id)
    await wait_for(hass, lambda: issues.async_get_issue(DOMAIN, NODE_ISSUE) is None)
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_a_node_without_credentials_says_so(
    hass: HomeAssistant, fake_gateway: FakeGateway, device_identity: DeviceIdentity
) -> None:
    # An entry paired with a setup code keeps only its device token: nothing for the node.
    async with aiohttp.ClientSession() as session:
        client = GatewayClient(
            session, fake_gateway.url, identity=device_identity, token=fake_gateway.token
        )
        hello = await client.connect()
        await client.close()
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title="OpenClaw 127.0.0.1",
        unique_id=gateway_unique_id(fake_gateway.url),
        data={
            CONF_URL: fake_gateway.url,
            CONF_DEVICE_KEY: device_identity.to_storage(),
            CONF_DEVICE_TOKEN: hello.device_token,
        },
        options={"node": {"enabled": True}},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    issues = ir.async_get(hass)
    await wait_for(hass, lambda: issues.async_get_issue(DOMAIN, NODE_ISSUE) is not None)
    issue = issues.async_get_issue(DOMAIN, NODE_ISSUE)
    assert issue is not None and issue.translation_key == "node_auth_failed"
    await hass.config_entries.async_unload(entry.entry_id)
    assert issues.async_get_issue(DOMAIN, NODE_ISSUE) is None


@pytest.mark.parametrize("entry_options", [{}])
async def test_options_turn_the_node_on(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    entry = setup_integration
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert "node" in [str(key) for key in result["data_schema"].schema]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"sessions": [], "delta_rate": 4, "node": {"enabled": True}}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    node = entry.options["node"]
    assert node["enabled"] is True and "light.turn_on" in node["actions"]
    assert node["sensitive_entities"] == []
    await hass.async_block_till_done()
    await wait_for(hass, lambda: CONF_NODE_DEVICE_TOKEN in entry.data)
    node_id = DeviceIdentity.from_storage(entry.data[CONF_NODE_DEVICE_KEY]).device_id
    await wait_for(hass, lambda: fake_gateway.nodes.nodes[node_id].conn is not None)

    # A form sent without the section (an older frontend, a script) keeps the node settings.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(
        result["flow_id"], {"sessions": [], "delta_rate": 2}
    )
    assert entry.options["node"] == node
    await hass.async_block_till_done()


async def test_the_logbook_says_what_the_agent_did(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    agent: Agent,
) -> None:
    hass.config.components.add("frontend")  # logbook's UI dependency; its package is absent
    assert await async_setup_component(hass, "logbook", {})
    start = dt_util.utcnow() - timedelta(seconds=1)
    async_mock_service(hass, "light", "turn_on")
    async_mock_service(hass, "lock", "unlock")
    await agent.invoke("ha.action.call", {"action": "light.turn_on", "entity_id": "light.kitchen"})
    await agent.refused("ha.action.call", {"action": "lock.unlock", "entity_id": "lock.front_door"})
    await async_wait_recording_done(hass)

    ws = await hass_ws_client(hass)
    await ws.send_json_auto_id({"type": "logbook/get_events", "start_time": start.isoformat()})
    response = await ws.receive_json()
    assert response["success"], response
    lines = [
        (e.get("entity_id"), e["message"])
        for e in response["result"]
        if e.get("name") == "OpenClaw agent"
    ]
    assert lines[0] == ("light.kitchen", "called light.turn_on on light.kitchen")
    assert lines[1][0] == "lock.front_door"
    assert lines[1][1].startswith("was refused lock.unlock on lock.front_door (SENSITIVE_REFUSED")


async def test_diagnostics_redact_the_nodes_secrets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    agent: Agent,
    setup_integration: MockConfigEntry,
) -> None:
    data = setup_integration.data
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, setup_integration)
    text = json.dumps(diagnostics)
    assert data[CONF_NODE_DEVICE_KEY] not in text
    assert data[CONF_NODE_DEVICE_TOKEN] not in text
    assert diagnostics["entry"]["data"][CONF_NODE_DEVICE_TOKEN] == "**REDACTED**"
