"""Typed views of what the gateway sends. Unknown fields are kept in ``raw``, never rejected."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import math
import re
from typing import Any

DEFAULT_TICK_INTERVAL_MS = 30_000


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    """An int from a JSON number; None for anything else (JSON may carry NaN or Infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if math.isfinite(value) else None


def _positive(value: Any) -> int | None:
    number = _int(value)
    return number if number is not None and number > 0 else None


# Up to 2026.5.12 some views (the HTTP transcript, previews) keep the prompt envelope of a
# user message: a "Sender (untrusted metadata):" JSON block, then a "[Thu 2026-11-26 04:20 UTC] "
# time prefix. Only a text that starts with the block loses it (and the prefix after it).
_ENVELOPE = re.compile(
    r"\A[A-Za-z ]{1,40} \(untrusted metadata\):\n```[a-z]*\n.*?\n```\n+"
    r"(?:\[[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})? [^\]\n]*\] )?",
    re.DOTALL,
)


def strip_envelope(text: str) -> str:
    """A user message's text without the envelope older gateways left in front of it."""
    return _ENVELOPE.sub("", text, count=1) if "(untrusted metadata)" in text[:120] else text


def message_text(message: Any) -> str:
    """The text of a chat message: a string, or the text parts of a content list joined."""
    message = _dict(message)
    if message.get("role") == "user":
        return strip_envelope(_content_text(message))
    return _content_text(message)


def _content_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list) and len(content) == 1:
        # The usual shape, one text part: no list to build (this runs for every delta).
        part = content[0]
        if isinstance(part, dict) and part.get("type") == "text":
            text = part.get("text", "")
            if isinstance(text, str):
                return text
    parts = [
        str(part.get("text", ""))
        for part in _list(content)
        if isinstance(part, dict) and part.get("type") == "text"
    ]
    return "".join(parts)


# Built once per frame on the hot path: plain slots classes (frozen ones cost 4x to build).
@dataclass(slots=True)
class EventFrame:
    """An ``event`` frame as received."""

    event: str
    payload: dict[str, Any]
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class Challenge:
    nonce: str
    ts: int


@dataclass(frozen=True, slots=True)
class Policy:
    max_payload: int = 26_214_400
    max_buffered_bytes: int = 52_428_800
    tick_interval_ms: int = DEFAULT_TICK_INTERVAL_MS
    max_attachment_bytes: int | None = None
    max_image_bytes: int | None = None

    @classmethod
    def from_payload(cls, data: Any) -> Policy:
        data = _dict(data)
        attachments = _dict(data.get("attachments"))
        return cls(
            max_payload=_positive(data.get("maxPayload")) or 26_214_400,
            max_buffered_bytes=_positive(data.get("maxBufferedBytes")) or 52_428_800,
            tick_interval_ms=_positive(data.get("tickIntervalMs")) or DEFAULT_TICK_INTERVAL_MS,
            max_attachment_bytes=_positive(attachments.get("maxBytes")),
            max_image_bytes=_positive(attachments.get("maxImageBytes")),
        )


@dataclass(frozen=True, slots=True)
class HelloOk:
    """The ``hello-ok`` payload; ``device_token`` is a secret and hidden from repr."""

    protocol: int
    server_version: str
    conn_id: str | None
    methods: frozenset[str]
    events: frozenset[str]
    policy: Policy
    auth_method: str | None
    role: str | None
    scopes: tuple[str, ...]
    default_agent_id: str
    main_key: str
    main_session_key: str
    snapshot: dict[str, Any] = field(repr=False)
    device_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> HelloOk:
        server = _dict(data.get("server"))
        features = _dict(data.get("features"))
        auth = _dict(data.get("auth"))
        snapshot = _dict(data.get("snapshot"))
        defaults = _dict(snapshot.get("sessionDefaults"))
        agent = _str(defaults.get("defaultAgentId")) or "main"
        main_key = _str(defaults.get("mainKey")) or "main"
        return cls(
            protocol=_int(data.get("protocol")) or 0,
            server_version=_str(server.get("version")) or "unknown",
            conn_id=_str(server.get("connId")),
            methods=frozenset(m for m in _list(features.get("methods")) if isinstance(m, str)),
            events=frozenset(e for e in _list(features.get("events")) if isinstance(e, str)),
            policy=Policy.from_payload(data.get("policy")),
            auth_method=_str(auth.get("method")),
            role=_str(auth.get("role")),
            scopes=tuple(s for s in _list(auth.get("scopes")) if isinstance(s, str)),
            default_agent_id=agent,
            main_key=main_key,
            main_session_key=_str(defaults.get("mainSessionKey")) or f"agent:{agent}:{main_key}",
            snapshot=snapshot,
            device_token=_str(auth.get("deviceToken")),
        )

    def main_session_for(self, agent_id: str) -> str:
        """The canonical main session key of an agent (``agent:<id>:<mainKey>``)."""
        return f"agent:{agent_id}:{self.main_key}"

    def supports(self, method: str) -> bool:
        """Whether the gateway lists ``method`` (a discovery list: absent means unsupported)."""
        return method in self.methods


class RunState(StrEnum):
    """States of a chat run as the gateway names them."""

    STATUS = "status"
    DELTA = "delta"
    FINAL = "final"
    ABORTED = "aborted"
    ERROR = "error"

    @property
    def terminal(self) -> bool:
        return self in (RunState.FINAL, RunState.ABORTED, RunState.ERROR)


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_payload(cls, data: Any) -> Usage | None:
        if not isinstance(data, dict):
            return None
        inp = _int(data.get("input", data.get("prompt_tokens", data.get("inputTokens"))))
        out = _int(data.get("output", data.get("completion_tokens", data.get("outputTokens"))))
        total = _int(data.get("total", data.get("total_tokens", data.get("totalTokens"))))
        if total is None and inp is not None and out is not None:
            total = inp + out
        return cls(inp, out, total, data)

    def as_dict(self) -> dict[str, int | None]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(slots=True)
class ChatEvent:
    """One ``chat`` event, with the delta already worked out by the run tracker.

    ``text`` is the cumulative reply so far; ``delta`` the new suffix since the previous event of
    the run as delivered to us (the full text when the gateway replaced it, see ``replaced``).
    """

    run_id: str
    session_key: str
    state: RunState
    seq: int | None
    text: str
    delta: str = ""
    replaced: bool = False
    agent_id: str | None = None
    stop_reason: str | None = None
    usage: Usage | None = None
    error_message: str | None = None
    error_kind: str | None = None
    phase: str | None = None
    resynced: bool = False


@dataclass(frozen=True, slots=True)
class SessionMessage:
    """A transcript message of a subscribed session (``session.message``)."""

    session_key: str
    role: str | None
    text: str
    message_id: str | None
    message_seq: int | None
    run_id: str | None
    message: dict[str, Any] = field(repr=False)
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> SessionMessage:
        message = _dict(data.get("message"))
        meta = _dict(message.get("__openclaw"))
        return cls(
            session_key=_str(data.get("sessionKey")) or "",
            role=_str(message.get("role")),
            text=message_text(message),
            message_id=_str(data.get("messageId")) or _str(meta.get("id")),
            message_seq=_int(data.get("messageSeq")) or _int(meta.get("seq")),
            run_id=_str(data.get("runId")) or _str(meta.get("runId")),
            message=message,
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class RunResult:
    """The end of a run: ``state`` is final, aborted or error."""

    run_id: str
    session_key: str
    state: RunState
    text: str
    usage: Usage | None = None
    stop_reason: str | None = None
    error_message: str | None = None


@dataclass(frozen=True, slots=True)
class SendAck:
    """The ``chat.send`` response: ``status`` is started, in_flight or ok (already finished)."""

    run_id: str
    status: str


@dataclass(frozen=True, slots=True)
class AgentInfo:
    agent_id: str
    name: str | None
    emoji: str | None
    model: str | None
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> AgentInfo:
        identity = _dict(data.get("identity"))
        model = data.get("model")
        primary = _str(model.get("primary")) if isinstance(model, dict) else _str(model)
        return cls(
            agent_id=_str(data.get("id")) or _str(data.get("agentId")) or "main",
            name=_str(identity.get("name")) or _str(data.get("name")),
            emoji=_str(identity.get("emoji")),
            model=primary,
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One row of ``sessions.list``."""

    key: str
    kind: str | None
    label: str | None
    display_name: str | None
    updated_at: int | None
    model: str | None
    total_tokens: int | None
    thinking_level: str | None
    fast_mode: bool | None
    reasoning_level: str | None
    raw: dict[str, Any] = field(repr=False)

    @property
    def agent_id(self) -> str | None:
        parts = self.key.split(":")
        return parts[1] if len(parts) >= 3 and parts[0] == "agent" else None

    @property
    def title(self) -> str:
        derived = _str(self.raw.get("derivedTitle"))
        return self.label or self.display_name or derived or self.key

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> SessionInfo:
        fast = data.get("fastMode")
        return cls(
            key=_str(data.get("key")) or "",
            kind=_str(data.get("kind")),
            label=_str(data.get("label")),
            display_name=_str(data.get("displayName")),
            updated_at=_int(data.get("updatedAt")),
            model=_str(data.get("model")),
            total_tokens=_int(data.get("totalTokens")),
            thinking_level=_str(data.get("thinkingLevel")),
            fast_mode=fast if isinstance(fast, bool) else None,
            reasoning_level=_str(data.get("reasoningLevel")),
            raw=data,
        )
