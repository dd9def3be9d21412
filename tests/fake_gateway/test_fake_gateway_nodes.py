"""Self-checks of the fake gateway's node role with the independent raw client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.fake_gateway import FakeGateway
from tests.fake_gateway.raw_client import DeviceKey, RawClient, open_operator

TOKEN = "gw-token"
COMMANDS = ["ha.entities.list", "ha.action.call"]


async def _node(
    gw: FakeGateway, device: DeviceKey, commands: list[str], platform: str = "linux"
) -> RawClient:
    node = await RawClient.open(gw.url)
    res = await node.connect(
        token=TOKEN,
        device=device,
        client_id="node-host",
        mode="node",
        role="node",
        scopes=[],
        platform=platform,
        extra={"commands": commands, "permissions": {}},
    )
    assert res["ok"], res
    assert res["payload"]["auth"]["role"] == "node"
    return node


async def _answer(node: RawClient, **result: Any) -> dict[str, Any]:
    """Wait for one invoke request and answer it with ``result``; return the request."""
    request = await node.next_event("node.invoke.request")
    payload = request["payload"]
    res = await node.request(
        "node.invoke.result", {"id": payload["id"], "nodeId": payload["nodeId"], **result}
    )
    assert res["ok"] and res["payload"] == {"ok": True}, res
    return dict(payload)


async def _invoke(operator: RawClient, **params: Any) -> asyncio.Task[dict[str, Any]]:
    body = {"idempotencyKey": "key-1", **params}
    return asyncio.create_task(operator.request("node.invoke", body, timeout=10))


async def test_surface_waits_for_approval_then_invoke_round_trip(gw: FakeGateway) -> None:
    gw.node_commands_allow = set(COMMANDS)
    device = DeviceKey()
    node = await _node(gw, device, [*COMMANDS, "ha.not.allowed"])
    operator, _ = await open_operator(gw.url, scopes=["operator.read", "operator.write"])
    row = (await operator.request("node.list"))["payload"]["nodes"][0]
    assert row["nodeId"] == device.device_id
    assert row["approvalState"] == "pending-approval" and row["commands"] == []
    assert row["connected"] is True and row["clientId"] == "node-host"

    res = await operator.request(
        "node.invoke", {"nodeId": device.device_id, "command": COMMANDS[0], "idempotencyKey": "k"}
    )
    assert res["error"]["details"]["code"] == "PAIRING_CHANGED"

    (pending,) = gw.pending_nodes
    assert pending.commands == COMMANDS  # the one outside the allowlist was withheld
    assert gw.approve_node(pending.request_id)
    resolved = await node.next_event("node.pair.resolved")
    assert resolved["payload"]["decision"] == "approved"
    row = (await operator.request("node.list"))["payload"]["nodes"][0]
    assert row["approvalState"] == "approved" and row["commands"] == sorted(COMMANDS)

    call = await _invoke(
        operator,
        nodeId=device.device_id,
        command="ha.entities.list",
        params={"domain": "light"},
        timeoutMs=5000,
    )
    request = await _answer(node, ok=True, payloadJSON=json.dumps({"entities": []}))
    assert json.loads(request["paramsJSON"]) == {"domain": "light"}
    assert request["idempotencyKey"] == "key-1" and request["timeoutMs"] == 5000
    res = await call
    assert res["payload"] == {
        "ok": True,
        "nodeId": device.device_id,
        "command": "ha.entities.list",
        "payload": {"entities": []},
        "payloadJSON": '{"entities": []}',
    }


async def test_invoke_errors_have_the_gateways_shapes(gw: FakeGateway) -> None:
    gw.node_commands_allow = set(COMMANDS)
    gw.auto_approve_node_commands = True
    device = DeviceKey()
    node = await _node(gw, device, COMMANDS)
    operator, _ = await open_operator(gw.url, scopes=["operator.read", "operator.write"])
    target = {"nodeId": device.device_id}

    call = await _invoke(operator, **target, command="ha.action.call")
    await _answer(node, ok=False, error={"code": "NOT_EXPOSED", "message": "lock.door"})
    error = (await call)["error"]
    assert error["code"] == "UNAVAILABLE" and error["message"] == "NOT_EXPOSED: lock.door"
    assert error["details"]["nodeError"] == {"code": "NOT_EXPOSED", "message": "lock.door"}

    res = await operator.request(
        "node.invoke", {**target, "command": "camera.snap", "idempotencyKey": "k"}
    )
    assert res["error"]["details"] == {
        "reason": "command not allowlisted",
        "command": "camera.snap",
    }
    assert "gateway.nodes.commands.allow" in res["error"]["message"]
    res = await operator.request(
        "node.invoke", {**target, "command": "system.notify", "idempotencyKey": "k"}
    )
    assert res["error"]["details"]["reason"] == "command not declared by node"
    res = await operator.request(
        "node.invoke", {**target, "command": "fs.listDir", "idempotencyKey": "k"}
    )
    assert res["error"]["code"] == "FORBIDDEN"
    assert res["error"]["details"]["missingScope"] == "operator.admin"

    timed = await _invoke(operator, **target, command=COMMANDS[0], timeoutMs=100)
    assert (await timed)["error"]["message"] == "TIMEOUT: node invoke timed out"

    gone = await _invoke(operator, **target, command=COMMANDS[0])
    await node.next_event("node.invoke.request")
    await node.close()
    error = (await gone)["error"]
    assert error["details"]["nodeError"]["code"] == "DISCONNECTED"
    res = await operator.request(
        "node.invoke", {**target, "command": COMMANDS[0], "idempotencyKey": "k"}
    )
    assert res["error"]["details"]["code"] == "NOT_CONNECTED"
    row = (await operator.request("node.list"))["payload"]["nodes"][0]
    assert row["connected"] is False and row["commands"] == sorted(COMMANDS)


async def test_roles_keep_to_their_methods(gw: FakeGateway) -> None:
    node = await _node(gw, DeviceKey(), [])
    res = await node.request("sessions.list", {})
    assert res["error"] == {"code": "INVALID_REQUEST", "message": "unauthorized role: node"}
    assert (await node.request("health", {}))["ok"]
    res = await node.request(
        "node.invoke.result", {"id": "x", "nodeId": "someone-else", "ok": True}
    )
    assert res["error"]["message"] == "nodeId mismatch"
    operator, _ = await open_operator(gw.url)
    res = await operator.request("node.invoke.result", {"id": "x", "nodeId": "n", "ok": True})
    assert res["error"]["message"] == "unauthorized role: operator"


async def test_presence_when_a_node_comes_and_goes(gw: FakeGateway) -> None:
    operator, _ = await open_operator(gw.url)
    node = await _node(gw, DeviceKey(), [])
    event = await operator.next_event("presence")
    assert any(p.get("mode") == "node" for p in event["payload"]["presence"])
    await node.close()
    event = await operator.next_event("presence")
    assert not any(p.get("mode") == "node" for p in event["payload"]["presence"])
