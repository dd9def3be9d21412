"""``FakeGateway``: the WS server (``websockets``), the HTTP app (aiohttp) and the splitter."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import json
from typing import Any
import uuid

from aiohttp import web
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from . import errors
from .auth import PairingStore, PendingRequest, encode_setup_code, now_ms
from .connection import Conn
from .faults import Faults, Stats
from .handshake import handle_connect
from .methods import METHODS, THINKING_LEVELS, dispatch
from .nodes import NodeRegistry, NodeSurfaceRequest
from .runs import ModelFn, RunManager, RunScript, ToolCall
from .schema import REQUEST_FRAME, validate
from .sessions import Session, SessionStore
from .splitter import Splitter, is_websocket_upgrade

HOST = "127.0.0.1"
MAX_PAYLOAD = 25 * 1024 * 1024
MAX_BUFFERED = 50 * 1024 * 1024
PREAUTH_MAX = 64 * 1024
ATTACHMENTS = {"maxBytes": 19464192, "maxImageBytes": 6291456}
EVENTS = [
    "connect.challenge", "agent", "chat", "chat.metadata.changed", "session.message",
    "sessions.changed", "presence", "tick", "health", "heartbeat", "shutdown",
    "device.pair.requested", "device.pair.resolved", "config.changed", "skills.changed",
    "node.pair.requested", "node.pair.resolved", "node.invoke.request", "node.invoke.cancel",
]  # fmt: skip


class FakeGateway:
    """See the package docstring for the public API."""

    def __init__(
        self,
        token: str | None = "gw-token",
        password: str | None = None,
        hooks_token: str | None = "hooks-token",
        protocol: int = 4,
        server_version: str = "2026.9.6",
        auto_approve_local: bool = True,
        tick_interval_ms: int = 30000,
        methods: set[str] | None = None,
        agents: list[dict[str, Any]] | None = None,
        handshake_timeout: float = 15.0,
    ) -> None:
        self.token = token
        self.password = password
        self.hooks_token = hooks_token
        self.protocol = protocol
        self.server_version = server_version
        self.auto_approve_local = auto_approve_local
        self.tick_interval_ms = tick_interval_ms
        self.methods = methods
        self.handshake_timeout = handshake_timeout
        self.agents: list[dict[str, Any]] = agents or [{"id": "main"}]
        # Pairing: an unknown device waits for approval when True (a "remote" client).
        self.require_pairing = not auto_approve_local
        # Emulate the loopback gateway-client/backend + shared token exception (no token).
        self.local_backend_skip_pairing = False
        self.hooks_enabled = True
        self.legacy_scope_errors = protocol < 4  # INVALID_REQUEST "missing scope: X"
        self.health_with_tick = True  # send a `health` event after every `tick`
        self.thinking_levels: tuple[str, ...] = THINKING_LEVELS
        self.model: ModelFn | None = None
        self.faults = Faults()
        self.stats = Stats()
        self.pairing = PairingStore()
        self.sessions = SessionStore(default_agent=str(self.agents[0]["id"]))
        self.runs = RunManager(self)
        self.conns: set[Conn] = set()
        self.wakes: list[dict[str, Any]] = []  # params of wake requests and /hooks/wake bodies
        self.hook_requests: list[dict[str, Any]] = []  # bodies of /hooks/agent
        self.http_rate_limited = 0  # next N /v1, /sessions and /hooks requests get 429
        self.http_retry_after = 1
        self.chat_completions_enabled = True  # off by default on a real gateway
        self.responses_enabled = True
        self.hook_session_prefix = "cron"  # /hooks/agent runs in agent:<id>:cron:<uuid>
        self.hook_failures: list[float] = []
        self.sse_keepalive_s = 15.0
        self.history_followers: dict[str, list[asyncio.Queue[dict[str, Any] | None]]] = {}
        self.state_version = {"presence": 1, "health": 1}
        # Nodes (see nodes.py): gateway.nodes.commands.allow / deny, surface approval.
        self.nodes = NodeRegistry(self)
        self.node_commands_allow: set[str] = set()
        self.node_commands_deny: set[str] = set()
        self.auto_approve_node_commands = False
        self.node_events: list[dict[str, Any]] = []  # params of node.event requests
        self._started_at = now_ms()
        self._startup_until = 0.0
        self._ws_server: Server | None = None
        self._http_runner: web.AppRunner | None = None
        self._http_port = 0
        self._ws_port = 0
        self._splitter: Splitter | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[Any]] = set()

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> FakeGateway:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        from .http_app import build_app

        self._started_at = now_ms()
        self._ws_server = await serve(
            self._ws_handler,
            HOST,
            0,
            max_size=MAX_PAYLOAD + 1024,
            ping_interval=25,
            ping_timeout=20,
            compression=None,
        )
        self._ws_port = int(next(iter(self._ws_server.sockets)).getsockname()[1])
        self._http_runner = web.AppRunner(
            build_app(self), access_log=None, shutdown_timeout=2, handler_cancellation=True
        )
        await self._http_runner.setup()
        site = web.TCPSite(self._http_runner, HOST, 0)
        await site.start()
        self._http_port = int(self._http_runner.addresses[0][1])
        self._splitter = Splitter(route=self._route)
        await self._splitter.start()
        self._ticker = asyncio.create_task(self._tick_loop())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self.runs.stop_all()
        for queues in self.history_followers.values():
            for queue in queues:
                queue.put_nowait(None)  # end SSE history streams
        if self._splitter is not None:
            await self._splitter.stop()
        if self._ws_server is not None:
            self._ws_server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws_server.wait_closed(), 5)
        for conn in list(self.conns):
            await conn.stop()
        if self._http_runner is not None:
            await self._http_runner.cleanup()

    def _route(self, head: bytes) -> tuple[str, int]:
        return (HOST, self._ws_port if is_websocket_upgrade(head) else self._http_port)

    @property
    def port(self) -> int:
        assert self._splitter is not None, "gateway not started"
        return self._splitter.port

    @property
    def url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def splitter(self) -> Splitter:
        assert self._splitter is not None, "gateway not started"
        return self._splitter

    def uptime_ms(self) -> int:
        return now_ms() - self._started_at

    # --- the socket --------------------------------------------------------------------------

    async def _ws_handler(self, ws: ServerConnection) -> None:
        conn = Conn(ws)
        conn.start()
        self.conns.add(conn)
        self.stats.tcp_accepted += 1
        try:
            conn.event(
                "connect.challenge",
                {"nonce": conn.nonce, "ts": now_ms(), "capabilities": ["model-catalog-snapshot"]},
                with_seq=False,
            )
            if await self._handshake(conn):
                async for message in ws:
                    self._on_frame(conn, message)
                    if not conn.open:
                        break
        except ConnectionClosed:
            pass
        finally:
            self.conns.discard(conn)
            if conn.role == "node":
                self.nodes.disconnected(conn)
            conn.authed = False
            conn.finish()
            conn.gone.set()
            if conn._writer is not None:
                await asyncio.wait([conn._writer], timeout=2)
            await conn.stop()

    async def _handshake(self, conn: Conn) -> bool:
        try:
            message = await asyncio.wait_for(conn.ws.recv(), self.handshake_timeout)
        except TimeoutError:
            conn.close(1000, "handshake timeout")
            return False
        size = len(message.encode() if isinstance(message, str) else message)
        if size > PREAUTH_MAX:
            conn.close(1009, "preauth payload too large")
            return False
        try:
            frame = json.loads(message)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            conn.close(1008, "invalid frame")
            return False
        if validate(REQUEST_FRAME, frame) is not None:
            conn.close(1008, "invalid request frame")
            return False
        if frame["method"] != "connect":
            text = "invalid handshake: first request must be connect"
            conn.res(frame["id"], error={"code": "INVALID_REQUEST", "message": text})
            conn.close(1008, text)
            return False
        self.stats.connect_attempts += 1
        try:
            hello = await handle_connect(self, conn, frame.get("params"))
        except errors.Reject as rej:
            details = rej.details or {}
            self.stats.connect_errors[str(details.get("code") or rej.code)] += 1
            conn.authed = False
            conn.res(frame["id"], error=rej.shape())
            code, reason = rej.close or (1008, rej.message[:123])
            conn.close(code, reason)
            return False
        self.stats.hello_ok += 1
        conn.res(frame["id"], hello)
        self.state_version["presence"] += 1
        if conn.role == "node":
            self.nodes.connected(conn, frame["params"])
        return True

    def _on_frame(self, conn: Conn, message: str | bytes) -> None:
        try:
            frame = json.loads(message)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            conn.authed = False
            conn.close(1008, "invalid frame")
            return
        problem = validate(REQUEST_FRAME, frame)
        if problem is not None:
            req_id = frame.get("id") if isinstance(frame.get("id"), str) else "invalid"
            conn.res(
                req_id,
                error={"code": "INVALID_REQUEST", "message": f"invalid request frame: {problem}"},
            )
            return
        method: str = frame["method"]
        self.stats.requests[method] += 1
        try:
            payload = dispatch(self, conn, method, frame.get("params"))
            error = None
        except errors.Reject as rej:
            payload, error = None, rej.shape()
        if inspect.isawaitable(payload):  # node.invoke: answered once the node has answered
            task = asyncio.create_task(self._awaited_res(conn, frame["id"], payload))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
            return
        if method == "chat.send" and error is None and self.faults.drop_before_ack:
            self.faults.drop_before_ack = False
            self.drop_connections_for_fault()
            return
        delay = self.faults.response_delay
        if delay and (self.faults.delay_methods is None or method in self.faults.delay_methods):
            task = asyncio.create_task(self._late_res(conn, frame["id"], payload, error, delay))
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        else:
            conn.res(frame["id"], payload, error)

    @staticmethod
    async def _awaited_res(conn: Conn, req_id: str, work: Any) -> None:
        try:
            payload, error = await work, None
        except errors.Reject as rej:
            payload, error = None, rej.shape()
        conn.res(req_id, payload, error)

    @staticmethod
    async def _late_res(
        conn: Conn, req_id: str, payload: Any, error: dict[str, Any] | None, delay: float
    ) -> None:
        await asyncio.sleep(delay)
        conn.res(req_id, payload, error)

    # --- events ------------------------------------------------------------------------------

    def broadcast(
        self,
        event: str,
        payload: Any,
        *,
        session_key: str | None = None,
        state_version: dict[str, int] | None = None,
    ) -> None:
        for conn in list(self.conns):
            if conn.may_receive(event, session_key):
                conn.event(event, payload, state_version=state_version)

    def broadcast_presence(self) -> None:
        """``presence`` to everyone (the real gateway sends it when a node comes or goes)."""
        self.state_version["presence"] += 1
        self.broadcast("presence", {"presence": self.presence()}, state_version=self.state_version)

    def emit_session_message(self, session: Session, stored: dict[str, Any], run_id: str) -> None:
        meta = stored.get("__openclaw") or {}
        payload = {
            **session.row(),
            "sessionKey": session.key,
            "message": stored,
            "messageId": meta.get("id"),
            "messageSeq": meta.get("seq"),
            "runId": run_id,
        }
        payload.pop("key", None)
        for conn in list(self.conns):
            if session.key in conn.message_keys and conn.may_receive("session.message"):
                conn.event("session.message", payload)
        self._notify_history(session, stored)

    def emit_sessions_changed(self, session: Session, reason: str) -> None:
        payload = {**session.row(), "sessionKey": session.key, "reason": reason, "ts": now_ms()}
        for conn in list(self.conns):
            if conn.sessions_subscribed and conn.may_receive("sessions.changed"):
                conn.event("sessions.changed", payload)

    def _notify_history(self, session: Session, stored: dict[str, Any]) -> None:
        for queue in list(self.history_followers.get(session.key, [])):
            queue.put_nowait(stored)

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval_ms / 1000)
            self.broadcast("tick", {"ts": now_ms()})
            if self.health_with_tick:  # the real gateway refreshes health on the same beat
                self.state_version["health"] += 1
                self.broadcast("health", self.health_snapshot(), state_version=self.state_version)

    # --- snapshots ---------------------------------------------------------------------------

    def presence(self) -> list[dict[str, Any]]:
        return [
            {
                "host": "fake-gateway",
                "ip": HOST,
                "version": self.server_version,
                "platform": "linux",
                "mode": "gateway",
                "reason": "self",
                "ts": now_ms(),
            }
        ] + [
            {
                "instanceId": c.client.get("instanceId"),
                "host": c.client.get("displayName"),
                "platform": c.client.get("platform"),
                "mode": c.client.get("mode"),
                "version": c.client.get("version"),
                "reason": "connect",
                "ts": now_ms(),
            }
            for c in self.conns
            if c.authed
        ]

    def health_snapshot(self) -> dict[str, Any]:
        rows, total = self.sessions.rows(limit=5)
        return {
            "ok": True,
            "ts": now_ms(),
            "durationMs": 1,
            "defaultAgentId": self.sessions.default_agent,
            "agents": [
                {
                    "agentId": a["id"],
                    "isDefault": a["id"] == self.sessions.default_agent,
                    "heartbeat": {"enabled": True, "every": "30m", "everyMs": 1800000},
                    "sessions": {"count": len([r for r in rows if r.get("agentId") == a["id"]])},
                }
                for a in self.agents
            ],
            "sessions": {"count": total, "recent": [{"key": r["key"]} for r in rows]},
            "channels": {},
            "channelOrder": [],
            "heartbeatSeconds": 1800,
        }

    def hello_payload(self, conn: Conn, auth_block: dict[str, Any]) -> dict[str, Any]:
        methods = sorted(m for m in METHODS if self.methods is None or m in self.methods)
        hello: dict[str, Any] = {
            "type": "hello-ok",
            "protocol": self.protocol,
            "server": {"version": self.server_version, "connId": conn.conn_id},
            "features": {"methods": methods, "events": list(EVENTS)},
            "snapshot": {
                "presence": self.presence(),
                "health": self.health_snapshot(),
                "stateVersion": dict(self.state_version),
                "uptimeMs": self.uptime_ms(),
                "sessionDefaults": {
                    "defaultAgentId": self.sessions.default_agent,
                    "mainKey": self.sessions.main_key,
                    "mainSessionKey": self.sessions.main_session_key,
                },
                "authMode": "token" if self.token else ("password" if self.password else "none"),
            },
            "auth": auth_block,
            "policy": {
                "maxPayload": MAX_PAYLOAD,
                "maxBufferedBytes": MAX_BUFFERED,
                "tickIntervalMs": self.tick_interval_ms,
            },
        }
        if self.protocol >= 4:
            cap = uuid.uuid4().hex
            hello["pluginSurfaceUrls"] = {"canvas": f"{self.http_url}/__openclaw__/cap/{cap}"}
            hello["policy"]["attachments"] = dict(ATTACHMENTS)
        else:
            hello["canvasHostUrl"] = f"{self.http_url}/__openclaw__/canvas/"
            if "deviceToken" in auth_block:
                hello["auth"] = {k: v for k, v in auth_block.items() if k != "method"}
            else:
                del hello["auth"]
        return hello

    def config_snapshot(self) -> dict[str, Any]:
        redacted = "__OPENCLAW_REDACTED__"
        config = {
            "gateway": {
                "mode": "local",
                "port": self.port,
                "bind": "loopback",
                "auth": {"mode": "token" if self.token else "password", "token": redacted},
                "nodes": {"pairing": {"autoApproveLocal": not self.require_pairing}},
            },
            "hooks": {"enabled": self.hooks_enabled, "token": redacted, "path": "/hooks"},
            "agents": {"defaults": {"model": {"primary": "fake/echo-1"}}},
        }
        raw = json.dumps(config, indent=2)
        return {
            "path": "/fake/openclaw.json",
            "exists": True,
            "valid": True,
            "raw": raw,
            "parsed": config,
            "config": config,
            "hash": hashlib.sha256(raw.encode()).hexdigest(),
            "issues": [],
            "warnings": [],
        }

    # --- test controls: scripting and data ---------------------------------------------------

    def script_reply(
        self,
        text: str | None = None,
        chunks: list[str] | None = None,
        delay: float = 0.0,
        error: str | None = None,
        hang: bool = False,
        *,
        silent: bool = False,
        start_delay: float = 0.0,
        usage: dict[str, Any] | None = None,
        tools: list[ToolCall] | None = None,
        count: int = 1,
    ) -> RunScript:
        """Queue what the next ``count`` run(s) do; see ``RunScript``."""
        script = RunScript(
            text, chunks, delay, start_delay, error, hang, silent, usage, list(tools or [])
        )
        self.runs.scripts.extend([script] * count)
        return script

    def add_sessions(self, n: int, agent: str = "main", prefix: str = "fake") -> list[str]:
        """Create ``n`` sessions ``agent:<agent>:<prefix>-<i>`` (newest first in lists)."""
        keys = []
        base = now_ms() - n * 1000
        for i in range(n):
            key = f"agent:{agent}:{prefix}-{i}"
            session = self.sessions.ensure(key)
            session.settings["label"] = f"{prefix} {i}"
            session.updated_at = base + i * 1000
            keys.append(key)
        return keys

    def add_message(self, session_key: str, role: str, text: str) -> dict[str, Any]:
        """Append a transcript message (and send ``session.message`` to subscribers)."""
        session = self.sessions.ensure(self.sessions.canonical(session_key))
        message: dict[str, Any] = {"role": role, "timestamp": now_ms()}
        message["content"] = text if role == "user" else [{"type": "text", "text": text}]
        stored = session.append(message)
        self.emit_session_message(session, stored, "")
        return stored

    # --- test controls: pairing and auth -----------------------------------------------------

    @property
    def pending(self) -> list[PendingRequest]:
        return list(self.pairing.pending.values())

    def issue_setup_code(self, ttl_ms: int = 600000, url: str | None = None) -> str:
        entry = self.pairing.issue_bootstrap(ttl_ms)
        return encode_setup_code(url or self.url, entry.token, entry.expires_at_ms)

    def approve(self, request_id: str) -> bool:
        req = self.pairing.pending.get(request_id)
        if req is None:
            return False
        self.pairing.approve_request(req)
        self.broadcast(
            "device.pair.resolved",
            {
                "requestId": request_id,
                "deviceId": req.device_id,
                "decision": "approved",
                "ts": now_ms(),
            },
        )
        return True

    def reject(self, request_id: str) -> bool:
        req = self.pairing.pending.pop(request_id, None)
        if req is None:
            return False
        self.broadcast(
            "device.pair.resolved",
            {
                "requestId": request_id,
                "deviceId": req.device_id,
                "decision": "rejected",
                "ts": now_ms(),
            },
        )
        return True

    def revoke(self, device_id: str, role: str | None = None) -> bool:
        """Revoke a device's role(s); its device token then gets AUTH_DEVICE_TOKEN_MISMATCH."""
        done = self.pairing.revoke(device_id, role)
        for conn in list(self.conns):
            if conn.device_id == device_id and conn.authed:
                conn.authed = False
                conn.close(4001, "client invalidated: device revoked")
        return done

    def rotate_token(self, new: str | None, *, invalidate_device_tokens: bool = False) -> None:
        """Change the shared token; sockets that used it close with 4001."""
        self.token = new
        for conn in list(self.conns):
            if conn.authed and conn.auth_method == "token":
                conn.authed = False
                conn.close(4001, "gateway auth changed")
        if invalidate_device_tokens:
            for device in self.pairing.devices.values():
                device.tokens.clear()

    def pairing_list(self) -> dict[str, Any]:
        return {
            "pending": [r.event_payload() for r in self.pending],
            "paired": [
                {
                    "deviceId": d.device_id,
                    "clientId": d.client_id,
                    "clientMode": d.client_mode,
                    "platform": d.platform,
                    "displayName": d.display_name,
                    "roles": sorted(d.roles),
                    "scopes": sorted({s for v in d.roles.values() for s in v}),
                    "approvedVia": d.approved_via,
                }
                for d in self.pairing.devices.values()
            ],
        }

    # --- test controls: nodes ----------------------------------------------------------------

    @property
    def pending_nodes(self) -> list[NodeSurfaceRequest]:
        """Node command surfaces waiting for ``openclaw nodes approve``."""
        return self.nodes.pending

    def approve_node(self, request_id: str) -> bool:
        """Approve a node's command surface (``openclaw nodes approve <requestId>``)."""
        return self.nodes.approve(request_id)

    # --- test controls: faults ---------------------------------------------------------------

    def startup_pending(self) -> bool:
        return asyncio.get_running_loop().time() < self._startup_until

    def set_starting(self, seconds: float) -> None:
        """Refuse connects with UNAVAILABLE/startup-sidecars for ``seconds``."""
        self._startup_until = asyncio.get_running_loop().time() + seconds

    async def restart(self, unavailable_for: float = 1.0, restart_expected_ms: int = 1500) -> None:
        """``shutdown`` event, close 1012 for everyone, then refuse connects for a while.

        Runs keep going; their finals land in history for resyncing clients.
        """
        self.broadcast(
            "shutdown", {"reason": "gateway restarting", "restartExpectedMs": restart_expected_ms}
        )
        self.set_starting(unavailable_for)
        await self.drop_all(1012, "service restart")

    async def drop_all(
        self, code: int | None = 1012, reason: str = "", *, abrupt: bool = False
    ) -> int:
        """Close every WS connection with ``code`` (or cut TCP when ``abrupt``/``code=None``)."""
        conns = [c for c in self.conns if c.open]
        for conn in conns:
            conn.authed = False
        if abrupt or code is None:
            self.splitter.cut_all()
        else:
            for conn in conns:
                conn.close(code, reason)
        if conns:
            waiters = [asyncio.ensure_future(c.gone.wait()) for c in conns]
            _done, pending = await asyncio.wait(waiters, timeout=3)
            for waiter in pending:
                waiter.cancel()
        return len(conns)

    def drop_connections_for_fault(self) -> None:
        """Used by the run/ack faults: drop now, the way ``faults.drop_close_code`` says."""
        code = self.faults.drop_close_code
        for conn in list(self.conns):
            conn.authed = False
            if code is not None:
                conn.close(code, self.faults.drop_close_reason)
        if code is None:
            self.splitter.cut_all()

    def send_raw(self, text: str) -> None:
        """Send a raw text frame to every authenticated socket (e.g. malformed JSON)."""
        for conn in self.conns:
            if conn.authed:
                conn.send_raw(text)

    def send_malformed(self) -> None:
        self.send_raw('{"type":"event","event":"tick","payload":')

    def send_oversized(self, size: int = MAX_PAYLOAD + 1) -> None:
        """An event frame of at least ``size`` bytes (bigger than a client's max message)."""
        self.broadcast("health", {"ok": True, "padding": "x" * size})

    def skip_seq(self, n: int = 1) -> None:
        """The next event on every socket skips ``n`` seq numbers (a gap)."""
        for conn in self.conns:
            conn.skip_next += n

    async def go_offline(self) -> None:
        """Like a stopped gateway: cut every connection and refuse TCP connects."""
        for conn in self.conns:
            conn.authed = False
        await self.splitter.stop()

    async def go_online(self) -> None:
        """Listen again on the same port."""
        await self.splitter.start()

    def stall(self) -> None:
        """Network stall: the splitter holds all bytes (sockets stay open)."""
        self.splitter.pause()

    def resume(self) -> None:
        self.splitter.resume()

    def http_rate_limit_next(self, n: int = 1, retry_after: int = 1) -> None:
        """The next ``n`` authenticated HTTP requests answer 429 with ``Retry-After``."""
        self.http_rate_limited = n
        self.http_retry_after = retry_after
