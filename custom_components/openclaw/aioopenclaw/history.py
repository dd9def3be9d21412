"""Typed views of ``GET /sessions/{key}/history`` answers (JSON page and SSE events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ProtocolError

MAX_HISTORY_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of a transcript, oldest message first.

    ``next_cursor`` asks for the messages before this page (``seq < N``).
    """

    session_key: str
    messages: tuple[dict[str, Any], ...]
    has_more: bool
    next_cursor: str | None

    @classmethod
    def from_payload(cls, data: Any) -> HistoryPage:
        if not isinstance(data, dict):
            raise ProtocolError("history answer is not a JSON object")
        raw = data.get("messages")
        if not isinstance(raw, list):
            raw = data.get("items")  # both hold the same projection; older builds had one
        if not isinstance(raw, list):
            raise ProtocolError("history answer has no messages list")
        cursor = data.get("nextCursor")
        next_cursor = (
            str(cursor) if isinstance(cursor, (str, int)) and not isinstance(cursor, bool) else None
        )
        key = data.get("sessionKey")
        return cls(
            session_key=key if isinstance(key, str) else "",
            messages=tuple(m for m in raw if isinstance(m, dict)),
            has_more=data.get("hasMore") is True,
            next_cursor=next_cursor or None,
        )


@dataclass(frozen=True, slots=True)
class HistoryMessageEvent:
    """A message appended to the transcript while streaming (SSE ``event: message``)."""

    session_key: str
    message: dict[str, Any]
    message_id: str | None
    message_seq: int | None

    @classmethod
    def from_payload(cls, data: Any) -> HistoryMessageEvent:
        if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
            raise ProtocolError("history message event has no message")
        key = data.get("sessionKey")
        message_id = data.get("messageId")
        seq = data.get("messageSeq")
        return cls(
            session_key=key if isinstance(key, str) else "",
            message=data["message"],
            message_id=message_id if isinstance(message_id, str) else None,
            message_seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
        )


HistoryStreamEvent = HistoryPage | HistoryMessageEvent
