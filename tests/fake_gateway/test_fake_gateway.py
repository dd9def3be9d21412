"""Self-checks of the fake gateway over the wire, with an independent raw client."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from typing import Any
from urllib.parse import quote

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
import pytest
from websockets.exceptions import ConnectionClosed

from tests.fake_gateway import FakeGateway
from tests.fake_gateway.auth import b64url_decode, build_payload
from tests.fake_gateway.raw_client import DeviceKey, RawClient

TOKEN = "gw-token"


async def _closed(client: RawClient, timeout: float = 3) -> tuple[int | None, str]:
    """Wait for the server to close; return (code, reason) (code None on a TCP cut)."""
    try:
        while True:
            await client.recv(timeout)
    except ConnectionClosed as exc:
        rcvd = exc.rcvd
        return (rcvd.code, rcvd.reason) if rcvd else (None, "")


async def _operator(
    gw: FakeGateway, device: DeviceKey | None = None, **kwargs: Any
) -> tuple[RawClient, dict[str, Any]]:
    client = await RawClient.open(gw.url)
    res = await client.connect(
        token=kwargs.pop("token", TOKEN), device=device or DeviceKey(), **kwargs
    )
    assert res["ok"], res
    return client, res["payload"]


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
    got_code, _ = await _closed(client)
    assert got_code == close


async def test_first_frame_must_be_connect(gw: FakeGateway) -> None:
    client = await RawClient.open(gw.url)
    res = await client.request("health", {})
    assert res["error"]["message"] == "invalid handshake: first request must be connect"
    assert (await _closed(client))[0] == 1008


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
        code, reason = await _closed(client)
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
    await _closed(client)

    gw.revoke(device.device_id)
    client = await RawClient.open(gw.url)
    res = await client.connect(auth={"deviceToken": token}, device=device)
    assert res["error"]["details"]["code"] == "AUTH_DEVICE_TOKEN_MISMATCH"
    await _closed(client)


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
    await _closed(other)


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


async def test_ticks_and_skip_seq() -> None:
    async with FakeGateway(tick_interval_ms=50) as gw:
        client, hello = await _operator(gw)
        assert hello["policy"]["tickIntervalMs"] == 50
        first = await client.next_event("tick")
        gw.skip_seq(2)
        second = await client.next_event("tick")
        assert second["seq"] == first["seq"] + 3
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
    assert (await _closed(client))[0] == 1012
    early = await RawClient.open(gw.url)
    res = await early.connect(token=TOKEN, device=DeviceKey())
    assert res["error"]["code"] == "UNAVAILABLE" and res["error"]["retryAfterMs"] == 500
    assert res["error"]["details"] == {"reason": "startup-sidecars"}
    await _closed(early)
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
    assert (await _closed(client))[0] is None  # no close frame: a TCP cut


# --- HTTP plane ------------------------------------------------------------------------------


async def test_http_probes_and_hooks(gw: FakeGateway) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{gw.http_url}/healthz") as resp:
            assert resp.status == 200 and await resp.json() == {"ok": True, "status": "live"}
        async with http.get(f"{gw.http_url}/readyz") as resp:
            assert (await resp.json())["ready"] is True
        hook = f"{gw.http_url}/hooks/wake"
        body = {"text": "wake up", "mode": "now"}
        async with http.post(
            hook, json=body, headers={"Authorization": "Bearer hooks-token"}
        ) as resp:
            assert await resp.json() == {"ok": True, "mode": "now", "eventOutcome": "queued"}
        async with http.post(f"{hook}?token=hooks-token", json=body) as resp:
            assert (
                resp.status == 400
                and "query parameters are not allowed" in (await resp.json())["error"]
            )
        async with http.post(hook, json=body, headers={"x-openclaw-token": "nope"}) as resp:
            assert resp.status == 401
        async with http.post(
            hook, data=b"x" * (256 * 1024 + 1), headers={"x-openclaw-token": "hooks-token"}
        ) as resp:
            assert resp.status == 413
        gw.http_rate_limit_next(1, retry_after=7)
        async with http.post(hook, json=body, headers={"x-openclaw-token": "hooks-token"}) as resp:
            assert resp.status == 429 and resp.headers["Retry-After"] == "7"
        async with http.post(
            f"{gw.http_url}/hooks/agent",
            json={"message": "from hook", "waitForCompletion": True},
            headers={"x-openclaw-token": "hooks-token"},
        ) as resp:
            out = await resp.json()
        assert out["ok"] and out["completion"]["status"] == "ok"
        key = next(k for k in gw.sessions.sessions if ":cron:" in k)
        assert gw.sessions.sessions[key].messages[-1]["content"][0]["text"] == "ECHO: from hook"
        gw.hooks_enabled = False
        async with http.post(hook, json=body, headers={"x-openclaw-token": "hooks-token"}) as resp:
            assert resp.status == 404


async def test_http_chat_completions_stream_and_responses(gw: FakeGateway) -> None:
    url = f"{gw.http_url}/v1/chat/completions"
    req = {"model": "openclaw/default", "messages": [{"role": "user", "content": "hi you"}]}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=req) as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "error": {"message": "Unauthorized", "type": "unauthorized"}
            }
        async with http.post(url, json=req, headers=auth) as resp:
            done = await resp.json()
        assert done["object"] == "chat.completion"
        assert done["choices"][0]["message"] == {"role": "assistant", "content": "ECHO: hi you"}
        async with http.post(url, json={**req, "stream": True}, headers=auth) as resp:
            assert resp.headers["Content-Type"].startswith("text/event-stream")
            lines = [ln for ln in (await resp.text()).split("\n") if ln]
        assert lines[-1] == "data: [DONE]"
        chunks = [json.loads(ln[6:]) for ln in lines[:-1]]
        assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
        assert (
            "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "ECHO: hi you"
        )
        assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
        async with http.post(
            f"{gw.http_url}/v1/responses",
            json={"model": "openclaw", "input": "yo", "stream": True},
            headers=auth,
        ) as resp:
            text = await resp.text()
        events = [ln[7:] for ln in text.split("\n") if ln.startswith("event: ")]
        assert events[0] == "response.created" and events[-1] == "response.completed"
        assert "response.output_text.delta" in events and text.endswith("data: [DONE]\n\n")


async def test_http_session_history_pages_and_sse(gw: FakeGateway) -> None:
    for i in range(5):
        gw.add_message("main", "user", f"m{i}")
    base = f"{gw.http_url}/sessions/{quote('agent:main:main', safe='')}/history"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{gw.http_url}/sessions/agent%3Amain%3Anope/history", headers=auth
        ) as resp:
            assert resp.status == 404 and (await resp.json())["error"]["type"] == "not_found"
        async with http.get(base, params={"limit": "2"}, headers=auth) as resp:
            page = await resp.json()
        assert [m["content"] for m in page["messages"]] == ["m3", "m4"]
        assert page["items"] == page["messages"] and page["hasMore"] is True
        async with http.get(
            base, params={"limit": "2", "cursor": page["nextCursor"]}, headers=auth
        ) as resp:
            assert [m["content"] for m in (await resp.json())["messages"]] == ["m1", "m2"]
        async with http.get(base, params={"limit": "1001"}, headers=auth) as resp:
            assert resp.status == 400
        async with http.get(base, headers={**auth, "Accept": "text/event-stream"}) as resp:
            assert await resp.content.readline() == b"retry: 1000\n"
            await resp.content.readline()
            assert await resp.content.readline() == b"event: history\n"
            await resp.content.readline()
            await resp.content.readline()
            gw.add_message("main", "user", "live")
            assert await resp.content.readline() == b"event: message\n"
            data = json.loads((await resp.content.readline())[6:])
            assert data["message"]["content"] == "live" and data["messageSeq"] == 6
