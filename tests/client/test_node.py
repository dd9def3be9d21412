"""The node role against the fake gateway: GatewayNode serving commands, and an operator's
list_nodes / invoke_node with the gateway's node errors as typed errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from custom_components.openclaw.aioopenclaw import DeviceIdentity, GatewayClient
from custom_components.openclaw.aioopenclaw.connection import (
    ClientInfo,
    Credentials,
    build_connect_params,
)
from custom_components.openclaw.aioopenclaw.errors import MissingScopeError, PairingRequiredError
from custom_components.openclaw.aioopenclaw.models import Challenge
from custom_components.openclaw.aioopenclaw.node import (
    GatewayNode,
    NodeCommandError,
    NodeCommandFailedError,
    NodeCommandNotAllowedError,
    NodeInvokeRequest,
    NodeNotConnectedError,
    NodeNotReadyError,
    invoke_node,
    list_nodes,
)
from tests.fake_gateway import FakeGateway

COMMANDS = ("ha.entities.list", "ha.action.call")
FAST = (0.05, 0.2)


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polling state the fake and client change
            await asyncio.sleep(0.01)


class Handler:
    """Records requests; answers with ``reply`` (a value, an exception, or a coroutine fn)."""

    def __init__(self) -> None:
        self.requests: list[NodeInvokeRequest] = []
        self.reply: Any = {"ok": True}
        self.cancelled = 0

    async def __call__(self, request: NodeInvokeRequest) -> Any:
        self.requests.append(request)
        reply = self.reply
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            try:
                return await reply(request)
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        return reply


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncIterator[FakeGateway]:
    async with FakeGateway() as gw:
        gw.node_commands_allow = set(COMMANDS)
        gw.auto_approve_node_commands = True
        yield gw


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def handler() -> Handler:
    return Handler()


@pytest.fixture
async def node(
    gateway: FakeGateway, session: aiohttp.ClientSession, handler: Handler
) -> AsyncIterator[GatewayNode]:
    node = GatewayNode(
        session,
        gateway.url,
        identity=DeviceIdentity.generate(),
        handler=handler,
        commands=COMMANDS,
        permissions={"entities": True},
        token=gateway.token,
        backoff=FAST,
        pairing_retry=0.1,
    )
    node.start()
    await node.wait_connected(5)
    yield node
    await node.close()


@pytest.fixture
async def operator(
    gateway: FakeGateway, session: aiohttp.ClientSession
) -> AsyncIterator[GatewayClient]:
    client = GatewayClient(
        session, gateway.url, identity=DeviceIdentity.generate(), token=gateway.token
    )
    await client.connect()
    yield client
    await client.close()


def test_operator_connect_params_carry_no_node_fields() -> None:
    identity = DeviceIdentity.from_private_bytes(bytes(range(32)))
    common: dict[str, Any] = {
        "challenge": Challenge(nonce="n", ts=1),
        "identity": identity,
        "credentials": Credentials(token="t"),
        "client": ClientInfo(instance_id="i"),
        "scopes": ("operator.read",),
        "caps": (),
    }
    operator = build_connect_params(role="operator", **common)
    assert "commands" not in operator and "permissions" not in operator
    assert (operator["client"]["id"], operator["client"]["mode"]) == ("gateway-client", "backend")
    node = build_connect_params(
        role="node",
        commands=["a.b"],
        permissions={"p": True},
        client_id="node-host",
        client_mode="node",
        **common,
    )
    assert node["commands"] == ["a.b"] and node["permissions"] == {"p": True}
    assert node["client"]["id"] == "node-host" and node["device"] != operator["device"]


async def test_node_connects_and_a_command_round_trips(
    gateway: FakeGateway, node: GatewayNode, operator: GatewayClient, handler: Handler
) -> None:
    record = gateway.nodes.nodes[node.node_id]
    assert record.conn is not None and record.conn.role == "node" and record.conn.scopes == []
    assert record.declared == list(COMMANDS) and record.permissions == {"entities": True}
    assert (record.client["id"], record.client["mode"]) == ("node-host", "node")
    assert node.device_token and node.hello is not None and node.hello.role == "node"

    (info,) = await list_nodes(operator)
    assert info.node_id == node.node_id and info.connected and info.approval_state == "approved"
    assert info.commands == tuple(sorted(COMMANDS)) and info.client_id == "node-host"

    handler.reply = {"entities": [{"entity_id": "light.kitchen", "state": "on"}]}
    result = await invoke_node(
        operator,
        node.node_id,
        "ha.entities.list",
        {"domain": "light"},
        timeout_ms=5000,
        idempotency_key="key-1",
    )
    assert result.payload == handler.reply and result.command == "ha.entities.list"
    (request,) = handler.requests
    assert request.params == {"domain": "light"} and request.idempotency_key == "key-1"
    assert request.timeout_ms == 5000 and request.node_id == node.node_id
    assert node.invocations == 1


async def test_a_repeated_idempotency_key_runs_once(
    node: GatewayNode, operator: GatewayClient, handler: Handler
) -> None:
    release = asyncio.Event()
    runs = 0

    async def slow(_request: NodeInvokeRequest) -> Any:
        nonlocal runs
        runs += 1
        await release.wait()
        return {"run": runs}

    handler.reply = slow
    first = asyncio.create_task(
        invoke_node(operator, node.node_id, COMMANDS[1], idempotency_key="same")
    )
    second = asyncio.create_task(
        invoke_node(operator, node.node_id, COMMANDS[1], idempotency_key="same")
    )
    await until(lambda: node.invocations == 2)
    release.set()
    assert (await first).payload == (await second).payload == {"run": 1}
    again = await invoke_node(operator, node.node_id, COMMANDS[1], idempotency_key="same")
    assert again.payload == {"run": 1} and runs == 1
    other = await invoke_node(operator, node.node_id, COMMANDS[1], idempotency_key="other")
    assert other.payload == {"run": 2}


async def test_node_errors_reach_the_operator_typed(
    gateway: FakeGateway, node: GatewayNode, operator: GatewayClient, handler: Handler
) -> None:
    handler.reply = NodeCommandError("NOT_EXPOSED", "lock.front_door is not exposed")
    with pytest.raises(NodeCommandFailedError) as failed:
        await invoke_node(operator, node.node_id, COMMANDS[1], {"entity_id": "lock.front_door"})
    assert failed.value.node_code == "NOT_EXPOSED"
    assert failed.value.node_message == "lock.front_door is not exposed"

    handler.reply = RuntimeError("secret detail")
    with pytest.raises(NodeCommandFailedError) as crashed:
        await invoke_node(operator, node.node_id, COMMANDS[0])
    assert crashed.value.node_code == "INTERNAL_ERROR"
    assert "secret" not in str(crashed.value)

    async def forever(_request: NodeInvokeRequest) -> Any:
        await asyncio.sleep(30)

    handler.reply = forever
    with pytest.raises(NodeCommandFailedError) as slow:
        await invoke_node(operator, node.node_id, COMMANDS[0], timeout_ms=300)
    # The node answers its own TIMEOUT before the gateway's deadline.
    assert slow.value.node_code == "TIMEOUT" and handler.cancelled == 1
    assert gateway.nodes.results[-1]["error"]["code"] == "TIMEOUT"

    with pytest.raises(NodeCommandNotAllowedError) as refused:
        await invoke_node(operator, node.node_id, "camera.snap")
    assert refused.value.reason == "command not allowlisted"
    with pytest.raises(NodeNotReadyError):
        await invoke_node(operator, "no-such-node", COMMANDS[0])


async def test_offline_node_and_missing_scope(
    gateway: FakeGateway, node: GatewayNode, session: aiohttp.ClientSession
) -> None:
    reader = GatewayClient(
        session,
        gateway.url,
        identity=DeviceIdentity.generate(),
        token=gateway.token,
        scopes=("operator.read",),
    )
    await reader.connect()
    try:
        assert [n.node_id for n in await list_nodes(reader)] == [node.node_id]
        with pytest.raises(MissingScopeError):
            await invoke_node(reader, node.node_id, COMMANDS[0])
        await node.close()
        await until(lambda: not gateway.nodes.nodes[node.node_id].conn)
        (info,) = await list_nodes(reader)
        assert not info.connected and info.paired
    finally:
        await reader.close()
    writer = GatewayClient(
        session, gateway.url, identity=DeviceIdentity.generate(), token=gateway.token
    )
    await writer.connect()
    try:
        with pytest.raises(NodeNotConnectedError):
            await invoke_node(writer, node.node_id, COMMANDS[0])
    finally:
        await writer.close()


async def test_pairing_wait_then_approval(
    gateway: FakeGateway, session: aiohttp.ClientSession, handler: Handler
) -> None:
    gateway.require_pairing = True
    tokens: list[str | None] = []
    states: list[tuple[bool, BaseException | None]] = []
    node = GatewayNode(
        session,
        gateway.url,
        identity=DeviceIdentity.generate(),
        handler=handler,
        commands=COMMANDS,
        token=gateway.token,
        on_device_token=tokens.append,
        backoff=FAST,
        pairing_retry=0.05,
    )
    node.subscribe_connection(lambda up, err: states.append((up, err)))
    node.start()
    try:
        await until(lambda: len(states) >= 2)
        assert all(isinstance(err, PairingRequiredError) for _up, err in states)
        (pending,) = gateway.pending
        assert pending.role == "node" and node.pairing_request_id == pending.request_id
        assert not node.connected
        gateway.approve(pending.request_id)
        await node.wait_connected(5)
        assert tokens and tokens[-1] == node.device_token and node.last_error is None
        assert states[-1] == (True, None)
    finally:
        await node.close()


async def test_node_reconnects_and_serves_again(
    gateway: FakeGateway, node: GatewayNode, operator: GatewayClient, handler: Handler
) -> None:
    await gateway.drop_all(1012, "service restart")
    await until(lambda: not node.connected)
    await node.wait_connected(5)
    await until(lambda: operator.connected)
    handler.reply = {"back": True}
    result = await invoke_node(operator, node.node_id, COMMANDS[0])
    assert result.payload == {"back": True}
    # The reconnect used the node's own device token, not the shared one.
    live = gateway.nodes.nodes[node.node_id].conn
    assert live is not None and live.auth_method == "device-token"


async def test_plugin_tools_are_published_and_shown_once_approved(
    gateway: FakeGateway, session: aiohttp.ClientSession, handler: Handler, operator: GatewayClient
) -> None:
    gateway.auto_approve_node_commands = False
    tool = {
        "pluginId": "home-assistant",
        "name": "ha_entities_list",
        "description": "List entities.",
        "parameters": {"type": "object", "properties": {}},
        "command": COMMANDS[0],
    }
    node = GatewayNode(
        session,
        gateway.url,
        identity=DeviceIdentity.generate(),
        handler=handler,
        commands=COMMANDS,
        token=gateway.token,
        plugin_tools=[tool],
    )
    node.start()
    try:
        await node.wait_connected(5)
        await until(lambda: bool(gateway.nodes.nodes[node.node_id].tools))
        (info,) = await list_nodes(operator)
        assert info.raw["nodePluginTools"] == []  # hidden until the commands are approved
        (pending,) = gateway.pending_nodes
        gateway.approve_node(pending.request_id)
        (info,) = await list_nodes(operator)
        assert info.raw["nodePluginTools"] == [tool]
    finally:
        await node.close()
