"""``GatewayClient``: the one façade applications use.

It owns the connection lifecycle (first connect, reconnect with backoff and jitter), fans
events out to subscribers, restores transcript subscriptions after a reconnect and resyncs runs
that were in flight, so that each run's terminal event reaches subscribers exactly once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
import contextlib
import logging
import random
import time
from typing import Any
import uuid

import aiohttp

from . import features, transcript
from .connection import ClientInfo, Connection, Credentials, SslOption, is_auth_failure
from .errors import (
    ConnectionClosedError,
    DeviceTokenMismatchError,
    GatewayError,
    InvalidRequestError,
    OpenClawError,
    RequestTimeoutError,
    RunAbortedError,
    RunFailedError,
    UnavailableError,
)
from .identity import DeviceIdentity
from .models import (
    AgentInfo,
    ChatEvent,
    EventFrame,
    HelloOk,
    RunResult,
    RunState,
    SendAck,
    SessionInfo,
    SessionMessage,
    Usage,
)
from .runs import RunTracker

_LOGGER = logging.getLogger(__name__)

DEFAULT_SCOPES = ("operator.read", "operator.write")
BACKOFF_MIN = 1.0
BACKOFF_MAX = 30.0
# After a planned gateway restart: retry at 0.25 s, then every 0.5 s, for up to two minutes.
RESTART_FIRST_DELAY = 0.25
RESTART_MAX_DELAY = 0.5
RESTART_WINDOW = 120.0
SERVICE_RESTART_CLOSE_CODE = 1012
HISTORY_LIMIT_MAX = 1000
# How far back a resync looks for a missed final in a session's transcript.
RESYNC_HISTORY_LIMIT = 200
# A run's own transcript row is among the newest few.
USAGE_HISTORY_LIMIT = 20
LOST_RUN_MESSAGE = "the gateway restarted before the run finished"
# Looks for a queued message's reply again after another run's final (a few times).
# How the transcript is read for the reply of a queued message (2026.5.12).
QUEUED_POLL_MIN = 0.5
QUEUED_POLL_MAX = 5.0
QUEUED_WAIT = 600.0

EventListener = Callable[[EventFrame], None]
ChatListener = Callable[[ChatEvent], None]
MessageListener = Callable[[SessionMessage], None]
ConnectionListener = Callable[[bool, BaseException | None], None]


def _call_safely(callback: Callable[..., None], *args: Any) -> None:
    # One faulty subscriber must not break the reader or the other subscribers.
    try:
        callback(*args)
    except Exception:
        _LOGGER.exception("error in an OpenClaw event subscriber")


def backoff_delays(
    minimum: float = BACKOFF_MIN,
    maximum: float = BACKOFF_MAX,
    rng: random.Random | None = None,
) -> Iterable[float]:
    """1 s, 2 s, 4 s … capped at 30 s, each with ±20 % jitter so clients don't stampede."""
    rng = rng or random.Random()
    delay = minimum
    while True:
        yield min(maximum, delay) * rng.uniform(0.8, 1.2)
        delay = min(maximum, delay * 2)


class RunHandle:
    """A chat run we started: iterate it for its events, or ``await wait()`` for the result."""

    def __init__(self, run_id: str, session_key: str) -> None:
        self.run_id = run_id
        self.session_key = session_key
        self.ack: SendAck | None = None
        self._events: asyncio.Queue[ChatEvent] = asyncio.Queue()
        self._result: asyncio.Future[RunResult] = asyncio.get_running_loop().create_future()

    @property
    def done(self) -> bool:
        return self._result.done()

    def _feed(self, event: ChatEvent) -> None:
        self._events.put_nowait(event)
        if event.state.terminal and not self._result.done():
            self._result.set_result(
                RunResult(
                    run_id=event.run_id,
                    session_key=event.session_key,
                    state=event.state,
                    text=event.text,
                    usage=event.usage,
                    stop_reason=event.stop_reason,
                    error_message=event.error_message,
                )
            )

    def _resolve(self, result: RunResult) -> None:
        if not self._result.done():
            self._result.set_result(result)

    def _fail(self, err: BaseException) -> None:
        if not self._result.done():
            self._result.set_exception(err)
            self._result.exception()  # mark retrieved: nobody may be waiting

    async def result(self, timeout: float | None = None) -> RunResult:
        """The terminal result, whatever its state."""
        async with asyncio.timeout(timeout):
            return await asyncio.shield(self._result)

    async def wait(self, timeout: float | None = None) -> RunResult:
        """The final reply; raises ``RunFailedError`` / ``RunAbortedError`` otherwise."""
        try:
            result = await self.result(timeout)
        except TimeoutError as err:
            raise RequestTimeoutError(f"run {self.run_id} did not finish in time") from err
        if result.state is RunState.ERROR:
            raise RunFailedError(self.run_id, result.error_message or "the run failed")
        if result.state is RunState.ABORTED:
            raise RunAbortedError(self.run_id, result.text)
        return result

    async def events(self) -> AsyncIterator[ChatEvent]:
        """Every event of the run in order (status, deltas, then the terminal one)."""
        while True:
            event = await self._events.get()
            yield event
            if event.state.terminal:
                return


class GatewayClient:
    """An operator connection to one OpenClaw gateway."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        identity: DeviceIdentity,
        token: str | None = None,
        password: str | None = None,
        device_token: str | None = None,
        bootstrap_token: str | None = None,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        caps: Sequence[str] = (),
        client_info: ClientInfo | None = None,
        ssl: SslOption = None,
        request_timeout: float = 30.0,
        handshake_timeout: float = 15.0,
        on_device_token: Callable[[str | None], None] | None = None,
        backoff: tuple[float, float] = (BACKOFF_MIN, BACKOFF_MAX),
    ) -> None:
        self._session = session
        self._backoff = backoff
        self.url = url
        self.identity = identity
        self._credentials = Credentials(token, password, device_token, bootstrap_token)
        self._scopes = tuple(scopes)
        self._caps = tuple(caps)
        self._client_info = client_info or ClientInfo()
        self._ssl = ssl
        self._request_timeout = request_timeout
        self._handshake_timeout = handshake_timeout
        self._on_device_token = on_device_token
        self._conn: Connection | None = None
        self._connected = asyncio.Event()
        self._reconnect_task: asyncio.Task[None] | None = None
        self._resync_task: asyncio.Task[None] | None = None
        self._queued_watchers: dict[str, asyncio.Task[None]] = {}
        self._queued_wakeups: dict[str, asyncio.Event] = {}
        self._closing = False
        self._restart_expected = False
        self._last_error: BaseException | None = None
        self._tracker = RunTracker()
        self._handles: dict[str, RunHandle] = {}
        self._event_listeners: list[tuple[str | None, EventListener]] = []
        self._chat_listeners: list[ChatListener] = []
        self._connection_listeners: list[ConnectionListener] = []
        self._message_listeners: dict[str, list[MessageListener]] = {}
        self._sessions_changed_wanted = False
        self.hello: HelloOk | None = None
        self.reconnects = 0

    # -- state ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    @property
    def device_token(self) -> str | None:
        return self._credentials.device_token

    @property
    def credential_kind(self) -> str:
        return self._credentials.kind

    @property
    def last_error(self) -> BaseException | None:
        """Why the last connection attempt failed (None while connected)."""
        return self._last_error

    def supports(self, method: str) -> bool:
        return self.hello is not None and self.hello.supports(method)

    def supports_event(self, event: str) -> bool:
        return self.hello is not None and event in self.hello.events

    def has_feature(self, feature: features.Feature) -> bool:
        """Whether the connected gateway offers ``feature`` (from hello-ok's feature lists)."""
        return features.supported(self.hello, feature)

    # -- connecting ----------------------------------------------------------------------

    async def connect(self) -> HelloOk:
        """Connect once and raise a typed error on failure; afterwards reconnect on drops."""
        self._closing = False
        return await self._open()

    async def _open(self, *, announce: bool = True) -> HelloOk:
        conn = await Connection.open(
            self._session,
            self.url,
            identity=self.identity,
            credentials=self._credentials,
            client=self._client_info,
            role="operator",
            scopes=self._scopes,
            caps=self._caps,
            on_event=self._dispatch,
            on_close=self._connection_closed,
            on_seq_gap=self._seq_gap,
            ssl=self._ssl,
            handshake_timeout=self._handshake_timeout,
        )
        hello = conn.hello
        assert hello is not None
        if self._closing:
            await conn.close()
            raise ConnectionClosedError("client closed while connecting")
        self._conn = conn
        self.hello = hello
        self._last_error = None
        if hello.device_token and hello.device_token != self._credentials.device_token:
            # Once paired, the device token replaces the bootstrap token (which expires).
            self._credentials = Credentials(
                self._credentials.token,
                self._credentials.password,
                hello.device_token,
                None,
            )
            if self._on_device_token is not None:
                _call_safely(self._on_device_token, hello.device_token)
        if announce:
            self._announce()
        return hello

    def _announce(self) -> None:
        self._connected.set()
        for listener in list(self._connection_listeners):
            _call_safely(listener, True, None)

    async def close(self) -> None:
        """Disconnect for good: no more reconnects; waiting runs fail."""
        self._closing = True
        for task in (self._reconnect_task, self._resync_task, *self._queued_watchers.values()):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._conn is not None:
            await self._conn.close()
        for handle in list(self._handles.values()):
            handle._fail(ConnectionClosedError("client closed"))
        self._handles.clear()

    async def wait_connected(self, timeout: float | None = None) -> None:
        async with asyncio.timeout(timeout):
            await self._connected.wait()

    def _connection_closed(self, conn: Connection, code: int | None, reason: str) -> None:
        if conn is not self._conn:
            return
        # A planned restart (a `shutdown` event, close 1012) is back in about a second: start
        # retrying sooner than after an unexplained drop.
        restarting = self._restart_expected or code == SERVICE_RESTART_CLOSE_CODE
        self._restart_expected = False
        self._connected.clear()
        _LOGGER.debug("gateway connection closed (%s)", code)
        for listener in list(self._connection_listeners):
            _call_safely(listener, False, None)
        if not self._closing and (self._reconnect_task is None or self._reconnect_task.done()):
            self._reconnect_task = asyncio.create_task(
                self._reconnect_loop(restarting), name="openclaw-reconnect"
            )

    async def _reconnect_loop(self, restarting: bool = False) -> None:
        first, maximum = self._backoff
        delays = iter(backoff_delays(first, maximum))
        # While a planned restart is expected, retry every ~0.5 s (for a bounded time) so the
        # connection is back within a second of the gateway being ready.
        loop = asyncio.get_running_loop()
        fast_until = loop.time() + RESTART_WINDOW if restarting else 0.0
        fast = iter(
            backoff_delays(min(first, RESTART_FIRST_DELAY), min(maximum, RESTART_MAX_DELAY))
        )
        while not self._closing:
            delay = next(fast) if loop.time() < fast_until else next(delays)
            if isinstance(self._last_error, GatewayError) and self._last_error.retry_after_ms:
                delay = max(delay, self._last_error.retry_after_ms / 1000)
            await asyncio.sleep(delay)
            try:
                await self._open(announce=False)
            except OpenClawError as err:
                if (
                    isinstance(err, DeviceTokenMismatchError)
                    and self._credentials.device_token
                    and (self._credentials.token or self._credentials.password)
                ):
                    # The device token was revoked: fall back to the shared secret once.
                    self._credentials = Credentials(
                        self._credentials.token, self._credentials.password
                    )
                    if self._on_device_token is not None:
                        _call_safely(self._on_device_token, None)
                    self._last_error = err
                    continue
                self._last_error = err
                if is_auth_failure(err):
                    # No retry fixes this; tell listeners so the user can act (reauth).
                    for listener in list(self._connection_listeners):
                        _call_safely(listener, False, err)
                    return
                _LOGGER.debug("reconnect failed: %s", type(err).__name__)
                continue
            self.reconnects += 1
            # Finals missed while away come first: senders waiting to resend, and the runs
            # they start, go on only once every earlier run has been resolved.
            await self._after_reconnect()
            if self.connected:
                self._announce()
                return
            # It dropped again while we restored subscriptions: this task must go on, since
            # the close callback saw it running and started no other.
            delays = iter(backoff_delays(*self._backoff))

    async def _after_reconnect(self) -> None:
        for key in list(self._message_listeners):
            try:
                await self.request("sessions.messages.subscribe", {"key": key})
            except OpenClawError as err:
                _LOGGER.debug("could not restore the transcript subscription: %s", err)
        if self._sessions_changed_wanted:
            try:
                await self.request("sessions.subscribe", {})
            except OpenClawError as err:
                _LOGGER.debug("could not restore sessions.subscribe: %s", err)
        await self.resync_runs(lost_before=self._gateway_started_at())

    def _gateway_started_at(self) -> float | None:
        """When (``time.monotonic``) the gateway process we are connected to started.

        ``hello-ok.snapshot.uptimeMs`` (every tested release sends it). A run we knew before
        that moment ran on the previous process: 2026.3.24 and 2026.5.12 drop such runs on a
        restart (2026.9.6 finishes them first), so one not in the transcript never ends. No
        margin is needed: a new process boots for seconds before it accepts any run.
        """
        uptime = self.hello.snapshot.get("uptimeMs") if self.hello is not None else None
        if isinstance(uptime, bool) or not isinstance(uptime, (int, float)) or uptime < 0:
            return None
        return time.monotonic() - uptime / 1000

    def _seq_gap(self, last: int, seq: int) -> None:
        # The gateway does not replay skipped events: recover missed finals from history.
        _LOGGER.debug("event seq gap %d -> %d", last, seq)
        self._schedule_resync()

    def _schedule_resync(self) -> None:
        if self._resync_task is None or self._resync_task.done():
            self._resync_task = asyncio.create_task(self.resync_runs(), name="openclaw-resync")

    def _watch_queued(self, session_key: str) -> None:
        """Look for the reply of a queued message (see ``_resolve_queued``); wake the watcher
        when one already runs (another run of the session just ended)."""
        wakeup = self._queued_wakeups.setdefault(session_key, asyncio.Event())
        task = self._queued_watchers.get(session_key)
        if task is not None and not task.done():
            wakeup.set()
            return
        self._queued_watchers[session_key] = asyncio.create_task(
            self._resolve_queued(session_key, wakeup), name="openclaw-queued-reply"
        )

    async def _resolve_queued(self, session_key: str, wakeup: asyncio.Event) -> None:
        """Read the session's transcript until each queued message has its reply.

        2026.5.12 runs a queued message as a follow-up under its own run id, and does not
        always send that run's events to us: so the transcript is read when another run of
        the session ends, and otherwise every few seconds (for at most ``QUEUED_WAIT``).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + QUEUED_WAIT
        delay = QUEUED_POLL_MIN
        try:
            while self._tracker.has_queued(session_key) and loop.time() < deadline:
                wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await wakeup.wait()
                await self.resync_runs(session_key)
                delay = min(delay * 2, QUEUED_POLL_MAX)
        finally:
            self._queued_watchers.pop(session_key, None)
            self._queued_wakeups.pop(session_key, None)

    async def resync_runs(
        self, session_key: str | None = None, *, lost_before: float | None = None
    ) -> None:
        """Find the finals of in-flight runs in their sessions' transcripts (or one's).

        With ``lost_before`` (a ``time.monotonic`` value), a run known since before then and
        not ended in the transcript is ended with an error: the gateway restarted under it.
        """
        by_session: dict[str, set[str]] = {}
        for run_id, key in self._tracker.active_runs().items():
            if session_key is None or key == session_key:
                by_session.setdefault(key, set()).add(run_id)
        for key, run_ids in by_session.items():
            if not key:
                continue
            try:
                history = await self.chat_history(key, limit=RESYNC_HISTORY_LIMIT)
            except OpenClawError as err:
                _LOGGER.debug("resync of %d run(s) failed: %s", len(run_ids), type(err).__name__)
                continue
            for found_run, row in self._rows_of_runs(history, run_ids).items():
                event = self._tracker.resolve_from_history(found_run, key, row)
                if event is not None:
                    self._deliver_chat(event)
            if lost_before is None:
                continue
            for run_id in run_ids:
                started = self._tracker.started_at(run_id)
                if started is not None and started < lost_before:
                    lost = self._tracker.fail_lost(run_id, LOST_RUN_MESSAGE)
                    if lost is not None:
                        self._deliver_chat(lost)

    def _rows_of_runs(
        self, history: list[dict[str, Any]], run_ids: set[str]
    ) -> dict[str, dict[str, Any]]:
        """The transcript row that ended each of ``run_ids`` (those that have ended)."""
        found: dict[str, dict[str, Any]] = {}
        linked = transcript.has_run_ids(history)
        by_text: dict[str, list[str]] = {}
        for run_id in run_ids:
            row = transcript.row_by_run_id(history, run_id) if linked else None
            message = self._tracker.sent_message(run_id)
            if row is not None:
                found[run_id] = row
            elif message is not None and (not linked or self._tracker.is_queued(run_id)):
                # No run ids in the rows (<= 2026.5.12), or a queued message that ran as
                # another run: the row answering the text we sent.
                by_text.setdefault(message, []).append(run_id)
        for message, runs in by_text.items():
            # Runs with one text pair with its user rows, newest with newest; only when
            # every one of them has ended, so no run takes another's reply.
            runs.sort(key=lambda r: self._tracker.started_at(r) or 0.0, reverse=True)
            rows = [transcript.row_answering(history, message, skip=i) for i in range(len(runs))]
            if all(row is not None for row in rows):
                found.update({r: row for r, row in zip(runs, rows, strict=True) if row})
        return found

    # -- events --------------------------------------------------------------------------

    def subscribe(self, callback: EventListener, event: str | None = None) -> Callable[[], None]:
        """Receive raw event frames (all, or one event name). Returns the unsubscribe call."""
        entry = (event, callback)
        self._event_listeners.append(entry)
        return lambda: (
            self._event_listeners.remove(entry) if entry in self._event_listeners else None
        )

    def subscribe_chat(self, callback: ChatListener) -> Callable[[], None]:
        """Receive every chat run event (any session), duplicates removed."""
        self._chat_listeners.append(callback)
        return lambda: self._remove(self._chat_listeners, callback)

    def subscribe_connection(self, callback: ConnectionListener) -> Callable[[], None]:
        """``callback(connected, error)``; ``error`` is set when reconnecting has stopped."""
        self._connection_listeners.append(callback)
        return lambda: self._remove(self._connection_listeners, callback)

    @staticmethod
    def _remove(items: list[Any], item: Any) -> None:
        if item in items:
            items.remove(item)

    def _dispatch(self, frame: EventFrame) -> None:
        if self._event_listeners:  # runs per frame: no list copy when nobody listens
            for name, listener in list(self._event_listeners):
                if name is None or name == frame.event:
                    _call_safely(listener, frame)
        if frame.event == "chat":
            event = self._tracker.process(frame.payload)
            if event is not None:
                self._deliver_chat(event)
            elif self._tracker.is_queued(str(frame.payload.get("runId"))):
                self._watch_queued(str(frame.payload.get("sessionKey") or ""))
        elif frame.event == "agent":
            self._tracker.note_agent(frame.payload)
            if frame.payload.get("stream") == "usage":
                self._tracker.note_usage(frame.payload)
        elif frame.event == "shutdown":
            self._restart_expected = True
        elif frame.event == "session.message":
            transcript = SessionMessage.from_payload(frame.payload)
            for on_message in list(self._message_listeners.get(transcript.session_key, ())):
                _call_safely(on_message, transcript)

    def _deliver_chat(self, event: ChatEvent) -> None:
        handle = self._handles.get(event.run_id) if self._handles else None
        if handle is not None:
            handle._feed(event)
            if event.state.terminal:
                del self._handles[event.run_id]
        if event.state.terminal and self._tracker.has_queued(event.session_key):
            # A message queued behind a run (2026.5.12) runs once that run ends.
            self._watch_queued(event.session_key)
        for listener in list(self._chat_listeners):
            try:  # _call_safely inlined: this runs for every delta
                listener(event)
            except Exception:
                _LOGGER.exception("error in an OpenClaw event subscriber")

    # -- requests ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> Any:
        """One RPC on the current connection (``ConnectionClosedError`` when there is none)."""
        conn = self._conn
        if conn is None or conn.closed:
            raise ConnectionClosedError("not connected to the gateway")
        return await conn.request(method, params, timeout=timeout or self._request_timeout)

    async def health(self) -> dict[str, Any]:
        return dict(await self.request("health", {}) or {})

    async def status(self) -> dict[str, Any]:
        return dict(await self.request("status", {}) or {})

    async def agents_list(self) -> list[AgentInfo]:
        features.require(self.hello, features.Feature.AGENTS)
        payload = await self.request("agents.list", {}) or {}
        return [AgentInfo.from_payload(a) for a in payload.get("agents", []) if isinstance(a, dict)]

    async def sessions_list(
        self,
        *,
        limit: int | None = None,
        agent_id: str | None = None,
        search: str | None = None,
        active_minutes: int | None = None,
        include_last_message: bool | None = None,
    ) -> list[SessionInfo]:
        params = _compact(
            limit=limit,
            agentId=agent_id,
            search=search,
            activeMinutes=active_minutes,
            includeLastMessage=include_last_message,
        )
        payload = await self.request("sessions.list", params) or {}
        return [
            SessionInfo.from_payload(s) for s in payload.get("sessions", []) if isinstance(s, dict)
        ]

    async def sessions_preview(
        self,
        keys: Sequence[str],
        *,
        limit: int | None = None,
        max_chars: int | None = None,
    ) -> list[dict[str, Any]]:
        if not keys:
            raise InvalidRequestError("INVALID_REQUEST", "sessions.preview needs at least one key")
        params = _compact(keys=list(keys), limit=limit, maxChars=max_chars)
        payload = await self.request("sessions.preview", params) or {}
        return [p for p in payload.get("previews", []) if isinstance(p, dict)]

    async def sessions_patch(self, key: str, **fields: Any) -> dict[str, Any]:
        """Patch session settings, e.g. ``thinkingLevel="low"``, ``fastMode=True``."""
        payload = await self.request("sessions.patch", {"key": key, **fields})
        return dict(payload or {})

    async def sessions_reset(self, key: str, reason: str | None = None) -> dict[str, Any]:
        return dict(await self.request("sessions.reset", _compact(key=key, reason=reason)) or {})

    async def subscribe_sessions_changed(self, callback: EventListener) -> Callable[[], None]:
        """``sessions.changed`` hints (restored after reconnects)."""
        features.require(self.hello, features.Feature.SESSION_EVENTS)
        await self.request("sessions.subscribe", {})
        self._sessions_changed_wanted = True
        return self.subscribe(callback, "sessions.changed")

    async def subscribe_session_messages(
        self, key: str, callback: MessageListener
    ) -> Callable[[], None]:
        """Transcript messages of one session; the subscription survives reconnects.

        Returns a plain callable that drops the callback; the gateway-side subscription ends
        with ``unsubscribe_session_messages``.
        """
        features.require(self.hello, features.Feature.TRANSCRIPT)
        payload = await self.request("sessions.messages.subscribe", {"key": key}) or {}
        canonical = str(payload.get("key") or key)
        self._message_listeners.setdefault(canonical, []).append(callback)

        def remove() -> None:
            listeners = self._message_listeners.get(canonical, [])
            self._remove(listeners, callback)
            if not listeners:
                self._message_listeners.pop(canonical, None)

        return remove

    async def unsubscribe_session_messages(self, key: str) -> None:
        self._message_listeners.pop(key, None)
        features.require(self.hello, features.Feature.TRANSCRIPT)
        await self.request("sessions.messages.unsubscribe", {"key": key})

    async def chat_history(self, session_key: str, *, limit: int = 200) -> list[dict[str, Any]]:
        if not 1 <= limit <= HISTORY_LIMIT_MAX:
            raise InvalidRequestError(
                "INVALID_REQUEST", f"limit must be between 1 and {HISTORY_LIMIT_MAX}"
            )
        payload = await self.request("chat.history", {"sessionKey": session_key, "limit": limit})
        messages = (payload or {}).get("messages", [])
        return [m for m in messages if isinstance(m, dict)]

    async def chat_abort(self, session_key: str, run_id: str | None = None) -> dict[str, Any]:
        payload = await self.request("chat.abort", _compact(sessionKey=session_key, runId=run_id))
        return dict(payload or {})

    async def wake(self, text: str, mode: str = "now") -> dict[str, Any]:
        features.require(self.hello, features.Feature.WAKE)
        return dict(await self.request("wake", {"mode": mode, "text": text}) or {})

    async def node_list(self) -> list[dict[str, Any]]:
        features.require(self.hello, features.Feature.NODES)
        payload = await self.request("node.list", {}) or {}
        return [n for n in payload.get("nodes", []) if isinstance(n, dict)]

    async def chat_send(
        self,
        session_key: str,
        message: str,
        *,
        attachments: Sequence[Mapping[str, Any]] | None = None,
        thinking: str | None = None,
        deliver: bool | None = None,
        timeout_ms: int | None = None,
        idempotency_key: str | None = None,
        retry_for: float = 30.0,
    ) -> RunHandle:
        """Start a run. The idempotency key (the run id) makes a resend after a drop safe.

        If the connection drops before the gateway acknowledged, the send is repeated with
        the same key once reconnected, for up to ``retry_for`` seconds.
        """
        run_id = idempotency_key or str(uuid.uuid4())
        params = _compact(
            sessionKey=session_key,
            message=message,
            thinking=thinking,
            deliver=deliver,
            attachments=[dict(a) for a in attachments] if attachments else None,
            timeoutMs=timeout_ms,
            idempotencyKey=run_id,
        )
        handle = self._handles.get(run_id) or RunHandle(run_id, session_key)
        if (finished := self._tracker.result(run_id)) is not None:
            handle._resolve(finished)  # a resend of a run we saw end: nothing new will run
            handle.ack = SendAck(run_id, "ok")
            return handle
        # Registered before sending: the first events can arrive ahead of the ack.
        self._handles[run_id] = handle
        self._tracker.expect(run_id, session_key, message)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + retry_for
        payload: dict[str, Any] = {}
        while True:
            try:
                payload = await self.request("chat.send", params) or {}
                break
            except (
                ConnectionClosedError,
                UnavailableError,
                RequestTimeoutError,
            ) as err:
                remaining = deadline - loop.time()
                if self._closing or remaining <= 0:
                    self._drop_handle(run_id, err)
                    raise
                try:
                    await self.wait_connected(remaining)
                except TimeoutError:
                    self._drop_handle(run_id, err)
                    raise err from None
            except BaseException as err:
                self._drop_handle(run_id, err)
                raise
        handle.ack = SendAck(str(payload.get("runId") or run_id), str(payload.get("status", "")))
        if handle.ack.status in ("ok", "in_flight") and not handle.done:
            # Finished before we saw its end (a resend after a drop): read the transcript.
            # 2026.5.12 answers "in_flight" even for a run that has ended.
            await self.resync_runs(session_key)
        if handle.done:
            self._handles.pop(run_id, None)
        return handle

    def _drop_handle(self, run_id: str, err: BaseException) -> None:
        handle = self._handles.pop(run_id, None)
        self._tracker.forget(run_id)
        if handle is not None:
            handle._fail(err)

    async def run_usage(self, session_key: str, run_id: str) -> Usage | None:
        """A finished run's full token usage, read from its transcript row.

        2026.9.6 puts no usage in the final event (only output tokens in an ``agent`` event);
        the assistant row of the transcript carries input, output and total. Rows of
        2026.5.12 and older name no run: there the row is the newest with the run's reply.
        None when the release recorded no usage (2026.3.24 writes zeros).
        """
        history = await self.chat_history(session_key, limit=USAGE_HISTORY_LIMIT)
        row = transcript.row_by_run_id(history, run_id)
        if row is None and not transcript.has_run_ids(history):
            result = self._tracker.result(run_id)
            if result is not None and result.state is RunState.FINAL and result.text:
                row = transcript.row_with_reply(history, result.text)
        return transcript.reported_usage(row.get("usage")) if row is not None else None

    def run_result(self, run_id: str) -> RunResult | None:
        """The terminal result of a recently finished run, if it was seen."""
        return self._tracker.result(run_id)


def _compact(**fields: Any) -> dict[str, Any]:
    """Only the fields that are set: the gateway rejects unknown ones and nulls mean 'clear'."""
    return {k: v for k, v in fields.items() if v is not None}
