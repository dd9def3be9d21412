"""Proves the harness with the raw protocol (no aioopenclaw): handshake, chat, HTTP probes."""

from __future__ import annotations

import time
import urllib.request
import uuid

import pytest

from .fake_model import FakeModel
from .gateway import MAIN_SESSION, Gateway, http_get

pytestmark = pytest.mark.e2e

pytest.importorskip("websockets", reason="the raw protocol client needs websockets")

from . import raw_client as raw  # noqa: E402


async def test_signed_handshake_and_chat_turn(gateway: Gateway, fake_model: FakeModel) -> None:
    device = raw.Device()
    conn = await raw.connect(gateway.ws_url, token=gateway.token, device=device)
    try:
        hello = conn.hello
        assert hello["type"] == "hello-ok"
        assert hello["protocol"] in (3, 4)  # 4 from 2026.5.12 on
        assert hello["auth"]["role"] == "operator"
        # Loopback + autoApproveLocal: the device is approved silently and gets a token.
        assert hello["auth"].get("deviceToken")

        text = f"smoke {uuid.uuid4().hex[:8]}"
        run_id = str(uuid.uuid4())
        sent = time.monotonic()
        ack = await conn.request(
            "chat.send", {"sessionKey": MAIN_SESSION, "message": text, "idempotencyKey": run_id}
        )
        assert ack == {"runId": run_id, "status": "started"}

        final = await conn.wait_event(
            lambda f: (
                f["event"] == "chat"
                and f["payload"].get("runId") == run_id
                and f["payload"].get("state") in ("final", "error", "aborted")
            ),
            timeout=60,
        )
        elapsed = time.monotonic() - sent
        assert final["payload"]["state"] == "final", final
        assert raw.chat_text(final["payload"]) == f"ECHO: {text}"
        deltas = [
            f
            for f in conn.events
            if f["event"] == "chat"
            and f["payload"].get("runId") == run_id
            and f["payload"]["state"] == "delta"
        ]
        assert deltas, "expected streamed deltas before the final"
        print(f"first turn: {elapsed:.2f} s, {len(deltas)} deltas")
    finally:
        await conn.close()

    seen = fake_model.chat_requests(text)
    assert len(seen) == 1
    assert seen[0]["stream"] is True  # (include_usage is asked for from 2026.5.12 on)


async def test_bad_token_is_refused(gateway: Gateway) -> None:
    with pytest.raises(raw.RawGatewayError) as caught:
        await raw.connect(gateway.ws_url, token="not-the-token", device=raw.Device())
    assert caught.value.details.get("code") == "AUTH_TOKEN_MISMATCH"


def test_http_probes_and_auth(gateway: Gateway) -> None:
    status, body = http_get(f"{gateway.http_url}/readyz")
    assert status == 200 and b'"ready":true' in body
    request = urllib.request.Request(
        f"{gateway.http_url}/v1/models", headers={"Authorization": f"Bearer {gateway.token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200
    status, _ = http_get(f"{gateway.http_url}/v1/models")
    assert status == 401
