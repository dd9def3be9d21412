"""One WebSocket to the gateway: handshake, request/response correlation, events, tick watchdog.

A ``Connection`` lives exactly as long as one socket. Reconnecting is the client's job: it makes
a new ``Connection``. Requests still pending when the socket closes fail with
``ConnectionClosedError``; they are never replayed here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, field
import itertools
import json
import logging
import time
from typing import Any
import uuid

import aiohttp

from .errors import (
    AuthenticationError,
    CannotConnectError,
    ConnectionClosedError,
    DeviceAuthError,
    HandshakeTimeoutError,
    PairingRequiredError,
    ProtocolError,
    ProtocolMismatchError,
    RateLimitedError,
    RequestTimeoutError,
    from_error_shape,
)
from .identity import DeviceIdentity, signature_payload
from .models import Challenge, EventFrame, HelloOk

_orjson_loads: Callable[[str], Any] | None
try:
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - optional speed-up
    _orjson_loads = None

_LOGGER = logging.getLogger(__name__)

MIN_PROTOCOL = 3
MAX_PROTOCOL = 4
CLIENT_ID = "gateway-client"
CLIENT_MODE = "backend"
PLATFORM = "linux"
# The gateway allows 25 MiB payloads; leave room for the envelope.
MAX_MESSAGE_SIZE = 26 * 1024 * 1024
# A watchdog miss means the gateway went quiet for longer than two tick intervals.
WATCHDOG_CLOSE_CODE = 4000

SslOption = Any  # ssl.SSLContext | aiohttp.Fingerprint | bool | None, passed through to aiohttp


@dataclass(frozen=True)
class Credentials:
    """What the client authenticates with; ``repr`` never shows a secret."""

    token: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    device_token: str | None = field(default=None, repr=False)
    bootstrap_token: str | None = field(default=None, repr=False)

    def auth_params(self) -> dict[str, str]:
        """The ``auth`` block: the device token wins once we have one."""
        if self.device_token:
            return {"deviceToken": self.device_token}
        if self.bootstrap_token:
            return {"bootstrapToken": self.bootstrap_token}
        if self.token:
            return {"token": self.token}
        if self.password:
            return {"password": self.password}
        return {}

    def signed_token(self) -> str:
        auth = self.auth_params()
        return auth.get("token") or auth.get("deviceToken") or auth.get("bootstrapToken") or ""

    @property
    def kind(self) -> str:
        """Which credential is in use (safe to log)."""
        for name in ("device_token", "bootstrap_token", "token", "password"):
            if getattr(self, name):
                return name
        return "none"


@dataclass(frozen=True)
class ClientInfo:
    """How we introduce ourselves. ``client.id``/``mode`` are closed enums on the server."""

    version: str = "0.1.0"
    display_name: str = "Home Assistant"
    instance_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    user_agent: str = "aioopenclaw"
    locale: str | None = None


def decode_json(data: str) -> Any:
    """orjson where installed (Home Assistant ships it), else the standard library.

    orjson refuses lone surrogates, which a JavaScript gateway emits when a delta splits an
    emoji; the standard decoder accepts them, so it is the fallback, not an error.
    """
    if _orjson_loads is not None:
        try:
            return _orjson_loads(data)
        except ValueError:
            pass
    return json.loads(data)


def build_connect_params(
    *,
    challenge: Challenge,
    identity: DeviceIdentity,
    credentials: Credentials,
    client: ClientInfo,
    role: str,
    scopes: tuple[str, ...],
    caps: tuple[str, ...],
    commands: Sequence[str] | None = None,
    permissions: Mapping[str, bool] | None = None,
    client_id: str = CLIENT_ID,
    client_mode: str = CLIENT_MODE,
) -> dict[str, Any]:
    """The ``connect`` params, with only fields the oldest supported gateway knows.

    ``commands``/``permissions`` (and a node ``client_id``/``client_mode``) are for the
    ``node`` role; an operator sends none of them.
    """
    payload = signature_payload(
        device_id=identity.device_id,
        client_id=client_id,
        client_mode=client_mode,
        role=role,
        scopes=scopes,
        signed_at_ms=challenge.ts,
        token=credentials.signed_token(),
        nonce=challenge.nonce,
        platform=PLATFORM,
        device_family=None,
    )
    params: dict[str, Any] = {
        "minProtocol": MIN_PROTOCOL,
        "maxProtocol": MAX_PROTOCOL,
        "client": {
            "id": client_id,
            "displayName": client.display_name,
            "version": client.version,
            "platform": PLATFORM,
            "mode": client_mode,
            "instanceId": client.instance_id,
        },
        "role": role,
        "scopes": list(scopes),
        "caps": list(caps),
        "auth": credentials.auth_params(),
        "userAgent": client.user_agent,
        "device": {
            "id": identity.device_id,
            "publicKey": identity.public_key,
            "signature": identity.sign(payload),
            "signedAt": challenge.ts,
            "nonce": challenge.nonce,
        },
    }
    if commands is not None:
        params["commands"] = list(commands)
    if permissions is not None:
        params["permissions"] = dict(permissions)
    if client.locale:
        params["locale"] = client.locale
    return params


EventCallback = Callable[[EventFrame], None]
CloseCallback = Callable[["Connection", int | None, str], None]


class Connection:
    """A connected, authenticated socket (after ``open`` returned)."""

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        *,
        on_event: EventCallback,
        on_close: CloseCallback,
        on_seq_gap: Callable[[int, int], None] | None = None,
    ) -> None:
        self._ws = ws
        self._on_event = on_event
        self._on_close = on_close
        self._on_seq_gap = on_seq_gap
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._expect_final: set[str] = set()
        self._ids = itertools.count(1)
        self._last_seq: int | None = None
        self._last_frame = time.monotonic()
        self._reader: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self.hello: HelloOk | None = None
        self.malformed_frames = 0

    # -- opening -------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        session: aiohttp.ClientSession,
        url: str,
        *,
        identity: DeviceIdentity,
        credentials: Credentials,
        client: ClientInfo,
        role: str,
        scopes: tuple[str, ...],
        caps: tuple[str, ...],
        on_event: EventCallback,
        on_close: CloseCallback,
        on_seq_gap: Callable[[int, int], None] | None = None,
        ssl: SslOption = None,
        handshake_timeout: float = 15.0,
        commands: Sequence[str] | None = None,
        permissions: Mapping[str, bool] | None = None,
        client_id: str = CLIENT_ID,
        client_mode: str = CLIENT_MODE,
    ) -> Connection:
        """Open the socket and complete the handshake, or raise a typed error."""
        try:
            ws = await session.ws_connect(
                url,
                max_msg_size=MAX_MESSAGE_SIZE,
                ssl=ssl if ssl is not None else True,
                autoping=True,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0),
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            raise CannotConnectError(f"cannot connect to {url}: {type(err).__name__}") from err
        conn = cls(ws, on_event=on_event, on_close=on_close, on_seq_gap=on_seq_gap)
        try:
            async with asyncio.timeout(handshake_timeout):
                challenge = await conn._read_challenge()
                params = build_connect_params(
                    challenge=challenge,
                    identity=identity,
                    credentials=credentials,
                    client=client,
                    role=role,
                    scopes=scopes,
                    caps=caps,
                    commands=commands,
                    permissions=permissions,
                    client_id=client_id,
                    client_mode=client_mode,
                )
                hello = await conn._send_connect(params)
        except TimeoutError as err:
            await ws.close()
            raise HandshakeTimeoutError("the gateway did not complete the handshake") from err
        except BaseException:
            await ws.close()
            raise
        conn.hello = hello
        conn._reader = asyncio.create_task(conn._read_loop(), name="openclaw-ws-reader")
        conn._watchdog = asyncio.create_task(
            conn._watch_ticks(hello.policy.tick_interval_ms / 1000),
            name="openclaw-ws-watchdog",
        )
        return conn

    async def _receive_json(self) -> dict[str, Any]:
        msg = await self._ws.receive()
        if msg.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSING,
            aiohttp.WSMsgType.CLOSED,
        ):
            code = self._ws.close_code
            raise ConnectionClosedError(
                f"closed during handshake ({code}: {msg.extra or ''})", code=code
            )
        if msg.type is aiohttp.WSMsgType.ERROR:
            raise ConnectionClosedError(f"socket error during handshake: {msg.data!r}")
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise ProtocolError(f"unexpected {msg.type.name} frame during handshake")
        try:
            frame = json.loads(msg.data)
        except (ValueError, RecursionError) as err:  # deep nesting overflows the decoder
            raise ProtocolError("invalid JSON during handshake") from err
        if not isinstance(frame, dict):
            raise ProtocolError("frame is not an object")
        self._track_seq(frame)
        return frame

    async def _read_challenge(self) -> Challenge:
        while True:
            frame = await self._receive_json()
            if frame.get("type") == "event" and frame.get("event") == "connect.challenge":
                payload = frame.get("payload") or {}
                nonce, ts = payload.get("nonce"), payload.get("ts")
                if not isinstance(nonce, str) or not isinstance(ts, int):
                    raise ProtocolError("connect.challenge without nonce/ts")
                return Challenge(nonce=nonce, ts=ts)

    async def _send_connect(self, params: dict[str, Any]) -> HelloOk:
        req_id = f"connect-{uuid.uuid4()}"
        await self._ws.send_str(
            json.dumps({"type": "req", "id": req_id, "method": "connect", "params": params})
        )
        while True:
            frame = await self._receive_json()
            if frame.get("type") != "res" or frame.get("id") != req_id:
                continue  # events before hello-ok (none expected) are not ours to act on
            if not frame.get("ok"):
                raise from_error_shape(frame.get("error"))
            payload = frame.get("payload")
            if not isinstance(payload, dict):
                raise ProtocolError("hello-ok without payload")
            return HelloOk.from_payload(payload)

    # -- running -------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def _track_seq(self, frame: Mapping[str, Any]) -> None:
        seq = frame.get("seq") if frame.get("type") == "event" else None
        if not isinstance(seq, int):
            return
        last = self._last_seq
        self._last_seq = seq
        if last is not None and seq > last + 1 and self._on_seq_gap is not None:
            self._on_seq_gap(last, seq)

    async def _read_loop(self) -> None:
        code: int | None = None
        reason = ""
        try:
            while True:
                msg = await self._ws.receive()
                self._last_frame = time.monotonic()
                if msg.type is aiohttp.WSMsgType.TEXT:
                    self._handle_text(msg.data)
                elif msg.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSING,
                    aiohttp.WSMsgType.CLOSED,
                ):
                    code = self._ws.close_code
                    reason = str(msg.extra or "")
                    break
                elif msg.type is aiohttp.WSMsgType.ERROR:
                    # Oversized or broken frames land here; aiohttp has closed the socket.
                    code = self._ws.close_code
                    reason = type(msg.data).__name__
                    break
        except asyncio.CancelledError:
            raise
        except Exception as err:  # a bug must not leave pending requests hanging forever
            _LOGGER.exception("unexpected error in the gateway reader")
            reason = type(err).__name__
        finally:
            await self._finish(code, reason)

    def _handle_text(self, data: str) -> None:
        try:
            frame = decode_json(data)
        except (ValueError, RecursionError):  # deep nesting overflows the decoder
            self.malformed_frames += 1
            _LOGGER.debug("ignored a frame that is not JSON (%d bytes)", len(data))
            return
        if not isinstance(frame, dict):
            self.malformed_frames += 1
            return
        kind = frame.get("type")
        if kind == "event":  # the hot path: every streamed delta
            seq = frame.get("seq")
            if isinstance(seq, int):
                last = self._last_seq
                self._last_seq = seq
                if last is not None and seq > last + 1 and self._on_seq_gap is not None:
                    self._on_seq_gap(last, seq)
            else:
                seq = None
            event = frame.get("event")
            if isinstance(event, str):
                payload = frame.get("payload")
                self._on_event(EventFrame(event, payload if isinstance(payload, dict) else {}, seq))
        elif kind == "res":
            self._resolve(frame)
        else:
            self.malformed_frames += 1

    def _resolve(self, frame: dict[str, Any]) -> None:
        req_id = str(frame.get("id"))
        fut = self._pending.get(req_id)
        if fut is None or fut.done():
            return
        if frame.get("ok"):
            payload = frame.get("payload")
            # `agent` answers twice on one id: keep waiting past the "accepted" ack.
            if (
                req_id in self._expect_final
                and isinstance(payload, dict)
                and payload.get("status") == "accepted"
            ):
                return
            fut.set_result(payload)
        else:
            fut.set_exception(from_error_shape(frame.get("error")))

    async def request(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: float = 30.0,
        expect_final: bool = False,
    ) -> Any:
        """Send one request and return its payload, or raise the typed gateway error."""
        if self.closed:
            raise ConnectionClosedError("not connected")
        req_id = f"{next(self._ids)}:{uuid.uuid4()}"
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if expect_final:
            self._expect_final.add(req_id)
        self._pending[req_id] = fut
        frame: dict[str, Any] = {"type": "req", "id": req_id, "method": method}
        if params is not None:
            frame["params"] = dict(params)
        try:
            await self._ws.send_str(json.dumps(frame, separators=(",", ":")))
            async with asyncio.timeout(timeout):
                return await fut
        except TimeoutError as err:
            raise RequestTimeoutError(f"{method} got no response in {timeout:g} s") from err
        except (ConnectionResetError, aiohttp.ClientError) as err:
            # The socket is dead though the reader may not have noticed yet: close it, so
            # the client reconnects instead of retrying on it (a busy loop otherwise).
            await self.close()
            raise ConnectionClosedError(f"{method}: {type(err).__name__}") from err
        finally:
            self._pending.pop(req_id, None)
            self._expect_final.discard(req_id)

    async def _watch_ticks(self, interval: float) -> None:
        # The gateway sends `tick` every interval; silence for two intervals means a dead link.
        limit = 2 * interval
        while not self.closed:
            await asyncio.sleep(max(interval / 4, 0.05))
            if time.monotonic() - self._last_frame > limit:
                _LOGGER.debug("no frame for %.1f s, closing", limit)
                await self.close(WATCHDOG_CLOSE_CODE, "tick timeout")
                return

    async def close(self, code: int = 1000, reason: str = "client closing") -> None:
        """Close the socket; pending requests fail with ``ConnectionClosedError``."""
        if not self._ws.closed:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                await self._ws.close(code=code, message=reason.encode())
        if self._reader is None:
            await self._finish(code, reason)
        elif asyncio.current_task() is not self._reader:
            await self._closed.wait()

    async def _finish(self, code: int | None, reason: str) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        if not self._ws.closed:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                await self._ws.close()
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(ConnectionClosedError(f"connection closed ({code})", code=code))
        self._pending.clear()
        if self._watchdog is not None and asyncio.current_task() is not self._watchdog:
            self._watchdog.cancel()
        self._on_close(self, code, reason)


def is_auth_failure(err: BaseException) -> bool:
    """Errors that no retry will fix: the user must act (reauth, approve, upgrade)."""
    if isinstance(err, RateLimitedError):
        return False
    return isinstance(
        err,
        (
            AuthenticationError,
            DeviceAuthError,
            PairingRequiredError,
            ProtocolMismatchError,
        ),
    )
