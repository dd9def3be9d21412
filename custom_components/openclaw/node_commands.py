"""What Home Assistant does when the agent invokes one of its node commands.

Only entities exposed to assistants (HA's expose settings for conversation agents) can be
read or acted on; an entity that is not exposed and one that does not exist get the same
answer, so nothing outside the exposed set leaks. Actions must be on the user's allowlist,
target exposed entities of the action's own domain by ``entity_id`` only (no area/device
targets that could reach further), and sensitive entities need the user's confirmation
script to answer ``confirmed: true``. Every command is recorded on the bus (and so in the
logbook) with what was asked and what was done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.core import Context, HomeAssistant, State, split_entity_id
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er

from .aioopenclaw.node import NodeCommandError, NodeInvokeRequest
from .node_const import (
    CMD_ACTION_CALL,
    CMD_AREAS_LIST,
    CMD_ENTITIES_LIST,
    CMD_ENTITY_GET,
    CONF_NODE_ACTIONS,
    CONF_NODE_CONFIRM_SCRIPT,
    CONF_NODE_ENABLED,
    CONF_NODE_SENSITIVE,
    DEFAULT_LIST_ENTITIES,
    DEFAULT_NODE_ACTIONS,
    ERR_ACTION_FAILED,
    ERR_ACTION_NOT_ALLOWED,
    ERR_ACTION_NOT_AVAILABLE,
    ERR_CONFIRMATION_DENIED,
    ERR_INVALID_PARAMS,
    ERR_INVALID_TARGET,
    ERR_NOT_EXPOSED,
    ERR_SENSITIVE_REFUSED,
    ERR_UNKNOWN_COMMAND,
    EVENT_NODE_COMMAND,
    MAX_GET_ENTITIES,
    MAX_LIST_ENTITIES,
    MAX_TARGET_ENTITIES,
    OUTCOME_DONE,
    OUTCOME_FAILED,
    OUTCOME_REFUSED,
    REDACTED_DATA_KEYS,
    SENSITIVE_COVER_CLASSES,
    SENSITIVE_DOMAINS,
)

ASSISTANT = "conversation"
# Keys that would widen an action's target beyond the named, exposed entities.
TARGET_KEYS = frozenset({"entity_id", "area_id", "device_id", "floor_id", "label_id"})
# Attributes never handed to the agent (camera/media tokens) or repeated elsewhere.
HIDDEN_ATTRIBUTES = frozenset(
    {"access_token", "entity_picture", "entity_picture_local", "friendly_name", "icon"}
)
LIST_ATTRIBUTES = ("device_class", "unit_of_measurement")
# A confirmation must come back this long before the invoke's own deadline.
CONFIRM_MARGIN = 2.0
MAX_RECORDED_VALUE = 200


@dataclass(frozen=True)
class NodeOptions:
    """The node section of the entry's options."""

    enabled: bool = False
    actions: frozenset[str] = frozenset(DEFAULT_NODE_ACTIONS)
    sensitive_entities: frozenset[str] = frozenset()
    confirm_script: str | None = None

    @classmethod
    def from_options(cls, section: Mapping[str, Any] | None) -> NodeOptions:
        section = section or {}
        actions = section.get(CONF_NODE_ACTIONS)
        return cls(
            enabled=bool(section.get(CONF_NODE_ENABLED, False)),
            actions=frozenset(DEFAULT_NODE_ACTIONS if actions is None else actions),
            sensitive_entities=frozenset(section.get(CONF_NODE_SENSITIVE) or ()),
            confirm_script=section.get(CONF_NODE_CONFIRM_SCRIPT) or None,
        )


@dataclass
class _Record:
    """What one command asked and did, for the bus event."""

    entity_ids: list[str] = field(default_factory=list)
    action: str | None = None
    data: dict[str, Any] | None = None
    confirmed: bool | None = None
    summary: str | None = None


def _redacted(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key.lower() in REDACTED_DATA_KEYS:
            out[key] = "**REDACTED**"
        elif isinstance(value, (bool, int, float)) or value is None:
            out[key] = value
        else:
            out[key] = str(value)[:MAX_RECORDED_VALUE]
    return out


def _entity_ids(value: Any, limit: int) -> list[str]:
    ids = [value] if isinstance(value, str) else value
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise NodeCommandError(ERR_INVALID_PARAMS, "entity_id must be an entity id or a list")
    ids = list(dict.fromkeys(i.strip().lower() for i in ids))
    if len(ids) > limit:
        raise NodeCommandError(ERR_INVALID_PARAMS, f"at most {limit} entities at once")
    return ids


Handler = Callable[[dict[str, Any], NodeInvokeRequest, _Record, Context], Awaitable[Any]]


class HomeNodeCommands:
    """The node's command handler (``GatewayNode(handler=...)``) for one config entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str, options: NodeOptions) -> None:
        self.hass = hass
        self.entry_id = entry_id
        self.options = options
        self._handlers: dict[str, Handler] = {
            CMD_ENTITIES_LIST: self._entities_list,
            CMD_ENTITY_GET: self._entity_get,
            CMD_ACTION_CALL: self._action_call,
            CMD_AREAS_LIST: self._areas_list,
        }

    async def __call__(self, request: NodeInvokeRequest) -> Any:
        record = _Record()
        context = Context()
        handler = self._handlers.get(request.command)
        try:
            if handler is None:
                raise NodeCommandError(ERR_UNKNOWN_COMMAND, f"unknown command {request.command}")
            params = request.params if request.params is not None else {}
            if not isinstance(params, dict):
                raise NodeCommandError(ERR_INVALID_PARAMS, "params must be an object")
            result = await handler(params, request, record, context)
        except NodeCommandError as err:
            outcome = OUTCOME_FAILED if err.code == ERR_ACTION_FAILED else OUTCOME_REFUSED
            self._fire(request, record, context, outcome, err.code, str(err))
            raise
        except asyncio.CancelledError:
            self._fire(request, record, context, OUTCOME_FAILED, "CANCELLED", "timed out")
            raise
        except Exception:
            self._fire(request, record, context, OUTCOME_FAILED, "INTERNAL_ERROR", None)
            raise
        self._fire(request, record, context, OUTCOME_DONE, None, None)
        return result

    def _fire(
        self,
        request: NodeInvokeRequest,
        record: _Record,
        context: Context,
        outcome: str,
        code: str | None,
        message: str | None,
    ) -> None:
        data: dict[str, Any] = {
            "config_entry_id": self.entry_id,
            "invoke_id": request.invoke_id,
            "command": request.command,
            "outcome": outcome,
            "entity_ids": record.entity_ids,
        }
        optional = {
            "action": record.action,
            "data": record.data,
            "confirmed": record.confirmed,
            "summary": record.summary,
            "session_key": request.session_key,
            "error_code": code,
            "error": message,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        self.hass.bus.async_fire(EVENT_NODE_COMMAND, data, context=context)

    # -- exposure ------------------------------------------------------------------------

    def _exposed(self, entity_id: str) -> State | None:
        state = self.hass.states.get(entity_id)
        if state is None or not async_should_expose(self.hass, ASSISTANT, entity_id):
            return None
        return state

    def _require_exposed(self, entity_ids: list[str]) -> list[State]:
        states = [self._exposed(entity_id) for entity_id in entity_ids]
        missing = [e for e, s in zip(entity_ids, states, strict=True) if s is None]
        if missing:
            # The same answer for "not exposed" and "no such entity": nothing leaks.
            raise NodeCommandError(
                ERR_NOT_EXPOSED,
                f"not an entity exposed to assistants: {', '.join(missing)}",
            )
        return [s for s in states if s is not None]

    def _area_of(self, entity_id: str) -> ar.AreaEntry | None:
        entry = er.async_get(self.hass).async_get(entity_id)
        if entry is None:
            return None
        area_id = entry.area_id
        if area_id is None and entry.device_id is not None:
            device = dr.async_get(self.hass).async_get(entry.device_id)
            area_id = device.area_id if device is not None else None
        return ar.async_get(self.hass).async_get_area(area_id) if area_id else None

    def _row(self, state: State, *, full: bool) -> dict[str, Any]:
        attributes = {
            key: value
            for key, value in state.attributes.items()
            if key not in HIDDEN_ATTRIBUTES and "token" not in key
        }
        if not full:
            attributes = {k: attributes[k] for k in LIST_ATTRIBUTES if k in attributes}
        row: dict[str, Any] = {
            "entity_id": state.entity_id,
            "name": state.name,
            "domain": state.domain,
            "state": state.state,
            "attributes": attributes,
            "last_changed": state.last_changed.isoformat(),
        }
        if (area := self._area_of(state.entity_id)) is not None:
            row["area"] = area.name
        return row

    # -- commands ------------------------------------------------------------------------

    async def _entities_list(
        self, params: dict[str, Any], request: NodeInvokeRequest, record: _Record, ctx: Context
    ) -> Any:
        domains = params.get("domain")
        if isinstance(domains, str):
            domains = [domains]
        if domains is not None and not (
            isinstance(domains, list) and all(isinstance(d, str) for d in domains)
        ):
            raise NodeCommandError(ERR_INVALID_PARAMS, "domain must be a string or a list")
        area = params.get("area")
        if area is not None and not isinstance(area, str):
            raise NodeCommandError(ERR_INVALID_PARAMS, "area must be an area id or name")
        limit = params.get("limit", DEFAULT_LIST_ENTITIES)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise NodeCommandError(ERR_INVALID_PARAMS, "limit must be a positive integer")
        limit = min(limit, MAX_LIST_ENTITIES)
        wanted_area = area.strip().lower() if area else None
        rows = []
        for state in sorted(self.hass.states.async_all(domains), key=lambda s: s.entity_id):
            if not async_should_expose(self.hass, ASSISTANT, state.entity_id):
                continue
            if wanted_area is not None:
                found = self._area_of(state.entity_id)
                if found is None or wanted_area not in (found.id, found.name.lower()):
                    continue
            rows.append(state)
        record.summary = f"{len(rows)} entities"
        return {
            "entities": [self._row(state, full=False) for state in rows[:limit]],
            "count": len(rows),
            "truncated": len(rows) > limit,
        }

    async def _entity_get(
        self, params: dict[str, Any], request: NodeInvokeRequest, record: _Record, ctx: Context
    ) -> Any:
        entity_ids = _entity_ids(params.get("entity_id"), MAX_GET_ENTITIES)
        record.entity_ids = entity_ids
        states = self._require_exposed(entity_ids)
        return {"entities": [self._row(state, full=True) for state in states]}

    async def _areas_list(
        self, params: dict[str, Any], request: NodeInvokeRequest, record: _Record, ctx: Context
    ) -> Any:
        by_area: dict[str, list[str]] = {}
        for state in self.hass.states.async_all():
            if not async_should_expose(self.hass, ASSISTANT, state.entity_id):
                continue
            if (area := self._area_of(state.entity_id)) is not None:
                by_area.setdefault(area.id, []).append(state.entity_id)
        areas = sorted(ar.async_get(self.hass).async_list_areas(), key=lambda a: a.name)
        record.summary = f"{len(areas)} areas"
        return {
            "areas": [
                {
                    "area_id": area.id,
                    "name": area.name,
                    "floor_id": area.floor_id,
                    "aliases": sorted(area.aliases),
                    "entity_ids": sorted(by_area.get(area.id, [])),
                }
                for area in areas
            ]
        }

    async def _action_call(
        self, params: dict[str, Any], request: NodeInvokeRequest, record: _Record, ctx: Context
    ) -> Any:
        action = params.get("action")
        if not isinstance(action, str) or action.count(".") != 1:
            raise NodeCommandError(ERR_INVALID_PARAMS, "action must look like light.turn_on")
        action = action.strip().lower()
        record.action = action
        record.entity_ids = _entity_ids(params.get("entity_id"), MAX_TARGET_ENTITIES)
        data = params.get("data") or {}
        if not isinstance(data, dict):
            raise NodeCommandError(ERR_INVALID_PARAMS, "data must be an object")
        record.data = _redacted(data)
        if action not in self.options.actions:
            raise NodeCommandError(ERR_ACTION_NOT_ALLOWED, f"{action} is not an allowed action")
        domain, service = action.split(".")
        if TARGET_KEYS & set(data):
            raise NodeCommandError(ERR_INVALID_PARAMS, "targets go in entity_id only")
        states = self._require_exposed(record.entity_ids)
        wrong = [s.entity_id for s in states if s.domain != domain]
        if wrong:
            raise NodeCommandError(ERR_INVALID_TARGET, f"{action} cannot act on {', '.join(wrong)}")
        if not self.hass.services.has_service(domain, service):
            raise NodeCommandError(ERR_ACTION_NOT_AVAILABLE, f"{action} is not available")
        sensitive = [s.entity_id for s in states if self._sensitive(s)]
        if sensitive:
            record.confirmed = False
            await self._confirm(request, record, sensitive, ctx)
            record.confirmed = True
        try:
            await self.hass.services.async_call(
                domain,
                service,
                {**data, "entity_id": record.entity_ids},
                blocking=True,
                context=ctx,
            )
        except HomeAssistantError as err:
            raise NodeCommandError(ERR_ACTION_FAILED, str(err) or type(err).__name__) from err
        after = [self.hass.states.get(e) for e in record.entity_ids]
        return {
            "action": action,
            "entity_ids": record.entity_ids,
            "states": [self._row(s, full=False) for s in after if s is not None],
        }

    # -- sensitive entities --------------------------------------------------------------

    def _sensitive(self, state: State) -> bool:
        if state.domain in SENSITIVE_DOMAINS or state.entity_id in self.options.sensitive_entities:
            return True
        return (
            state.domain == "cover"
            and state.attributes.get("device_class") in SENSITIVE_COVER_CLASSES
        )

    async def _confirm(
        self,
        request: NodeInvokeRequest,
        record: _Record,
        sensitive: list[str],
        ctx: Context,
    ) -> None:
        """Ask the user's confirmation script; refuse unless it answers ``confirmed: true``."""
        script = self.options.confirm_script
        object_id = split_entity_id(script)[1] if script else None
        if object_id is None or not self.hass.services.has_service("script", object_id):
            raise NodeCommandError(
                ERR_SENSITIVE_REFUSED,
                f"{', '.join(sensitive)} need a confirmation and none is set up",
            )
        budget = (request.timeout_ms or 30_000) / 1000 - CONFIRM_MARGIN
        variables = {
            "action": record.action,
            "entity_ids": record.entity_ids,
            "sensitive_entity_ids": sensitive,
            "data": record.data,
            "summary": f"{record.action} on {', '.join(record.entity_ids)}",
        }
        try:
            async with asyncio.timeout(max(budget, 1.0)):
                response = await self.hass.services.async_call(
                    "script",
                    object_id,
                    variables,
                    blocking=True,
                    return_response=True,
                    context=ctx,
                )
        except TimeoutError as err:
            raise NodeCommandError(ERR_CONFIRMATION_DENIED, "no confirmation in time") from err
        except HomeAssistantError as err:
            raise NodeCommandError(
                ERR_CONFIRMATION_DENIED, f"the confirmation script failed: {err}"
            ) from err
        if not (isinstance(response, dict) and response.get("confirmed") is True):
            raise NodeCommandError(ERR_CONFIRMATION_DENIED, "the user did not confirm")
