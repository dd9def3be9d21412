"""Nodes: ``role: "node"`` connections, their command surface, ``node.list`` and invokes.

Emulates 2026.9.6 as measured (tests/e2e/test_nodes_e2e.py and the README protocol notes):

- A node connects like any device (pairing as in ``handshake.pair``) and declares
  ``commands``. Declared commands the gateway's allowlist does not cover (platform defaults
  plus ``gw.node_commands_allow``, minus dangerous ones) are withheld. The rest form a
  command surface that needs its own approval (``gw.approve_node(request_id)``; requests in
  ``gw.pending_nodes``) unless ``gw.auto_approve_node_commands`` is set.
- ``node.invoke`` sends the node a ``node.invoke.request`` event and answers the operator
  once the node calls ``node.invoke.result`` (or after ``timeoutMs``, or when the node
  drops), with the real gateway's error shapes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import json
from typing import TYPE_CHECKING, Any
import uuid

from . import errors
from .auth import now_ms
from .connection import Conn, has_scope

if TYPE_CHECKING:
    from .server import FakeGateway

DEFAULT_INVOKE_TIMEOUT_MS = 30_000
# node-command-policy: platform default allowlists (a subset of the documented table).
_MOBILE = [
    "camera.list", "location.get", "device.info", "device.status", "system.notify",
    "contacts.search", "calendar.events", "photos.latest",
]  # fmt: skip
PLATFORM_DEFAULTS: dict[str, list[str]] = {
    "ios": _MOBILE,
    "android": [*_MOBILE, "notifications.list"],
    "macos": ["camera.list", "location.get", "device.info", "device.status", "system.notify"],
    "linux": ["system.notify", "computer.act"],
    "unknown": ["system.notify"],
}
# Commands that need gateway.nodes.commands.allow even when a platform default lists them.
DANGEROUS = {
    "camera.snap", "camera.clip", "camera.ptz.control", "screen.record", "contacts.add",
    "calendar.add", "reminders.add", "health.summary", "sms.send", "sms.search",
}  # fmt: skip
# node.invoke needs operator.admin for these (node-commands NODE_ADMIN_ONLY_INVOKE_COMMANDS).
ADMIN_ONLY = {"browser.proxy", "browser.proxy.upload.v1", "fs.listDir", "terminal.upload"}
# Methods only a node may call; a node may call no operator method (except ``health``).
NODE_METHODS = {"node.invoke.result", "node.event"}


def platform_id(platform: str) -> str:
    value = platform.strip().lower()
    for name in ("ios", "android", "macos", "linux"):
        if value == name or value.startswith(f"{name} "):
            return name
    return "unknown"


@dataclass
class NodeSurfaceRequest:
    request_id: str
    node_id: str
    commands: list[str]
    ts: int = field(default_factory=now_ms)

    def payload(self) -> dict[str, Any]:
        return {
            "requestId": self.request_id,
            "nodeId": self.node_id,
            "commands": list(self.commands),
            "ts": self.ts,
        }


@dataclass
class NodeRecord:
    node_id: str
    client: dict[str, Any]
    caps: list[str] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)  # declared and allowed
    approved: list[str] | None = None  # None: no surface approved yet
    permissions: dict[str, Any] | None = None
    conn: Conn | None = None
    connected_at: int | None = None
    last_seen: int | None = None
    pending: NodeSurfaceRequest | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)  # node.pluginTools.update

    @property
    def visible_tools(self) -> list[dict[str, Any]]:
        """Published tools whose command is approved (the gateway filters the rest)."""
        return [t for t in self.tools if t.get("command") in self.effective]

    @property
    def effective(self) -> list[str]:
        if self.approved is None:
            return []
        return [c for c in self.declared if c in self.approved]

    def row(self) -> dict[str, Any]:
        live = self.conn is not None
        row: dict[str, Any] = {
            "nodeId": self.node_id,
            "displayName": self.client.get("displayName"),
            "platform": self.client.get("platform"),
            "version": self.client.get("version"),
            "clientId": self.client.get("id"),
            "clientMode": self.client.get("mode"),
            "deviceFamily": self.client.get("deviceFamily"),
            "caps": sorted(self.caps),
            "commands": sorted(self.effective if live else (self.approved or [])),
            "approvalState": (
                ("pending-reapproval" if self.approved is not None else "pending-approval")
                if self.pending is not None
                else ("approved" if self.approved is not None else "unapproved")
            ),
            "lastSeenAtMs": self.last_seen,
            "paired": True,
            "connected": live,
        }
        if live:
            row["connectedAtMs"] = self.connected_at
            row["nodePluginTools"] = self.visible_tools
        if self.permissions is not None:
            row["permissions"] = dict(self.permissions)
        return {k: v for k, v in row.items() if v is not None}


@dataclass
class _Pending:
    node_id: str
    command: str
    conn: Conn
    future: asyncio.Future[dict[str, Any]]


class NodeRegistry:
    """Paired nodes (by device id), their live sockets and invokes in flight."""

    def __init__(self, gw: FakeGateway) -> None:
        self.gw = gw
        self.nodes: dict[str, NodeRecord] = {}
        self.invokes: dict[str, _Pending] = {}
        self.results: list[dict[str, Any]] = []  # every node.invoke.result's params
        self.invoke_requests: list[dict[str, Any]] = []  # every node.invoke.request payload

    # -- surface -----------------------------------------------------------------------------

    def allowlist(self, client: dict[str, Any]) -> set[str]:
        base = set(PLATFORM_DEFAULTS[platform_id(str(client.get("platform") or ""))])
        allowed = (base - DANGEROUS) | set(self.gw.node_commands_allow)
        return allowed - set(self.gw.node_commands_deny)

    def connected(self, conn: Conn, params: dict[str, Any]) -> None:
        """A node finished its handshake (called from ``handle_connect``)."""
        node_id = conn.device_id or str(params["client"]["id"])
        client = dict(params["client"])
        allow = self.allowlist(client)
        declared = [c for c in dict.fromkeys(params.get("commands") or []) if c in allow]
        record = self.nodes.get(node_id)
        if record is None:
            record = self.nodes[node_id] = NodeRecord(node_id, client)
        old = record.conn
        record.client, record.conn = client, conn
        record.caps = list(params.get("caps") or [])
        record.declared = declared
        record.permissions = params.get("permissions")
        record.connected_at = record.last_seen = now_ms()
        if old is not None and old is not conn:
            old.close(1008, "replaced by a newer node connection")
        expansion = [c for c in declared if c not in (record.approved or [])]
        if record.approved is None or expansion:
            if self.gw.auto_approve_node_commands:
                record.approved = list(declared)
                record.pending = None
            elif record.pending is None or record.pending.commands != declared:
                record.pending = NodeSurfaceRequest(str(uuid.uuid4()), node_id, declared)
                self.gw.broadcast("node.pair.requested", record.pending.payload())
        self.gw.broadcast_presence()

    def update_tools(self, conn: Conn, tools: list[dict[str, Any]]) -> dict[str, Any]:
        """``node.pluginTools.update``: replace the caller's tools (kept until it leaves)."""
        record = next((r for r in self.nodes.values() if r.conn is conn), None)
        if record is None:
            raise errors.Reject("INVALID_REQUEST", "unknown nodeId")
        record.tools = [dict(t) for t in tools]
        return {"nodeId": record.node_id, "tools": record.visible_tools}

    def disconnected(self, conn: Conn) -> None:
        for record in self.nodes.values():
            if record.conn is conn:
                record.conn = None
                record.tools = []
                record.last_seen = now_ms()
                for invoke_id, pending in list(self.invokes.items()):
                    if pending.conn is conn and not pending.future.done():
                        pending.future.set_result(
                            _node_failure("DISCONNECTED", f"node disconnected ({pending.command})")
                        )
                        self.invokes.pop(invoke_id, None)
                self.gw.broadcast_presence()

    def approve(self, request_id: str) -> bool:
        for record in self.nodes.values():
            if record.pending is not None and record.pending.request_id == request_id:
                record.approved = list(record.pending.commands)
                record.pending = None
                resolved = {
                    "requestId": request_id,
                    "nodeId": record.node_id,
                    "decision": "approved",
                    "ts": now_ms(),
                }
                if record.conn is not None:
                    record.conn.event("node.pair.resolved", resolved)
                self.gw.broadcast("node.pair.resolved", resolved)
                return True
        return False

    @property
    def pending(self) -> list[NodeSurfaceRequest]:
        return [r.pending for r in self.nodes.values() if r.pending is not None]

    def rows(self) -> list[dict[str, Any]]:
        records = sorted(
            self.nodes.values(),
            key=lambda r: (r.conn is None, str(r.client.get("displayName") or r.node_id).lower()),
        )
        return [r.row() for r in records]

    # -- invoke ------------------------------------------------------------------------------

    async def invoke(self, conn: Conn, params: dict[str, Any]) -> dict[str, Any]:
        """``node.invoke`` from an operator (scopes and params already checked)."""
        node_id, command = params["nodeId"].strip(), params["command"].strip()
        if command in ADMIN_ONLY and not has_scope(conn.scopes, "operator.admin"):
            raise errors.missing_scope("operator.admin")
        record = self.nodes.get(node_id)
        if record is None or (record.conn is not None and record.approved is None):
            raise errors.Reject(
                "UNAVAILABLE",
                "node pairing changed while invocation was active",
                details={"code": "PAIRING_CHANGED"},
            )
        if record.conn is None:
            raise errors.Reject(
                "UNAVAILABLE",
                "node not connected",
                details={
                    "code": "NOT_CONNECTED",
                    "nodeError": {"code": "NOT_CONNECTED", "message": "node not connected"},
                    "nodeCommandDispatched": False,
                },
            )
        self._check_allowed(record, command)
        timeout_ms = params.get("timeoutMs") or DEFAULT_INVOKE_TIMEOUT_MS
        invoke_id = str(uuid.uuid4())
        request: dict[str, Any] = {
            "id": invoke_id,
            "nodeId": node_id,
            "command": command,
            "paramsJSON": json.dumps(params["params"]) if "params" in params else None,
            "timeoutMs": timeout_ms,
            "idempotencyKey": params["idempotencyKey"],
        }
        if params.get("sessionKey"):
            request["sessionKey"] = params["sessionKey"]
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.invokes[invoke_id] = _Pending(node_id, command, record.conn, future)
        self.invoke_requests.append(request)
        record.conn.event("node.invoke.request", request)
        try:
            result = await asyncio.wait_for(asyncio.shield(future), timeout_ms / 1000)
        except TimeoutError:
            result = _node_failure("TIMEOUT", "node invoke timed out")
        finally:
            self.invokes.pop(invoke_id, None)
        if not result.get("ok"):
            error = result.get("error") or {}
            code, message = error.get("code") or "", error.get("message") or "node invoke failed"
            raise errors.Reject(
                "UNAVAILABLE",
                f"{code}: {message}" if code else message,
                details={"nodeError": result.get("error"), "nodeCommandDispatched": True},
            )
        payload = result.get("payload")
        payload_json = result.get("payloadJSON")
        if isinstance(payload_json, str):
            payload = json.loads(payload_json)
        return {
            "ok": True,
            "nodeId": node_id,
            "command": command,
            "payload": payload,
            "payloadJSON": payload_json,
        }

    def _check_allowed(self, record: NodeRecord, command: str) -> None:
        platform = record.client.get("platform") or "unknown"
        if command not in self.allowlist(record.client):
            if command in DANGEROUS:
                text = f'"{command}" requires explicit gateway.nodes.commands.allow opt-in'
            else:
                text = f'"{command}" is not in the allowlist for platform "{platform}"'
            reason = "command not allowlisted"
        elif not record.effective:
            text = (
                "the node's declared command surface is pending approval; run `openclaw nodes "
                "pending`, then `openclaw nodes approve <requestId>`"
                if command in record.declared
                else "the node did not declare any supported commands"
            )
            reason = "node did not declare commands"
        elif command not in record.effective:
            text = f'the node (platform: {platform}) does not support "{command}"'
            reason = "command not declared by node"
        else:
            return
        raise errors.Reject(
            "INVALID_REQUEST",
            f"node command not allowed: {text}",
            details={"reason": reason, "command": command},
        )

    def result(self, conn: Conn, params: dict[str, Any]) -> dict[str, Any]:
        """``node.invoke.result`` from a node."""
        caller = conn.device_id or conn.client.get("id")
        if caller and caller != params["nodeId"]:
            raise errors.Reject("INVALID_REQUEST", "nodeId mismatch")
        self.results.append(dict(params))
        pending = self.invokes.get(params["id"])
        if pending is None or pending.future.done() or pending.node_id != params["nodeId"]:
            return {"ok": True, "ignored": True}
        pending.future.set_result(dict(params))
        return {"ok": True}


def _node_failure(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}
