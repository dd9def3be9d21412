"""A minimal, independent client for the gateway's WS protocol (protocol reference §3/§5).

Used to prove the harness without our library, and as an independent observer in e2e tests.
Deliberately tiny: one socket, signed v3 device handshake, request/response, an event list.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass, field
import hashlib
import json
import time
from typing import Any
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
import websockets

OPERATOR_SCOPES = [
    "operator.admin",
    "operator.read",
    "operator.write",
    "operator.approvals",
    "operator.pairing",
]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Device:
    """An Ed25519 device identity (deviceId = hex sha256 of the raw public key)."""

    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def public_raw(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def device_id(self) -> str:
        return hashlib.sha256(self.public_raw).hexdigest()

    def sign(self, payload: str) -> str:
        return b64url(self.key.sign(payload.encode()))


class RawGatewayError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.error = error
        self.code = error.get("code")
        self.details: dict[str, Any] = error.get("details") or {}


class RawConnection:
    """One connected, authenticated socket. Events are appended to ``events``."""

    def __init__(self, ws: Any, hello: dict[str, Any]) -> None:
        self.ws = ws
        self.hello = hello
        self.events: list[dict[str, Any]] = []
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame.get("type") == "res":
                    future = self._pending.pop(frame.get("id"), None)
                    if future and not future.done():
                        future.set_result(frame)
                elif frame.get("type") == "event":
                    self.events.append(frame)
                    self._changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("socket closed"))
            self._changed.set()

    async def request(
        self, method: str, params: dict[str, Any] | None = None, timeout: float = 30.0
    ) -> Any:
        rid = str(uuid.uuid4())
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        await self.ws.send(
            json.dumps({"type": "req", "id": rid, "method": method, "params": params or {}})
        )
        frame = await asyncio.wait_for(future, timeout)
        if not frame.get("ok"):
            raise RawGatewayError(frame.get("error") or {})
        return frame.get("payload")

    async def wait_event(self, predicate: Any, timeout: float = 30.0) -> dict[str, Any]:
        """The first event (already seen or future) for which ``predicate(frame)`` is true."""
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            for frame in self.events[checked:]:
                if predicate(frame):
                    return frame
            checked = len(self.events)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no matching event")
            self._changed.clear()
            if self._reader.done():
                raise ConnectionError("socket closed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


async def connect(
    url: str,
    *,
    token: str | None = None,
    device_token: str | None = None,
    bootstrap_token: str | None = None,
    device: Device | None = None,
    client_id: str = "cli",
    client_mode: str = "cli",
    scopes: list[str] | None = None,
    role: str = "operator",
    attempts: int = 20,
) -> RawConnection:
    """Signed connect; retries the startup ``UNAVAILABLE`` answer as the gateway asks."""
    scopes = OPERATOR_SCOPES if scopes is None else scopes
    for _ in range(attempts):
        ws = await websockets.connect(url, max_size=None, open_timeout=10)
        try:
            challenge = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert challenge["event"] == "connect.challenge", challenge
            nonce, ts = challenge["payload"]["nonce"], challenge["payload"]["ts"]
            auth: dict[str, str] = {}
            if token:
                auth["token"] = token
            if device_token:
                auth["deviceToken"] = device_token
            if bootstrap_token:
                auth["bootstrapToken"] = bootstrap_token
            params: dict[str, Any] = {
                "minProtocol": 3,
                "maxProtocol": 4,
                "client": {
                    "id": client_id,
                    "version": "0.0.1",
                    "platform": "linux",
                    "mode": client_mode,
                    "displayName": "openclaw-ha e2e",
                },
                "role": role,
                "scopes": scopes,
                "caps": [],
                "auth": auth,
            }
            if device is not None:
                signed_token = token or device_token or bootstrap_token or ""
                payload = "|".join(
                    [
                        "v3",
                        device.device_id,
                        client_id,
                        client_mode,
                        role,
                        ",".join(scopes),
                        str(ts),
                        signed_token,
                        nonce,
                        "linux",
                        "",
                    ]
                )
                params["device"] = {
                    "id": device.device_id,
                    "publicKey": b64url(device.public_raw),
                    "signature": device.sign(payload),
                    "signedAt": ts,
                    "nonce": nonce,
                }
            rid = str(uuid.uuid4())
            await ws.send(
                json.dumps({"type": "req", "id": rid, "method": "connect", "params": params})
            )
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame.get("type") == "res" and frame.get("id") == rid:
                    break
        except BaseException:
            await ws.close()
            raise
        if frame.get("ok"):
            return RawConnection(ws, frame["payload"])
        await ws.close()
        error = frame.get("error") or {}
        if error.get("code") == "UNAVAILABLE":
            await asyncio.sleep((error.get("retryAfterMs") or 500) / 1000)
            continue
        raise RawGatewayError(error)
    raise RawGatewayError({"code": "UNAVAILABLE", "message": "gateway kept answering UNAVAILABLE"})


def chat_text(payload: dict[str, Any]) -> str:
    """The cumulative text of a ``chat`` event's ``message``."""
    message = payload.get("message") or {}
    parts = message.get("content") or []
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict))
