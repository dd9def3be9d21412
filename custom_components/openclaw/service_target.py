"""Which gateway and session an action is for: a session entity, or an entry and a session key."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er, service

from .aioopenclaw import OpenClawError
from .const import ATTR_CONFIG_ENTRY_ID, ATTR_SESSION_KEY, DOMAIN
from .coordinator import SESSIONS_LIST_LIMIT, OpenClawConfigEntry
from .errors import translate_error

RESERVED_SESSION_KEYS = ("global", "unknown")


@dataclass(frozen=True, slots=True)
class SessionTarget:
    entry: OpenClawConfigEntry
    session_key: str


def _validation_error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


@callback
def session_of_entity(hass: HomeAssistant, entity_id: str) -> SessionTarget:
    """The entry and session of an OpenClaw session entity.

    Session entities have unique ids ``f"{entry_id}_{session_key}_{key}"`` (entity.py); the
    session is the exposed one whose prefix matches (the longest, should keys nest).
    """
    entity = er.async_get(hass).async_get(entity_id)
    if entity is None or entity.platform != DOMAIN or entity.config_entry_id is None:
        raise _validation_error("not_session_entity", entity_id=entity_id)
    entry: OpenClawConfigEntry = service.async_get_config_entry(
        hass, DOMAIN, entity.config_entry_id
    )
    prefix = f"{entry.entry_id}_"
    rest = entity.unique_id.removeprefix(prefix)
    matches = [
        key
        for key in entry.runtime_data.coordinator.sessions
        if entity.unique_id.startswith(prefix) and rest.startswith(f"{key}_")
    ]
    if not matches:
        raise _validation_error("not_session_entity", entity_id=entity_id)
    return SessionTarget(entry, max(matches, key=len))


@callback
def entry_of_call(hass: HomeAssistant, call: ServiceCall) -> OpenClawConfigEntry:
    """The entry named by ``entity_id`` or ``config_entry_id``, or the only one there is."""
    entity_id: str | None = call.data.get(ATTR_ENTITY_ID)
    if entity_id:
        return target_of_call(hass, call).entry
    entry: OpenClawConfigEntry = service.async_get_config_entry(
        hass, DOMAIN, call.data.get(ATTR_CONFIG_ENTRY_ID)
    )
    return entry


@callback
def target_of_call(
    hass: HomeAssistant, call: ServiceCall, *, default_main: bool = True
) -> SessionTarget:
    """The session an action is for (not checked against the gateway; see ``ensure_exists``).

    ``entity_id`` wins; otherwise ``config_entry_id`` (optional with a single entry) plus
    ``session_key``, which defaults to the gateway's main session when ``default_main``.
    """
    entity_id: str | None = call.data.get(ATTR_ENTITY_ID)
    entry_id: str | None = call.data.get(ATTR_CONFIG_ENTRY_ID)
    if entity_id:
        target = session_of_entity(hass, entity_id)
        if entry_id and entry_id != target.entry.entry_id:
            raise _validation_error("target_mismatch", entity_id=entity_id)
        return target
    entry: OpenClawConfigEntry = service.async_get_config_entry(hass, DOMAIN, entry_id)
    key: str | None = call.data.get(ATTR_SESSION_KEY)
    if key is None or not key.strip():
        if not default_main:
            return SessionTarget(entry, "")
        hello = entry.runtime_data.client.hello
        if hello is None:
            raise _validation_error("no_session", title=entry.title)
        return SessionTarget(entry, hello.main_session_key)
    return SessionTarget(entry, canonical_session_key(entry, key))


def canonical_session_key(entry: OpenClawConfigEntry, key: str) -> str:
    """The gateway's canonical form (``main`` -> the main session, ``x`` -> ``agent:<id>:x``)."""
    hello = entry.runtime_data.client.hello
    agent = hello.default_agent_id if hello else "main"
    main_key = hello.main_key if hello else "main"
    raw = key.strip().lower()
    if raw in ("", "main", main_key):
        return hello.main_session_key if hello else f"agent:{agent}:{main_key}"
    if raw in RESERVED_SESSION_KEYS or raw.startswith("agent:"):
        return raw
    return f"agent:{agent}:{raw}"


async def ensure_exists(target: SessionTarget) -> None:
    """Refuse a session the gateway does not have (exposed sessions need no request)."""
    coordinator = target.entry.runtime_data.coordinator
    if target.session_key in coordinator.sessions:
        return
    try:
        rows = await coordinator.client.sessions_list(
            search=target.session_key, limit=SESSIONS_LIST_LIMIT
        )
    except OpenClawError as err:
        raise translate_error(err) from err
    if not any(row.key == target.session_key for row in rows):
        raise _validation_error(
            "unknown_session", session_key=target.session_key, title=target.entry.title
        )
