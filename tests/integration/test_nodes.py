"""The gateway's nodes in Home Assistant (operator side) against the fake gateway: a device
and connectivity sensor per node, list_nodes, and invoke_node with its errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw.aioopenclaw import ClientInfo, DeviceIdentity
from custom_components.openclaw.aioopenclaw.node import (
    GatewayNode,
    NodeCommandError,
    NodeInvokeRequest,
)
from custom_components.openclaw.const import DOMAIN
from tests.fake_gateway import FakeGateway

from .helpers import wait_for

PHONE_COMMANDS = ("location.get", "camera.snap", "system.notify")
PHONE_SENSOR = "binary_sensor.pixel_9_connection"


class Phone:
    """A node outside Home Assistant (like the Android app), answering through a handler."""

    def __init__(self, gateway: FakeGateway, session: aiohttp.ClientSession, name: str) -> None:
        self.requests: list[NodeInvokeRequest] = []
        self.reply: Any = {"lat": 52.37, "lon": 4.89, "accuracy": 12}
        self.node = GatewayNode(
            session,
            gateway.url,
            identity=DeviceIdentity.generate(),
            handler=self._handle,
            commands=PHONE_COMMANDS,
            token=gateway.token,
            client_info=ClientInfo(display_name=name),
            backoff=(0.05, 0.2),
        )

    async def _handle(self, request: NodeInvokeRequest) -> Any:
        self.requests.append(request)
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply

    async def start(self) -> None:
        self.node.start()
        await self.node.wait_connected(5)


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
async def make_phone(
    fake_gateway: FakeGateway, session: aiohttp.ClientSession
) -> AsyncIterator[Callable[[str], Awaitable[Phone]]]:
    fake_gateway.node_commands_allow = {"location.get", "camera.snap"}
    fake_gateway.auto_approve_node_commands = True
    phones: list[Phone] = []

    async def make(name: str) -> Phone:
        phone = Phone(fake_gateway, session, name)
        phones.append(phone)
        await phone.start()
        return phone

    yield make
    for phone in phones:
        await phone.node.close()


@pytest.fixture
async def phone(
    make_phone: Callable[[str], Awaitable[Phone]], setup_integration: MockConfigEntry
) -> Phone:
    """'Pixel 9', connected after Home Assistant set the entry up."""
    return await make_phone("Pixel 9")


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> ServiceResponse:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def test_a_node_is_a_device_with_its_connection_state(
    hass: HomeAssistant,
    make_phone: Callable[[str], Awaitable[Phone]],
    fake_gateway: FakeGateway,
    mock_config_entry: MockConfigEntry,
    setup_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    phone = await make_phone("Pixel 9")
    await wait_for(hass, lambda: hass.states.get(PHONE_SENSOR) is not None)
    state = hass.states.get(PHONE_SENSOR)
    assert state is not None and state.state == "on"
    assert state.attributes["node_id"] == phone.node.node_id
    assert state.attributes["approval_state"] == "approved"
    assert state.attributes["commands"] == ["camera.snap", "location.get", "system.notify"]
    entity = entity_registry.async_get(PHONE_SENSOR)
    assert entity is not None and entity.device_id is not None
    device = device_registry.async_get(entity.device_id)
    assert device is not None and device.name == "Pixel 9" and device.model == "Node"
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, mock_config_entry.entry_id), mock_config_entry.entry_id
    )
    assert gateway is not None and device.via_device_id == gateway.id

    await phone.node.close()  # the gateway's presence event leads to a fresh node.list
    await wait_for(hass, lambda: hass.states.get(PHONE_SENSOR).state == "off")  # type: ignore[union-attr]

    # The device stays across a reload (the stale-device sweep knows the gateway's nodes).
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert device_registry.async_get(device.id) is not None
    assert hass.states.get(PHONE_SENSOR).state == "off"  # type: ignore[union-attr]


async def test_nodes_arriving_later_get_entities(
    hass: HomeAssistant, phone: Phone, make_phone: Callable[[str], Awaitable[Phone]]
) -> None:
    await wait_for(hass, lambda: hass.states.get(PHONE_SENSOR) is not None)
    await make_phone("Office Mac")
    await wait_for(hass, lambda: hass.states.get("binary_sensor.office_mac_connection") is not None)


async def test_list_nodes(hass: HomeAssistant, phone: Phone, fake_gateway: FakeGateway) -> None:
    response = await call(hass, "list_nodes", {})
    assert response == {
        "nodes": [
            {
                "node_id": phone.node.node_id,
                "name": "Pixel 9",
                "platform": "linux",
                "device_family": None,
                "version": "0.1.0",
                "connected": True,
                "paired": True,
                "approval_state": "approved",
                "commands": ["camera.snap", "location.get", "system.notify"],
                "caps": [],
            }
        ]
    }
    await phone.node.close()
    await wait_for(hass, lambda: fake_gateway.nodes.nodes[phone.node.node_id].conn is None)
    assert await call(hass, "list_nodes", {"connected_only": True}) == {"nodes": []}


async def test_invoke_node_returns_the_nodes_payload(
    hass: HomeAssistant, phone: Phone, fake_gateway: FakeGateway
) -> None:
    await wait_for(hass, lambda: hass.states.get(PHONE_SENSOR) is not None)
    response = await call(
        hass,
        "invoke_node",
        {
            "node": "Pixel 9",  # by name; the id works too
            "command": "location.get",
            "params": {"desiredAccuracy": "precise"},
            "timeout": 10,
            "idempotency_key": "where-is-the-phone-1",
        },
    )
    assert response == {
        "node_id": phone.node.node_id,
        "command": "location.get",
        "payload": {"lat": 52.37, "lon": 4.89, "accuracy": 12},
    }
    (request,) = phone.requests
    assert request.params == {"desiredAccuracy": "precise"}
    assert request.idempotency_key == "where-is-the-phone-1" and request.timeout_ms == 10000
    # Without a key the action makes one (the gateway requires it).
    await call(hass, "invoke_node", {"node": phone.node.node_id, "command": "location.get"})
    assert fake_gateway.nodes.invoke_requests[-1]["idempotencyKey"]


async def test_invoke_node_errors_say_what_is_wrong(
    hass: HomeAssistant,
    phone: Phone,
    make_phone: Callable[[str], Awaitable[Phone]],
    fake_gateway: FakeGateway,
) -> None:
    await wait_for(hass, lambda: hass.states.get(PHONE_SENSOR) is not None)
    target = {"node": "Pixel 9"}

    phone.reply = NodeCommandError("CAMERA_DISABLED", "the camera is off")
    with pytest.raises(HomeAssistantError) as failed:
        await call(hass, "invoke_node", {**target, "command": "camera.snap"})
    assert failed.value.translation_key == "node_command_failed"
    assert "CAMERA_DISABLED: the camera is off" in str(failed.value)

    with pytest.raises(ServiceValidationError) as refused:
        await call(hass, "invoke_node", {**target, "command": "camera.clip"})
    assert refused.value.translation_key == "node_command_not_allowed"
    assert "gateway.nodes.commands.allow" in str(refused.value)

    with pytest.raises(HomeAssistantError) as scope:
        await call(hass, "invoke_node", {**target, "command": "fs.listDir"})
    assert scope.value.translation_key == "node_missing_scope"
    assert "operator.admin" in str(scope.value)

    with pytest.raises(ServiceValidationError) as unknown:
        await call(hass, "invoke_node", {"node": "Kitchen tablet", "command": "location.get"})
    assert unknown.value.translation_key == "unknown_node"

    fake_gateway.auto_approve_node_commands = False
    await make_phone("New phone")
    await wait_for(hass, lambda: hass.states.get("binary_sensor.new_phone_connection") is not None)
    with pytest.raises(HomeAssistantError) as pending:
        await call(hass, "invoke_node", {"node": "New phone", "command": "location.get"})
    assert pending.value.translation_key == "node_not_approved"

    await phone.node.close()
    await wait_for(hass, lambda: fake_gateway.nodes.nodes[phone.node.node_id].conn is None)
    with pytest.raises(HomeAssistantError) as offline:
        await call(hass, "invoke_node", {**target, "command": "location.get"})
    assert offline.value.translation_key == "node_offline"
    assert "Pixel 9" in str(offline.value)
