"""The gateway's nodes in Home Assistant: a device per node with its connection state, and
the ``list_nodes`` / ``invoke_node`` actions.

``node.list`` is read at setup and again (debounced) whenever the gateway says nodes came,
went or changed: ``presence`` (a node connecting or leaving), ``node.pair.*``, a reconnect,
and every few minutes as a fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
import uuid

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import (
    CALLBACK_TYPE,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.json import JsonObjectType
import probatio as vol

from .aioopenclaw import EventFrame, OpenClawError
from .aioopenclaw.errors import MissingScopeError
from .aioopenclaw.node import (
    NodeCommandFailedError,
    NodeCommandNotAllowedError,
    NodeInfo,
    NodeNotConnectedError,
    NodeNotReadyError,
    invoke_node,
    list_nodes,
)
from .const import ATTR_CONFIG_ENTRY_ID, DOMAIN, LOGGER
from .coordinator import OpenClawConfigEntry
from .errors import translate_error
from .node_side import async_setup_node_side

NODE_DATA: HassKey[dict[str, NodeTracker]] = HassKey(f"{DOMAIN}_nodes")
REFRESH_EVENTS = ("presence", "node.pair.requested", "node.pair.resolved")
REFRESH_DELAY = 0.5
REFRESH_INTERVAL = timedelta(minutes=5)

SERVICE_LIST_NODES = "list_nodes"
SERVICE_INVOKE_NODE = "invoke_node"
ATTR_NODE = "node"
ATTR_COMMAND = "command"
ATTR_PARAMS = "params"
ATTR_TIMEOUT = "timeout"
ATTR_IDEMPOTENCY_KEY = "idempotency_key"
ATTR_CONNECTED_ONLY = "connected_only"
MAX_INVOKE_TIMEOUT = 600

LIST_NODES_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_CONNECTED_ONLY, default=False): cv.boolean,
    }
)
INVOKE_NODE_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_NODE): vol.All(cv.string, vol.Length(min=1)),
        vol.Required(ATTR_COMMAND): vol.All(cv.string, vol.Length(min=1)),
        vol.Optional(ATTR_PARAMS): dict,
        vol.Optional(ATTR_TIMEOUT): vol.All(
            vol.Coerce(float), vol.Range(min=1, max=MAX_INVOKE_TIMEOUT)
        ),
        vol.Optional(ATTR_IDEMPOTENCY_KEY): vol.All(cv.string, vol.Length(min=1, max=200)),
    }
)


def node_device_identifier(entry_id: str, node_id: str) -> tuple[str, str]:
    return (DOMAIN, f"{entry_id}_node_{node_id}")


class NodeTracker:
    """The latest ``node.list`` of one gateway."""

    def __init__(self, hass: HomeAssistant, entry: OpenClawConfigEntry) -> None:
        self.hass = hass
        self.entry = entry
        self.client = entry.runtime_data.client
        self.nodes: dict[str, NodeInfo] = {}
        self._listeners: list[CALLBACK_TYPE] = []
        self._unsubs: list[Callable[[], None]] = []
        self._timer: CALLBACK_TYPE | None = None

    async def async_start(self) -> None:
        for event in REFRESH_EVENTS:
            self._unsubs.append(self.client.subscribe(self._on_event, event))
        self._unsubs.append(self.client.subscribe_connection(self._on_connection))
        self._unsubs.append(
            async_track_time_interval(self.hass, self._on_interval, REFRESH_INTERVAL)
        )
        await self.async_refresh()

    @callback
    def async_stop(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._timer is not None:
            self._timer()
            self._timer = None

    async def async_refresh(self) -> None:
        try:
            nodes = await list_nodes(self.client)
        except OpenClawError as err:
            LOGGER.debug("node.list failed: %s", err)
            return
        self.nodes = {node.node_id: node for node in nodes}
        self._notify()

    def set_nodes(self, nodes: list[NodeInfo]) -> None:
        """Take a fresh list read elsewhere (the list_nodes action)."""
        self.nodes = {node.node_id: node for node in nodes}
        self._notify()

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        self._listeners.append(update)

        @callback
        def remove() -> None:
            if update in self._listeners:
                self._listeners.remove(update)

        return remove

    @callback
    def _notify(self) -> None:
        for update in list(self._listeners):
            update()

    @callback
    def _on_event(self, _frame: EventFrame) -> None:
        self.async_schedule_refresh()

    @callback
    def _on_connection(self, connected: bool, _error: BaseException | None) -> None:
        if connected:
            self.async_schedule_refresh()
        self._notify()  # availability follows the operator connection

    @callback
    def _on_interval(self, _now: datetime) -> None:
        self.async_schedule_refresh()

    @callback
    def async_schedule_refresh(self) -> None:
        # Presence changes come in bursts (connect, approval): read the list once after them.
        if self._timer is None:
            self._timer = async_call_later(self.hass, REFRESH_DELAY, self._refresh_later)

    @callback
    def _refresh_later(self, _now: datetime) -> None:
        self._timer = None
        self.entry.async_create_background_task(
            self.hass, self.async_refresh(), "openclaw node list refresh"
        )

    def find(self, name_or_id: str) -> NodeInfo | None:
        """A node by id, or by display name when one node (or one connected node) has it."""
        if (node := self.nodes.get(name_or_id)) is not None:
            return node
        wanted = name_or_id.strip().casefold()
        named = [n for n in self.nodes.values() if (n.display_name or "").casefold() == wanted]
        if len(named) > 1:  # e.g. an old pairing of the same phone, now offline
            named = [n for n in named if n.connected]
        return named[0] if len(named) == 1 else None


def tracker_of(hass: HomeAssistant, entry_id: str) -> NodeTracker | None:
    return hass.data.get(NODE_DATA, {}).get(entry_id)


def node_device_identifiers(
    hass: HomeAssistant, entry: OpenClawConfigEntry
) -> set[tuple[str, str]]:
    """Device identifiers of the nodes the gateway knows (kept by the stale-device sweep)."""
    tracker = tracker_of(hass, entry.entry_id)
    if tracker is None:
        return set()
    return {node_device_identifier(entry.entry_id, node_id) for node_id in tracker.nodes}


async def async_setup_nodes(hass: HomeAssistant, entry: OpenClawConfigEntry) -> None:
    """Track the gateway's nodes and, when enabled, connect Home Assistant as a node."""
    tracker = NodeTracker(hass, entry)
    hass.data.setdefault(NODE_DATA, {})[entry.entry_id] = tracker

    @callback
    def _stop() -> None:
        tracker.async_stop()
        hass.data.get(NODE_DATA, {}).pop(entry.entry_id, None)

    entry.async_on_unload(_stop)
    await tracker.async_start()
    await async_setup_node_side(hass, entry, tracker)


# -- entities --------------------------------------------------------------------------------


@callback
def async_setup_node_sensors(
    entry: OpenClawConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """A connectivity sensor (on its own device) for every node, now and when new ones come."""
    tracker = tracker_of(entry.runtime_data.coordinator.hass, entry.entry_id)
    if tracker is None:
        return
    added: set[str] = set()

    @callback
    def _add_new() -> None:
        new = [node for node_id, node in tracker.nodes.items() if node_id not in added]
        if not new:
            return
        added.update(node.node_id for node in new)
        async_add_entities(OpenClawNodeConnectionSensor(tracker, node) for node in new)

    _add_new()
    entry.async_on_unload(tracker.async_add_listener(_add_new))


class OpenClawNodeConnectionSensor(BinarySensorEntity):
    """On while the node is connected to the gateway."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "node_connection"
    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _unrecorded_attributes = frozenset({"commands"})

    def __init__(self, tracker: NodeTracker, node: NodeInfo) -> None:
        self.tracker = tracker
        self.node_id = node.node_id
        entry = tracker.entry
        self._attr_unique_id = f"{entry.entry_id}_node_{node.node_id}_connection"
        self._attr_device_info = DeviceInfo(
            identifiers={node_device_identifier(entry.entry_id, node.node_id)},
            name=node.title,
            manufacturer="OpenClaw",
            model="Node",
            model_id=node.platform,
            sw_version=node.version,
        )
        gateway_device_id = entry.runtime_data.coordinator.gateway_device_id
        if gateway_device_id is not None:
            self._attr_device_info["via_device_id"] = gateway_device_id

    @property
    def node(self) -> NodeInfo | None:
        return self.tracker.nodes.get(self.node_id)

    @property
    def available(self) -> bool:
        return self.tracker.client.connected and self.node is not None

    @property
    def is_on(self) -> bool:
        node = self.node
        return node is not None and node.connected

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        node = self.node
        if node is None:
            return {}
        last_seen = (
            dt_util.utc_from_timestamp(node.last_seen_ms / 1000).isoformat()
            if node.last_seen_ms
            else None
        )
        return {
            "node_id": node.node_id,
            "platform": node.platform,
            "device_family": node.device_family,
            "approval_state": node.approval_state,
            "last_seen": last_seen,
            "commands": list(node.commands),
        }

    async def async_added_to_hass(self) -> None:
        self.async_on_remove(self.tracker.async_add_listener(self.async_write_ha_state))


# -- actions ---------------------------------------------------------------------------------


def _entry(call: ServiceCall) -> OpenClawConfigEntry:
    entry: OpenClawConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, call.data.get(ATTR_CONFIG_ENTRY_ID)
    )
    return entry


def _node_row(node: NodeInfo) -> JsonObjectType:
    return {
        "node_id": node.node_id,
        "name": node.title,
        "platform": node.platform,
        "device_family": node.device_family,
        "version": node.version,
        "connected": node.connected,
        "paired": node.paired,
        "approval_state": node.approval_state,
        "commands": list(node.commands),
        "caps": list(node.caps),
    }


async def _async_list_nodes(call: ServiceCall) -> ServiceResponse:
    entry = _entry(call)
    try:
        nodes = await list_nodes(entry.runtime_data.client)
    except OpenClawError as err:
        raise translate_error(err) from err
    if (tracker := tracker_of(call.hass, entry.entry_id)) is not None:
        tracker.set_nodes(nodes)
    if call.data[ATTR_CONNECTED_ONLY]:
        nodes = [node for node in nodes if node.connected]
    return {"nodes": [_node_row(node) for node in nodes]}


def _node_error(
    err: OpenClawError, tracker: NodeTracker | None, node: str, command: str
) -> HomeAssistantError:
    """A translated error that says which node and what to do."""
    cls: type[HomeAssistantError] = HomeAssistantError
    if isinstance(err, NodeNotConnectedError):
        key = "node_offline"
    elif isinstance(err, NodeNotReadyError):
        known = tracker.find(node) if tracker is not None else None
        key, cls = (
            ("node_not_approved", HomeAssistantError)
            if known
            else (
                "unknown_node",
                ServiceValidationError,
            )
        )
    elif isinstance(err, NodeCommandNotAllowedError):
        key, cls = "node_command_not_allowed", ServiceValidationError
    elif isinstance(err, NodeCommandFailedError):
        key = "node_command_failed"
    elif isinstance(err, MissingScopeError):
        key = "node_missing_scope"
    else:
        return translate_error(err)
    return cls(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"node": node, "command": command, "error": str(err)},
    )


async def _async_invoke_node(call: ServiceCall) -> ServiceResponse:
    entry = _entry(call)
    tracker = tracker_of(call.hass, entry.entry_id)
    wanted: str = call.data[ATTR_NODE]
    command: str = call.data[ATTR_COMMAND]
    found = tracker.find(wanted) if tracker is not None else None
    node_id = found.node_id if found is not None else wanted.strip()
    timeout: float | None = call.data.get(ATTR_TIMEOUT)
    try:
        result = await invoke_node(
            entry.runtime_data.client,
            node_id,
            command,
            call.data.get(ATTR_PARAMS),
            timeout_ms=int(timeout * 1000) if timeout else None,
            idempotency_key=call.data.get(ATTR_IDEMPOTENCY_KEY) or str(uuid.uuid4()),
        )
    except OpenClawError as err:
        raise _node_error(err, tracker, found.title if found else wanted, command) from err
    if not call.return_response:
        return None
    payload = result.payload
    return {
        "node_id": result.node_id,
        "command": result.command,
        "payload": payload if isinstance(payload, (dict, list, str, int, float, bool)) else None,
    }


@callback
def async_setup_node_services(hass: HomeAssistant) -> None:
    """Register the node actions (from ``services.async_setup_services``)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_LIST_NODES,
        _async_list_nodes,
        LIST_NODES_SCHEMA,
        SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_INVOKE_NODE,
        _async_invoke_node,
        INVOKE_NODE_SCHEMA,
        SupportsResponse.OPTIONAL,
    )
