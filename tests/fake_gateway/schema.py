"""Closed-schema validation with AJV-style messages, like the gateway's TypeBox/AJV checks.

The real gateway rejects unknown fields in connect params and most method params, with
messages such as ``invalid connect params: at /client: unexpected property 'buildId'``.
This module holds a tiny validator and the schemas the fake enforces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Schema:
    def check(self, value: Any, path: str, out: list[str]) -> None:
        raise NotImplementedError


def _where(path: str) -> str:
    return f"at {path}: " if path else ""


@dataclass
class Str(Schema):
    enum: tuple[str, ...] | None = None
    min_len: int = 0
    max_len: int | None = None

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, str):
            out.append(f"{_where(path)}must be string")
        elif self.enum is not None and value not in self.enum:
            out.append(f"{_where(path)}must be equal to one of the allowed values")
        elif len(value) < self.min_len:
            out.append(f"{_where(path)}must NOT have fewer than {self.min_len} characters")
        elif self.max_len is not None and len(value) > self.max_len:
            out.append(f"{_where(path)}must NOT have more than {self.max_len} characters")


@dataclass
class Int(Schema):
    minimum: int | None = None
    maximum: int | None = None
    integer: bool = True

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append(f"{_where(path)}must be {'integer' if self.integer else 'number'}")
        elif self.integer and isinstance(value, float) and not value.is_integer():
            out.append(f"{_where(path)}must be integer")
        elif self.minimum is not None and value < self.minimum:
            out.append(f"{_where(path)}must be >= {self.minimum}")
        elif self.maximum is not None and value > self.maximum:
            out.append(f"{_where(path)}must be <= {self.maximum}")


def Num(minimum: int | None = None, maximum: int | None = None) -> Int:
    return Int(minimum, maximum, integer=False)


@dataclass
class Bool(Schema):
    def check(self, value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, bool):
            out.append(f"{_where(path)}must be boolean")


@dataclass
class AnyValue(Schema):
    def check(self, value: Any, path: str, out: list[str]) -> None:
        return


@dataclass
class Nullable(Schema):
    inner: Schema

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if value is not None:
            self.inner.check(value, path, out)


@dataclass
class OneOf(Schema):
    options: tuple[Schema, ...]

    def check(self, value: Any, path: str, out: list[str]) -> None:
        for option in self.options:
            errs: list[str] = []
            option.check(value, path, errs)
            if not errs:
                return
        out.append(f"{_where(path)}must match a schema in anyOf")


@dataclass
class Arr(Schema):
    items: Schema = field(default_factory=AnyValue)
    min_items: int = 0
    max_items: int | None = None

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, list):
            out.append(f"{_where(path)}must be array")
            return
        if len(value) < self.min_items:
            out.append(f"{_where(path)}must NOT have fewer than {self.min_items} items")
        if self.max_items is not None and len(value) > self.max_items:
            out.append(f"{_where(path)}must NOT have more than {self.max_items} items")
        for i, item in enumerate(value):
            self.items.check(item, f"{path}/{i}", out)


@dataclass
class Obj(Schema):
    required: dict[str, Schema] = field(default_factory=dict)
    optional: dict[str, Schema] = field(default_factory=dict)
    closed: bool = True

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, dict):
            out.append(f"{_where(path)}must be object")
            return
        for name in self.required:
            if name not in value:
                out.append(f"{_where(path)}must have required property '{name}'")
        for name, item in value.items():
            schema = self.required.get(name) or self.optional.get(name)
            if schema is None:
                if self.closed:
                    where = f"at {path}" if path else "at root"
                    out.append(f"{where}: unexpected property '{name}'")
                continue
            schema.check(item, f"{path}/{name}", out)


def validate(schema: Schema, value: Any) -> str | None:
    """Return the formatted error list (``a; b``) or None when ``value`` is valid."""
    out: list[str] = []
    schema.check(value, "", out)
    if not out:
        return None
    seen: list[str] = []
    for msg in out:
        if msg not in seen:
            seen.append(msg)
    return "; ".join(seen)


# --- enums (2026.9.6) -------------------------------------------------------------------------

CLIENT_IDS = (
    "webchat-ui", "openclaw-control-ui", "webchat", "cli", "gateway-client", "openclaw-macos",
    "openclaw-ios", "openclaw-android", "node-host", "test", "fingerprint", "openclaw-probe",
    "openclaw-browser-copilot", "openclaw-tui", "openclaw-linux", "openclaw-watchos",
    "openclaw-worker",
)  # fmt: skip
CLIENT_MODES = ("webchat", "cli", "ui", "backend", "node", "probe", "test", "worker")

_NONEMPTY = Str(min_len=1)

CONNECT_PARAMS = Obj(
    required={
        "minProtocol": Int(minimum=1),
        "maxProtocol": Int(minimum=1),
        "client": Obj(
            required={
                "id": Str(enum=CLIENT_IDS),
                "version": _NONEMPTY,
                "platform": _NONEMPTY,
                "mode": Str(enum=CLIENT_MODES),
            },
            optional={
                "displayName": _NONEMPTY,
                "deviceFamily": _NONEMPTY,
                "modelIdentifier": _NONEMPTY,
                "instanceId": _NONEMPTY,
                "buildId": _NONEMPTY,
                "timeZone": _NONEMPTY,
            },
        ),
    },
    optional={
        "caps": Arr(Str()),
        "commands": Arr(Str()),
        "permissions": Obj(closed=False),
        "pathEnv": Str(),
        "role": Str(),
        "scopes": Arr(Str()),
        "device": Obj(
            required={
                "id": _NONEMPTY,
                "publicKey": _NONEMPTY,
                "signature": _NONEMPTY,
                "signedAt": Int(minimum=0),
            },
            optional={"nonce": Str()},
        ),
        "auth": Obj(
            optional={
                "token": Str(),
                "bootstrapToken": Str(),
                "deviceToken": Str(),
                "password": Str(),
                "approvalRuntimeToken": Str(),
                "agentRuntimeIdentityToken": Str(),
            }
        ),
        "locale": Str(),
        "userAgent": Str(),
    },
)

REQUEST_FRAME = Obj(
    required={"type": Str(enum=("req",)), "id": _NONEMPTY, "method": _NONEMPTY},
    optional={"params": AnyValue(), "traceparent": Str(max_len=128)},
)

_KEY = _NONEMPTY
_ATTACHMENT = Obj(
    required={"content": Str()},
    optional={"type": Str(), "mimeType": Str(), "fileName": Str()},
)

# Method params (closed unless noted). Only fields the fake understands or the real one
# documents; anything else is refused like the real gateway refuses unknown fields.
METHOD_PARAMS: dict[str, Schema] = {
    "health": Obj(optional={"probe": Bool()}),
    "status": Obj(),
    "system-presence": Obj(),
    "agents.list": Obj(),
    "models.list": Obj(
        optional={"agentId": Str(), "view": Str(), "preparedOnly": Bool(), "refresh": Bool()}
    ),
    "sessions.list": Obj(
        optional={
            "limit": Int(minimum=1),
            "activeMinutes": Int(minimum=1),
            "includeGlobal": Bool(),
            "includeUnknown": Bool(),
            "includeDerivedTitles": Bool(),
            "includeLastMessage": Bool(),
            "label": Str(),
            "spawnedBy": Str(),
            "agentId": Str(),
            "search": Str(),
        }
    ),
    "sessions.preview": Obj(
        required={"keys": Arr(_KEY, min_items=1)},
        optional={"limit": Int(minimum=1), "maxChars": Int(minimum=20)},
    ),
    "sessions.subscribe": Obj(
        optional={"limit": Int(minimum=1), "agentId": Str(), "search": Str()}
    ),
    "sessions.unsubscribe": Obj(),
    "sessions.messages.subscribe": Obj(
        required={"key": _KEY}, optional={"agentId": Str(), "includeApprovals": Bool()}
    ),
    "sessions.messages.unsubscribe": Obj(required={"key": _KEY}, optional={"agentId": Str()}),
    "sessions.patch": Obj(
        required={"key": _KEY},
        optional={
            name: Nullable(schema)
            for name, schema in {
                "label": Str(max_len=512),
                "thinkingLevel": Str(),
                "fastMode": Bool(),
                "verboseLevel": Str(),
                "reasoningLevel": Str(),
                "responseUsage": Str(),
                "elevatedLevel": Str(),
                "execHost": Str(),
                "model": Str(),
                "pinned": Bool(),
                "archived": Bool(),
                "unread": Bool(),
                "category": Str(),
                "sendPolicy": Str(),
                "groupActivation": Str(),
            }.items()
        }
        | {"agentId": Str()},
    ),
    "sessions.reset": Obj(
        required={"key": _KEY}, optional={"reason": Str(enum=("new", "reset")), "agentId": Str()}
    ),
    "sessions.delete": Obj(
        required={"key": _KEY},
        optional={"deleteTranscript": Bool(), "archivedOnly": Bool(), "agentId": Str()},
    ),
    "chat.history": Obj(
        required={"sessionKey": _KEY},
        optional={
            "limit": Int(minimum=1, maximum=1000),
            "agentId": Str(),
            "cursor": Str(),
            "offset": Int(minimum=0),
            "messageId": Str(),
            "sessionId": Str(),
            "maxChars": Int(minimum=1),
        },
    ),
    "chat.send": Obj(
        required={"sessionKey": _KEY, "message": Str(), "idempotencyKey": _NONEMPTY},
        optional={
            "thinking": Str(),
            "deliver": Bool(),
            "attachments": Arr(_ATTACHMENT),
            "timeoutMs": Int(minimum=0),
            "agentId": Str(),
            "fastMode": Bool(),
            "queueMode": Str(),
        },
    ),
    "chat.abort": Obj(required={"sessionKey": _KEY}, optional={"runId": _NONEMPTY}),
    "wake": Obj(
        required={"mode": Str(enum=("now", "next-heartbeat")), "text": Str()},
        optional={"sessionKey": Str(), "agentId": Str()},
        closed=False,
    ),
    "node.list": Obj(),
    "node.invoke": Obj(
        required={"nodeId": _NONEMPTY, "command": _NONEMPTY, "idempotencyKey": _NONEMPTY},
        optional={
            "params": AnyValue(),
            "timeoutMs": Int(minimum=0),
            "sessionKey": _NONEMPTY,
            "turnSourceChannel": Str(),
            "turnSourceTo": Str(),
            "turnSourceAccountId": Str(),
            "turnSourceThreadId": OneOf((Str(), Num())),
        },
    ),
    "node.invoke.result": Obj(
        required={"id": _NONEMPTY, "nodeId": _NONEMPTY, "ok": Bool()},
        optional={
            "payload": AnyValue(),
            # The gateway drops a null payloadJSON/error before validating.
            "payloadJSON": Nullable(Str()),
            "error": Nullable(Obj(optional={"code": _NONEMPTY, "message": _NONEMPTY})),
        },
    ),
    "node.pluginTools.update": Obj(
        required={
            "tools": Arr(
                Obj(
                    required={
                        "pluginId": _NONEMPTY,
                        "name": Str(min_len=1, max_len=64),
                        "description": _NONEMPTY,
                    },
                    optional={
                        "parameters": Obj(closed=False),
                        "command": _NONEMPTY,
                        "mcp": Obj(required={"server": _NONEMPTY, "tool": _NONEMPTY}),
                    },
                )
            )
        }
    ),
    "node.event": Obj(
        required={"event": _NONEMPTY}, optional={"payload": AnyValue(), "payloadJSON": Str()}
    ),
    "config.get": Obj(),
    "device.pair.list": Obj(),
    "device.pair.approve": Obj(required={"requestId": _NONEMPTY}),
    "device.pair.reject": Obj(required={"requestId": _NONEMPTY}),
}
