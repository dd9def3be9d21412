"""The gateway's ``node`` role, both directions.

Operator side: ``list_nodes`` (``node.list``) and ``invoke_node`` (``node.invoke``), with the
gateway's node errors turned into typed ones (node offline, command not allowed, the node's
own error).

Node side: ``GatewayNode`` connects with ``role: "node"`` as ``node-host``/``node``, declares
its ``commands``, answers each ``node.invoke.request`` event through a handler and returns
the outcome with the ``node.invoke.result`` method. A repeated idempotency key gets the first
outcome again instead of a second execution. Optional plugin tool descriptors (one per command,
with a JSON schema) are published with ``node.pluginTools.update`` so agents can call them.

Measured on 2026.9.6: a new node is paired like any device (silently on loopback, else
``NOT_PAIRED`` until ``openclaw devices approve``); its declared command surface then needs
its own approval (``openclaw nodes approve <requestId>``) and each command that is not a
platform default must be listed in ``gateway.nodes.commands.allow``.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
import contextlib
from dataclasses import dataclass, field
import json
import logging
import time
from typing import TYPE_CHECKING, Any
import uuid

import aiohttp

from .client import BACKOFF_MAX, BACKOFF_MIN, backoff_delays
from .connection import ClientInfo, Connection, Credentials, SslOption, is_auth_failure
from .errors import (
    ConnectionClosedError,
    DeviceTokenMismatchError,
    GatewayError,
    InvalidRequestError,
    MissingScopeError,
    OpenClawError,
    PairingRequiredError,
    UnavailableError,
)
from .identity import DeviceIdentity
from .models import EventFrame, HelloOk

if TYPE_CHECKING:
    from .client import GatewayClient

_LOGGER = logging.getLogger(__name__)

NODE_ROLE = "node"
# ``node-host`` is the headless node host's client id; the gateway pins platform "linux" to
# device family "Linux" for it (what `openclaw node run` on Linux reports).
NODE_CLIENT_ID = "node-host"
NODE_CLIENT_MODE = "node"
# The gateway's node invoke timeout when the caller gives none (node-registry: 30 s).
DEFAULT_INVOKE_TIMEOUT_MS = 30_000
# Extra seconds an operator waits past the invoke timeout for the gateway's own answer.
INVOKE_RESPONSE_GRACE = 5.0
# A node answers a little before the gateway gives up, so the answer is not a late one.
RESULT_MARGIN = 0.25
# How long a pairing request stays visible while we wait for approval (the gateway keeps the
# same requestId while the device retries; it expires 5 min after the last retry).
PAIRING_RETRY = 30.0
RESULT_CACHE_SIZE = 256
RESULT_CACHE_TTL = 600.0
MAX_ERROR_MESSAGE = 500


# -- operator side ----------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """One row of ``node.list``: a paired or connected node."""

    node_id: str
    display_name: str | None
    platform: str | None
    version: str | None
    device_family: str | None
    model_identifier: str | None
    client_id: str | None
    commands: tuple[str, ...]
    caps: tuple[str, ...]
    connected: bool
    paired: bool
    approval_state: str | None
    connected_at_ms: int | None
    last_seen_ms: int | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def title(self) -> str:
        return self.display_name or self.node_id[:12]

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> NodeInfo | None:
        node_id = _str(data.get("nodeId"))
        if node_id is None:
            return None
        return cls(
            node_id=node_id,
            display_name=_str(data.get("displayName")),
            platform=_str(data.get("platform")),
            version=_str(data.get("version")),
            device_family=_str(data.get("deviceFamily")),
            model_identifier=_str(data.get("modelIdentifier")),
            client_id=_str(data.get("clientId")),
            commands=_strings(data.get("commands")),
            caps=_strings(data.get("caps")),
            connected=data.get("connected") is True,
            paired=data.get("paired") is True,
            approval_state=_str(data.get("approvalState")),
            connected_at_ms=_int(data.get("connectedAtMs")),
            last_seen_ms=_int(data.get("lastSeenAtMs")),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class NodeInvokeResult:
    """What ``node.invoke`` returned: the node's payload (already parsed from JSON)."""

    node_id: str
    command: str
    payload: Any

    @classmethod
    def from_payload(cls, data: Any, node_id: str, command: str) -> NodeInvokeResult:
        data = data if isinstance(data, dict) else {}
        payload = data.get("payload")
        if payload is None and isinstance(data.get("payloadJSON"), str):
            with contextlib.suppress(ValueError):
                payload = json.loads(data["payloadJSON"])
        return cls(
            node_id=_str(data.get("nodeId")) or node_id,
            command=_str(data.get("command")) or command,
            payload=payload,
        )


class NodeNotConnectedError(UnavailableError):
    """The node is paired but not connected (``details.code`` ``NOT_CONNECTED``)."""


class NodeNotReadyError(UnavailableError):
    """Unknown node id, or a node whose command surface is not approved yet.

    2026.9.6 answers both with ``UNAVAILABLE`` and ``details.code`` ``PAIRING_CHANGED``.
    """


class NodeCommandNotAllowedError(InvalidRequestError):
    """The gateway's node policy refused the command (not allowlisted or not declared)."""

    @property
    def reason(self) -> str | None:
        value = self.details.get("reason")
        return value if isinstance(value, str) else None


class NodeCommandFailedError(GatewayError):
    """The node ran (or refused) the command and answered with its own error."""

    @property
    def node_code(self) -> str | None:
        error = self.details.get("nodeError")
        value = error.get("code") if isinstance(error, dict) else None
        return value if isinstance(value, str) else None

    @property
    def node_message(self) -> str | None:
        error = self.details.get("nodeError")
        value = error.get("message") if isinstance(error, dict) else None
        return value if isinstance(value, str) else None


def node_error(err: GatewayError) -> GatewayError:
    """The typed node error for a ``node.invoke`` failure (others are returned unchanged)."""
    if isinstance(err, MissingScopeError):
        return err
    details = err.details
    node_err = details.get("nodeError")
    code = details.get("code")
    if code is None and isinstance(node_err, dict):
        code = node_err.get("code")
    kwargs: dict[str, Any] = {
        "details": details,
        "retryable": err.retryable,
        "retry_after_ms": err.retry_after_ms,
    }
    cls: type[GatewayError] | None = None
    if code == "NOT_CONNECTED":
        cls = NodeNotConnectedError
    elif code == "PAIRING_CHANGED":
        cls = NodeNotReadyError
    elif isinstance(node_err, dict):
        cls = NodeCommandFailedError
    elif err.code == "INVALID_REQUEST" and (
        "reason" in details or str(err).startswith("node command not allowed")
    ):
        cls = NodeCommandNotAllowedError
    return err if cls is None else cls(err.code, str(err), **kwargs)


async def list_nodes(client: GatewayClient) -> list[NodeInfo]:
    """``node.list``: paired and connected nodes (connected first)."""
    rows = await client.node_list()
    return [info for row in rows if (info := NodeInfo.from_payload(row)) is not None]


async def invoke_node(
    client: GatewayClient,
    node_id: str,
    command: str,
    params: Any = None,
    *,
    timeout_ms: int | None = None,
    idempotency_key: str | None = None,
) -> NodeInvokeResult:
    """``node.invoke``; raises the typed node errors above (or the client's own errors).

    The idempotency key is required by the gateway and forwarded to the node; a node that
    honours it (ours does) answers a repeat with the first outcome.
    """
    body: dict[str, Any] = {
        "nodeId": node_id,
        "command": command,
        "idempotencyKey": idempotency_key or str(uuid.uuid4()),
    }
    if params is not None:
        body["params"] = params
    if timeout_ms is not None:
        body["timeoutMs"] = timeout_ms
    wait = (timeout_ms or DEFAULT_INVOKE_TIMEOUT_MS) / 1000 + INVOKE_RESPONSE_GRACE
    try:
        payload = await client.request("node.invoke", body, timeout=wait)
    except GatewayError as err:
        raise node_error(err) from err
    return NodeInvokeResult.from_payload(payload, node_id, command)


# -- node side --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeInvokeRequest:
    """One ``node.invoke.request`` event addressed to this node."""

    invoke_id: str
    node_id: str
    command: str
    params: Any
    timeout_ms: int | None
    idempotency_key: str | None
    session_key: str | None

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> NodeInvokeRequest | None:
        """Parse the event; None when it lacks an id, node id or command.

        Raises ``ValueError`` when ``paramsJSON`` is not JSON.
        """
        invoke_id, node_id = _str(data.get("id")), _str(data.get("nodeId"))
        command = _str(data.get("command"))
        if invoke_id is None or node_id is None or command is None:
            return None
        raw = data.get("paramsJSON")
        params = json.loads(raw) if isinstance(raw, str) else data.get("params")
        return cls(
            invoke_id=invoke_id,
            node_id=node_id,
            command=command,
            params=params,
            timeout_ms=_int(data.get("timeoutMs")),
            idempotency_key=_str(data.get("idempotencyKey")),
            session_key=_str(data.get("sessionKey")),
        )


class NodeCommandError(OpenClawError):
    """Raised by a command handler: the invoke fails with this ``code`` and message.

    The caller sees ``UNAVAILABLE "<code>: <message>"`` with ``details.nodeError``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


NodeHandler = Callable[[NodeInvokeRequest], Awaitable[Any]]
NodeConnectionListener = Callable[[bool, BaseException | None], None]
NodeEventListener = Callable[[EventFrame], None]


def _error(code: str, message: str) -> dict[str, Any]:
    # The gateway's schema wants non-empty strings.
    return {
        "ok": False,
        "error": {"code": code or "ERROR", "message": (message or code)[:MAX_ERROR_MESSAGE]},
    }


def _call_safely(callback: Callable[..., None], *args: Any) -> None:
    try:
        callback(*args)
    except Exception:
        _LOGGER.exception("error in an OpenClaw node listener")


class GatewayNode:
    """A ``node`` connection that serves commands; reconnects until closed.

    ``start()`` runs the connection in the background: it keeps retrying while the device
    waits for pairing approval (listeners get the ``PairingRequiredError`` each time) and
    stops only on errors no retry fixes (wrong token, protocol mismatch).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        identity: DeviceIdentity,
        handler: NodeHandler,
        commands: Sequence[str],
        caps: Sequence[str] = (),
        permissions: Mapping[str, bool] | None = None,
        token: str | None = None,
        password: str | None = None,
        device_token: str | None = None,
        bootstrap_token: str | None = None,
        client_info: ClientInfo | None = None,
        ssl: SslOption = None,
        handshake_timeout: float = 15.0,
        on_device_token: Callable[[str | None], None] | None = None,
        backoff: tuple[float, float] = (BACKOFF_MIN, BACKOFF_MAX),
        pairing_retry: float = PAIRING_RETRY,
        json_dumps: Callable[[Any], str] = json.dumps,
        plugin_tools: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self._session = session
        self.url = url
        self.identity = identity
        self._handler = handler
        self.commands = tuple(commands)
        self._caps = tuple(caps)
        self._permissions = dict(permissions) if permissions is not None else None
        self._credentials = Credentials(token, password, device_token, bootstrap_token)
        self._client_info = client_info or ClientInfo()
        self._ssl = ssl
        self._handshake_timeout = handshake_timeout
        self._on_device_token = on_device_token
        self._backoff = backoff
        self._pairing_retry = pairing_retry
        self._json_dumps = json_dumps
        self._plugin_tools = [dict(tool) for tool in plugin_tools]
        self._background: set[asyncio.Task[None]] = set()
        self._conn: Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._connected = asyncio.Event()
        self._last_error: BaseException | None = None
        self._listeners: list[NodeConnectionListener] = []
        self._event_listeners: list[tuple[str | None, NodeEventListener]] = []
        self._invocations: dict[str, asyncio.Task[None]] = {}
        self._running: dict[str, asyncio.Task[dict[str, Any]]] = {}
        self._results: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self.hello: HelloOk | None = None
        self.invocations = 0

    # -- state ---------------------------------------------------------------------------

    @property
    def node_id(self) -> str:
        """The gateway's node id: the device id of this node's own identity."""
        return self.identity.device_id

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    @property
    def device_token(self) -> str | None:
        return self._credentials.device_token

    @property
    def last_error(self) -> BaseException | None:
        """Why the last attempt failed (None while connected)."""
        return self._last_error

    @property
    def pairing_request_id(self) -> str | None:
        err = self._last_error
        return err.request_id if isinstance(err, PairingRequiredError) else None

    def subscribe_connection(self, callback: NodeConnectionListener) -> Callable[[], None]:
        """``callback(connected, error)`` on every connect, drop and failed attempt."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def subscribe(
        self, callback: NodeEventListener, event: str | None = None
    ) -> Callable[[], None]:
        """Raw events sent to the node (e.g. ``node.pair.resolved``)."""
        entry = (event, callback)
        self._event_listeners.append(entry)
        return lambda: (
            self._event_listeners.remove(entry) if entry in self._event_listeners else None
        )

    def _notify(self, connected: bool, error: BaseException | None) -> None:
        for listener in list(self._listeners):
            _call_safely(listener, connected, error)

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (and stay connected) until ``close``."""
        self._closing = False
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="openclaw-node")

    async def wait_connected(self, timeout: float | None = None) -> None:
        async with asyncio.timeout(timeout):
            await self._connected.wait()

    async def close(self) -> None:
        """Disconnect for good; commands still running are cancelled."""
        self._closing = True
        tasks = [
            self._task,
            *self._invocations.values(),
            *self._running.values(),
            *self._background,
        ]
        for task in tasks:
            if task is not None and not task.done():
                task.cancel()
        for task in tasks:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._conn is not None:
            await self._conn.close()

    async def _run(self) -> None:
        delays = iter(backoff_delays(*self._backoff))
        while not self._closing:
            try:
                conn = await self._open()
            except OpenClawError as err:
                self._last_error = err
                self._notify(False, err)
                if isinstance(err, DeviceTokenMismatchError) and (
                    self._credentials.token or self._credentials.password
                ):
                    # Our node token was revoked: ask again with the shared secret.
                    self._credentials = Credentials(
                        self._credentials.token, self._credentials.password
                    )
                    if self._on_device_token is not None:
                        _call_safely(self._on_device_token, None)
                    continue
                if isinstance(err, PairingRequiredError):
                    delay = self._pairing_retry  # the same requestId until approved
                elif is_auth_failure(err):
                    _LOGGER.debug("node connection stopped: %s", type(err).__name__)
                    return
                else:
                    delay = next(delays)
                    if isinstance(err, GatewayError) and err.retry_after_ms:
                        delay = max(delay, err.retry_after_ms / 1000)
                await asyncio.sleep(delay)
                continue
            delays = iter(backoff_delays(*self._backoff))
            await conn.wait_closed()
            if not self._closing:
                await asyncio.sleep(next(delays))

    async def _open(self) -> Connection:
        conn = await Connection.open(
            self._session,
            self.url,
            identity=self.identity,
            credentials=self._credentials,
            client=self._client_info,
            role=NODE_ROLE,
            scopes=(),
            caps=self._caps,
            commands=self.commands,
            permissions=self._permissions,
            client_id=NODE_CLIENT_ID,
            client_mode=NODE_CLIENT_MODE,
            on_event=self._dispatch,
            on_close=self._closed,
            ssl=self._ssl,
            handshake_timeout=self._handshake_timeout,
        )
        if self._closing:
            await conn.close()
            raise ConnectionClosedError("node closed while connecting")
        hello = conn.hello
        assert hello is not None
        self._conn, self.hello, self._last_error = conn, hello, None
        if hello.device_token and hello.device_token != self._credentials.device_token:
            self._credentials = Credentials(
                self._credentials.token, self._credentials.password, hello.device_token, None
            )
            if self._on_device_token is not None:
                _call_safely(self._on_device_token, hello.device_token)
        self._connected.set()
        self._notify(True, None)
        if self._plugin_tools:
            task = asyncio.create_task(self._publish_tools(conn), name="openclaw-node-tools")
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return conn

    async def _publish_tools(self, conn: Connection) -> None:
        """Agent-visible tools for our commands (``node.pluginTools.update``, after connect).

        The gateway keeps them and shows each one once its command is approved.
        """
        try:
            await conn.request("node.pluginTools.update", {"tools": self._plugin_tools})
        except OpenClawError as err:
            _LOGGER.debug("node tools not published: %s", type(err).__name__)

    def _closed(self, conn: Connection, code: int | None, reason: str) -> None:
        if conn is not self._conn:
            return
        self._connected.clear()
        _LOGGER.debug("node connection closed (%s)", code)
        self._notify(False, None)

    # -- invocations ---------------------------------------------------------------------

    def _dispatch(self, frame: EventFrame) -> None:
        for name, listener in list(self._event_listeners):
            if name is None or name == frame.event:
                _call_safely(listener, frame)
        if frame.event == "node.invoke.request":
            self._on_invoke(frame.payload)
        elif frame.event == "node.invoke.cancel":
            invoke_id = frame.payload.get("invokeId")
            task = self._invocations.get(invoke_id) if isinstance(invoke_id, str) else None
            if task is not None:
                task.cancel()  # the caller gave up: no result is expected any more

    def _on_invoke(self, payload: dict[str, Any]) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            request = NodeInvokeRequest.from_payload(payload)
        except ValueError:
            invoke_id, node_id = _str(payload.get("id")), _str(payload.get("nodeId"))
            if invoke_id and node_id == self.node_id:
                result = _error("INVALID_PARAMS", "paramsJSON is not valid JSON")
                self._spawn(invoke_id, self._send_result(conn, invoke_id, result))
            return
        if request is None or request.node_id != self.node_id:
            _LOGGER.debug("ignored a node.invoke.request that is not ours")
            return
        self.invocations += 1
        self._spawn(request.invoke_id, self._serve(conn, request))

    def _spawn(self, invoke_id: str, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="openclaw-node-invoke")
        self._invocations[invoke_id] = task
        task.add_done_callback(lambda _t: self._invocations.pop(invoke_id, None))

    async def _serve(self, conn: Connection, request: NodeInvokeRequest) -> None:
        result = await self._outcome(request)
        await self._send_result(conn, request.invoke_id, result)

    async def _send_result(self, conn: Connection, invoke_id: str, result: dict[str, Any]) -> None:
        params = {"id": invoke_id, "nodeId": self.node_id, **result}
        try:
            await conn.request("node.invoke.result", params)
        except OpenClawError as err:
            # The gateway fails the invoke by itself when the node is gone.
            _LOGGER.debug("node.invoke.result not delivered: %s", type(err).__name__)

    async def _outcome(self, request: NodeInvokeRequest) -> dict[str, Any]:
        key = request.idempotency_key
        if key is None:
            return await self._execute(request)
        self._expire_results()
        cached = self._results.get(key)
        if cached is not None:
            return cached[1]  # a repeat: the first outcome again, nothing runs twice
        running = self._running.get(key)
        if running is not None:
            # The same key while the first is still running: share its outcome.
            return await asyncio.shield(running)
        task = asyncio.create_task(self._execute(request), name="openclaw-node-command")
        self._running[key] = task
        try:
            result = await task  # a cancel (node.invoke.cancel, close) reaches the command
        finally:
            self._running.pop(key, None)
        self._results[key] = (time.monotonic() + RESULT_CACHE_TTL, result)
        while len(self._results) > RESULT_CACHE_SIZE:
            self._results.popitem(last=False)
        return result

    def _expire_results(self) -> None:
        now = time.monotonic()
        while self._results:
            key, (expires, _result) = next(iter(self._results.items()))
            if expires > now:
                return
            del self._results[key]

    async def _execute(self, request: NodeInvokeRequest) -> dict[str, Any]:
        timeout_ms = request.timeout_ms or DEFAULT_INVOKE_TIMEOUT_MS
        timeout = max(timeout_ms / 1000 - RESULT_MARGIN, 0.1)
        try:
            async with asyncio.timeout(timeout):
                payload = await self._handler(request)
        except NodeCommandError as err:
            return _error(err.code, str(err))
        except TimeoutError:
            return _error("TIMEOUT", "the command did not finish in time")
        except asyncio.CancelledError:
            raise
        except Exception:
            _LOGGER.exception("node command %s failed", request.command)
            return _error("INTERNAL_ERROR", "the node failed to run the command")
        try:
            text = self._json_dumps(payload)
        except (TypeError, ValueError):
            _LOGGER.exception("node command %s returned an unserializable result", request.command)
            return _error("INTERNAL_ERROR", "the node could not encode its result")
        return {"ok": True, "payloadJSON": text}
