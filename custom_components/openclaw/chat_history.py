"""Pages of a session's transcript for the dashboard card, newest first, older on request.

The cursor is ``seq:N`` (messages before transcript seq N) on both paths:
- with the gateway token or password, the HTTP history route pages natively;
- a paired device (device token only) has just ``chat.history``, which returns the newest
  messages; an older page asks for a few more than the card already has and keeps those
  before the cursor (at most ``HISTORY_LIMIT_MAX`` back).
Rows hold what the card shows (role, text, time, run, image count, stopped or failed), never
image data.
"""

from __future__ import annotations

from typing import Any

from homeassistant.util import dt as dt_util

from .aioopenclaw import NotFoundError, OpenClawError, message_text
from .aioopenclaw.client import HISTORY_LIMIT_MAX
from .compat import http_history_usable, note_http_history_refused
from .const import CONF_PASSWORD, CONF_TOKEN
from .coordinator import OpenClawConfigEntry
from .errors import translate_error

# Roles the card shows; tool results and the like stay out.
_SHOWN_ROLES = ("user", "assistant")
CURSOR_PREFIX = "seq:"


def parse_cursor(cursor: str | None) -> int | None:
    """``seq:N`` or ``N`` -> N (the schema has checked the shape)."""
    if not cursor:
        return None
    return int(cursor.removeprefix(CURSOR_PREFIX))


def _seq(message: dict[str, Any]) -> int | None:
    meta = message.get("__openclaw")
    seq = meta.get("seq") if isinstance(meta, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def _run_id(message: dict[str, Any]) -> str | None:
    meta = message.get("__openclaw")
    run_id = meta.get("runId") if isinstance(meta, dict) else None
    if isinstance(run_id, str) and run_id:
        return run_id
    # User rows carry the run in their idempotency key ("<runId>:user").
    key = message.get("idempotencyKey")
    if isinstance(key, str) and key.endswith(":user"):
        return key.removesuffix(":user") or None
    return None


def _image_count(message: dict[str, Any]) -> int:
    """Images in the message: content parts, or (2026.9.6) the media the gateway stored."""
    content = message.get("content")
    parts = content if isinstance(content, list) else []
    inline = sum(1 for p in parts if isinstance(p, dict) and p.get("type") == "image")
    meta = message.get("__openclaw")
    media = meta.get("media") if isinstance(meta, dict) else None
    stored = sum(
        1
        for m in (media if isinstance(media, list) else [])
        if isinstance(m, dict)
        and (m.get("kind") == "image" or str(m.get("contentType", "")).startswith("image/"))
    )
    return max(inline, stored)


def card_row(message: dict[str, Any]) -> dict[str, Any] | None:
    """What the card shows of one transcript message (None: not shown)."""
    role = message.get("role")
    if role not in _SHOWN_ROLES:
        return None
    images = _image_count(message)
    text = message_text(message)
    error = message.get("errorMessage")
    if not text and not images and not error:
        return None  # a tool call without words
    row: dict[str, Any] = {"role": role, "text": text}
    if (seq := _seq(message)) is not None:
        row["seq"] = seq
    timestamp = message.get("timestamp")
    if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool):
        row["timestamp"] = dt_util.utc_from_timestamp(timestamp / 1000).isoformat()
    if (run_id := _run_id(message)) is not None:
        row["run_id"] = run_id
    if images:
        row["images"] = images
    if isinstance(error, str) and error:
        row["error"] = error
    # A reply cut short by chat.abort keeps its words and says so.
    abort = message.get("openclawAbort")
    if (isinstance(abort, dict) and abort.get("aborted") is True) or message.get(
        "stopReason"
    ) == "aborted":
        row["aborted"] = True
    return row


def _page(
    session_key: str, messages: list[dict[str, Any]], has_more: bool, next_cursor: str | None
) -> dict[str, Any]:
    rows = [row for m in messages if (row := card_row(m)) is not None]
    page: dict[str, Any] = {
        "session_key": session_key,
        "messages": rows,
        "has_more": has_more and next_cursor is not None,
    }
    if page["has_more"]:
        page["next_cursor"] = next_cursor
    return page


def _has_shared_secret(entry: OpenClawConfigEntry) -> bool:
    # The HTTP history route takes the gateway token or password, never a device token.
    return bool(entry.data.get(CONF_TOKEN) or entry.data.get(CONF_PASSWORD))


async def async_history_page(
    entry: OpenClawConfigEntry, session_key: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """One page for the card; raises translated HA errors."""
    before = parse_cursor(cursor)
    hello = entry.runtime_data.client.hello
    try:
        if _has_shared_secret(entry) and http_history_usable(entry.entry_id, hello):
            try:
                return await _http_page(entry, session_key, limit, before)
            except OpenClawError as err:
                # 2026.5.12 refuses the route to the gateway token (403): read over WS.
                if not note_http_history_refused(entry.entry_id, hello, err):
                    raise
        return await _ws_page(entry, session_key, limit, before)
    except NotFoundError:
        # A session without a transcript yet (a fresh main session) reads as empty.
        return _page(session_key, [], False, None)
    except OpenClawError as err:
        raise translate_error(err) from err


async def _http_page(
    entry: OpenClawConfigEntry, session_key: str, limit: int, before: int | None
) -> dict[str, Any]:
    page = await entry.runtime_data.http.session_history(
        session_key, limit=limit, cursor=f"{CURSOR_PREFIX}{before}" if before else None
    )
    messages = list(page.messages)
    next_cursor = page.next_cursor
    if next_cursor is None and messages and (oldest := _seq(messages[0])) is not None:
        next_cursor = str(oldest)
    if next_cursor is not None and next_cursor.isdigit():
        next_cursor = f"{CURSOR_PREFIX}{next_cursor}"  # 2026.9.6 sends the bare number
    return _page(session_key, messages, page.has_more, next_cursor)


async def _ws_page(
    entry: OpenClawConfigEntry, session_key: str, limit: int, before: int | None
) -> dict[str, Any]:
    client = entry.runtime_data.client
    # The card holds about one page newer than the cursor, so twice the page usually reaches
    # back far enough in one request; otherwise ask for four times as many, up to the maximum.
    want = limit if before is None else 2 * limit
    while True:
        want = min(want, HISTORY_LIMIT_MAX)
        payload = await client.request("chat.history", {"sessionKey": session_key, "limit": want})
        payload = payload if isinstance(payload, dict) else {}
        raw = payload.get("messages")
        messages = [m for m in raw if isinstance(m, dict)] if isinstance(raw, list) else []
        upstream_more = payload.get("hasMore") is True or len(messages) >= want
        if before is not None:
            messages = [m for m in messages if (seq := _seq(m)) is not None and seq < before]
            if len(messages) < limit and upstream_more and want < HISTORY_LIMIT_MAX:
                want *= 4
                continue
        page = messages[-limit:]
        has_more = len(messages) > len(page) or (upstream_more and want < HISTORY_LIMIT_MAX)
        oldest = _seq(page[0]) if page else None
        next_cursor = f"{CURSOR_PREFIX}{oldest}" if oldest is not None else None
        return _page(session_key, page, has_more, next_cursor)
