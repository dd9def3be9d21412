"""Transport security: is the entry's connection plain ws:// to another host? (a repair issue)

Such a connection is unencrypted (tokens and agent replies cross the network in clear text),
and the gateway treats a non-loopback client without TLS as less trusted (a limited profile).
The decision is made from the configured URL; the fix flow lives in ``repairs.py``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import CONF_URL, DOMAIN
from .pairing import is_loopback_host

ISSUE_INSECURE_TRANSPORT = "insecure_transport"


def is_insecure_remote(url: str) -> bool:
    """Plain ws:// to anything but this host's loopback."""
    parts = urlsplit(url)
    return parts.scheme.lower() == "ws" and not is_loopback_host(parts.hostname or "")


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
