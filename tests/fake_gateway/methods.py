"""Method handlers after ``hello-ok``: params are validated against closed schemas first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import errors
from .auth import now_ms
from .connection import Conn, has_scope
from .schema import METHOD_PARAMS, validate
from .sessions import MODEL_ID, MODEL_PROVIDER, message_text, project_for_history

if TYPE_CHECKING:
    from .server import FakeGateway

Handler = Callable[["FakeGateway", Conn, dict[str, Any]], Any]

READ, WRITE, ADMIN, PAIRING = (
    "operator.read",
    "operator.write",
    "operator.admin",
    "operator.pairing",
)
NODE = "node"  # methods of the node role (no operator scope; operators may not call them)
# sessions.patch fields a write-scoped operator may change (9.x); the rest needs admin.
PATCH_WRITE_FIELDS = {
    "label",
    "model",
    "thinkingLevel",
    "fastMode",
    "pinned",
    "archived",
    "unread",
    "category",
}  # fmt: skip  (2026.9.6: every other field, reasoningLevel included, needs operator.admin)
THINKING_LEVELS = ("off", "minimal", "low", "medium", "high", "xhigh", "adaptive")


def _canon(gw: FakeGateway, key: str, params: dict[str, Any]) -> str:
    return gw.sessions.canonical(key, params.get("agentId"))


def health(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return gw.health_snapshot()


def status(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    rows, total = gw.sessions.rows(limit=10)
    return {
        "ts": now_ms(),
        "version": gw.server_version,
        "uptimeMs": gw.uptime_ms(),
        "defaultAgentId": gw.sessions.default_agent,
        "sessions": {"count": total, "recent": rows},
        "heartbeat": {"defaultAgentId": gw.sessions.default_agent, "agents": []},
    }


def system_presence(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return gw.presence()


def agents_list(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return {
        "defaultId": gw.sessions.default_agent,
        "mainKey": gw.sessions.main_key,
        "scope": "per-sender",
        "agents": [dict(a) for a in gw.agents],
    }


def models_list(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return {
        "models": [
            {
                "id": MODEL_ID,
                "name": "Fake Echo",
                "provider": MODEL_PROVIDER,
                "contextWindow": 128000,
                "reasoning": False,
            }
        ]
    }


def sessions_list(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    limit = params.get("limit")
    rows, total = gw.sessions.rows(
        limit=limit,
        agent_id=params.get("agentId"),
        search=params.get("search"),
        label=params.get("label"),
    )
    return {
        "ts": now_ms(),
        "path": "(fake)",
        "count": len(rows),
        "totalCount": total,
        "hasMore": total > len(rows),
        "defaults": {"modelProvider": MODEL_PROVIDER, "model": MODEL_ID, "contextTokens": 128000},
        "sessions": rows,
    }


def sessions_preview(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    limit = params.get("limit", 12)
    max_chars = params.get("maxChars", 240)
    previews: list[dict[str, Any]] = []
    for key in params["keys"]:
        canonical = _canon(gw, key, params)
        session = gw.sessions.get(canonical)
        if session is None:
            previews.append({"key": canonical, "status": "missing", "items": []})
            continue
        items = [
            {"role": m["role"], "text": message_text(m)[:max_chars]}
            for m in session.messages[-limit:]
            if message_text(m)
        ]
        previews.append({"key": canonical, "status": "ok" if items else "empty", "items": items})
    return {"ts": now_ms(), "previews": previews}


def sessions_subscribe(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    conn.sessions_subscribed = True
    return {"subscribed": True}


def sessions_unsubscribe(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    conn.sessions_subscribed = False
    return {"subscribed": False}


def messages_subscribe(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    key = _canon(gw, params["key"], params)
    conn.message_keys.add(key)
    return {"subscribed": True, "key": key}


def messages_unsubscribe(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    key = _canon(gw, params["key"], params)
    conn.message_keys.discard(key)
    return {"subscribed": False, "key": key}


def sessions_patch(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    fields = {k: v for k, v in params.items() if k not in ("key", "agentId")}
    if any(k not in PATCH_WRITE_FIELDS for k in fields) and not has_scope(conn.scopes, ADMIN):
        raise errors.missing_scope(ADMIN)
    level = fields.get("thinkingLevel")
    if level is not None and level not in gw.thinking_levels:
        raise errors.Reject(
            "INVALID_REQUEST",
            f'thinkingLevel "{level}" is not supported for {MODEL_PROVIDER}/{MODEL_ID}'
            f" (use {'|'.join(gw.thinking_levels)})",
        )
    key = _canon(gw, params["key"], params)
    session = gw.sessions.ensure(key)
    for name, value in fields.items():
        if value is None:
            session.settings.pop(name, None)
        else:
            session.settings[name] = value
    session.updated_at = now_ms()
    gw.emit_sessions_changed(session, "patch")
    return {"ok": True, "path": "(fake)", "key": key, "entry": session.row()}


def sessions_reset(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    key = _canon(gw, params["key"], params)
    session = gw.sessions.ensure(key)
    for run in gw.runs.active_in(key):
        gw.runs.abort(run, "reset")
    import uuid

    session.session_id = str(uuid.uuid4())
    session.messages.clear()
    session.input_tokens = session.output_tokens = 0
    session.updated_at = now_ms()
    gw.emit_sessions_changed(session, params.get("reason", "reset"))
    return {"ok": True, "path": "(fake)", "key": key, "entry": session.row()}


def sessions_delete(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    key = _canon(gw, params["key"], params)
    existed = gw.sessions.sessions.pop(key, None) is not None
    return {"ok": True, "key": key, "deleted": existed}


def chat_history(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    key = _canon(gw, params["sessionKey"], params)
    limit = params.get("limit", 200)
    session = gw.sessions.get(key)
    messages = session.messages if session is not None else []
    page = [project_for_history(m) for m in messages[-limit:]]
    out: dict[str, Any] = {
        "sessionKey": key,
        "sessionId": session.session_id if session is not None else None,
        "messages": page,
        "hasMore": len(messages) > len(page),
        "totalMessages": len(messages),
    }
    if session is not None:
        for name in ("thinkingLevel", "fastMode", "verboseLevel", "reasoningLevel"):
            if name in session.settings:
                out[name] = session.settings[name]
        out["sessionInfo"] = session.row()
    active = gw.runs.active_in(key)
    if active:
        run = active[-1]
        out["inFlightRun"] = {"runId": run.run_id, "status": "running", "startedAt": run.started_at}
    return out


def chat_send(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    gw.stats.chat_sends.append(dict(params))
    run_id: str = params["idempotencyKey"]
    key = _canon(gw, params["sessionKey"], params)
    if params["message"].strip() == "/stop":
        return _abort(gw, key, None)
    existing = gw.runs.runs.get(run_id)
    if existing is not None:
        return {"runId": run_id, "status": "in_flight" if existing.running else "ok"}
    session = gw.sessions.ensure(key)
    run = gw.runs.start(session, params["message"], run_id)
    if "tool-events" in conn.caps:
        run.tool_recipients.append(conn)
    return {"runId": run_id, "status": "started"}


def _abort(gw: FakeGateway, key: str, run_id: str | None) -> dict[str, Any]:
    runs = [r for r in gw.runs.active_in(key) if run_id is None or r.run_id == run_id]
    for run in runs:
        gw.runs.abort(run)
    return {"ok": True, "aborted": bool(runs), "runIds": [r.run_id for r in runs]}


def chat_abort(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return _abort(gw, _canon(gw, params["sessionKey"], params), params.get("runId"))


def wake(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    gw.wakes.append(dict(params))
    return {"ok": True}


def node_list(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return {"nodes": gw.nodes.rows()}


def node_invoke(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return gw.nodes.invoke(conn, params)  # a coroutine: answered when the node is done


def node_invoke_result(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return gw.nodes.result(conn, params)


def node_plugin_tools_update(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return gw.nodes.update_tools(conn, params["tools"])


def node_event(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    gw.node_events.append(dict(params))
    return {"ok": True, "event": params["event"], "handled": False}


def config_get(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return gw.config_snapshot()


def pair_list(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    return gw.pairing_list()


def pair_approve(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    if not gw.approve(params["requestId"]):
        raise errors.Reject("APPROVAL_NOT_FOUND", "unknown requestId")
    return {"ok": True, "requestId": params["requestId"]}


def pair_reject(gw: FakeGateway, conn: Conn, params: dict[str, Any]) -> Any:
    if not gw.reject(params["requestId"]):
        raise errors.Reject("APPROVAL_NOT_FOUND", "unknown requestId")
    return {"ok": True, "requestId": params["requestId"]}


# method -> (required scope, handler)
METHODS: dict[str, tuple[str, Handler]] = {
    "health": (READ, health),
    "status": (READ, status),
    "system-presence": (READ, system_presence),
    "agents.list": (READ, agents_list),
    "models.list": (READ, models_list),
    "sessions.list": (READ, sessions_list),
    "sessions.preview": (READ, sessions_preview),
    "sessions.subscribe": (READ, sessions_subscribe),
    "sessions.unsubscribe": (READ, sessions_unsubscribe),
    "sessions.messages.subscribe": (READ, messages_subscribe),
    "sessions.messages.unsubscribe": (READ, messages_unsubscribe),
    "sessions.patch": (WRITE, sessions_patch),
    "sessions.reset": (ADMIN, sessions_reset),
    "sessions.delete": (ADMIN, sessions_delete),
    "chat.history": (READ, chat_history),
    "chat.send": (WRITE, chat_send),
    "chat.abort": (WRITE, chat_abort),
    "wake": (WRITE, wake),
    "node.list": (READ, node_list),
    "node.invoke": (WRITE, node_invoke),
    "node.invoke.result": (NODE, node_invoke_result),
    "node.event": (NODE, node_event),
    "node.pluginTools.update": (NODE, node_plugin_tools_update),
    "config.get": (READ, config_get),
    "device.pair.list": (PAIRING, pair_list),
    "device.pair.approve": (PAIRING, pair_approve),
    "device.pair.reject": (PAIRING, pair_reject),
}


def dispatch(gw: FakeGateway, conn: Conn, method: str, params: Any) -> Any:
    """Validate and run one request; raises ``errors.Reject``."""
    entry = METHODS.get(method)
    if entry is None or (gw.methods is not None and method not in gw.methods):
        raise errors.Reject("INVALID_REQUEST", f"unknown method: {method}")
    scope, handler = entry
    if method != "health" and (conn.role == "node") != (scope == NODE):
        raise errors.Reject("INVALID_REQUEST", f"unauthorized role: {conn.role}")
    if conn.role != "node" and not has_scope(conn.scopes, scope):
        if gw.legacy_scope_errors:  # 2026.3.x: no FORBIDDEN code yet
            raise errors.Reject("INVALID_REQUEST", f"missing scope: {scope}")
        raise errors.missing_scope(scope)
    if params is None:
        params = {}
    problem = validate(METHOD_PARAMS[method], params)
    if problem is not None:
        raise errors.invalid_params(method, problem)
    return handler(gw, conn, params)
