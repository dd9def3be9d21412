"""Repairs: a plain ws:// connection to a gateway on another host.

Such a connection is unencrypted (tokens and replies cross the network in clear text) and the
gateway treats a non-loopback client without TLS as less trusted. The fix flow moves the entry
to the gateway's wss:// address, keeping the device pairing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import probatio as vol

from . import pairing
from .aioopenclaw import DeviceIdentity, OpenClawError
from .client_factory import gateway_unique_id
from .const import (
    CONF_DEVICE_KEY,
    CONF_DEVICE_TOKEN,
    CONF_PASSWORD,
    CONF_TLS_FINGERPRINT,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
)
from .pairing import GatewayLogin, LoginError

ISSUE_INSECURE_TRANSPORT = "insecure_transport"


def is_insecure_remote(url: str) -> bool:
    """Plain ws:// to anything but this host's loopback."""
    parts = urlsplit(url)
    return parts.scheme.lower() == "ws" and not pairing.is_loopback_host(parts.hostname or "")


def insecure_transport_issue_id(entry_id: str) -> str:
    return f"{ISSUE_INSECURE_TRANSPORT}_{entry_id}"


@callback
def async_update_transport_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Raise the issue while the entry uses ws:// to another host; clear it otherwise."""
    issue_id = insecure_transport_issue_id(entry.entry_id)
    url = entry.data[CONF_URL]
    if not is_insecure_remote(url):
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_INSECURE_TRANSPORT,
        translation_placeholders={"title": entry.title, "url": url},
        data={"entry_id": entry.entry_id},
    )


@callback
def async_remove_transport_issue(hass: HomeAssistant, entry_id: str) -> None:
    ir.async_delete_issue(hass, DOMAIN, insecure_transport_issue_id(entry_id))


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    entry_id = (data or {}).get("entry_id")
    entry = hass.config_entries.async_get_entry(entry_id) if isinstance(entry_id, str) else None
    if issue_id.startswith(ISSUE_INSECURE_TRANSPORT) and entry is not None:
        return InsecureTransportRepairFlow(entry)
    return ConfirmRepairFlow()


class InsecureTransportRepairFlow(RepairsFlow):
    """Move the entry to the gateway's wss:// address after testing it."""

    def __init__(self, entry: ConfigEntry) -> None:
        self.entry = entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        entry = self.entry
        errors: dict[str, str] = {}
        if user_input is not None:
            url = pairing.normalize_url(user_input[CONF_URL])
            try:
                fingerprint = pairing.normalize_fingerprint(user_input.get(CONF_TLS_FINGERPRINT))
            except ValueError:
                errors[CONF_TLS_FINGERPRINT] = "invalid_fingerprint"
                fingerprint = None
            if url is None:
                errors[CONF_URL] = "invalid_url"
            elif not url.startswith("wss://"):
                errors[CONF_URL] = "not_secure"
            elif not errors:
                unique_id = gateway_unique_id(url)
                other = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
                if other is not None and other.entry_id != entry.entry_id:
                    errors[CONF_URL] = "wrong_gateway"
                else:
                    login = GatewayLogin(
                        url,
                        DeviceIdentity.from_storage(entry.data[CONF_DEVICE_KEY]),
                        token=entry.data.get(CONF_TOKEN),
                        password=entry.data.get(CONF_PASSWORD),
                        device_token=entry.data.get(CONF_DEVICE_TOKEN),
                        tls_fingerprint=fingerprint,
                    )
                    try:
                        hello = await pairing.async_login(self.hass, login)
                        data = pairing.entry_data(login, hello)
                    except (OpenClawError, LoginError) as err:
                        errors["base"] = pairing.error_key(err, login)
                    else:
                        self._async_move_entry(data, unique_id)
                        return self.async_create_entry(data={})
        host = urlsplit(entry.data[CONF_URL])
        suggested = {CONF_URL: f"wss://{host.netloc}", **(user_input or {})}
        schema = vol.Schema(
            {
                vol.Required(CONF_URL): TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
                vol.Optional(CONF_TLS_FINGERPRINT): TextSelector(),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={"title": entry.title, "url": entry.data[CONF_URL]},
        )

    @callback
    def _async_move_entry(self, data: dict[str, Any], unique_id: str) -> None:
        entries = self.hass.config_entries
        reloads_itself = bool(self.entry.update_listeners)
        entries.async_update_entry(self.entry, data=data, unique_id=unique_id)
        if not reloads_itself:
            entries.async_schedule_reload(self.entry.entry_id)
