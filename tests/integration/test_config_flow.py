"""The config flow against the fake gateway: setup code and manual paths, pairing, errors,
discovery, re-authentication, reconfiguration and options.

The flow's connection tests and pairing polls reach the fake over real sockets. Only the poll
interval (and, once, the pairing timeout) is shortened, and the entity platforms are left out:
these tests are about the entry, not the entities.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable, Iterator
from ipaddress import ip_address
import json
from pathlib import Path
import time
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw import config_flow, pairing
from custom_components.openclaw.aioopenclaw import DeviceIdentity, GatewayClient
from custom_components.openclaw.aioopenclaw.errors import PairingRequiredError
from custom_components.openclaw.client_factory import gateway_unique_id
from custom_components.openclaw.const import (
    CONF_DELTA_RATE,
    CONF_DEVICE_KEY,
    CONF_DEVICE_TOKEN,
    CONF_HOOKS_TOKEN,
    CONF_PASSWORD,
    CONF_SESSIONS,
    CONF_SETUP_CODE,
    CONF_TLS_FINGERPRINT,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
    MAX_EXPOSED_SESSIONS,
)
from tests.fake_gateway import FakeGateway, Splitter

from .tls_proxy import TlsProxy

POLL = 0.02
STRINGS = Path(__file__).parents[2] / "custom_components" / "openclaw" / "strings.json"


@pytest.fixture(autouse=True)
def fast_poll() -> Iterator[None]:
    """Reconnect every 20 ms while waiting for approval instead of every 3 s."""
    with patch.object(pairing, "POLL_INTERVAL", POLL):
        yield


@pytest.fixture(autouse=True)
def no_platforms() -> Iterator[None]:
    """Set entries up without entity platforms: the connection is what these tests check."""
    with patch("custom_components.openclaw.PLATFORMS", []):
        yield


@pytest.fixture
async def tls_gateway(fake_gateway: FakeGateway) -> AsyncIterator[TlsProxy]:
    """wss:// in front of the fake, with a self-signed certificate for 127.0.0.1."""
    async with TlsProxy(fake_gateway.port) as proxy:
        yield proxy


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def wait_for_step(hass: HomeAssistant, flow_id: str, step_id: str) -> None:
    """Until the pairing wait has ended and the flow moved on to ``step_id``."""
    await wait_until(lambda: hass.config_entries.flow.async_get(flow_id)["step_id"] == step_id)


def bootstrap_token(code: str) -> str:
    raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
    return str(json.loads(raw)["bootstrapToken"])


def encode_code(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def fake_device_token(gateway: FakeGateway, device_key: str) -> str:
    device_id = DeviceIdentity.from_storage(device_key).device_id
    return gateway.pairing.devices[device_id].tokens["operator"][0]


async def start(hass: HomeAssistant, path: str) -> dict[str, Any]:
    """A user flow at the setup_code or manual form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["setup_code", "manual"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": path}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == path
    return dict(result)


async def submit(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return dict(await hass.config_entries.flow.async_configure(flow_id, data))


# -- setup code --------------------------------------------------------------------------


async def test_setup_code_silent_approval(
    hass: HomeAssistant, fake_gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    """A gateway that approves at once: the entry holds the key and device token, no secret."""
    code = fake_gateway.issue_setup_code()
    result = await start(hass, "setup_code")
    result = await submit(hass, result["flow_id"], {CONF_SETUP_CODE: code})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "OpenClaw 127.0.0.1"
    data = result["data"]
    assert set(data) == {CONF_URL, CONF_DEVICE_KEY, CONF_DEVICE_TOKEN}
    assert data[CONF_URL] == fake_gateway.url
    assert data[CONF_DEVICE_TOKEN] == fake_device_token(fake_gateway, data[CONF_DEVICE_KEY])
    entry = result["result"]
    assert entry.unique_id == gateway_unique_id(fake_gateway.url)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    # The runtime connection used the device token, not the bootstrap token.
    assert fake_gateway.stats.last_connect is not None
    assert fake_gateway.stats.last_connect["auth"] == {"deviceToken": data[CONF_DEVICE_TOKEN]}
    token = bootstrap_token(code)
    assert token not in json.dumps(dict(entry.data))
    assert token not in caplog.text
    assert code not in caplog.text
    # The gateway's default agent is an Assist agent straight away.
    [assist] = entry.subentries.values()
    assert assist.subentry_type == "conversation"
    assert assist.data["agent_id"] == "main"


async def test_setup_code_waits_for_approval(
    hass: HomeAssistant, fake_gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    """NOT_PAIRED: show the request to approve and reconnect until it is approved."""
    fake_gateway.require_pairing = True
    code = fake_gateway.issue_setup_code()
    result = await start(hass, "setup_code")
    result = await submit(hass, result["flow_id"], {CONF_SETUP_CODE: code})

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["step_id"] == "pair"
    assert result["progress_action"] == "wait_for_approval"
    [request] = fake_gateway.pending
    placeholders = result["description_placeholders"]
    assert placeholders["request_id"] == request.request_id
    assert placeholders["command"] == f"openclaw devices approve {request.request_id}"
    assert placeholders["minutes"] == "10"

    # Polling: several refused reconnects, all for the same request, and no entry yet.
    await wait_until(lambda: fake_gateway.stats.connect_errors["PAIRING_REQUIRED"] >= 4)
    assert [r.request_id for r in fake_gateway.pending] == [request.request_id]
    assert hass.config_entries.async_entries(DOMAIN) == []

    assert fake_gateway.approve(request.request_id)
    await hass.async_block_till_done()
    result = await submit(hass, result["flow_id"], None)  # type: ignore[arg-type]

    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert set(data) == {CONF_URL, CONF_DEVICE_KEY, CONF_DEVICE_TOKEN}
    # The identity that asked is the one that was approved and stored.
    assert DeviceIdentity.from_storage(data[CONF_DEVICE_KEY]).device_id == request.device_id
    assert data[CONF_DEVICE_TOKEN] == fake_device_token(fake_gateway, data[CONF_DEVICE_KEY])
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    token = bootstrap_token(code)
    assert token not in json.dumps(placeholders)
    assert token not in caplog.text


async def test_pairing_rejected(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    fake_gateway.require_pairing = True
    result = await start(hass, "setup_code")
    result = await submit(
        hass, result["flow_id"], {CONF_SETUP_CODE: fake_gateway.issue_setup_code()}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    request_id = result["description_placeholders"]["request_id"]
    await wait_until(lambda: fake_gateway.stats.connect_errors["PAIRING_REQUIRED"] >= 2)

    assert fake_gateway.reject(request_id)
    await hass.async_block_till_done()
    result = await submit(hass, result["flow_id"], None)  # type: ignore[arg-type]

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "setup_code"
    assert result["errors"] == {"base": "pairing_rejected"}
    assert hass.config_entries.async_entries(DOMAIN) == []
    hass.config_entries.flow.async_abort(result["flow_id"])


async def test_setup_code_expires_while_waiting(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    fake_gateway.require_pairing = True
    code = fake_gateway.issue_setup_code(ttl_ms=800)
    result = await start(hass, "setup_code")
    result = await submit(hass, result["flow_id"], {CONF_SETUP_CODE: code})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["description_placeholders"]["minutes"] == "1"

    await wait_for_step(hass, result["flow_id"], "setup_code")
    result = await submit(hass, result["flow_id"], None)  # type: ignore[arg-type]
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "setup_code_expired"}
    assert hass.config_entries.async_entries(DOMAIN) == []

    # A new code finishes the pairing with the same flow (and the same device identity).
    [request] = fake_gateway.pending
    fake_gateway.approve(request.request_id)
    result = await submit(
        hass, result["flow_id"], {CONF_SETUP_CODE: fake_gateway.issue_setup_code()}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (
        DeviceIdentity.from_storage(result["data"][CONF_DEVICE_KEY]).device_id == request.device_id
    )


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("this is not a setup code!", "setup_code_malformed"),
        (encode_code({"bootstrapToken": "t"})[:-1] + "=", "setup_code_malformed"),
        (base64.urlsafe_b64encode(b"[1, 2]").decode(), "setup_code_malformed"),
        (encode_code({"bootstrapToken": "t"}), "setup_code_no_url"),
        (encode_code({"url": "http://gw.example:1", "bootstrapToken": "t"}), "setup_code_no_url"),
        (encode_code({"url": "ws://127.0.0.1:9"}), "setup_code_no_token"),
        (
            encode_code({"url": "ws://127.0.0.1:9", "bootstrapToken": "t", "expiresAtMs": 1000}),
            "setup_code_expired",
        ),
    ],
)
async def test_setup_code_parse_errors(
    hass: HomeAssistant, fake_gateway: FakeGateway, code: str, error: str
) -> None:
    """Codes that cannot be used are refused before anything connects."""
    result = await start(hass, "setup_code")
    result = await submit(hass, result["flow_id"], {CONF_SETUP_CODE: code})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SETUP_CODE: error}
    assert fake_gateway.stats.tcp_accepted == 0


async def test_setup_code_unknown_or_used(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    """AUTH_BOOTSTRAP_TOKEN_INVALID: unknown token, or a code another device used first."""
    unknown = encode_code(
        {
            "url": fake_gateway.url,
            "bootstrapToken": "nope",
            "expiresAtMs": int(time.time() * 1000) + 60_000,
        }
    )
    result = await start(hass, "setup_code")
    result = await submit(hass, result["flow_id"], {CONF_SETUP_CODE: unknown})
    assert result["errors"] == {"base": "setup_code_invalid"}

    fake_gateway.require_pairing = True
    code = fake_gateway.issue_setup_code()
    other = GatewayClient(
        async_get_clientsession(hass),
        fake_gateway.url,
        identity=DeviceIdentity.generate(),
        bootstrap_token=bootstrap_token(code),
    )
    with pytest.raises(PairingRequiredError):  # the code is now bound to that device
        await other.connect()
    await other.close()
    result = await submit(hass, result["flow_id"], {CONF_SETUP_CODE: code})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "setup_code_invalid"}
    assert len(fake_gateway.pending) == 1
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_setup_code_already_configured(
    hass: HomeAssistant, fake_gateway: FakeGateway, mock_config_entry: MockConfigEntry
) -> None:
    """Refused before connecting: the bootstrap token stays unbound for another use."""
    mock_config_entry.add_to_hass(hass)
    code = fake_gateway.issue_setup_code()
    result = await start(hass, "setup_code")
    result = await submit(hass, result["flow_id"], {CONF_SETUP_CODE: code})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert fake_gateway.stats.connect_attempts == 0
    assert fake_gateway.pairing.bootstrap[bootstrap_token(code)].device_id is None


async def test_setup_code_falls_back_to_other_address(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    """A code whose main URL does not answer: the next of its ``urls`` is used."""
    async with ClosingServer() as dead:
        code = fake_gateway.issue_setup_code(url=dead.url)
        payload = json.loads(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)))
        payload["urls"] = [dead.url, fake_gateway.url]
        result = await start(hass, "setup_code")
        result = await submit(hass, result["flow_id"], {CONF_SETUP_CODE: encode_code(payload)})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_URL] == fake_gateway.url
    assert result["result"].unique_id == gateway_unique_id(fake_gateway.url)


# -- manual ------------------------------------------------------------------------------


async def test_manual_token_paired_device(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    """Token login that gets a device token: both are kept (the token was the user's choice)."""
    result = await start(hass, "manual")
    result = await submit(
        hass, result["flow_id"], {CONF_URL: fake_gateway.url, CONF_TOKEN: "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await submit(
        hass, result["flow_id"], {CONF_URL: fake_gateway.url, CONF_TOKEN: fake_gateway.token}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert set(data) == {CONF_URL, CONF_DEVICE_KEY, CONF_DEVICE_TOKEN, CONF_TOKEN}
    assert data[CONF_TOKEN] == fake_gateway.token
    assert data[CONF_DEVICE_TOKEN] == fake_device_token(fake_gateway, data[CONF_DEVICE_KEY])


async def test_manual_token_local_backend(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    """Loopback gateway-client/backend with the shared token: no device token, keep the token."""
    fake_gateway.local_backend_skip_pairing = True
    result = await start(hass, "manual")
    result = await submit(
        hass,
        result["flow_id"],
        {CONF_URL: f"127.0.0.1:{fake_gateway.port}", CONF_TOKEN: "gw-token"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert set(result["data"]) == {CONF_URL, CONF_DEVICE_KEY, CONF_TOKEN}
    assert result["data"][CONF_URL] == fake_gateway.url
    assert fake_gateway.pairing.devices == {}


async def test_manual_password(hass: HomeAssistant, socket_enabled: None) -> None:
    async with FakeGateway(token=None, password="pw") as gateway:
        result = await start(hass, "manual")
        result = await submit(hass, result["flow_id"], {CONF_URL: gateway.url, CONF_PASSWORD: "no"})
        assert result["errors"] == {"base": "invalid_auth"}
        result = await submit(hass, result["flow_id"], {CONF_URL: gateway.url, CONF_PASSWORD: "pw"})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_PASSWORD] == "pw"
        assert CONF_TOKEN not in result["data"]
        await hass.config_entries.async_unload(result["result"].entry_id)


async def test_manual_waits_for_approval(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    """A remote token login: pairing required, approved mid-poll, token and device token kept."""
    fake_gateway.require_pairing = True
    result = await start(hass, "manual")
    result = await submit(
        hass, result["flow_id"], {CONF_URL: fake_gateway.url, CONF_TOKEN: "gw-token"}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await wait_until(lambda: fake_gateway.stats.connect_errors["PAIRING_REQUIRED"] >= 3)
    fake_gateway.approve(result["description_placeholders"]["request_id"])
    await hass.async_block_till_done()
    result = await submit(hass, result["flow_id"], None)  # type: ignore[arg-type]
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert set(result["data"]) == {CONF_URL, CONF_DEVICE_KEY, CONF_DEVICE_TOKEN, CONF_TOKEN}


async def test_manual_pairing_timeout(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    fake_gateway.require_pairing = True
    with patch.object(pairing, "PAIRING_TIMEOUT", 0.3):
        result = await start(hass, "manual")
        result = await submit(
            hass, result["flow_id"], {CONF_URL: fake_gateway.url, CONF_TOKEN: "gw-token"}
        )
        assert result["type"] is FlowResultType.SHOW_PROGRESS
        assert result["description_placeholders"]["minutes"] == "1"
        await wait_for_step(hass, result["flow_id"], "manual")
    result = await submit(hass, result["flow_id"], None)  # type: ignore[arg-type]
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"
    assert result["errors"] == {"base": "pairing_timeout"}
    assert hass.config_entries.async_entries(DOMAIN) == []
    hass.config_entries.flow.async_abort(result["flow_id"])


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({CONF_URL: "ftp://gw.example"}, {CONF_URL: "invalid_url"}),
        ({CONF_URL: "ws://user:pw@gw.example:1"}, {CONF_URL: "invalid_url"}),
        (
            {CONF_URL: "ws://gw.example:1", CONF_TOKEN: "a", CONF_PASSWORD: "b"},
            {"base": "token_or_password"},
        ),
        (
            {CONF_URL: "wss://gw.example:1", CONF_TLS_FINGERPRINT: "ab:cd"},
            {CONF_TLS_FINGERPRINT: "invalid_fingerprint"},
        ),
    ],
)
async def test_manual_input_errors(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await start(hass, "manual")
    result = await submit(hass, result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert fake_gateway.stats.tcp_accepted == 0


async def test_manual_gateway_errors(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    """Each refusal maps to its own message; the flow recovers once the cause is gone."""
    result = await start(hass, "manual")
    flow_id = result["flow_id"]
    login = {CONF_URL: fake_gateway.url, CONF_TOKEN: "gw-token"}

    fake_gateway.protocol = 5
    assert (await submit(hass, flow_id, login))["errors"] == {"base": "protocol_mismatch"}
    fake_gateway.protocol = 4

    fake_gateway.set_starting(30)
    assert (await submit(hass, flow_id, login))["errors"] == {"base": "gateway_unavailable"}
    fake_gateway.set_starting(0)

    # A gateway that accepts the login with a reduced profile (no operator.write).
    real_hello = fake_gateway.hello_payload

    def read_only(conn: Any, auth: dict[str, Any]) -> dict[str, Any]:
        return real_hello(conn, {**auth, "scopes": ["operator.read"]})

    with patch.object(fake_gateway, "hello_payload", read_only):
        assert (await submit(hass, flow_id, login))["errors"] == {"base": "missing_scope"}

    async with ClosingServer() as dead:
        result = await submit(hass, flow_id, {CONF_URL: dead.url, CONF_TOKEN: "gw-token"})
        assert result["errors"] == {"base": "cannot_connect"}
        assert dead.accepted >= 1

    assert hass.config_entries.async_entries(DOMAIN) == []
    result = await submit(hass, flow_id, login)
    assert result["type"] is FlowResultType.CREATE_ENTRY


# -- TLS ---------------------------------------------------------------------------------


async def test_manual_wss_pinned_self_signed(
    hass: HomeAssistant, fake_gateway: FakeGateway, tls_gateway: TlsProxy
) -> None:
    url = f"wss://127.0.0.1:{tls_gateway.port}"
    result = await start(hass, "manual")
    flow_id = result["flow_id"]
    result = await submit(hass, flow_id, {CONF_URL: url, CONF_TOKEN: "gw-token"})
    assert result["errors"] == {"base": "tls_error"}

    wrong = "ab" * 32
    result = await submit(
        hass, flow_id, {CONF_URL: url, CONF_TOKEN: "gw-token", CONF_TLS_FINGERPRINT: wrong}
    )
    assert result["errors"] == {"base": "tls_fingerprint_mismatch"}

    colons = ":".join(tls_gateway.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    result = await submit(
        hass, flow_id, {CONF_URL: url, CONF_TOKEN: "gw-token", CONF_TLS_FINGERPRINT: colons}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TLS_FINGERPRINT] == tls_gateway.fingerprint
    assert result["data"][CONF_URL] == url
    await hass.async_block_till_done()
    # The entry itself connects through the pinned certificate.
    assert result["result"].state is ConfigEntryState.LOADED
    assert tls_gateway.handshakes >= 2


# -- discovery ---------------------------------------------------------------------------


def discovery(port: int, **txt: str) -> ZeroconfServiceInfo:
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        port=port,
        hostname="lab.local.",
        type="_openclaw-gw._tcp.local.",
        name="lab (OpenClaw)._openclaw-gw._tcp.local.",
        properties={"role": "gateway", "transport": "gateway", "gatewayPort": str(port), **txt},
    )


async def test_zeroconf_pairs_with_setup_code(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    """Discovery finds the address; the user still pairs (the code's own URL is unusable)."""
    fake_gateway.require_pairing = True
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=discovery(fake_gateway.port, displayName="Lab gateway", lanHost="lab.local"),
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"] == {
        "name": "Lab gateway",
        "url": fake_gateway.url,
        "fingerprint": "-",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "setup_code"}
    )
    code = fake_gateway.issue_setup_code(url="ws://127.0.0.1:9")  # the gateway's idea of itself
    result = await submit(hass, result["flow_id"], {CONF_SETUP_CODE: code})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    fake_gateway.approve(result["description_placeholders"]["request_id"])
    await hass.async_block_till_done()
    result = await submit(hass, result["flow_id"], None)  # type: ignore[arg-type]
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "OpenClaw Lab gateway"
    assert result["data"][CONF_URL] == fake_gateway.url
    assert result["result"].unique_id == gateway_unique_id(fake_gateway.url)


async def test_zeroconf_manual_suggests_address_and_pin(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    pin = "12" * 32
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=discovery(fake_gateway.port, gatewayTls="1", gatewayTlsSha256=pin),
    )
    assert result["description_placeholders"]["url"] == f"wss://127.0.0.1:{fake_gateway.port}"
    assert result["description_placeholders"]["fingerprint"] == pin
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "manual"}
    )
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested == {
        CONF_URL: f"wss://127.0.0.1:{fake_gateway.port}",
        CONF_TLS_FINGERPRINT: pin,
    }
    hass.config_entries.flow.async_abort(result["flow_id"])


async def test_zeroconf_never_replaces_stored_pin(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    """An announcement for a configured gateway changes nothing (TXT is unauthenticated)."""
    url = f"wss://127.0.0.1:{fake_gateway.port}"
    stored = {
        CONF_URL: url,
        CONF_DEVICE_KEY: "k",
        CONF_DEVICE_TOKEN: "t",
        CONF_TLS_FINGERPRINT: "aa" * 32,
    }
    entry = MockConfigEntry(domain=DOMAIN, unique_id=gateway_unique_id(url), data=stored)
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=discovery(fake_gateway.port, gatewayTls="1", gatewayTlsSha256="bb" * 32),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert dict(entry.data) == stored


async def test_zeroconf_known_by_host_name(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    """Configured as lab.local, announced by IP: still the same gateway."""
    url = f"ws://lab.local:{fake_gateway.port}"
    MockConfigEntry(
        domain=DOMAIN, unique_id=gateway_unique_id(url), data={CONF_URL: url}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=discovery(fake_gateway.port, lanHost="lab.local"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert fake_gateway.stats.tcp_accepted == 0


# -- re-authentication -------------------------------------------------------------------


async def test_reauth_after_revoke_with_new_setup_code(
    hass: HomeAssistant, fake_gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    """Revoked device token -> setup fails -> reauth; a new code (approved) fixes the entry."""
    result = await start(hass, "setup_code")
    result = await submit(
        hass, result["flow_id"], {CONF_SETUP_CODE: fake_gateway.issue_setup_code()}
    )
    entry = result["result"]
    await hass.async_block_till_done()
    old_token = entry.data[CONF_DEVICE_TOKEN]
    device_id = DeviceIdentity.from_storage(entry.data[CONF_DEVICE_KEY]).device_id

    fake_gateway.revoke(device_id)
    fake_gateway.require_pairing = True
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "setup_code"}
    )
    code = fake_gateway.issue_setup_code()
    result = await submit(hass, flow["flow_id"], {CONF_SETUP_CODE: code})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    [request] = fake_gateway.pending
    assert request.device_id == device_id  # the entry's own device asks again
    assert request.reason == "role-upgrade"
    fake_gateway.approve(request.request_id)
    await hass.async_block_till_done()
    result = await submit(hass, flow["flow_id"], None)  # type: ignore[arg-type]

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert set(entry.data) == {CONF_URL, CONF_DEVICE_KEY, CONF_DEVICE_TOKEN}
    assert entry.data[CONF_DEVICE_TOKEN] != old_token
    assert entry.data[CONF_DEVICE_TOKEN] == fake_device_token(
        fake_gateway, entry.data[CONF_DEVICE_KEY]
    )
    assert bootstrap_token(code) not in caplog.text


async def test_reauth_after_token_rotation(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    """The gateway token rotated (device tokens invalidated): enter the new token."""
    entry = setup_integration
    fake_gateway.rotate_token("gw-token-2", invalidate_device_tokens=True)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "reauth_token"}
    )
    assert result["step_id"] == "reauth_token"
    result = await submit(hass, flow["flow_id"], {CONF_TOKEN: "gw-token"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await submit(hass, flow["flow_id"], {})
    assert result["errors"] == {"base": "token_or_password"}
    result = await submit(hass, flow["flow_id"], {CONF_TOKEN: "gw-token-2"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_TOKEN] == "gw-token-2"
    assert entry.data[CONF_DEVICE_TOKEN] == fake_device_token(
        fake_gateway, entry.data[CONF_DEVICE_KEY]
    )


# -- reconfigure -------------------------------------------------------------------------


async def test_reconfigure_new_address(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    """The gateway moved to another port: same device and credentials, new URL and unique id."""
    entry = setup_integration
    device_token = entry.data[CONF_DEVICE_TOKEN]
    moved = Splitter(target=("127.0.0.1", fake_gateway.port))
    await moved.start()
    try:
        result = await entry.start_reconfigure_flow(hass)
        assert result["type"] is FlowResultType.FORM
        async with ClosingServer() as dead:
            result = await submit(hass, result["flow_id"], {CONF_URL: dead.url})
        assert result["errors"] == {"base": "cannot_connect"}
        assert entry.data[CONF_URL] == fake_gateway.url

        new_url = f"ws://127.0.0.1:{moved.port}"
        result = await submit(hass, result["flow_id"], {CONF_URL: new_url})
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.data[CONF_URL] == new_url
        assert entry.data[CONF_DEVICE_TOKEN] == device_token
        assert entry.unique_id == gateway_unique_id(new_url)
        assert entry.state is ConfigEntryState.LOADED
        assert entry.runtime_data.client.url == new_url
        assert entry.runtime_data.client.connected
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await moved.stop()


async def test_reconfigure_to_other_entry_aborts(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    other_url = "ws://192.0.2.7:18789"
    MockConfigEntry(domain=DOMAIN, unique_id=gateway_unique_id(other_url), data={}).add_to_hass(
        hass
    )
    result = await setup_integration.start_reconfigure_flow(hass)
    result = await submit(hass, result["flow_id"], {CONF_URL: other_url})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert setup_integration.data[CONF_URL] == fake_gateway.url


# -- options -----------------------------------------------------------------------------


async def test_options_sessions_hooks_rate(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    entry = setup_integration
    keys = fake_gateway.add_sessions(3)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    [sessions_key] = [k for k in result["data_schema"].schema if str(k) == CONF_SESSIONS]
    offered = {
        o["value"]: o["label"] for o in result["data_schema"].schema[sessions_key].config["options"]
    }
    assert set(keys) <= set(offered)
    assert offered[keys[0]] == f"fake 0 ({keys[0]})"

    old_runtime = entry.runtime_data
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SESSIONS: [keys[0], keys[2]], CONF_DELTA_RATE: 2, CONF_HOOKS_TOKEN: "hooks-token"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {
        CONF_SESSIONS: [keys[0], keys[2]],
        CONF_DELTA_RATE: 2.0,
        CONF_HOOKS_TOKEN: "hooks-token",
    }
    await hass.async_block_till_done()
    # Reloaded with the new options: the chosen sessions are exposed.
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not old_runtime
    assert {keys[0], keys[2]} <= set(entry.runtime_data.coordinator.sessions)
    assert keys[1] not in entry.runtime_data.coordinator.sessions

    # An empty hooks token field keeps the stored one; it is never sent back to the form.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert all(
        (key.description or {}).get("suggested_value") != "hooks-token"
        for key in result["data_schema"].schema
    )
    assert result["description_placeholders"]["hooks_token_state"] == "set"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SESSIONS: [], CONF_DELTA_RATE: 4}
    )
    assert entry.options[CONF_HOOKS_TOKEN] == "hooks-token"
    assert entry.options[CONF_SESSIONS] == []
    await hass.async_block_till_done()


async def test_options_cap_and_range(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    keys = fake_gateway.add_sessions(MAX_EXPOSED_SESSIONS + 1)
    result = await hass.config_entries.options.async_init(setup_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SESSIONS: keys, CONF_DELTA_RATE: 4}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SESSIONS: "too_many_sessions"}
    with pytest.raises(InvalidData) as err:
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_SESSIONS: [], CONF_DELTA_RATE: 1000}
        )
    assert CONF_DELTA_RATE in err.value.schema_errors
    assert setup_integration.options == {}


# -- helpers -----------------------------------------------------------------------------


class ClosingServer:
    """A listening TCP port that hangs up on every connection.

    An unreachable gateway without a refused connect (which phcc would flag): the TCP connect
    succeeds, then the peer closes before the WebSocket upgrade.
    """

    def __init__(self) -> None:
        self.accepted = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> ClosingServer:
        async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.accepted += 1
            writer.close()

        self._server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"


async def test_options_without_connection(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    """Not loaded (gateway away): the form still opens with the current selection."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_URL: fake_gateway.url, CONF_TOKEN: "gw-token"},
        options={CONF_SESSIONS: ["agent:main:kept"]},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    [sessions_key] = [k for k in result["data_schema"].schema if str(k) == CONF_SESSIONS]
    options = result["data_schema"].schema[sessions_key].config["options"]
    assert options == [{"value": "agent:main:kept", "label": "agent:main:kept"}]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SESSIONS: ["agent:main:kept"], CONF_DELTA_RATE: 0.5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_SESSIONS: ["agent:main:kept"], CONF_DELTA_RATE: 0.5}
    assert fake_gateway.stats.tcp_accepted == 0


def test_every_error_has_a_message() -> None:
    """Each error and abort the flows can show is translated (strings.json is the source)."""
    strings = json.loads(STRINGS.read_text())
    config_errors = set(strings["config"]["error"])
    keys = {key for _, key in pairing._ERROR_KEYS} | set(config_flow._SETUP_CODE_ERRORS.values())
    keys |= {"setup_code_invalid", "setup_code_expired", "tls_error", "tls_fingerprint_mismatch"}
    keys |= {"invalid_url", "invalid_fingerprint", "token_or_password", "no_device_token"}
    keys |= {"pairing_rejected", "pairing_timeout", "missing_scope", "unknown"}
    assert keys <= config_errors
    repair_errors = set(strings["issues"]["insecure_transport"]["fix_flow"]["error"])
    connection_keys = {key for _, key in pairing._ERROR_KEYS} | {
        "tls_error",
        "tls_fingerprint_mismatch",
    }
    assert connection_keys | {"unknown", "not_secure", "wrong_gateway"} <= repair_errors
    assert {"already_configured", "already_in_progress", "not_openclaw"} <= set(
        strings["config"]["abort"]
    )
    assert "wait_for_approval" in strings["config"]["progress"]
    assert set(strings["options"]["error"]) == {"too_many_sessions"}


@pytest.mark.parametrize("subentry_type", ["conversation", "ai_task_data"])
async def test_agent_subentry_flows_are_offered(
    hass: HomeAssistant, setup_integration: MockConfigEntry, subentry_type: str
) -> None:
    """The main flow hands Assist / AI task agent subentries to subentry_flow.py."""
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, subentry_type), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "set_options"


async def test_closing_the_dialog_stops_the_wait(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    """Abandoning the flow mid-wait stops the polling and leaves nothing behind."""
    fake_gateway.require_pairing = True
    result = await start(hass, "setup_code")
    result = await submit(
        hass, result["flow_id"], {CONF_SETUP_CODE: fake_gateway.issue_setup_code()}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await wait_until(lambda: fake_gateway.stats.connect_attempts >= 3)

    hass.config_entries.flow.async_abort(result["flow_id"])
    await hass.async_block_till_done()
    attempts = fake_gateway.stats.connect_attempts
    await asyncio.sleep(10 * POLL)
    assert fake_gateway.stats.connect_attempts == attempts
    assert hass.config_entries.async_entries(DOMAIN) == []
