"""Diagnostics: what helps debug a gateway connection, with every secret redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_DEVICE_KEY, CONF_DEVICE_TOKEN, CONF_HOOKS_TOKEN, CONF_PASSWORD, CONF_TOKEN
from .coordinator import OpenClawConfigEntry
from .node_const import CONF_NODE_DEVICE_KEY, CONF_NODE_DEVICE_TOKEN

TO_REDACT = {
    CONF_DEVICE_KEY,
    CONF_DEVICE_TOKEN,
    CONF_TOKEN,
    CONF_PASSWORD,
    CONF_HOOKS_TOKEN,
    CONF_NODE_DEVICE_KEY,
    CONF_NODE_DEVICE_TOKEN,
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: OpenClawConfigEntry
) -> dict[str, Any]:
    """Diagnostics for one gateway entry."""
    runtime = entry.runtime_data
    client = runtime.client
    coordinator = runtime.coordinator
    hello = client.hello
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "connection": {
            "connected": client.connected,
            "credential": client.credential_kind,
            "device_id": client.identity.device_id,
            "reconnects": client.reconnects,
            "last_error": type(client.last_error).__name__ if client.last_error else None,
        },
        "gateway": None
        if hello is None
        else {
            "protocol": hello.protocol,
            "server_version": hello.server_version,
            "auth_method": hello.auth_method,
            "role": hello.role,
            "scopes": list(hello.scopes),
            "methods": len(hello.methods),
            "events": len(hello.events),
            "tick_interval_ms": hello.policy.tick_interval_ms,
            "max_payload": hello.policy.max_payload,
            "max_image_bytes": hello.policy.max_image_bytes,
        },
        "agents": [agent.agent_id for agent in coordinator.agents],
        "sessions": {
            key: {
                "run_state": state.run_state,
                "last_event": state.last_event,
                "reply_length": len(state.reply),
                "total_tokens": state.usage.total_tokens if state.usage else None,
            }
            for key, state in coordinator.sessions.items()
        },
        "active_runs": coordinator.active_runs,
    }
