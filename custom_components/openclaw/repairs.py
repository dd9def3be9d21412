"""Repair flows: move an entry that uses plain ws:// to another host onto wss://.

The issue itself is raised and cleared in ``transport.py`` (at every setup); the fix flow tests
the new address with the entry's device and credentials, then moves the entry there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
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
from .transport import ISSUE_INSECURE_TRANSPORT


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
        # The first step receives {"issue_id": ...} from the repairs manager, not a form.
        return await self.async_step_address()

    async def async_step_address(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """The gateway's wss:// address (and the pin of a self-signed certificate)."""
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
            step_id="address",
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
