"""Self-checks of the fake gateway over the wire, with an independent raw client."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
import pytest

from tests.fake_gateway import FakeGateway
from tests.fake_gateway.auth import b64url_decode, build_payload
from tests.fake_gateway.raw_client import DeviceKey, RawClient, open_operator, wait_closed

TOKEN = "gw-token"


async def _operator(
    gw: FakeGateway, device: DeviceKey | None = None, **kwargs: Any
) -> tuple[RawClient, dict[str, Any]]:
    return await open_operator(gw.url, device, **kwargs)


def test_signature_vector_from_protocol_reference() -> None:
    key = DeviceKey(bytes(range(32)))
    assert key.public_key == "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
    assert key.device_id == "56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
    common: dict[str, Any] = {
        "device_id": key.device_id,
        "client_id": "gateway-client",
        "client_mode": "backend",
        "role": "operator",
        "scopes": ["operator.read", "operator.write"],
        "signed_at": 1737264000000,
        "token": "tok123",
        "nonce": "2f1d8a3e-0000-4000-8000-000000000001",
    }
    v3 = build_payload("v3", platform="Linux", **common)
    assert v3 == (
        "v3|56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c|gateway-client|"
        "backend|operator|operator.read,operator.write|1737264000000|tok123|"
        "2f1d8a3e-0000-4000-8000-000000000001|linux|"
    )
    public = Ed25519PublicKey.from_public_bytes(key.raw_public)
    v3_sig = (
        "fuGkxhy-hq4c9zapoa4UlNxNGEVrScyLd23YhjExu__vN28dnP4Kc55pJcTfSH5tFbiBUaA1h3SNR848LECdBw"
    )
    v2_sig = (
        "OrTOEiduhorBo7SfMcuvjPfvIFPi-QFmszYfRNFTP0Cvcr0I7Dc8yPlStZyJrkmQxMZMiPb-ZpDRyK1XF8kRBQ"
    )
    public.verify(b64url_decode(v3_sig), v3.encode())  # raises when wrong
    public.verify(b64url_decode(v2_sig), build_payload("v2", **common).encode())


async def test_handshake_hello_ok_and_stable_device_token(gw: FakeGateway) -> None:
    device = DeviceKey()
    client = await RawClient.open(gw.url)
    challenge = client.challenge
    assert challenge["event"] == "connect.challenge"
    assert set(challenge["payload"]) == {"nonce", "ts", "capabilities"}
    res = await client.connect(token=TOKEN, device=device)
    hello = res["payload"]
    assert hello["type"] == "hello-ok" and hello["protocol"] == 4
    assert hello["server"]["version"] == "2026.9.6"
    assert "chat.send" in hello["features"]["methods"]
    assert hello["snapshot"]["sessionDefaults"]["mainSessionKey"] == "agent:main:main"
    assert hello["policy"]["tickIntervalMs"] == 30000
    assert "pluginSurfaceUrls" in hello and "canvasHostUrl" not in hello
    auth = hello["auth"]
    assert auth["method"] == "token"
    assert auth["scopes"] == ["operator.read", "operator.write"]
    token = auth["deviceToken"]
    assert len(token) == 43 and TOKEN not in token
    await client.close()

    client2, hello2 = await _operator(gw, device, token=None, auth={"deviceToken": token})
    assert hello2["auth"]["method"] == "device-token"
    assert hello2["auth"]["deviceToken"] == token
    assert hello2["auth"]["issuedAtMs"] == auth["issuedAtMs"]
    await client2.close()


@pytest.mark.parametrize(
    ("mutate", "code", "detail", "close"),
    [
        (lambda p: p["client"].update(buildX=1), "INVALID_REQUEST", None, 1008),
        (lambda p: p.update(minProtocol=1, maxProtocol=3), "INVALID_REQUEST", "PROTOCOL_MISMATCH", 1002),
        (lambda p: p["device"].update(signature=p["device"]["signature"][::-1]), "INVALID_REQUEST",
         "DEVICE_AUTH_SIGNATURE_INVALID", 1008),
        (lambda p: p["device"].update(nonce="nope"), "INVALID_REQUEST", "DEVICE_AUTH_NONCE_MISMATCH", 1008),
        (lambda p: p["device"].update(id="0" * 64), "INVALID_REQUEST", "DEVICE_AUTH_DEVICE_ID_MISMATCH", 1008),
        (lambda p: p["auth"].update(token="wrong"), "INVALID_REQUEST", "AUTH_TOKEN_MISMATCH", 1008),
    ],
)  # fmt: skip
async def test_connect_rejections_close_the_socket(
    gw: FakeGateway, mutate: Any, code: str, detail: str | None, close: int
) -> None:
    client = await RawClient.open(gw.url)
    device = DeviceKey()
    params: dict[str, Any] = {
        "minProtocol": 3,
        "maxProtocol": 4,
        "client": {"id": "gateway-client", "version": "1", "platform": "linux", "mode": "backend"},
        "role": "operator",
        "scopes": ["operator.read"],
        "auth": {"token": TOKEN},
        "device": device.block(
            client_id="gateway-client", mode="backend", role="operator",
            scopes=["operator.read"], token=TOKEN, nonce=client.nonce,
            signed_at=client.challenge["payload"]["ts"], platform="linux",
        ),
    }  # fmt: skip
    mutate(params)
    res = await client.request("connect", params)
    assert res["ok"] is False
    assert res["error"]["code"] == code
    assert (res["error"].get("details") or {}).get("code") == detail
    if detail is None:
        assert (
            res["error"]["message"]
            == "invalid connect params: at /client: unexpected property 'buildX'"
        )
    if detail == "AUTH_TOKEN_MISMATCH":
        assert res["error"]["details"]["recommendedNextStep"] == "retry_with_device_token"
    got_code, _ = await wait_closed(client)
    assert got_code == close


async def test_first_frame_must_be_connect(gw: FakeGateway) -> None:
    client = await RawClient.open(gw.url)
    res = await client.request("health", {})
    assert res["error"]["message"] == "invalid handshake: first request must be connect"
    assert (await wait_closed(client))[0] == 1008


async def test_pairing_flow_request_approve_revoke(gw: FakeGateway) -> None:
    gw.require_pairing = True
    device = DeviceKey()
    ids = []
    for _ in range(2):
        client = await RawClient.open(gw.url)
        res = await client.connect(token=TOKEN, device=device)
        assert res["error"]["code"] == "NOT_PAIRED"
        details = res["error"]["details"]
        assert details["code"] == "PAIRING_REQUIRED" and details["reason"] == "not-paired"
        ids.append(details["requestId"])
        code, reason = await wait_closed(client)
        assert code == 1008 and details["requestId"] in reason
    assert ids[0] == ids[1]
    assert [p.request_id for p in gw.pending] == ids[:1]
    assert gw.approve(ids[0])

    client, hello = await _operator(gw, device)
    token = hello["auth"]["deviceToken"]
    await client.close()

    # More scopes than approved, with the device token: AUTH_SCOPE_MISMATCH.
    client = await RawClient.open(gw.url)
    res = await client.connect(
        auth={"deviceToken": token}, device=device,
        scopes=["operator.read", "operator.write", "operator.admin"],
    )  # fmt: skip
    assert res["error"]["details"]["code"] == "AUTH_SCOPE_MISMATCH"
    await wait_closed(client)

    gw.revoke(device.device_id)
    client = await RawClient.open(gw.url)
    res = await client.connect(auth={"deviceToken": token}, device=device)
    assert res["error"]["details"]["code"] == "AUTH_DEVICE_TOKEN_MISMATCH"
    await wait_closed(client)


async def test_setup_code_binds_to_first_device(gw: FakeGateway) -> None:
    code = gw.issue_setup_code()
    body = json.loads(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)))
    assert "=" not in code and set(body) == {"url", "bootstrapToken", "expiresAtMs"}
    assert body["url"] == gw.url
    first = DeviceKey()
    client, hello = await _operator(
        gw, first, token=None, auth={"bootstrapToken": body["bootstrapToken"]}
    )
    assert hello["auth"]["method"] == "bootstrap-token" and len(hello["auth"]["deviceToken"]) == 43
    await client.close()
    other = await RawClient.open(gw.url)
    res = await other.connect(auth={"bootstrapToken": body["bootstrapToken"]}, device=DeviceKey())
    assert res["error"]["details"]["code"] == "AUTH_BOOTSTRAP_TOKEN_INVALID"
    await wait_closed(other)


async def test_setup_code_with_pairing_and_expiry(gw: FakeGateway) -> None:
    gw.require_pairing = True
    code = gw.issue_setup_code()
    token = json.loads(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)))["bootstrapToken"]
    device = DeviceKey()
    client = await RawClient.open(gw.url)
    res = await client.connect(auth={"bootstrapToken": token}, device=device)
    request_id = res["error"]["details"]["requestId"]
    await wait_closed(client)
    gw.approve(request_id)
    client, hello = await _operator(gw, device, token=None, auth={"bootstrapToken": token})
    assert hello["auth"]["method"] == "bootstrap-token" and hello["auth"]["deviceToken"]
    await client.close()
    expired = gw.issue_setup_code(ttl_ms=-1)
    token = json.loads(base64.urlsafe_b64decode(expired + "=" * (-len(expired) % 4)))
    client = await RawClient.open(gw.url)
    res = await client.connect(auth={"bootstrapToken": token["bootstrapToken"]}, device=device)
    assert res["error"]["details"]["code"] == "AUTH_BOOTSTRAP_TOKEN_INVALID"
    await wait_closed(client)


async def test_missing_scope_and_unknown_method(gw: FakeGateway) -> None:
    client, _ = await _operator(gw, scopes=["operator.read"])
    res = await client.request(
        "chat.send", {"sessionKey": "main", "message": "x", "idempotencyKey": "k1"}
    )
    assert res["error"]["code"] == "FORBIDDEN"
    assert res["error"]["details"] == {
        "code": "MISSING_SCOPE",
        "missingScope": "operator.write",
        "requiredScopes": ["operator.write"],
    }
    res = await client.request("no.such.method", {})
    assert res["error"] == {"code": "INVALID_REQUEST", "message": "unknown method: no.such.method"}
    res = await client.request("sessions.list", {"bogus": 1})
    assert (
        res["error"]["message"]
        == "invalid sessions.list params: at root: unexpected property 'bogus'"
    )
    await client.close()


async def test_chat_run_stream_final_and_history(gw: FakeGateway) -> None:
    client, _ = await _operator(gw)
    res = await client.request(
        "chat.send", {"sessionKey": "main", "message": "hello there", "idempotencyKey": "run-1"}
    )
    assert res["payload"] == {"runId": "run-1", "status": "started"}
    final = await client.next_event("chat", state="final")
    chats = [e for e in client.events if e["event"] == "chat"]
    deltas = [e["payload"] for e in chats if e["payload"]["state"] == "delta"]
    assert [d["deltaText"] for d in deltas] == ["ECHO:", " hello", " there"]
    assert deltas[-1]["message"]["content"][0]["text"] == "ECHO: hello there"
    assert final["payload"]["message"]["content"][0]["text"] == "ECHO: hello there"
    assert final["payload"]["seq"] == deltas[-1]["seq"]  # final repeats the last delta's seq
    seqs = [d["seq"] for d in deltas]
    assert seqs == sorted(seqs) and any(b - a > 1 for a, b in itertools.pairwise(seqs))
    frame_seqs = [e["seq"] for e in client.events if "seq" in e] + [final["seq"]]
    assert frame_seqs == list(range(frame_seqs[0], frame_seqs[0] + len(frame_seqs)))

    again = await client.request(
        "chat.send",
        {"sessionKey": "agent:main:main", "message": "hello there", "idempotencyKey": "run-1"},
    )
    assert again["payload"] == {"runId": "run-1", "status": "ok"}
    history = (await client.request("chat.history", {"sessionKey": "main", "limit": 10}))["payload"]
    assert history["sessionKey"] == "agent:main:main"
    roles = [(m["role"], m["__openclaw"]["runId"]) for m in history["messages"]]
    assert roles == [("user", "run-1"), ("assistant", "run-1")]
    assert history["messages"][1]["content"][0]["text"] == "ECHO: hello there"
    too_many = await client.request("chat.history", {"sessionKey": "main", "limit": 1001})
    assert too_many["error"]["code"] == "INVALID_REQUEST"
    await client.close()


async def test_abort_sends_aborted_before_response(gw: FakeGateway) -> None:
    gw.script_reply(chunks=["tick0", " tick1", " tick2", " tick3"], delay=0.2)
    client, _ = await _operator(gw)
    await client.request(
        "chat.send", {"sessionKey": "main", "message": "slow", "idempotencyKey": "r2"}
    )
    await client.next_event("chat", state="delta")
    resend = await client.request(
        "chat.send", {"sessionKey": "main", "message": "slow", "idempotencyKey": "r2"}
    )
    assert resend["payload"]["status"] == "in_flight"
    res = await client.request("chat.abort", {"sessionKey": "main", "runId": "r2"})
    assert res["payload"] == {"ok": True, "aborted": True, "runIds": ["r2"]}
    aborted = [e for e in client.events if e.get("payload", {}).get("state") == "aborted"]
    assert len(aborted) == 1  # it arrived before the response
    assert aborted[0]["payload"]["message"]["content"][0]["text"].startswith("tick0")
    assert aborted[0]["payload"]["stopReason"] == "rpc"
    await client.close()


async def test_error_run_sends_two_error_events(gw: FakeGateway) -> None:
    gw.script_reply(error="LLM request failed: boom")
    client, _ = await _operator(gw)
    await client.request(
        "chat.send", {"sessionKey": "main", "message": "x", "idempotencyKey": "r3"}
    )
    first = await client.next_event("chat", state="error")
    second = await client.next_event("chat", state="error")
    assert first["payload"]["agentId"] == "main" and "errorDetail" in first["payload"]
    assert "agentId" not in second["payload"] and second["payload"]["seq"] == 1
    assert second["payload"]["runId"] == "r3"
    await client.close()


async def test_ticks_health_and_skip_seq(socket_enabled: None) -> None:
    async with FakeGateway(tick_interval_ms=50) as gw:
        client, hello = await _operator(gw)
        assert hello["policy"]["tickIntervalMs"] == 50
        tick = await client.next_event("tick")
        health = await client.next_event("health")
        assert health["seq"] == tick["seq"] + 1 and "health" in health["stateVersion"]
        gw.skip_seq(2)
        second = await client.next_event("tick")
        assert second["seq"] == health["seq"] + 3
        await client.close()


async def test_restart_refuses_then_recovers_and_keeps_run(gw: FakeGateway) -> None:
    gw.script_reply(chunks=["a", "b", "c"], delay=0.1)
    client, _ = await _operator(gw)
    await client.request(
        "chat.send", {"sessionKey": "main", "message": "m", "idempotencyKey": "r4"}
    )
    await gw.restart(unavailable_for=0.5)
    shutdown = await client.next_event("shutdown")
    assert shutdown["payload"]["reason"]
    assert (await wait_closed(client))[0] == 1012
    early = await RawClient.open(gw.url)
    res = await early.connect(token=TOKEN, device=DeviceKey())
    assert res["error"]["code"] == "UNAVAILABLE" and res["error"]["retryAfterMs"] == 500
    assert res["error"]["details"] == {"reason": "startup-sidecars"}
    await wait_closed(early)
    await asyncio.sleep(0.6)
    client, _ = await _operator(gw)
    history = (await client.request("chat.history", {"sessionKey": "main"}))["payload"]
    assert history["messages"][-1]["content"][0]["text"] == "abc"
    await client.close()


async def test_abrupt_drop_and_stall(gw: FakeGateway) -> None:
    client, _ = await _operator(gw)
    gw.stall()
    send = asyncio.ensure_future(client.request("health", {}, timeout=3))
    await asyncio.sleep(0.3)
    assert not send.done()
    gw.resume()
    assert (await send)["ok"]
    await gw.drop_all(abrupt=True)
    assert (await wait_closed(client))[0] is None  # no close frame: a TCP cut
