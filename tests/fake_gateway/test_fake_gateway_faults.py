"""Self-checks of fault injection, subscriptions and release emulation (raw WS client)."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

from tests.fake_gateway import FakeGateway, ToolCall
from tests.fake_gateway.raw_client import DeviceKey, RawClient, open_operator, wait_closed

TOKEN = "gw-token"


def _send(key: str, run_id: str, message: str = "hi") -> dict[str, str]:
    return {"sessionKey": key, "message": message, "idempotencyKey": run_id}


async def test_drop_before_ack_keeps_run_and_history(gw: FakeGateway) -> None:
    gw.faults.drop_before_ack = True
    client, _ = await open_operator(gw.url)
    await client.send(
        {"type": "req", "id": "x", "method": "chat.send", "params": _send("main", "r1")}
    )
    code, _ = await wait_closed(client)
    assert code is None  # abrupt cut, no ack
    assert not [e for e in client.events if e.get("type") == "res"]
    await asyncio.sleep(0.05)
    client, _ = await open_operator(gw.url)
    history = (await client.request("chat.history", {"sessionKey": "main"}))["payload"]
    assert [m["role"] for m in history["messages"]] == ["user", "assistant"]
    again = await client.request("chat.send", _send("main", "r1"))
    assert again["payload"] == {"runId": "r1", "status": "ok"}
    await client.close()


async def test_drop_after_deltas_with_close_code(gw: FakeGateway) -> None:
    gw.faults.drop_after_deltas = 2
    gw.faults.drop_close_code = 1011
    client, _ = await open_operator(gw.url)
    await client.request("chat.send", _send("main", "r2", "one two three four"))
    code, _ = await wait_closed(client)
    assert code == 1011
    deltas = [e for e in client.events if e.get("payload", {}).get("state") == "delta"]
    assert len(deltas) == 2


async def test_drop_before_final_history_still_has_it(gw: FakeGateway) -> None:
    gw.faults.drop_before_final = True
    gw.script_reply(chunks=["a", " b"], delay=0.05)  # the ack goes out before the cut
    client, _ = await open_operator(gw.url)
    await client.request("chat.send", _send("main", "r3"))
    await wait_closed(client)
    states = [e["payload"]["state"] for e in client.events if e.get("event") == "chat"]
    assert "delta" in states and "final" not in states
    client, _ = await open_operator(gw.url)
    history = (await client.request("chat.history", {"sessionKey": "main"}))["payload"]
    assert history["messages"][-1]["content"][0]["text"] == "a b"
    await client.close()


async def test_refuse_connects_then_accept(gw: FakeGateway) -> None:
    gw.faults.refuse_connects = 2
    for _ in range(2):
        client = await RawClient.open(gw.url)
        res = await client.connect(token=TOKEN, device=DeviceKey())
        assert res["error"]["code"] == "UNAVAILABLE" and res["error"]["retryable"] is True
        assert (await wait_closed(client))[0] == 1013
    client, _ = await open_operator(gw.url)
    assert gw.stats.connect_attempts == 3 and gw.stats.hello_ok == 1
    await client.close()


async def test_response_delay_malformed_and_oversized(gw: FakeGateway) -> None:
    client, _ = await open_operator(gw.url)
    gw.faults.response_delay = 0.3
    gw.faults.delay_methods = {"health"}
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert (await client.request("health", {}))["ok"]
    assert loop.time() - start >= 0.3
    assert (await client.request("node.list", {}))["payload"] == {"nodes": []}
    gw.send_malformed()
    raw = await asyncio.wait_for(client.ws.recv(), 2)
    with pytest.raises(ValueError):
        json.loads(raw)
    gw.send_oversized(70_000)
    assert len(await asyncio.wait_for(client.ws.recv(), 2)) > 70_000
    bad = await client.request("ping", None)
    assert bad["error"]["code"] == "INVALID_REQUEST"
    await client.send({"type": "ping"})
    res = await client.recv()
    assert res["type"] == "res" and res["error"]["message"].startswith("invalid request frame")
    await client.close()


async def test_preauth_limits(socket_enabled: None) -> None:
    async with FakeGateway(handshake_timeout=0.2) as gw:
        client = await RawClient.open(gw.url)
        assert (await wait_closed(client))[0] == 1000
        client = await RawClient.open(gw.url)
        await client.ws.send("x" * (64 * 1024 + 1))
        assert (await wait_closed(client))[0] == 1009


async def test_offline_then_online(gw: FakeGateway) -> None:
    client, _ = await open_operator(gw.url)
    await gw.go_offline()
    assert (await wait_closed(client))[0] is None
    with pytest.raises(OSError):
        await connect(gw.url)
    await gw.go_online()
    client, _ = await open_operator(gw.url)
    await client.close()


async def test_rotate_token_and_password_auth(socket_enabled: None) -> None:
    async with FakeGateway(token=None, password="pw") as gw:
        client = await RawClient.open(gw.url)
        res = await client.connect(auth={"password": "pw"}, device=DeviceKey())
        assert res["payload"]["auth"]["method"] == "password"
        await client.close()
    async with FakeGateway() as gw:
        device = DeviceKey()
        client, hello = await open_operator(gw.url, device)
        gw.rotate_token("new-token")
        assert (await wait_closed(client))[0] == 4001
        old = await RawClient.open(gw.url)
        res = await old.connect(token=TOKEN, device=DeviceKey())
        assert res["error"]["details"]["code"] == "AUTH_TOKEN_MISMATCH"
        await wait_closed(old)
        token = hello["auth"]["deviceToken"]
        client, _ = await open_operator(gw.url, device, token=None, auth={"deviceToken": token})
        await client.close()


async def test_subscriptions_and_session_scoped_events(gw: FakeGateway) -> None:
    watcher, _ = await open_operator(gw.url)
    scoped, _ = await open_operator(gw.url, caps=["session-scoped-events"])
    sub = await watcher.request("sessions.messages.subscribe", {"key": "main"})
    assert sub["payload"] == {"subscribed": True, "key": "agent:main:main"}
    await watcher.request("sessions.subscribe", {})
    await scoped.request("sessions.messages.subscribe", {"key": "other"})
    await watcher.request("chat.send", _send("main", "r5"))
    await watcher.next_event("chat", state="final")
    message = await watcher.next_event("session.message", runId="r5")
    assert message["payload"]["message"]["role"] in ("user", "assistant")
    await watcher.next_event("sessions.changed", sessionKey="agent:main:main")
    await scoped.request("chat.send", _send("other", "r6"))
    await scoped.next_event("chat", state="final", runId="r6")
    assert not [e for e in scoped.events if e.get("payload", {}).get("runId") == "r5"]
    patched = await watcher.request("sessions.patch", {"key": "main", "thinkingLevel": "low"})
    assert patched["payload"]["entry"]["thinkingLevel"] == "low"
    await watcher.close()
    await scoped.close()


async def test_sessions_list_filters(gw: FakeGateway) -> None:
    gw.add_sessions(30, prefix="bulk")
    client, _ = await open_operator(gw.url)
    page = (await client.request("sessions.list", {"limit": 10}))["payload"]
    assert page["count"] == 10 and page["totalCount"] == 30 and page["hasMore"] is True
    assert page["sessions"][0]["key"] == "agent:main:bulk-29"  # newest first
    found = (await client.request("sessions.list", {"search": "bulk-7"}))["payload"]
    assert [s["key"] for s in found["sessions"]] == ["agent:main:bulk-7"]
    await client.close()


async def test_protocol_3_release_emulation(socket_enabled: None) -> None:
    methods = {"health", "chat.send", "chat.history", "chat.abort", "sessions.list"}
    async with FakeGateway(protocol=3, server_version="2026.3.13", methods=methods) as gw:
        only4 = await RawClient.open(gw.url)
        res = await only4.connect(token=TOKEN, device=DeviceKey(), min_protocol=4)
        assert res["error"]["details"]["code"] == "PROTOCOL_MISMATCH"
        assert (await wait_closed(only4))[0] == 1002
        client, hello = await open_operator(gw.url)
        assert hello["protocol"] == 3 and "canvasHostUrl" in hello
        assert "pluginSurfaceUrls" not in hello and "attachments" not in hello["policy"]
        assert sorted(hello["features"]["methods"]) == sorted(methods)
        unknown = await client.request("sessions.messages.subscribe", {"key": "main"})
        assert unknown["error"]["message"] == "unknown method: sessions.messages.subscribe"
        await client.request("chat.send", _send("main", "r7"))
        await client.next_event("chat", state="final")
        deltas = [
            e["payload"] for e in client.events if e.get("payload", {}).get("state") == "delta"
        ]
        assert deltas and all("deltaText" not in d for d in deltas)
        await client.close()


async def test_tool_events_only_for_the_sender_with_the_cap(gw: FakeGateway) -> None:
    gw.script_reply(chunks=["a", " b"], tools=[ToolCall("read", {"path": "x"}, result="ok")])
    sender, _ = await open_operator(gw.url, caps=["tool-events"])
    other, _ = await open_operator(gw.url, caps=["tool-events"])
    await sender.request("chat.send", _send("main", "r8"))
    await sender.next_event("chat", state="final")
    await other.next_event("chat", state="final")
    tools = [e["payload"]["data"] for e in sender.events if e["payload"].get("stream") == "tool"]
    assert [t["phase"] for t in tools] == ["start", "result"] and tools[0]["name"] == "read"
    assert not [e for e in other.events if e["payload"].get("stream") == "tool"]
    await sender.close()
    await other.close()
