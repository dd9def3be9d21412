"""Secrets: a whole life of an entry with DEBUG logging, then a search for every secret.

Setup code pairing, options with a hooks token, every action, an Assist turn, reconnects and
a gateway restart, a protocol-mismatch repair issue, a revoked device token (reauth, with a
wrong token typed once), diagnostics. Then no gateway token, device token, bootstrap token
(nor the setup code that carries it), hooks token, typed token or private key may appear in
logs, diagnostics, entity states and attributes, bus events, repair issues, flow results,
action responses and errors, or registries; and no request target (URL) carries any of them.
All traffic goes through ``FaultProxy``, which lists every HTTP request line it saw.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import logging
import secrets
from typing import Any

from homeassistant.components import conversation
from homeassistant.const import MATCH_ALL
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import probatio
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from custom_components.openclaw.aioopenclaw.identity import b64url_decode
from custom_components.openclaw.aioopenclaw.setup_code import parse_setup_code
from custom_components.openclaw.const import (
    CONF_DELTA_RATE,
    CONF_DEVICE_KEY,
    CONF_HOOKS_TOKEN,
    CONF_SESSIONS,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
)
from tests.fake_gateway import FakeGateway

from .ha_fixtures import add_entry_with_setup_code, auto_enable_custom_integrations, wait_until  # noqa: F401 - autouse fixture
from .proxy import FaultProxy

MAIN = "agent:main:main"
# A window this long of any secret counts as a leak (catches truncated tokens in logs).
WINDOW = 12
LOGGERS = ("", "custom_components.openclaw", "aiohttp", "websockets", "homeassistant")


def _leaks(text: str, secrets_: dict[str, str]) -> list[str]:
    found = []
    for name, secret in secrets_.items():
        if len(secret) <= WINDOW:
            windows = [secret]
        else:
            windows = [secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1)]
        if any(w in text for w in windows):
            found.append(name)
    return found


def _as_frontend_sees(result: Any) -> dict[str, Any]:
    """A flow result as HA's flow views send it to the browser (see helpers/data_entry_flow)."""
    data = dict(result)
    if data.get("type") is FlowResultType.CREATE_ENTRY:
        return {k: v for k, v in data.items() if k not in ("data", "context", "result")}
    if data.get("data_schema") is not None:
        data["data_schema"] = probatio.to_field_list(
            data["data_schema"], custom_serializer=cv.custom_serializer
        )
    return data


def _tokens(fake: FakeGateway) -> set[str]:
    """Every device token the fake holds right now."""
    return {entry[0] for d in fake.pairing.devices.values() for entry in d.tokens.values()}


def _dump(value: Any) -> str:
    return json.dumps(value, default=repr, sort_keys=True)


class Scan:
    """Texts gathered per place, then searched for every secret."""

    def __init__(self) -> None:
        self.places: dict[str, list[str]] = {}

    def add(self, place: str, *items: Any) -> None:
        self.places.setdefault(place, []).extend(
            item if isinstance(item, str) else _dump(item) for item in items
        )

    def findings(self, secrets_: dict[str, str]) -> dict[str, tuple[int, list[str]]]:
        return {
            place: (len(items), sorted({s for item in items for s in _leaks(item, secrets_)}))
            for place, items in self.places.items()
        }


async def _call(
    hass: HomeAssistant, scan: Scan, service: str, data: dict[str, Any]
) -> dict[str, Any] | None:
    try:
        response = await hass.services.async_call(
            DOMAIN, service, data, blocking=True, return_response=True
        )
    except HomeAssistantError as err:
        scan.add("action responses and errors", str(err), err.translation_placeholders or {})
        return None
    scan.add("action responses and errors", response)
    return dict(response or {})


async def test_no_secret_in_logs_diagnostics_states_events_issues_or_urls(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    socket_enabled: None,
    caplog: pytest.LogCaptureFixture,
    record: Callable[..., None],
) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    scan = Scan()
    events: list[Event] = []

    @callback
    def on_any_event(event: Event) -> None:
        events.append(event)

    hass.bus.async_listen(MATCH_ALL, on_any_event)
    assert await async_setup_component(hass, "homeassistant", {})
    gateway_token = f"gwtok-{secrets.token_urlsafe(24)}"
    hooks_token = f"hktok-{secrets.token_urlsafe(24)}"
    typed_token = f"typed-{secrets.token_urlsafe(24)}"
    async with (
        FakeGateway(token=gateway_token, hooks_token=hooks_token) as fake,
        FaultProxy(fake.port) as proxy,
    ):
        # Pairing with a setup code, through the proxy.
        code = fake.issue_setup_code(url=proxy.url)
        bootstrap = parse_setup_code(code).bootstrap_token
        entry = await add_entry_with_setup_code(hass, code)
        device_key = entry.data[CONF_DEVICE_KEY]
        seed = b64url_decode(device_key)
        device_id = DeviceIdentity.from_storage(device_key).device_id
        issued = _tokens(fake)

        # Options: the hooks token (used by wake and run_agent over HTTP).
        result = await hass.config_entries.options.async_init(entry.entry_id)
        scan.add("flow results", _as_frontend_sees(result))
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_HOOKS_TOKEN: hooks_token, CONF_SESSIONS: [], CONF_DELTA_RATE: 4.0},
        )
        scan.add("flow results", _as_frontend_sees(result))
        await hass.async_block_till_done()
        await wait_until(lambda: entry.runtime_data.client.connected)

        # Every action.
        sent = await _call(hass, scan, "send", {"message": "hello", "wait_for_reply": True})
        assert sent is not None and sent["status"] == "final"
        await _call(hass, scan, "history", {"session_key": MAIN, "limit": 5})
        await _call(hass, scan, "list_sessions", {})
        await _call(hass, scan, "preview", {"session_keys": [MAIN]})
        await _call(hass, scan, "wake", {"text": "wake up"})
        await _call(hass, scan, "run_agent", {"message": "background job"})
        fake.script_reply(chunks=["slow "] * 50, delay=0.05)
        await _call(hass, scan, "send", {"message": "to abort"})
        await _call(hass, scan, "abort", {"session_key": MAIN})
        fake.http_rate_limit_next(1, retry_after=3)
        await _call(hass, scan, "run_agent", {"message": "rate limited"})  # an error

        # An Assist turn, when the entry has a conversation agent.
        agents = [
            e.entity_id
            for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
            if e.domain == "conversation"
        ]
        for agent in agents:
            answer = await conversation.async_converse(
                hass, "hi from assist", None, Context(), language="en", agent_id=agent
            )
            scan.add("action responses and errors", answer.as_dict())

        # Reconnects, a restart, diagnostics while connected.
        await fake.drop_all(abrupt=True)
        await wait_until(lambda: entry.runtime_data.client.reconnects >= 1)
        await fake.restart(unavailable_for=0.2)
        await wait_until(lambda: entry.runtime_data.client.reconnects >= 2)
        await wait_until(lambda: entry.runtime_data.client.connected)
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        scan.add("diagnostics", diagnostics)

        # A repair issue: the gateway comes back with a protocol we do not speak.
        fake.protocol = 5
        await fake.drop_all()
        await wait_until(
            lambda: ir.async_get(hass).async_get_issue(
                DOMAIN, f"protocol_mismatch_{entry.entry_id}"
            )
        )
        fake.protocol = 4
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()

        # The device token is revoked: reauth, where the user first types a wrong token.
        issued |= _tokens(fake)
        fake.revoke(device_id)
        await wait_until(lambda: hass.config_entries.flow.async_progress_by_handler(DOMAIN))
        [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        scan.add("flow results", _as_frontend_sees(flow))
        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {"next_step_id": "reauth_token"}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_TOKEN: typed_token}
        )
        # (A revoked device typing a wrong token gets AUTH_DEVICE_TOKEN_MISMATCH.)
        assert result["type"] is FlowResultType.FORM and result["errors"]
        scan.add("flow results", _as_frontend_sees(result))
        hass.config_entries.flow.async_abort(result["flow_id"])

        scan.add("request targets (URLs)", *proxy.request_targets, entry.data[CONF_URL])
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()

    scan.add("logs", caplog.text, *(r.getMessage() for r in caplog.records))
    scan.add("logs", *(r.exc_text for r in caplog.records if r.exc_text))
    scan.add("entity states and attributes", *(s.as_dict() for s in hass.states.async_all()))
    scan.add("bus events", *((e.event_type, e.data) for e in events))
    scan.add(
        "repair issues",
        *(repr(i) for i in ir.async_get(hass).issues.values()),
    )
    scan.add(
        "registries",
        *(repr(d) for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)),
        *(
            e.as_partial_dict
            for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        ),
        entry.title,
        entry.unique_id,
    )
    secrets_ = {
        "gateway token": gateway_token,
        "hooks token": hooks_token,
        "typed token": typed_token,
        "bootstrap token": bootstrap,
        "setup code": code,
        "private key": device_key,
        "private key (hex)": seed.hex(),
        **{f"device token {n}": token for n, token in enumerate(sorted(issued))},
    }
    findings = scan.findings(secrets_)
    for place, (items, found) in findings.items():
        record("secrets", [place, items, ", ".join(found) or "none"])

    # The search works: it finds the key in the entry's own storage, and a token's fragment.
    assert "private key" in _leaks(_dump(dict(entry.data)), secrets_), "search broken"
    assert _leaks(f"token={gateway_token[3:20]}…", secrets_) == ["gateway token"]
    assert issued, "the scenario should have issued device tokens"
    assert agents, "the scenario should have had an Assist turn"
    assert len(proxy.request_targets) > 5, proxy.request_targets
    assert {p: f for p, (_n, f) in findings.items() if f} == {}
