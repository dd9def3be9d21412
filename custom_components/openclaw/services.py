"""Actions of the OpenClaw integration (registered once in ``async_setup``).

send/abort talk to a session over the WS connection; wake goes through ``/hooks/wake`` when a
hooks token is configured (else the WS ``wake`` method); run_agent needs the hooks token
(``/hooks/agent``). history, list_sessions and preview only read and return data.
"""

from __future__ import annotations

from typing import Any

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonObjectType
import probatio as vol

from .aioopenclaw import NotFoundError, OpenClawError, SessionInfo, Usage, message_text
from .aioopenclaw.history import MAX_HISTORY_LIMIT
from .compat import http_history_usable, note_http_history_refused
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_RUN_ID,
    ATTR_SESSION_KEY,
    CONF_PASSWORD,
    CONF_TOKEN,
    DOMAIN,
)
from .coordinator import OpenClawConfigEntry
from .errors import translate_error
from .nodes import async_setup_node_services
from .service_attachments import collect_attachments
from .service_target import (
    SessionTarget,
    canonical_session_key,
    ensure_exists,
    entry_of_call,
    session_of_entity,
    target_of_call,
)

SERVICE_SEND = "send"
SERVICE_ABORT = "abort"
SERVICE_WAKE = "wake"
SERVICE_RUN_AGENT = "run_agent"
SERVICE_HISTORY = "history"
SERVICE_LIST_SESSIONS = "list_sessions"
SERVICE_PREVIEW = "preview"

ATTR_MESSAGE = "message"
ATTR_FILES = "files"
ATTR_CAMERAS = "cameras"
ATTR_ATTACHMENTS = "attachments"
ATTR_THINKING = "thinking"
ATTR_DELIVER = "deliver"
ATTR_TIMEOUT = "timeout"
ATTR_WAIT_FOR_REPLY = "wait_for_reply"
ATTR_IDEMPOTENCY_KEY = "idempotency_key"
ATTR_TEXT = "text"
ATTR_MODE = "mode"
ATTR_NAME = "name"
ATTR_AGENT_ID = "agent_id"
ATTR_MODEL = "model"
ATTR_WAKE_MODE = "wake_mode"
ATTR_LIMIT = "limit"
ATTR_CURSOR = "cursor"
ATTR_SEARCH = "search"
ATTR_SESSION_KEYS = "session_keys"
ATTR_MAX_CHARS = "max_chars"

WAKE_MODES = ["now", "next-heartbeat"]
# The longest an action waits for a reply when no run timeout is given.
DEFAULT_REPLY_WAIT = 600
# With a run timeout, the gateway ends the run itself; wait a little longer for that end.
REPLY_WAIT_GRACE = 30
MAX_RUN_TIMEOUT = 86400
DEFAULT_HISTORY_LIMIT = 50
DEFAULT_LIST_LIMIT = 50
MAX_LIST_LIMIT = 1000
MAX_PREVIEW_KEYS = 50

_positive_int = vol.All(vol.Coerce(int), vol.Range(min=1))
# A session entity, or an entry (optional when there is one) and a session key.
_TARGET: dict[Any, Any] = {
    vol.Exclusive(ATTR_ENTITY_ID, "session"): cv.entity_id,
    vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
    vol.Exclusive(ATTR_SESSION_KEY, "session"): cv.string,
}
# cv.entity_ids raises TypeError (not Invalid) for a number or a bool: check the type first.
_ENTITY_IDS = vol.All(vol.Any(str, list), cv.entity_ids)
_IDEMPOTENCY_KEY = vol.All(cv.string, vol.Length(min=1, max=200))

SEND_SCHEMA = vol.Schema(
    {
        **_TARGET,
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Optional(ATTR_ATTACHMENTS, default=list): vol.All(
            cv.ensure_list,
            [vol.Schema({vol.Required("media_content_id"): cv.string}, extra=vol.ALLOW_EXTRA)],
        ),
        vol.Optional(ATTR_FILES, default=list): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_CAMERAS, default=list): vol.All(
            _ENTITY_IDS, [cv.entity_domain("camera")]
        ),
        vol.Optional(ATTR_THINKING): cv.string,
        vol.Optional(ATTR_DELIVER): cv.boolean,
        vol.Optional(ATTR_TIMEOUT): vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_RUN_TIMEOUT)),
        vol.Optional(ATTR_WAIT_FOR_REPLY, default=False): cv.boolean,
        vol.Optional(ATTR_IDEMPOTENCY_KEY): _IDEMPOTENCY_KEY,
    }
)
ABORT_SCHEMA = vol.Schema({**_TARGET, vol.Optional(ATTR_RUN_ID): cv.string})
WAKE_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_TEXT): cv.string,
        vol.Optional(ATTR_MODE, default="now"): vol.In(WAKE_MODES),
    }
)
RUN_AGENT_SCHEMA = vol.Schema(
    {
        **_TARGET,
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Optional(ATTR_NAME): cv.string,
        vol.Optional(ATTR_AGENT_ID): cv.string,
        vol.Optional(ATTR_MODEL): cv.string,
        vol.Optional(ATTR_THINKING): cv.string,
        vol.Optional(ATTR_DELIVER): cv.boolean,
        vol.Optional(ATTR_TIMEOUT): vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_RUN_TIMEOUT)),
        vol.Optional(ATTR_WAKE_MODE): vol.In(WAKE_MODES),
        vol.Optional(ATTR_IDEMPOTENCY_KEY): _IDEMPOTENCY_KEY,
    }
)
HISTORY_SCHEMA = vol.Schema(
    {
        **_TARGET,
        vol.Optional(ATTR_LIMIT, default=DEFAULT_HISTORY_LIMIT): _positive_int,
        vol.Optional(ATTR_CURSOR): vol.All(cv.string, vol.Match(r"^(seq:)?[1-9][0-9]*$")),
    }
)
LIST_SESSIONS_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_LIMIT, default=DEFAULT_LIST_LIMIT): _positive_int,
        vol.Optional(ATTR_SEARCH): cv.string,
        vol.Optional(ATTR_AGENT_ID): cv.string,
    }
)
PREVIEW_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_ENTITY_ID, default=list): _ENTITY_IDS,
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_SESSION_KEYS, default=list): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_LIMIT): vol.All(vol.Coerce(int), vol.Range(min=1, max=100)),
        vol.Optional(ATTR_MAX_CHARS): vol.All(vol.Coerce(int), vol.Range(min=20, max=8000)),
    }
)


def _validation_error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _check_limit(limit: int, maximum: int) -> None:
    if limit > maximum:
        raise _validation_error("limit_too_large", limit=str(limit), maximum=str(maximum))


def _iso(ms: Any) -> str | None:
    if isinstance(ms, bool) or not isinstance(ms, (int, float)):
        return None
    return dt_util.utc_from_timestamp(ms / 1000).isoformat()


def _usage(usage: Usage | None) -> JsonObjectType | None:
    if usage is None:
        return None
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }


# -- send / abort ----------------------------------------------------------------------------


async def _async_send(call: ServiceCall) -> ServiceResponse:
    target = target_of_call(call.hass, call)
    data = call.data
    # Every attachment is read and checked before the gateway hears of this message.
    attachments = await collect_attachments(
        call.hass,
        target.entry,
        files=data[ATTR_FILES],
        cameras=data[ATTR_CAMERAS],
        media=data[ATTR_ATTACHMENTS],
    )
    await ensure_exists(target)
    timeout: int | None = data.get(ATTR_TIMEOUT)
    client = target.entry.runtime_data.client
    try:
        # chat_send resends with the same idempotency key after a reconnect: one run at most.
        handle = await client.chat_send(
            target.session_key,
            data[ATTR_MESSAGE],
            attachments=attachments or None,
            thinking=data.get(ATTR_THINKING),
            deliver=data.get(ATTR_DELIVER),
            timeout_ms=timeout * 1000 if timeout else None,
            idempotency_key=data.get(ATTR_IDEMPOTENCY_KEY),
        )
    except OpenClawError as err:
        raise translate_error(err) from err
    response: JsonObjectType = {
        "run_id": handle.run_id,
        "status": handle.ack.status if handle.ack else "started",
    }
    if data[ATTR_WAIT_FOR_REPLY]:
        wait = timeout + REPLY_WAIT_GRACE if timeout else DEFAULT_REPLY_WAIT
        try:
            # Errors and aborts raise (translated): their text is never passed off as a reply.
            result = await handle.wait(wait)
        except OpenClawError as err:
            raise translate_error(err) from err
        response["status"] = result.state.value
        response["text"] = result.text
        coordinator = target.entry.runtime_data.coordinator
        usage = await coordinator.async_full_usage(result.session_key, result.run_id, result.usage)
        response["usage"] = _usage(usage)
    return response if call.return_response else None


async def _async_abort(call: ServiceCall) -> ServiceResponse:
    target = target_of_call(call.hass, call)
    await ensure_exists(target)
    try:
        payload = await target.entry.runtime_data.client.chat_abort(
            target.session_key, call.data.get(ATTR_RUN_ID)
        )
    except OpenClawError as err:
        raise translate_error(err) from err
    run_ids = payload.get("runIds")
    response: JsonObjectType = {
        "aborted": bool(payload.get("aborted")),
        "run_ids": [str(r) for r in run_ids] if isinstance(run_ids, list) else [],
    }
    return response if call.return_response else None


# -- hooks and wake --------------------------------------------------------------------------


async def _async_wake(call: ServiceCall) -> ServiceResponse:
    entry = entry_of_call(call.hass, call)
    text: str = call.data[ATTR_TEXT]
    mode: str = call.data[ATTR_MODE]
    runtime = entry.runtime_data
    try:
        if runtime.http.hooks_enabled:
            payload = await runtime.http.wake(text, "now" if mode == "now" else "next-heartbeat")
        else:
            payload = await runtime.client.wake(text, mode)
    except OpenClawError as err:
        raise translate_error(err) from err
    response: JsonObjectType = {"ok": bool(payload.get("ok", True))}
    return response if call.return_response else None


def _hooks_target(call: ServiceCall) -> tuple[OpenClawConfigEntry, str | None]:
    """The entry and the optional session key for ``/hooks/agent``.

    A key typed by the user goes as written: the gateway's ``allowedSessionKeyPrefixes``
    check applies to what the hook request carries.
    """
    if call.data.get(ATTR_ENTITY_ID):
        target = session_of_entity(call.hass, call.data[ATTR_ENTITY_ID])
        entry_id = call.data.get(ATTR_CONFIG_ENTRY_ID)
        if entry_id and entry_id != target.entry.entry_id:
            raise _validation_error("target_mismatch", entity_id=call.data[ATTR_ENTITY_ID])
        return target.entry, target.session_key
    entry = entry_of_call(call.hass, call)
    key: str | None = call.data.get(ATTR_SESSION_KEY)
    return entry, (key.strip() or None) if key else None


async def _async_run_agent(call: ServiceCall) -> ServiceResponse:
    entry, session_key = _hooks_target(call)
    http = entry.runtime_data.http
    if not http.hooks_enabled:
        raise _validation_error(
            "hooks_not_configured", error="no hooks token in the integration options"
        )
    data = call.data
    wake_mode = data.get(ATTR_WAKE_MODE)
    try:
        run_id = await http.run_agent(
            data[ATTR_MESSAGE],
            name=data.get(ATTR_NAME),
            agent_id=data.get(ATTR_AGENT_ID),
            session_key=session_key,
            idempotency_key=data.get(ATTR_IDEMPOTENCY_KEY),
            deliver=data.get(ATTR_DELIVER),
            thinking=data.get(ATTR_THINKING),
            timeout_seconds=data.get(ATTR_TIMEOUT),
            model=data.get(ATTR_MODEL),
            wake_mode=None
            if wake_mode is None
            else ("now" if wake_mode == "now" else "next-heartbeat"),
        )
    except OpenClawError as err:
        raise translate_error(err) from err
    response: JsonObjectType = {"run_id": run_id}
    return response if call.return_response else None


# -- reads -----------------------------------------------------------------------------------


def _message_row(message: dict[str, Any]) -> JsonObjectType:
    row: JsonObjectType = {
        "role": str(message.get("role") or ""),
        "text": message_text(message),
    }
    if (timestamp := _iso(message.get("timestamp"))) is not None:
        row["timestamp"] = timestamp
    meta = message.get("__openclaw")
    run_id = meta.get("runId") if isinstance(meta, dict) else None
    if isinstance(run_id, str) and run_id:
        row["run_id"] = run_id
    return row


def _has_shared_secret(entry: OpenClawConfigEntry) -> bool:
    # The HTTP history route takes the gateway token or password, never a device token.
    return bool(entry.data.get(CONF_TOKEN) or entry.data.get(CONF_PASSWORD))


async def _history_http(target: SessionTarget, limit: int, cursor: str | None) -> JsonObjectType:
    entry = target.entry
    try:
        page = await entry.runtime_data.http.session_history(
            target.session_key, limit=limit, cursor=cursor
        )
    except NotFoundError as err:
        raise _validation_error(
            "unknown_session", session_key=target.session_key, title=entry.title
        ) from err
    except OpenClawError as err:
        if cursor is None and note_http_history_refused(
            entry.entry_id, entry.runtime_data.client.hello, err
        ):
            return await _history_ws(target, limit)  # 2026.5.12 refuses the route: 403
        raise translate_error(err) from err
    response: JsonObjectType = {
        "session_key": page.session_key or target.session_key,
        "messages": [_message_row(m) for m in page.messages],
        "has_more": page.has_more,
    }
    if page.has_more and page.next_cursor:
        response["next_cursor"] = page.next_cursor
    return response


async def _history_ws(target: SessionTarget, limit: int) -> JsonObjectType:
    await ensure_exists(target)
    try:
        payload = await target.entry.runtime_data.client.request(
            "chat.history", {"sessionKey": target.session_key, "limit": limit}
        )
    except OpenClawError as err:
        raise translate_error(err) from err
    payload = payload if isinstance(payload, dict) else {}
    messages = payload.get("messages")
    return {
        "session_key": str(payload.get("sessionKey") or target.session_key),
        "messages": [
            _message_row(m)
            for m in (messages if isinstance(messages, list) else [])
            if isinstance(m, dict)
        ],
        "has_more": payload.get("hasMore") is True,
    }


async def _async_history(call: ServiceCall) -> ServiceResponse:
    limit: int = call.data[ATTR_LIMIT]
    _check_limit(limit, MAX_HISTORY_LIMIT)
    target = target_of_call(call.hass, call)
    cursor: str | None = call.data.get(ATTR_CURSOR)
    if _has_shared_secret(target.entry) and http_history_usable(
        target.entry.entry_id, target.entry.runtime_data.client.hello
    ):
        return await _history_http(target, limit, cursor)
    if cursor is not None:
        raise _validation_error("history_cursor_unavailable")
    return await _history_ws(target, limit)


def _session_row(info: SessionInfo) -> JsonObjectType:
    return {
        "key": info.key,
        "title": info.title,
        "updated_at": _iso(info.updated_at),
        "model": info.model,
        "total_tokens": info.total_tokens,
    }


async def _async_list_sessions(call: ServiceCall) -> ServiceResponse:
    limit: int = call.data[ATTR_LIMIT]
    _check_limit(limit, MAX_LIST_LIMIT)
    entry = entry_of_call(call.hass, call)
    try:
        rows = await entry.runtime_data.client.sessions_list(
            limit=limit,
            search=call.data.get(ATTR_SEARCH) or None,
            agent_id=call.data.get(ATTR_AGENT_ID) or None,
        )
    except OpenClawError as err:
        raise translate_error(err) from err
    return {"sessions": [_session_row(row) for row in rows]}


def _preview_keys(call: ServiceCall) -> tuple[OpenClawConfigEntry, list[str]]:
    """The entry and the session keys to preview (default: the exposed sessions)."""
    targets = [session_of_entity(call.hass, e) for e in call.data[ATTR_ENTITY_ID]]
    entry_id: str | None = call.data.get(ATTR_CONFIG_ENTRY_ID)
    entries = {t.entry.entry_id for t in targets}
    if len(entries) > 1 or (entry_id and entries and entry_id not in entries):
        raise _validation_error("target_mismatch", entity_id=", ".join(call.data[ATTR_ENTITY_ID]))
    entry = targets[0].entry if targets else entry_of_call(call.hass, call)
    keys = [t.session_key for t in targets]
    keys += [canonical_session_key(entry, k) for k in call.data[ATTR_SESSION_KEYS]]
    if not keys:
        keys = list(entry.runtime_data.coordinator.sessions)
    keys = list(dict.fromkeys(keys))  # unique, in order
    _check_limit(len(keys), MAX_PREVIEW_KEYS)
    return entry, keys


async def _async_preview(call: ServiceCall) -> ServiceResponse:
    entry, keys = _preview_keys(call)
    if not keys:
        return {"previews": []}
    try:
        previews = await entry.runtime_data.client.sessions_preview(
            keys, limit=call.data.get(ATTR_LIMIT), max_chars=call.data.get(ATTR_MAX_CHARS)
        )
    except OpenClawError as err:
        raise translate_error(err) from err
    return {
        "previews": [
            {
                "key": str(preview.get("key") or ""),
                "status": str(preview.get("status") or ""),
                "items": [
                    {
                        "role": str(item.get("role") or ""),
                        # message_text drops the envelope older releases leave in user text.
                        "text": message_text(
                            {"role": item.get("role"), "content": str(item.get("text") or "")}
                        ),
                    }
                    for item in preview.get("items") or []
                    if isinstance(item, dict)
                ],
            }
            for preview in previews
        ]
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    register = hass.services.async_register
    register(DOMAIN, SERVICE_SEND, _async_send, SEND_SCHEMA, SupportsResponse.OPTIONAL)
    register(DOMAIN, SERVICE_ABORT, _async_abort, ABORT_SCHEMA, SupportsResponse.OPTIONAL)
    register(DOMAIN, SERVICE_WAKE, _async_wake, WAKE_SCHEMA, SupportsResponse.OPTIONAL)
    register(
        DOMAIN, SERVICE_RUN_AGENT, _async_run_agent, RUN_AGENT_SCHEMA, SupportsResponse.OPTIONAL
    )
    register(DOMAIN, SERVICE_HISTORY, _async_history, HISTORY_SCHEMA, SupportsResponse.ONLY)
    register(
        DOMAIN,
        SERVICE_LIST_SESSIONS,
        _async_list_sessions,
        LIST_SESSIONS_SCHEMA,
        SupportsResponse.ONLY,
    )
    register(DOMAIN, SERVICE_PREVIEW, _async_preview, PREVIEW_SCHEMA, SupportsResponse.ONLY)
    async_setup_node_services(hass)
