"""Build the client objects from a config entry's data (shared by setup and the config flow)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
from homeassistant.const import __version__ as HA_VERSION
from yarl import URL as yarl_url

from .aioopenclaw import ClientInfo, DeviceIdentity, GatewayClient
from .aioopenclaw.http import GatewayHttpClient
from .aioopenclaw.setup_code import http_base_url
from .const import (
    CONF_DEVICE_KEY,
    CONF_DEVICE_TOKEN,
    CONF_HOOKS_TOKEN,
    CONF_PASSWORD,
    CONF_TLS_FINGERPRINT,
    CONF_TOKEN,
    CONF_URL,
    SCOPES,
)

INTEGRATION_VERSION = "0.1.0"


def ssl_option(data: Mapping[str, Any]) -> aiohttp.Fingerprint | None:
    """A pinned SHA-256 certificate fingerprint for self-signed ``wss://`` gateways."""
    fingerprint = data.get(CONF_TLS_FINGERPRINT)
    if not fingerprint:
        return None
    digest = bytes.fromhex(str(fingerprint).replace(":", "").strip())
    return aiohttp.Fingerprint(digest)


def client_info() -> ClientInfo:
    return ClientInfo(
        version=INTEGRATION_VERSION,
        display_name="Home Assistant",
        user_agent=f"home-assistant-openclaw/{INTEGRATION_VERSION} HA/{HA_VERSION}",
    )


def create_client(
    session: aiohttp.ClientSession,
    data: Mapping[str, Any],
    *,
    bootstrap_token: str | None = None,
    on_device_token: Callable[[str | None], None] | None = None,
) -> GatewayClient:
    return GatewayClient(
        session,
        data[CONF_URL],
        identity=DeviceIdentity.from_storage(data[CONF_DEVICE_KEY]),
        token=data.get(CONF_TOKEN),
        password=data.get(CONF_PASSWORD),
        device_token=data.get(CONF_DEVICE_TOKEN),
        bootstrap_token=bootstrap_token,
        scopes=SCOPES,
        # Tool activity of our own runs (agent events, stream "tool") for the Assist chat log.
        caps=("tool-events",),
        client_info=client_info(),
        ssl=ssl_option(data),
        on_device_token=on_device_token,
    )


def create_http_client(
    session: aiohttp.ClientSession, data: Mapping[str, Any], options: Mapping[str, Any]
) -> GatewayHttpClient:
    return GatewayHttpClient(
        session,
        http_base_url(data[CONF_URL]),
        token=data.get(CONF_TOKEN),
        password=data.get(CONF_PASSWORD),
        hooks_token=options.get(CONF_HOOKS_TOKEN),
    )


def gateway_unique_id(url: str) -> str:
    """host:port of the gateway: hello-ok carries no stable gateway id, so the address is it."""
    parsed = yarl_url(url)
    default_port = 443 if parsed.scheme == "wss" else 80
    return f"{(parsed.host or '').lower()}:{parsed.port or default_port}"
