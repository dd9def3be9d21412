"""HTTP plane on the gateway port (aiohttp.web): probes, hooks, /v1/*, session history.

Shapes follow the measured 2026.9.6 gateway (real-gateway reference §8, protocol §10).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import json
import secrets
import time
from typing import TYPE_CHECKING, Any
import uuid

from aiohttp import web

from .runs import Run
from .sessions import project_for_history

if TYPE_CHECKING:
    from .server import FakeGateway

GW_KEY: web.AppKey[FakeGateway] = web.AppKey("gw")
HOOK_BODY_MAX = 256 * 1024
HOOK_FAILURE_LIMIT = 20  # per 60 s, then a 60 s lockout (loopback is not exempt)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _gw(request: web.Request) -> FakeGateway:
    return request.app[GW_KEY]


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        data, status=status, headers=headers, dumps=lambda d: json.dumps(d, separators=(",", ":"))
    )


def _api_error(
    status: int, message: str, kind: str, headers: dict[str, str] | None = None
) -> web.Response:
    return _json({"error": {"message": message, "type": kind}}, status, headers)


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def _gateway_auth_ok(gw: FakeGateway, request: web.Request) -> bool:
    given = _bearer(request)
    if not given:
        return False
    return any(
        secret is not None and secrets.compare_digest(given.encode(), secret.encode())
        for secret in (gw.token, gw.password)
    )


async def _close_connection(request: web.Request, response: web.StreamResponse) -> None:
    # One request per TCP connection: the splitter routes a connection once, so a client
    # must not reuse an HTTP keep-alive connection for a later WS upgrade.
    response.force_close()
    response.headers["Connection"] = "close"


@web.middleware
async def _count_and_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    gw = _gw(request)
    route = request.match_info.route.resource
    name = route.canonical if route is not None else request.path
    gw.stats.http_requests[f"{request.method} {name}"] += 1
    limited = request.path.startswith(("/v1/", "/sessions/", "/hooks"))
    if limited and gw.http_rate_limited > 0:
        gw.http_rate_limited -= 1
        headers = {"Retry-After": str(gw.http_retry_after)}
        if request.path.startswith("/hooks"):
            return _json({"ok": False, "error": "Too Many Requests"}, 429, headers)
        return _api_error(429, "Too Many Requests", "rate_limited", headers)
    return await handler(request)


def build_app(gw: FakeGateway) -> web.Application:
    app = web.Application(middlewares=[_count_and_limit], client_max_size=20 * 1024 * 1024)
    app[GW_KEY] = gw
    app.on_response_prepare.append(_close_connection)
    for path in ("/healthz", "/health"):
        app.router.add_get(path, healthz)
    for path in ("/readyz", "/ready"):
        app.router.add_get(path, readyz)
    app.router.add_route("*", "/hooks/{name}", hooks)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/responses", responses)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/sessions/{key}/history", session_history)
    return app


# --- probes ----------------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    return _json({"ok": True, "status": "live"})


async def readyz(request: web.Request) -> web.Response:
    gw = _gw(request)
    if gw.startup_pending():
        return _json({"ready": False, "failing": ["startup-sidecars"]}, 503, {"Retry-After": "1"})
    return _json({"ready": True, "failing": [], "uptimeMs": gw.uptime_ms()})


# --- hooks -----------------------------------------------------------------------------------


def _hook_locked(gw: FakeGateway) -> int:
    """Seconds left in the auth-failure lockout (0 = not locked)."""
    now = time.monotonic()
    gw.hook_failures = [t for t in gw.hook_failures if now - t < 60]
    if len(gw.hook_failures) >= HOOK_FAILURE_LIMIT:
        return max(1, int(60 - (now - gw.hook_failures[-1])))
    return 0


async def hooks(request: web.Request) -> web.Response:
    gw = _gw(request)
    name = request.match_info["name"]
    if not gw.hooks_enabled or name not in ("wake", "agent"):
        return _json({"ok": False, "error": "Not Found"}, 404)
    if request.method != "POST":
        return _json({"ok": False, "error": "Method Not Allowed"}, 405, {"Allow": "POST"})
    if "token" in request.query:
        return _json(
            {
                "ok": False,
                "error": "Hook token must be sent in the Authorization: Bearer or X-OpenClaw-Token"
                " header; query parameters are not allowed",
            },
            400,
        )
    locked = _hook_locked(gw)
    if locked:
        return _json({"ok": False, "error": "Too Many Requests"}, 429, {"Retry-After": str(locked)})
    given = _bearer(request) or request.headers.get("X-OpenClaw-Token", "").strip()
    expected = gw.hooks_token or ""
    if not given or not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        gw.hook_failures.append(time.monotonic())
        return _json({"ok": False, "error": "Unauthorized"}, 401)
    raw = b""
    while len(raw) <= HOOK_BODY_MAX:
        piece = await request.content.read(HOOK_BODY_MAX + 1 - len(raw))
        if not piece:
            break
        raw += piece
    if len(raw) > HOOK_BODY_MAX:
        return _json({"ok": False, "error": "Payload Too Large"}, 413)
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return _json({"ok": False, "error": "invalid JSON body"}, 400)
    if not isinstance(body, dict):
        return _json({"ok": False, "error": "body must be a JSON object"}, 400)
    if name == "wake":
        return _hook_wake(gw, body)
    return await _hook_agent(gw, request, body)


def _hook_wake(gw: FakeGateway, body: dict[str, Any]) -> web.Response:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return _json({"ok": False, "error": "text required"}, 400)
    mode = body.get("mode", "now")
    if mode not in ("now", "next-heartbeat"):
        return _json({"ok": False, "error": "mode must be now or next-heartbeat"}, 400)
    gw.wakes.append(dict(body))
    return _json({"ok": True, "mode": mode, "eventOutcome": "queued"})


async def _hook_agent(gw: FakeGateway, request: web.Request, body: dict[str, Any]) -> web.Response:
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        return _json({"ok": False, "error": "message required"}, 400)
    gw.hook_requests.append(dict(body))
    agent = body.get("agentId") or gw.sessions.default_agent
    key = body.get("sessionKey")
    if isinstance(key, str) and key:
        key = gw.sessions.canonical(key, agent)
    else:
        key = f"agent:{agent}:{gw.hook_session_prefix}:{uuid.uuid4()}"
    run_id = (
        body.get("idempotencyKey")
        or request.headers.get("Idempotency-Key")
        or request.headers.get("X-OpenClaw-Idempotency-Key")
        or str(uuid.uuid4())
    )
    existing = gw.runs.runs.get(run_id)
    run = existing or gw.runs.start(gw.sessions.ensure(key), message, run_id, origin="hook")
    out: dict[str, Any] = {"ok": True, "runId": run.run_id}
    if body.get("waitForCompletion"):
        timeout = float(body.get("timeoutSeconds") or 60)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(run.done.wait(), timeout)
        status = {"final": "ok", "running": "timeout"}.get(run.state, run.state)
        out["completion"] = {
            "status": status,
            "replyDisposition": "visible",
            "delivered": False,
            "deliveryAttempted": False,
        }
    return _json(out)


# --- OpenAI-compatible endpoints -------------------------------------------------------------


def _agent_from(gw: FakeGateway, request: web.Request, model: Any) -> str:
    header = request.headers.get("x-openclaw-agent-id")
    if header:
        return header.strip().lower()
    if isinstance(model, str):
        for prefix in ("openclaw/", "openclaw:", "agent:"):
            if model.startswith(prefix) and model[len(prefix) :] not in ("", "default"):
                return model[len(prefix) :].lower()
    return gw.sessions.default_agent


def _session_for(
    gw: FakeGateway, request: web.Request, body: dict[str, Any], kind: str
) -> str | web.Response:
    agent = _agent_from(gw, request, body.get("model"))
    header = request.headers.get("x-openclaw-session-key", "").strip()
    if header:
        if header.startswith(("subagent:", "cron:", "acp:")):
            return _api_error(400, "session key not allowed", "invalid_request_error")
        return gw.sessions.canonical(header, agent)
    user = body.get("user")
    if isinstance(user, str) and user:
        return f"agent:{agent}:{kind}-user:{user.lower()}"
    return f"agent:{agent}:{kind}:{uuid.uuid4()}"


async def _read_body(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return _api_error(400, "Invalid JSON body", "invalid_request_error")
    if not isinstance(body, dict):
        return _api_error(400, "Body must be a JSON object", "invalid_request_error")
    return body


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") in ("text", "input_text")
        )
    return ""


async def _start(
    gw: FakeGateway, key: str, message: str
) -> tuple[Run, asyncio.Queue[tuple[str, str]]]:
    run = gw.runs.start(gw.sessions.ensure(key), message, origin="http")
    return run, run.listen()


async def _sse_start(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(
        headers={"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}
    )
    await resp.prepare(request)
    return resp


async def chat_completions(request: web.Request) -> web.StreamResponse:
    gw = _gw(request)
    if not gw.chat_completions_enabled:
        return _api_error(404, "Not Found", "not_found")
    if not _gateway_auth_ok(gw, request):
        return _api_error(401, "Unauthorized", "unauthorized")
    body = await _read_body(request)
    if isinstance(body, web.Response):
        return body
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return _api_error(400, "Missing `messages`.", "invalid_request_error")
    user_text = next(
        (
            _text_of(m.get("content"))
            for m in reversed(messages)
            if isinstance(m, dict) and m.get("role") == "user"
        ),
        "",
    )
    key = _session_for(gw, request, body, "openai")
    if isinstance(key, web.Response):
        return key
    model = body.get("model") or "openclaw"
    run, events = await _start(gw, key, user_text)
    chunk_id = f"chatcmpl_{uuid.uuid4().hex}"
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        data = {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()

    if not body.get("stream"):
        kind, value = await _wait_end(events)
        if kind == "error":
            return _api_error(500, value, "api_error")
        usage = _usage_of(gw, run)
        return _json(
            {
                "id": chunk_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": value},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": usage[0],
                    "completion_tokens": usage[1],
                    "total_tokens": usage[0] + usage[1],
                },
            }
        )
    resp = await _sse_start(request)
    await resp.write(chunk({"role": "assistant"}))
    while True:
        kind, value = await events.get()
        if kind == "delta":
            await resp.write(chunk({"content": value}))
            continue
        if kind == "error":
            error = {"error": {"message": value, "type": "api_error"}}
            await resp.write(f"data: {json.dumps(error, separators=(',', ':'))}\n\n".encode())
        else:
            await resp.write(chunk({}, "stop"))
        break
    await resp.write(b"data: [DONE]\n\n")
    return resp


async def _wait_end(events: asyncio.Queue[tuple[str, str]]) -> tuple[str, str]:
    text = ""
    while True:
        kind, value = await events.get()
        if kind == "delta":
            text += value
        elif kind == "error":
            return kind, value
        else:
            return kind, text


def _usage_of(gw: FakeGateway, run: Run) -> tuple[int, int]:
    session = gw.sessions.get(run.session_key)
    if session is not None:
        for msg in reversed(session.messages):
            meta = msg.get("__openclaw") or {}
            if meta.get("runId") == run.run_id and isinstance(msg.get("usage"), dict):
                return int(msg["usage"].get("input", 0)), int(msg["usage"].get("output", 0))
    return 0, 0


async def models(request: web.Request) -> web.Response:
    gw = _gw(request)
    if not (gw.chat_completions_enabled or gw.responses_enabled):
        return _api_error(404, "Not Found", "not_found")
    if not _gateway_auth_ok(gw, request):
        return _api_error(401, "Unauthorized", "unauthorized")
    ids = ["openclaw", "openclaw/default"] + [f"openclaw/{a['id']}" for a in gw.agents]
    return _json(
        {
            "object": "list",
            "data": [
                {"id": i, "object": "model", "created": 0, "owned_by": "openclaw"} for i in ids
            ],
        }
    )


async def responses(request: web.Request) -> web.StreamResponse:
    gw = _gw(request)
    if not gw.responses_enabled:
        return _api_error(404, "Not Found", "not_found")
    if not _gateway_auth_ok(gw, request):
        return _api_error(401, "Unauthorized", "unauthorized")
    body = await _read_body(request)
    if isinstance(body, web.Response):
        return body
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        text = raw_input
    elif isinstance(raw_input, list):
        users = [i for i in raw_input if isinstance(i, dict) and i.get("role", "user") == "user"]
        text = _text_of(users[-1].get("content")) if users else ""
    else:
        return _api_error(400, "Missing `input`.", "invalid_request_error")
    key = _session_for(gw, request, body, "openresponses")
    if isinstance(key, web.Response):
        return key
    model = body.get("model") or "openclaw"
    run, events = await _start(gw, key, text)
    resp_id = f"resp_{uuid.uuid4().hex}"
    item_id = f"msg_{uuid.uuid4().hex}"
    created = int(time.time())

    def response(status: str, output_text: str | None) -> dict[str, Any]:
        output = []
        if output_text is not None:
            output = [
                {
                    "type": "message",
                    "id": item_id,
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": output_text, "annotations": []}],
                }
            ]
        out: dict[str, Any] = {
            "id": resp_id,
            "object": "response",
            "created_at": created,
            "status": status,
            "model": model,
            "output": output,
        }
        if status == "completed":
            inp, outp = _usage_of(gw, run)
            out["usage"] = {"input_tokens": inp, "output_tokens": outp, "total_tokens": inp + outp}
        return out

    if not body.get("stream"):
        kind, value = await _wait_end(events)
        if kind == "error":
            failed = response("failed", None)
            failed["error"] = {"code": "api_error", "message": value}
            return _json(failed)
        return _json(response("completed", value))

    resp = await _sse_start(request)

    async def send(kind: str, data: dict[str, Any]) -> None:
        payload = json.dumps({"type": kind, **data}, separators=(",", ":"))
        await resp.write(f"event: {kind}\ndata: {payload}\n\n".encode())

    part = {"type": "output_text", "text": "", "annotations": []}
    item = {
        "type": "message",
        "id": item_id,
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    await send("response.created", {"response": response("in_progress", None)})
    await send("response.in_progress", {"response": response("in_progress", None)})
    await send("response.output_item.added", {"output_index": 0, "item": item})
    where = {"item_id": item_id, "output_index": 0, "content_index": 0}
    await send("response.content_part.added", {**where, "part": part})
    text = ""
    kind, value = await events.get()
    while kind == "delta":
        text += value
        await send("response.output_text.delta", {**where, "delta": value})
        kind, value = await events.get()
    if kind == "error":
        failed = response("failed", None)
        failed["error"] = {"code": "api_error", "message": value}
        await send("response.failed", {"response": failed})
    else:
        await send("response.output_text.done", {**where, "text": text})
        await send("response.content_part.done", {**where, "part": {**part, "text": text}})
        done_item = response("completed", text)["output"][0]
        await send("response.output_item.done", {"output_index": 0, "item": done_item})
        await send("response.completed", {"response": response("completed", text)})
    await resp.write(b"data: [DONE]\n\n")
    return resp


# --- session history -------------------------------------------------------------------------


def _history_error(status: int, kind: str, message: str) -> web.Response:
    return _json({"ok": False, "error": {"type": kind, "message": message}}, status)


def _parse_cursor(raw: str | None) -> int | str | None:
    if raw is None or raw == "":
        return None
    text = raw[4:] if raw.startswith("seq:") else raw
    if not text.isdigit() or int(text) < 1:
        return "bad"
    return int(text)


async def session_history(request: web.Request) -> web.StreamResponse:
    gw = _gw(request)
    if not _gateway_auth_ok(gw, request):
        return _api_error(401, "Unauthorized", "unauthorized")
    key = gw.sessions.canonical(request.match_info["key"])
    session = gw.sessions.get(key)
    if session is None:
        return _history_error(404, "not_found", f"session not found: {key}")
    raw_limit = request.query.get("limit")
    limit = 200
    if raw_limit is not None:
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 1000:
            return _history_error(400, "invalid_request", "limit must be an integer 1..1000")
        limit = int(raw_limit)
    cursor = _parse_cursor(request.query.get("cursor"))
    if cursor == "bad":
        return _history_error(400, "invalid_request", "cursor must be a positive integer or seq:N")
    older = [m for m in session.messages if cursor is None or m["__openclaw"]["seq"] < int(cursor)]
    page = [project_for_history(m) for m in older[-limit:]]
    has_more = len(older) > len(page)
    body: dict[str, Any] = {
        "sessionKey": key,
        "items": page,
        "messages": page,
        "hasMore": has_more,
    }
    if has_more and page:
        body["nextCursor"] = f"seq:{page[0]['__openclaw']['seq']}"
    if "text/event-stream" not in request.headers.get("Accept", ""):
        return _json(body)
    resp = await _sse_start(request)
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    gw.history_followers.setdefault(key, []).append(queue)
    try:
        history = json.dumps(body, separators=(",", ":"))
        await resp.write(f"retry: 1000\n\nevent: history\ndata: {history}\n\n".encode())
        while True:
            try:
                stored = await asyncio.wait_for(queue.get(), gw.sse_keepalive_s)
            except TimeoutError:
                await resp.write(b": keepalive\n\n")
                continue
            if stored is None:
                break
            meta = stored.get("__openclaw") or {}
            event = {
                "sessionKey": key,
                "message": project_for_history(stored),
                "messageId": meta.get("id"),
                "messageSeq": meta.get("seq"),
            }
            await resp.write(
                f"event: message\ndata: {json.dumps(event, separators=(',', ':'))}\n\n".encode()
            )
    except ConnectionResetError:
        pass
    finally:
        gw.history_followers.get(key, []).remove(queue)
    return resp
