"""Which OpenClaw session an Assist turn goes to, and the context sent along with it."""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr, entity_registry as er

from .assist_const import (
    CONF_SESSION_KEY,
    CONF_SESSION_SCOPE,
    DEFAULT_FIXED_SESSION_KEY,
    DEFAULT_SESSION_SCOPE,
    SessionScope,
)

_UNSAFE = re.compile(r"[^a-z0-9._-]+")
# Keys are folded to lower case by the gateway; anything else becomes a dash so that the key
# stays one segment (a "a:b:c" rest would be read as a channel delivery route).
MAX_KEY_PART = 80


def clean_key_part(value: str) -> str:
    return _UNSAFE.sub("-", value.strip().lower()).strip("-")[:MAX_KEY_PART]


def valid_fixed_key(value: str) -> bool:
    return bool(clean_key_part(value)) and clean_key_part(value) == value.strip().lower()


def _identity(
    scope: SessionScope, user_input: conversation.ConversationInput, conversation_id: str
) -> str:
    """The scope's ``kind-id`` part, falling back to coarser scopes when an id is missing."""
    device = (
        f"device-{user_input.device_id}"
        if user_input.device_id
        else f"satellite-{user_input.satellite_id}"
        if user_input.satellite_id
        else None
    )
    user = f"user-{user_input.context.user_id}" if user_input.context.user_id else None
    order = {
        SessionScope.DEVICE: (device, user),
        SessionScope.USER: (user, device),
    }.get(scope, ())
    for candidate in order:
        if candidate:
            return candidate
    return f"conversation-{conversation_id}"


def session_key(
    agent_id: str,
    options: Mapping[str, Any],
    user_input: conversation.ConversationInput,
    conversation_id: str,
) -> str:
    """``agent:<agentId>:<key>`` for this turn, as the subentry's session scope says."""
    try:
        scope = SessionScope(options.get(CONF_SESSION_SCOPE, DEFAULT_SESSION_SCOPE))
    except ValueError:
        scope = DEFAULT_SESSION_SCOPE
    if scope is SessionScope.FIXED:
        rest = clean_key_part(str(options.get(CONF_SESSION_KEY) or DEFAULT_FIXED_SESSION_KEY))
    else:
        rest = "ha-" + clean_key_part(_identity(scope, user_input, conversation_id))
    return f"agent:{clean_key_part(agent_id) or 'main'}:{rest or DEFAULT_FIXED_SESSION_KEY}"


async def context_line(hass: HomeAssistant, user_input: conversation.ConversationInput) -> str:
    """The stable facts about who asks from where, as one line for the agent."""
    facts: list[str] = []
    device_id = user_input.device_id
    area_id: str | None = None
    if user_input.satellite_id:
        entity = er.async_get(hass).async_get(user_input.satellite_id)
        if entity is not None:
            area_id = entity.area_id
            device_id = device_id or entity.device_id
    if device_id and (device := dr.async_get(hass).async_get(device_id)) is not None:
        facts.append(f'device "{device.name_by_user or device.name or device_id}"')
        area_id = area_id or dr.async_get_effective_area_id(hass, device)
    if area_id and (area := ar.async_get(hass).async_get_area(area_id)) is not None:
        facts.append(f'area "{area.name}"')
    if user_input.satellite_id:
        state = hass.states.get(user_input.satellite_id)
        name = state.name if state is not None else user_input.satellite_id
        facts.append(f'satellite "{name}" ({user_input.satellite_id})')
    if user_input.context.user_id and (
        user := await hass.auth.async_get_user(user_input.context.user_id)
    ):
        facts.append(f'user "{user.name}"')
    facts.append(f"language {user_input.language}")
    return "[Home Assistant: " + "; ".join(facts) + "]"


async def agent_message(
    hass: HomeAssistant, user_input: conversation.ConversationInput, send_context: bool
) -> str:
    """The text sent with ``chat.send``: what was said, then the context and instructions."""
    parts = [user_input.text]
    if send_context:
        parts.append(await context_line(hass, user_input))
    if user_input.extra_system_prompt:
        parts.append(f"[Home Assistant instructions: {user_input.extra_system_prompt}]")
    return "\n\n".join(parts)
