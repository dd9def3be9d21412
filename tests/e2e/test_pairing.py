"""Pairing and credentials through our client against the real gateway.

On loopback the gateway approves new devices silently (``autoApproveLocal``, default on) and
lets ``gateway-client``/``backend`` with the shared token skip pairing altogether, so the
"pairing required" path is only visible with a setup code and ``autoApproveLocal`` off.
"""

from __future__ import annotations

import aiohttp
import pytest

from custom_components.openclaw.aioopenclaw import (
    DeviceIdentity,
    DeviceTokenMismatchError,
    GatewayClient,
    PairingRequiredError,
    TokenMismatchError,
)
from custom_components.openclaw.aioopenclaw.errors import HttpAuthError
from custom_components.openclaw.aioopenclaw.http import GatewayHttpClient
from custom_components.openclaw.aioopenclaw.setup_code import parse_setup_code

from .gateway import Gateway
from .helpers import TURN_TIMEOUT, connected_client, unique_session

pytestmark = pytest.mark.e2e


async def test_setup_code_pairs_silently_on_loopback(gateway: Gateway) -> None:
    answer = await gateway.setup_code()
    setup = parse_setup_code(answer["setupCode"])
    assert setup.url == gateway.ws_url
    assert not setup.is_expired()

    identity = DeviceIdentity.generate()
    stored: list[str | None] = []
    async with connected_client(
        gateway,
        identity=identity,
        bootstrap_token=setup.bootstrap_token,
        on_device_token=stored.append,
    ) as client:
        assert client.hello is not None
        assert client.hello.auth_method == "bootstrap-token"
        assert client.hello.device_token
        assert stored == [client.hello.device_token]
        assert client.credential_kind == "device_token"

    paired = (await gateway.rpc("device.pair.list"))["paired"]
    mine = [d for d in paired if d["deviceId"] == identity.device_id]
    assert mine and mine[0]["approvedVia"] == "silent"

    # Later starts use only the stored device token (the setup code expires in 10 min).
    async with connected_client(gateway, identity=identity, device_token=stored[0]) as client:
        assert client.hello is not None and client.hello.auth_method == "device-token"
        assert isinstance(await client.sessions_list(), list)


async def test_pairing_required_then_approved_on_the_gateway(pairing_required: Gateway) -> None:
    gateway = pairing_required
    setup = parse_setup_code((await gateway.setup_code())["setupCode"])
    identity = DeviceIdentity.generate()
    tokens: list[str | None] = []

    async with aiohttp.ClientSession() as session:
        client = GatewayClient(
            session,
            setup.url,
            identity=identity,
            bootstrap_token=setup.bootstrap_token,
            on_device_token=tokens.append,
        )
        try:
            with pytest.raises(PairingRequiredError) as first:
                await client.connect()
            request_id = first.value.request_id
            assert request_id
            assert first.value.reason == "not-paired"

            # Polling with the same identity reuses the pending request.
            with pytest.raises(PairingRequiredError) as again:
                await client.connect()
            assert again.value.request_id == request_id
            pending = (await gateway.devices())["pending"]
            assert [p["deviceId"] for p in pending if p["requestId"] == request_id] == [
                identity.device_id
            ]

            approved = await gateway.approve(request_id)
            assert "owner" in str(approved)  # approvedVia: owner

            hello = await client.connect()
            assert hello.auth_method == "bootstrap-token"
            assert hello.device_token and tokens == [hello.device_token]
            assert set(hello.scopes) == {"operator.read", "operator.write"}
            result = await (await client.chat_send(unique_session(), "paired hello")).wait(
                TURN_TIMEOUT
            )
            assert result.text == "ECHO: paired hello"
        finally:
            await client.close()

    # Reconnect with the stored device token alone.
    device_token = tokens[0]
    assert device_token
    async with connected_client(gateway, identity=identity, device_token=device_token) as client:
        assert client.hello is not None and client.hello.auth_method == "device-token"

    # Revoked on the gateway: the stored token is refused with a typed error (-> reauth).
    await gateway.revoke(identity.device_id)
    with pytest.raises(DeviceTokenMismatchError) as revoked:
        async with connected_client(gateway, identity=identity, device_token=device_token):
            pass
    assert revoked.value.recommended_next_step == "update_auth_credentials"


async def test_wrong_gateway_token_is_a_typed_error(gateway: Gateway) -> None:
    with pytest.raises(TokenMismatchError) as caught:
        async with connected_client(gateway, token="definitely-not-the-token"):
            pass
    assert caught.value.detail_code == "AUTH_TOKEN_MISMATCH"
    assert "definitely-not-the-token" not in str(caught.value)


async def test_wrong_http_tokens_are_typed_errors(gateway: Gateway) -> None:
    async with aiohttp.ClientSession() as session:
        http = GatewayHttpClient(
            session, gateway.http_url, token="wrong", hooks_token=gateway.token
        )
        with pytest.raises(HttpAuthError) as v1:
            await http.chat_completions([{"role": "user", "content": "hi"}], stream=False)
        assert v1.value.status == 401
        # The gateway token is not the hooks token.
        with pytest.raises(HttpAuthError) as hooks:
            await http.wake("should not wake")
        assert hooks.value.status == 401
