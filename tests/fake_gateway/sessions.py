"""In-memory session rows and transcripts, with the gateway's session-key canonicalisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
import uuid

from .auth import now_ms

MODEL_PROVIDER = "fake"
MODEL_ID = "echo-1"
CONTEXT_TOKENS = 128000
HISTORY_TEXT_LIMIT = 8000


def canonical_key(key: str, agent_id: str | None, default_agent: str, main_key: str) -> str:
    """``""``/``main`` -> main session; no ``agent:`` prefix -> ``agent:<agentId>:<key>``."""
    raw = key.strip().lower()
    agent = (agent_id or default_agent).strip().lower()
    if raw in ("", "main", main_key):
        return f"agent:{agent}:{main_key}"
    if raw in ("global", "unknown") or raw.startswith("agent:"):
        return raw
    return f"agent:{agent}:{raw}"


def agent_of(key: str, default_agent: str) -> str:
    parts = key.split(":")
    return parts[1] if len(parts) >= 3 and parts[0] == "agent" else default_agent


@dataclass
class Session:
    key: str
    agent_id: str
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: int = field(default_factory=now_ms)
    updated_at: int = field(default_factory=now_ms)
    settings: dict[str, Any] = field(default_factory=dict)  # patched fields
    messages: list[dict[str, Any]] = field(default_factory=list)
    next_seq: int = 1
    input_tokens: int = 0
    output_tokens: int = 0

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "key": self.key,
            "kind": "direct",
            "sessionId": self.session_id,
            "agentId": self.agent_id,
            "updatedAt": self.updated_at,
            "modelProvider": MODEL_PROVIDER,
            "model": MODEL_ID,
            "contextTokens": CONTEXT_TOKENS,
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "totalTokens": self.input_tokens + self.output_tokens,
        }
        row.update({k: v for k, v in self.settings.items() if v is not None})
        last = self.last_text()
        if last is not None:
            row["lastMessagePreview"] = last[:240]
        return row

    def last_text(self) -> str | None:
        for msg in reversed(self.messages):
            text = message_text(msg)
            if text:
                return text
        return None

    def append(self, message: dict[str, Any]) -> dict[str, Any]:
        """Append with ``__openclaw.{id, seq}`` filled in; returns the stored message."""
        seq = self.next_seq
        self.next_seq += 1
        meta = dict(message.get("__openclaw") or {})
        meta.update({"id": f"msg-{uuid.uuid4().hex[:12]}", "seq": seq})
        stored = {**message, "__openclaw": meta}
        self.messages.append(stored)
        self.updated_at = now_ms()
        return stored


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def project_for_history(message: dict[str, Any]) -> dict[str, Any]:
    """Display projection used by chat.history and HTTP history: long text is cut."""
    content = message.get("content")
    if isinstance(content, str) and len(content) > HISTORY_TEXT_LIMIT:
        return {**message, "content": content[:HISTORY_TEXT_LIMIT]}
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                part = {**part, "text": part["text"][:HISTORY_TEXT_LIMIT]}
            parts.append(part)
        return {**message, "content": parts}
    return message


class SessionStore:
    def __init__(self, default_agent: str = "main", main_key: str = "main") -> None:
        self.default_agent = default_agent
        self.main_key = main_key
        self.sessions: dict[str, Session] = {}

    def canonical(self, key: str, agent_id: str | None = None) -> str:
        return canonical_key(key, agent_id, self.default_agent, self.main_key)

    @property
    def main_session_key(self) -> str:
        return f"agent:{self.default_agent}:{self.main_key}"

    def get(self, key: str) -> Session | None:
        return self.sessions.get(key)

    def ensure(self, key: str) -> Session:
        session = self.sessions.get(key)
        if session is None:
            session = Session(key=key, agent_id=agent_of(key, self.default_agent))
            self.sessions[key] = session
        return session

    def rows(
        self,
        *,
        limit: int | None = None,
        agent_id: str | None = None,
        search: str | None = None,
        label: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        items = sorted(self.sessions.values(), key=lambda s: s.updated_at, reverse=True)
        if agent_id:
            items = [s for s in items if s.agent_id == agent_id.lower()]
        if label is not None:
            items = [s for s in items if s.settings.get("label") == label]
        if search:
            needle = search.lower()
            items = [
                s
                for s in items
                if needle in s.key
                or needle in str(s.settings.get("label") or "").lower()
                or needle in str(s.settings.get("displayName") or "").lower()
            ]
        total = len(items)
        if limit is not None:
            items = items[:limit]
        return [s.row() for s in items], total
