"""Home Assistant as a node of the gateway (opt-in, off by default).

A second device identity (its own key and device token in the entry) connects with
``role: "node"`` and offers the commands of ``node_commands``. The gateway must approve it
twice: the device (``openclaw devices approve``, silent on loopback) and its command surface
(``openclaw nodes approve``), and it must allow the commands in
``gateway.nodes.commands.allow``. A repair issue says which step is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.json import json_dumps

from .aioopenclaw import ClientInfo, DeviceIdentity
from .aioopenclaw.connection import is_auth_failure
from .aioopenclaw.errors import PairingRequiredError
from .aioopenclaw.features import Feature
from .aioopenclaw.node import GatewayNode
from .client_factory import INTEGRATION_VERSION, ssl_option
from .const import CONF_PASSWORD, CONF_TOKEN, CONF_URL, DOMAIN, LOGGER
from .coordinator import OpenClawConfigEntry
from .node_commands import HomeNodeCommands, NodeOptions
from .node_const import (
    CONF_NODE,
    CONF_NODE_DEVICE_KEY,
    CONF_NODE_DEVICE_TOKEN,
    NODE_COMMANDS,
    NODE_DISPLAY_NAME,
    NODE_PLUGIN_TOOLS,
)

if TYPE_CHECKING:
    from .nodes import NodeTracker

APPROVED = "approved"
# Seconds between connects while the gateway has not approved the node's device yet.
PAIRING_RETRY = 30.0


def node_issue_id(entry_id: str) -> str:
    return f"node_{entry_id}"


class NodeSide:
    """The node connection of one entry and the repair issue that explains its state."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OpenClawConfigEntry,
        node: GatewayNode,
        tracker: NodeTracker,
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.node = node
        self.tracker = tracker
        self._issue: str | None = None

    @callback
    def async_update_issue(self, *_args: object) -> None:
        """Raise, change or clear the repair issue from what the node and node.list say."""
        error = self.node.last_error
        key: str | None = None
        placeholders = {"commands": ", ".join(NODE_COMMANDS), "title": self.entry.title}
        if isinstance(error, PairingRequiredError):
            key = "node_pairing_required"
            placeholders["request_id"] = error.request_id or "?"
        elif error is not None and is_auth_failure(error):
            key = "node_auth_failed"
            placeholders["error"] = str(error)
        elif self.node.connected:
            row = self.tracker.nodes.get(self.node.node_id)
            missing = [c for c in NODE_COMMANDS if row is None or c not in row.commands]
            if row is not None and (row.approval_state != APPROVED or missing):
                key = "node_commands_pending"
                placeholders["missing"] = ", ".join(missing) or "-"
        if key == self._issue:
            return
        self._issue = key
        issue_id = node_issue_id(self.entry.entry_id)
        if key is None:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=key,
            translation_placeholders=placeholders,
        )

    @callback
    def store_device_token(self, token: str | None) -> None:
        data = {**self.entry.data, CONF_NODE_DEVICE_TOKEN: token}
        if token is None:
            data.pop(CONF_NODE_DEVICE_TOKEN)
        self.hass.config_entries.async_update_entry(self.entry, data=data)


@callback
def _node_identity(hass: HomeAssistant, entry: OpenClawConfigEntry) -> DeviceIdentity:
    """The node's own identity, made once and kept in the entry (never the operator's)."""
    stored = entry.data.get(CONF_NODE_DEVICE_KEY)
    if stored:
        return DeviceIdentity.from_storage(stored)
    identity = DeviceIdentity.generate()
    data = {**entry.data, CONF_NODE_DEVICE_KEY: identity.to_storage()}
    data.pop(CONF_NODE_DEVICE_TOKEN, None)  # a token of an older identity is worthless
    hass.config_entries.async_update_entry(entry, data=data)
    return identity


async def async_setup_node_side(
    hass: HomeAssistant, entry: OpenClawConfigEntry, tracker: NodeTracker
) -> None:
    """Connect Home Assistant as a node when the option is on (in the background)."""
    options = NodeOptions.from_options(entry.options.get(CONF_NODE))
    if not options.enabled or not entry.runtime_data.client.has_feature(Feature.NODE_HOST):
        # A gateway without node invokes gets no node: a repair issue says what to install.
        ir.async_delete_issue(hass, DOMAIN, node_issue_id(entry.entry_id))
        return
    node_side: NodeSide | None = None

    @callback
    def on_device_token(token: str | None) -> None:
        if node_side is not None:
            node_side.store_device_token(token)

    node = GatewayNode(
        async_get_clientsession(hass),
        entry.data[CONF_URL],
        identity=_node_identity(hass, entry),
        handler=HomeNodeCommands(hass, entry.entry_id, options),
        commands=NODE_COMMANDS,
        token=entry.data.get(CONF_TOKEN),
        password=entry.data.get(CONF_PASSWORD),
        device_token=entry.data.get(CONF_NODE_DEVICE_TOKEN),
        client_info=ClientInfo(
            version=INTEGRATION_VERSION,
            display_name=NODE_DISPLAY_NAME,
            user_agent=f"home-assistant-openclaw/{INTEGRATION_VERSION} node",
        ),
        ssl=ssl_option(entry.data),
        on_device_token=on_device_token,
        pairing_retry=PAIRING_RETRY,
        json_dumps=json_dumps,
        plugin_tools=NODE_PLUGIN_TOOLS,
    )
    node_side = NodeSide(hass, entry, node, tracker)
    entry.async_on_unload(node.subscribe_connection(node_side.async_update_issue))
    entry.async_on_unload(tracker.async_add_listener(node_side.async_update_issue))
    # Only the node hears that its commands were approved (node.pair.* needs pairing scope).
    entry.async_on_unload(
        node.subscribe(lambda _frame: tracker.async_schedule_refresh(), "node.pair.resolved")
    )

    async def _stop() -> None:
        await node.close()
        ir.async_delete_issue(hass, DOMAIN, node_issue_id(entry.entry_id))

    entry.async_on_unload(_stop)
    LOGGER.debug("Connecting Home Assistant as a node of %s", entry.data[CONF_URL])
    node.start()
