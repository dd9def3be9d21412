"""The repair issue for plain ws:// to another host, and its fix flow (move to wss://).

The fake listens on 127.0.0.1 only, which is loopback and so never raises the issue. A remote
gateway is emulated with a host name: the shared aiohttp session's resolver (the network
boundary, not our code) maps ``gateway.lan`` to 127.0.0.1, exactly as a LAN DNS name would map
to a LAN address. The decision is made from the configured URL, as the gateway's own view
(loopback or not) is what the URL's host stands for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import socket
from typing import Any
from unittest.mock import patch

from aiohttp.abc import AbstractResolver, ResolveResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw.client_factory import gateway_unique_id
from custom_components.openclaw.const import (
    CONF_DEVICE_KEY,
    CONF_DEVICE_TOKEN,
    CONF_TLS_FINGERPRINT,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
)
from custom_components.openclaw.transport import (
    async_update_transport_issue,
    insecure_transport_issue_id,
    is_insecure_remote,
)
from tests.fake_gateway import FakeGateway

from .tls_proxy import TlsProxy

ALIAS = "gateway.lan"


class AliasResolver(AbstractResolver):
    """Resolves ``gateway.lan`` (and IP literals) to 127.0.0.1; nothing else."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        assert host in (ALIAS, "127.0.0.1"), f"unexpected lookup of {host}"
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        """Nothing to release."""

    async def real_close(self) -> None:
        """Called by Home Assistant at shutdown."""


@pytest.fixture
def lan_alias() -> Iterator[None]:
    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        return_value=AliasResolver(),
    ):
        yield


@pytest.fixture(autouse=True)
def no_platforms() -> Iterator[None]:
    with patch("custom_components.openclaw.PLATFORMS", []):
        yield


@pytest.fixture
async def tls_gateway(fake_gateway: FakeGateway) -> AsyncIterator[TlsProxy]:
    async with TlsProxy(fake_gateway.port) as proxy:
        yield proxy


@pytest.mark.parametrize(
    ("url", "insecure"),
    [
        ("ws://192.168.1.20:18789", True),
        ("ws://10.0.0.1", True),
        ("ws://gateway.lan:18789", True),
        ("WS://Gateway.Lan:18789", True),
        ("ws://[fe80::1]:18789", True),
        ("ws://[2001:db8::5]:18789", True),
        ("ws://127.0.0.1:18789", False),
        ("ws://127.8.9.10:18789", False),
        ("ws://localhost:18789", False),
        ("ws://LOCALHOST.:18789", False),
        ("ws://gw.localhost:18789", False),
        ("ws://[::1]:18789", False),
        ("ws://[::ffff:127.0.0.1]:18789", False),
        ("wss://192.168.1.20:18789", False),
        ("wss://gateway.lan", False),
    ],
)
def test_is_insecure_remote(url: str, insecure: bool) -> None:
    assert is_insecure_remote(url) is insecure


async def remote_entry(hass: HomeAssistant, gateway: FakeGateway, **extra: Any) -> MockConfigEntry:
    url = f"ws://{ALIAS}:{gateway.port}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"OpenClaw {ALIAS}",
        unique_id=gateway_unique_id(url),
        data={CONF_URL: url, CONF_TOKEN: gateway.token, **extra},
    )
    entry.add_to_hass(hass)
    return entry


async def test_issue_follows_the_url(
    hass: HomeAssistant, fake_gateway: FakeGateway, device_identity: Any
) -> None:
    entry = await remote_entry(
        hass, fake_gateway, **{CONF_DEVICE_KEY: device_identity.to_storage()}
    )
    registry = ir.async_get(hass)
    issue_id = insecure_transport_issue_id(entry.entry_id)

    async_update_transport_issue(hass, entry)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_key == "insecure_transport"
    assert issue.translation_placeholders == {"title": entry.title, "url": entry.data[CONF_URL]}
    assert issue.data == {"entry_id": entry.entry_id}

    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_URL: f"ws://127.0.0.1:{fake_gateway.port}"}
    )
    async_update_transport_issue(hass, entry)
    assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_setup_raises_issue_for_remote_ws(
    hass: HomeAssistant, fake_gateway: FakeGateway, device_identity: Any, lan_alias: None
) -> None:
    """An entry set up over ws:// to a LAN name gets the issue; over loopback it does not."""
    entry = await remote_entry(
        hass, fake_gateway, **{CONF_DEVICE_KEY: device_identity.to_storage()}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert fake_gateway.stats.hello_ok == 1  # really connected through the alias
    registry = ir.async_get(hass)
    assert registry.async_get_issue(DOMAIN, insecure_transport_issue_id(entry.entry_id))
    # Removing the entry removes its issue.
    await hass.config_entries.async_remove(entry.entry_id)
    assert registry.async_get_issue(DOMAIN, insecure_transport_issue_id(entry.entry_id)) is None


async def test_setup_no_issue_for_loopback(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    registry = ir.async_get(hass)
    assert (
        registry.async_get_issue(DOMAIN, insecure_transport_issue_id(setup_integration.entry_id))
        is None
    )


async def test_fix_flow_moves_entry_to_wss(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    tls_gateway: TlsProxy,
    device_identity: Any,
    lan_alias: None,
) -> None:
    entry = await remote_entry(
        hass, fake_gateway, **{CONF_DEVICE_KEY: device_identity.to_storage()}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    device_token = entry.data[CONF_DEVICE_TOKEN]
    async_update_transport_issue(hass, entry)
    issue_id = insecure_transport_issue_id(entry.entry_id)
    assert await async_setup_component(hass, "repairs", {})
    flows = hass.data["repairs"]["flow_manager"]

    result = await flows.async_init(DOMAIN, context={"issue_id": issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"] == {"title": entry.title, "url": entry.data[CONF_URL]}
    [url_key] = [k for k in result["data_schema"].schema if str(k) == CONF_URL]
    assert url_key.description["suggested_value"] == f"wss://{ALIAS}:{fake_gateway.port}"

    result = await flows.async_configure(result["flow_id"], {CONF_URL: entry.data[CONF_URL]})
    assert result["errors"] == {CONF_URL: "not_secure"}
    new_url = f"wss://127.0.0.1:{tls_gateway.port}"
    result = await flows.async_configure(result["flow_id"], {CONF_URL: new_url})
    assert result["errors"] == {"base": "tls_error"}
    result = await flows.async_configure(
        result["flow_id"], {CONF_URL: new_url, CONF_TLS_FINGERPRINT: tls_gateway.fingerprint}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert entry.data[CONF_URL] == new_url
    assert entry.data[CONF_TLS_FINGERPRINT] == tls_gateway.fingerprint
    assert entry.data[CONF_DEVICE_TOKEN] == device_token
    assert entry.unique_id == gateway_unique_id(new_url)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.url == new_url
    assert entry.runtime_data.client.connected
    await hass.config_entries.async_unload(entry.entry_id)
