"""The bad-input table: each bad input gets its clear error and leaves nothing behind.

"Nothing behind" is checked on both sides: no config entry (nothing half-configured), no
device paired or run started on the gateway, nothing sent, nothing lost. Each test adds its
row (case, layer, the error the user sees, the side effects found) to the report.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable, Iterator
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw import pairing
from custom_components.openclaw.aioopenclaw import DeviceIdentity
from custom_components.openclaw.aioopenclaw.attachments import image_attachment_from_base64
from custom_components.openclaw.aioopenclaw.connection import MAX_MESSAGE_SIZE
from custom_components.openclaw.aioopenclaw.errors import AttachmentError, HttpRateLimitedError
from custom_components.openclaw.aioopenclaw.http import GatewayHttpClient
from custom_components.openclaw.client_factory import gateway_unique_id
from custom_components.openclaw.const import (
    CONF_DEVICE_KEY,
    CONF_HOOKS_TOKEN,
    CONF_PASSWORD,
    CONF_SETUP_CODE,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
)
from custom_components.openclaw.errors import translate_error
from tests.fake_gateway import FakeGateway

from .ha_fixtures import RunEvents, auto_enable_custom_integrations, wait_until  # noqa: F401 - autouse fixture

MAIN = "agent:main:main"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture(autouse=True)
def fast_pairing_poll() -> Iterator[None]:
    with patch.object(pairing, "POLL_INTERVAL", 0.02):
        yield


@pytest.fixture
async def fake(socket_enabled: None) -> AsyncIterator[FakeGateway]:
    async with FakeGateway() as gw:
        yield gw


@pytest.fixture
async def entry(hass: HomeAssistant, fake: FakeGateway) -> AsyncIterator[MockConfigEntry]:
    """A loaded entry (URL + token, as the manual flow stores it; hooks token in options)."""
    assert await async_setup_component(hass, "homeassistant", {})  # for Assist and AI task
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="OpenClaw 127.0.0.1",
        unique_id=gateway_unique_id(fake.url),
        data={
            CONF_URL: fake.url,
            CONF_DEVICE_KEY: DeviceIdentity.generate().to_storage(),
            CONF_TOKEN: fake.token,
        },
        options={CONF_HOOKS_TOKEN: fake.hooks_token},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    if entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
def allowed_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    hass.config.allowlist_external_dirs = {str(tmp_path.resolve())}
    return tmp_path


def _code(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()


async def _form(hass: HomeAssistant, step: str, data: dict[str, Any]) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    return dict(await hass.config_entries.flow.async_configure(result["flow_id"], data))


def _leftovers(hass: HomeAssistant, fake: FakeGateway, *, connects: bool = True) -> list[str]:
    """Side effects of a refused config flow (empty: none)."""
    found = []
    if hass.config_entries.async_entries(DOMAIN):
        found.append("config entry")
    if fake.pairing.devices:
        found.append("device paired on the gateway")
    if not connects and fake.stats.connect_attempts:
        found.append(f"{fake.stats.connect_attempts} connect attempts")
    if fake.stats.runs_started or fake.stats.chat_sends:
        found.append("run sent")
    return found


def _error(result: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in (result.get("errors") or {}).items()) or "-"


# -- setup codes and credentials (config flow) ----------------------------------------------


@pytest.mark.parametrize(
    ("case", "code", "key"),
    [
        ("malformed setup code", "this is not a setup code!", "setup_code_malformed"),
        (
            "truncated setup code",
            _code({"url": "ws://127.0.0.1:1", "bootstrapToken": "x" * 43})[:-7],
            "setup_code_malformed",
        ),
        (
            "expired setup code",
            _code({"url": "ws://127.0.0.1:1", "bootstrapToken": "x" * 43, "expiresAtMs": 1}),
            "setup_code_expired",
        ),
        (
            "setup code without URL",
            _code({"bootstrapToken": "x" * 43}),
            "setup_code_no_url",
        ),
    ],
)
async def test_bad_setup_codes_are_refused_before_connecting(
    hass: HomeAssistant,
    fake: FakeGateway,
    record: Callable[..., None],
    case: str,
    code: str,
    key: str,
) -> None:
    result = await _form(hass, "setup_code", {CONF_SETUP_CODE: code})
    leftovers = _leftovers(hass, fake, connects=False)
    record("bad_input", [case, "config flow", _error(result), ", ".join(leftovers) or "none"])
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SETUP_CODE: key}
    assert leftovers == []


async def test_a_setup_code_the_gateway_does_not_know(
    hass: HomeAssistant, fake: FakeGateway, record: Callable[..., None]
) -> None:
    """Valid locally (not expired), refused by the gateway: unknown, expired or used."""
    code = fake.issue_setup_code()
    wrong = _code({"url": fake.url, "bootstrapToken": "y" * 43, "expiresAtMs": 2**62})
    result = await _form(hass, "setup_code", {CONF_SETUP_CODE: wrong})
    leftovers = _leftovers(hass, fake)
    record(
        "bad_input",
        [
            "unknown / used setup code",
            "config flow",
            _error(result),
            ", ".join(leftovers) or "none",
        ],
    )
    assert result["errors"] == {"base": "setup_code_invalid"}
    assert leftovers == []
    assert code  # the real code is still unused: nothing consumed it


@pytest.mark.parametrize("kind", ["token", "password"])
async def test_wrong_token_or_password(
    hass: HomeAssistant,
    socket_enabled: None,
    record: Callable[..., None],
    kind: str,
) -> None:
    token, password = ("gw-token", None) if kind == "token" else (None, "gw-password")
    async with FakeGateway(token=token, password=password) as fake:
        result = await _form(
            hass,
            "manual",
            {CONF_URL: fake.url, CONF_TOKEN if kind == "token" else CONF_PASSWORD: "wrong-secret"},
        )
        leftovers = _leftovers(hass, fake)
    record(
        "bad_input",
        [f"wrong {kind}", "config flow", _error(result), ", ".join(leftovers) or "none"],
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert leftovers == []


async def test_unpaired_device_that_gets_rejected(
    hass: HomeAssistant, fake: FakeGateway, record: Callable[..., None]
) -> None:
    fake.require_pairing = True
    result = await _form(hass, "manual", {CONF_URL: fake.url, CONF_TOKEN: fake.token})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    [request] = fake.pending
    assert fake.reject(request.request_id)
    await hass.async_block_till_done()
    await wait_until(
        lambda: hass.config_entries.flow.async_get(result["flow_id"])["step_id"] != "pair"
    )
    result = dict(await hass.config_entries.flow.async_configure(result["flow_id"]))
    leftovers = _leftovers(hass, fake)
    record(
        "bad_input",
        [
            "unpaired device (rejected)",
            "config flow",
            _error(result),
            ", ".join(leftovers) or "none",
        ],
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "pairing_rejected"}
    assert leftovers == []


async def test_revoked_device_token_asks_for_reauth_and_stops_connecting(
    hass: HomeAssistant,
    fake: FakeGateway,
    entry: MockConfigEntry,
    record: Callable[..., None],
) -> None:
    device_id = entry.runtime_data.client.identity.device_id
    # Only a device token: the shared token is gone (the config flow's setup-code path).
    client = entry.runtime_data.client
    fake.rotate_token("rotated-token", invalidate_device_tokens=False)
    fake.revoke(device_id)
    await wait_until(lambda: hass.config_entries.flow.async_progress_by_handler(DOMAIN))
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    attempts = fake.stats.connect_attempts
    await hass.async_block_till_done()
    await wait_until(lambda: fake.stats.connect_attempts == attempts, timeout=2)
    side = []
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        side.append("entry removed")
    if client.connected:
        side.append("still connected")
    record(
        "bad_input",
        [
            "revoked device token",
            "runtime",
            f"reauth flow ({flows[0]['context']['source']})",
            ", ".join(side) or "none (no reconnect storm)",
        ],
    )
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert side == []


# -- actions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "name", "content", "key"),
    [
        ("non-image attachment", "notes.txt", b"just text", "attachment_refused"),
        ("image with other content", "fake.png", b"not really a png", "attachment_refused"),
        ("oversized attachment", "huge.png", PNG + bytes(5_000_001), "file_too_large"),
    ],
)
async def test_refused_attachments_send_nothing(
    hass: HomeAssistant,
    fake: FakeGateway,
    entry: MockConfigEntry,
    allowed_dir: Path,
    record: Callable[..., None],
    case: str,
    name: str,
    content: bytes,
    key: str,
) -> None:
    tmp_path = allowed_dir
    (tmp_path / "good.png").write_bytes(PNG)
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "send",
            {"message": "look", "files": [str(tmp_path / "good.png"), str(tmp_path / name)]},
            blocking=True,
        )
    sent = len(fake.stats.chat_sends)
    record(
        "bad_input",
        [case, "action send", err.value.translation_key, f"{sent} sent" if sent else "none"],
    )
    assert err.value.translation_key == key
    assert sent == 0 and fake.stats.runs_started == 0


async def test_invalid_base64_attachment(
    hass: HomeAssistant, fake: FakeGateway, record: Callable[..., None]
) -> None:
    """Base64 comes from library users (the HA actions read files): refused before sending."""
    with pytest.raises(AttachmentError) as err:
        image_attachment_from_base64("iVBORw0KGgo@@@not-base64", "image/png")
    shown = translate_error(err.value)
    record(
        "bad_input",
        [
            "invalid base64 attachment",
            "client",
            f"{err.value.reason} -> {shown.translation_key}",
            "none",
        ],
    )
    assert err.value.reason == "invalid_base64"
    assert isinstance(shown, ServiceValidationError)
    assert shown.translation_key == "attachment_refused"
    assert fake.stats.chat_sends == []


@pytest.mark.parametrize("service", ["history", "send"])
async def test_unknown_session(
    hass: HomeAssistant,
    fake: FakeGateway,
    entry: MockConfigEntry,
    record: Callable[..., None],
    service: str,
) -> None:
    before = set(fake.sessions.sessions) if hasattr(fake.sessions, "sessions") else None
    data: dict[str, Any] = {"session_key": "agent:main:nobody"}
    if service == "send":
        data["message"] = "hello?"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, service, data, blocking=True, return_response=True)
    side = []
    if fake.stats.chat_sends:
        side.append("run sent")
    if before is not None and set(fake.sessions.sessions) != before:
        side.append("session created")
    record(
        "bad_input",
        [
            f"unknown session ({service})",
            "action",
            err.value.translation_key,
            ", ".join(side) or "none",
        ],
    )
    assert err.value.translation_key == "unknown_session"
    assert side == []


async def test_http_429_with_retry_after(
    hass: HomeAssistant,
    fake: FakeGateway,
    entry: MockConfigEntry,
    http_session: Any,
    record: Callable[..., None],
) -> None:
    fake.http_rate_limit_next(1, retry_after=7)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN, "run_agent", {"message": "busy?"}, blocking=True, return_response=True
        )
    requests = sum(n for k, n in fake.stats.http_requests.items() if "/hooks/" in k)
    # The library keeps the delay for callers that schedule a retry.
    fake.http_rate_limit_next(1, retry_after=7)
    http = GatewayHttpClient(
        http_session, fake.http_url, token=fake.token, hooks_token=fake.hooks_token
    )
    with pytest.raises(HttpRateLimitedError) as limited:
        await http.run_agent("busy?")
    side = [f"{requests} requests"] if requests != 1 else []
    if fake.hook_requests:
        side.append("hook run started")
    record(
        "bad_input",
        [
            "HTTP 429 with Retry-After",
            "action run_agent",
            f"{err.value.translation_key} (retry_after={limited.value.retry_after:g} s)",
            ", ".join(side) or "none (one request, no retry storm)",
        ],
    )
    assert err.value.translation_key == "rate_limited"
    assert limited.value.retry_after == 7
    assert side == []


@pytest.mark.parametrize("fault", ["oversized frame", "slow consumer close"])
async def test_a_run_survives_connection_faults(
    hass: HomeAssistant,
    fake: FakeGateway,
    entry: MockConfigEntry,
    record: Callable[..., None],
    fault: str,
) -> None:
    """An oversized frame (past the client's limit) or the gateway closing a slow consumer
    (1008) mid-run: the connection recovers and the reply arrives once."""
    events = RunEvents(hass)
    pieces = [f"w{i} " for i in range(9)] + ["w9"]
    fake.script_reply(chunks=pieces, delay=0.02)
    if fault == "slow consumer close":
        fake.faults.drop_close_code, fake.faults.drop_close_reason = 1008, "slow consumer"
        fake.faults.drop_after_deltas = 3
    client = entry.runtime_data.client
    response = await hass.services.async_call(
        DOMAIN, "send", {"message": "go"}, blocking=True, return_response=True
    )
    assert response is not None
    run_id = str(response["run_id"])
    if fault == "oversized frame":
        await wait_until(lambda: len(events.by_run.get(run_id, [])) >= 2)
        fake.send_oversized(MAX_MESSAGE_SIZE + 1)
    await wait_until(lambda: events.terminal(run_id), timeout=15)
    await hass.async_block_till_done()
    finals = events.terminal(run_id)
    record(
        "bad_input",
        [
            fault,
            "connection",
            f"reconnected ({client.reconnects}x)",
            "none"
            if len(finals) == 1 and finals[0]["text"] == "".join(pieces)
            else f"{len(finals)} finals",
        ],
    )
    assert client.reconnects >= 1
    assert [(f["state"], f["text"]) for f in finals] == [("final", "".join(pieces))]
