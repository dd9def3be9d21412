"""Fake OpenClaw gateway (2026.9.6 wire behaviour) for every test tier.

WS runs on the ``websockets`` asyncio server (not aiohttp, so client and fake cannot share a
bug); HTTP runs on aiohttp.web; a TCP ``Splitter`` on the public port routes each connection
by its request head, exactly like the real single-port gateway. Everything binds 127.0.0.1:0.
Under phcc, request the ``socket_enabled`` fixture.

Start / stop::

    async with FakeGateway(token="gw-token", password=None, hooks_token="hooks-token",
                           protocol=4, server_version="2026.9.6", auto_approve_local=True,
                           tick_interval_ms=30000, methods=None, agents=None,
                           handshake_timeout=15.0) as gw:
        gw.url        # "ws://127.0.0.1:PORT"
        gw.http_url   # "http://127.0.0.1:PORT"

``protocol=3`` emulates <= 2026.5.7: ``canvasHostUrl`` instead of ``pluginSurfaceUrls``, no
``deltaText``, no ``status`` chat events, no ``policy.attachments``, ``hello-ok.auth`` only when
a token is issued, and missing scopes as INVALID_REQUEST "missing scope: X"
(``legacy_scope_errors``).
``methods`` (a set) limits the implemented methods, to emulate an older release.
``agents`` is the ``agents.list`` list (default ``[{"id": "main"}]``; the first is default).

Attributes you may set at any time:
  require_pairing (default ``not auto_approve_local``): unknown devices get NOT_PAIRED
      (same requestId until approved) and close 1008; otherwise they are approved silently.
  local_backend_skip_pairing (False): emulate the loopback ``gateway-client``/``backend`` +
      shared-token exception (hello-ok without deviceToken, no pairing record).
  hooks_enabled, chat_completions_enabled, responses_enabled (True): False -> 404.
  hook_session_prefix ("cron"): /hooks/agent runs in ``agent:<id>:<prefix>:<uuid>``.
  model: ``callable(message) -> RunScript | str | None`` used when no script is queued.
  thinking_levels: accepted ``sessions.patch`` thinkingLevel values.
  health_with_tick (True), sse_keepalive_s (15.0), legacy_scope_errors (protocol < 4),
  token, password, hooks_token.

Scripting runs (default reply ``"ECHO: <message>"``, one delta per word)::

    gw.script_reply(text=None, chunks=None, delay=0.0, error=None, hang=False, *,
                    silent=False, start_delay=0.0, usage=None, tools=None, count=1) -> RunScript
    tools: [ToolCall(name, args={}, result=None, is_error=False, before_piece=0, duration=0.0)]
    -> ``agent`` stream ``tool`` start/result events, only to the chat.send sender that
    declared cap ``tool-events``.

Data and pairing controls:
  gw.add_sessions(n, agent="main", prefix="fake") -> keys; gw.add_message(key, role, text)
  gw.issue_setup_code(ttl_ms=600000, url=None) -> setup code (unpadded base64url JSON)
  gw.pending -> [PendingRequest(request_id, device_id, role, scopes, reason, ...)]
  gw.approve(request_id) / gw.reject(request_id) -> bool
  gw.revoke(device_id, role=None) (its sockets close 4001; its token -> DEVICE_TOKEN_MISMATCH)
  gw.rotate_token(new, invalidate_device_tokens=False) (shared-token sockets close 4001)
  gw.sessions (SessionStore), gw.runs.runs (runId -> Run), gw.pairing (PairingStore),
  gw.wakes (wake params + /hooks/wake bodies), gw.hook_requests (/hooks/agent bodies)

Nodes (``role: "node"`` sockets; see nodes.py): a node's declared ``commands`` outside the
allowlist (platform defaults + ``gw.node_commands_allow`` - ``gw.node_commands_deny``) are
withheld; the rest wait for ``gw.approve_node(request_id)`` (requests: ``gw.pending_nodes``)
unless ``gw.auto_approve_node_commands``. ``node.list`` rows come from ``gw.nodes.rows()``;
``node.invoke`` sends ``node.invoke.request`` to the node and answers after its
``node.invoke.result`` (timeout -> ``TIMEOUT``, node gone -> ``DISCONNECTED``, offline ->
``NOT_CONNECTED``, unknown/unapproved -> ``PAIRING_CHANGED``). Records:
``gw.nodes.invoke_requests``, ``gw.nodes.results``, ``gw.node_events``. Nodes may call only
node methods (and ``health``), operators no node method (``unauthorized role: …``); a node
coming or going broadcasts ``presence``.

Faults (``gw.faults``, a ``Faults``; one-shot switches reset when they fire):
  response_delay (s) + delay_methods (set or None = all); refuse_connects (N) +
  refuse_retry_after_ms; drop_after_deltas (N, next run); drop_before_ack (next chat.send;
  the run still starts); drop_before_final (next run; history still gets the final);
  drop_close_code (None = abrupt TCP cut, else a WS close code) + drop_close_reason.
Fault actions:
  await gw.drop_all(code=1012, reason="", abrupt=False) -> sockets dropped
  await gw.restart(unavailable_for=1.0, restart_expected_ms=1500): ``shutdown`` event, close
      1012, then connects get UNAVAILABLE (retryAfterMs 500, details.reason
      "startup-sidecars") and close 1013; runs keep going. gw.set_starting(seconds) alone.
  await gw.go_offline() / await gw.go_online(): TCP refused, then listening again (same port)
  gw.stall() / gw.resume(): the splitter holds every byte (sockets stay open)
  gw.send_malformed(), gw.send_raw(text), gw.send_oversized(size), gw.skip_seq(n)
  gw.http_rate_limit_next(n, retry_after=1): next n /v1, /sessions, /hooks requests -> 429
Counters (``gw.stats``, a ``Stats``): tcp_accepted, connect_attempts, hello_ok,
  connect_errors (Counter by details.code), requests (Counter by method), http_requests,
  chat_sends (params list) + last_chat_send, runs_started, last_connect.

``Splitter(target=(host, port))`` alone is a reusable fault proxy (pause/resume/cut_all/
stop/start), e.g. in front of the real gateway. ``raw_client`` (``RawClient``, ``DeviceKey``,
``open_operator``, ``wait_closed``) is an independent websockets + cryptography signing client.
"""

from .faults import Faults, Stats
from .runs import RunScript, ToolCall
from .server import FakeGateway
from .splitter import Splitter

__all__ = ["FakeGateway", "Faults", "RunScript", "Splitter", "Stats", "ToolCall"]
