"""A deliberately independent raw client (``websockets`` + ``cryptography``) for self-checks.

It shares no code with the integration's aiohttp client, so a bug in one cannot hide a bug
in the other. It signs the v3 payload itself (not via ``auth.build_payload``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class DeviceKey:
    def __init__(self, seed: bytes | None = None) -> None:
        self.key = (
            Ed25519PrivateKey.from_private_bytes(seed) if seed else Ed25519PrivateKey.generate()
        )
        self.raw_public = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.device_id = hashlib.sha256(self.raw_public).hexdigest()
        self.public_key = _b64url(self.raw_public)

    def block(
        self,
        *,
        client_id: str,
        mode: str,
        role: str,
        scopes: list[str],
        token: str,
        nonce: str,
        signed_at: int,
        platform: str = "",
        device_family: str = "",
    ) -> dict[str, Any]:
        payload = "|".join(
            [
                "v3",
                self.device_id,
                client_id,
                mode,
                role,
                ",".join(scopes),
                str(signed_at),
                token,
                nonce,
                platform.strip().lower(),
                device_family.strip().lower(),
            ]
        )
        return {
            "id": self.device_id,
            "publicKey": self.public_key,
            "signature": _b64url(self.key.sign(payload.encode())),
            "signedAt": signed_at,
            "nonce": nonce,
        }


class RawClient:
    """Connects, answers the challenge, and collects frames for assertions."""

    def __init__(self, ws: ClientConnection, challenge: dict[str, Any]) -> None:
        self.ws = ws
        self.challenge = challenge
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    @classmethod
    async def open(cls, url: str) -> RawClient:
        ws = await connect(url, max_size=None)
        challenge = json.loads(await ws.recv())
        return cls(ws, challenge)

    @property
    def nonce(self) -> str:
        return str(self.challenge["payload"]["nonce"])

    async def close(self) -> None:
        await self.ws.close()

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        return dict(json.loads(await asyncio.wait_for(self.ws.recv(), timeout)))

    async def request(self, method: str, params: Any = None, timeout: float = 5) -> dict[str, Any]:
        """Send a req and return its res; events seen meanwhile go to ``self.events``."""
        req_id = f"{next(self._ids)}:test"
        frame: dict[str, Any] = {"type": "req", "id": req_id, "method": method}
        if params is not None:
            frame["params"] = params
        await self.send(frame)
        while True:
            msg = await self.recv(timeout)
            if msg.get("type") == "res" and msg.get("id") == req_id:
                return msg
            self.events.append(msg)

    async def next_event(self, name: str, timeout: float = 5, **match: Any) -> dict[str, Any]:
        """Next event ``name`` whose payload contains ``match`` (already-collected first)."""

        def ok(msg: dict[str, Any]) -> bool:
            payload = msg.get("payload") or {}
            return msg.get("event") == name and all(payload.get(k) == v for k, v in match.items())

        for i, msg in enumerate(self.events):
            if ok(msg):
                return self.events.pop(i)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msg = await self.recv(max(0.01, deadline - loop.time()))
            if ok(msg):
                return msg
            self.events.append(msg)

    async def connect(
        self,
        *,
        token: str | None = None,
        auth: dict[str, Any] | None = None,
        device: DeviceKey | None = None,
        client_id: str = "gateway-client",
        mode: str = "backend",
        role: str = "operator",
        scopes: list[str] | None = None,
        caps: list[str] | None = None,
        min_protocol: int = 3,
        max_protocol: int = 4,
        platform: str = "linux",
        extra: dict[str, Any] | None = None,
        sign_token: str | None = None,
    ) -> dict[str, Any]:
        scopes = ["operator.read", "operator.write"] if scopes is None else scopes
        auth = dict(auth or {})
        if token is not None:
            auth["token"] = token
        params: dict[str, Any] = {
            "minProtocol": min_protocol,
            "maxProtocol": max_protocol,
            "client": {
                "id": client_id,
                "displayName": "raw test client",
                "version": "0.0.1",
                "platform": platform,
                "mode": mode,
            },
            "role": role,
            "scopes": scopes,
            "caps": caps or [],
            "auth": auth,
        }
        if device is not None:
            signed = sign_token
            if signed is None:
                signed = next(
                    (auth[k] for k in ("token", "deviceToken", "bootstrapToken") if auth.get(k)),
                    "",
                )
            params["device"] = device.block(
                client_id=client_id,
                mode=mode,
                role=role,
                scopes=scopes,
                token=signed,
                nonce=self.nonce,
                signed_at=int(self.challenge["payload"]["ts"]),
                platform=platform,
            )
        params.update(extra or {})
        return await self.request("connect", params)


async def wait_closed(client: RawClient, timeout: float = 3) -> tuple[int | None, str]:
    """Read until the server closes; return (code, reason), code None on a TCP cut."""
    try:
        while True:
            client.events.append(await client.recv(timeout))
    except ConnectionClosed as exc:
        rcvd = exc.rcvd
        return (rcvd.code, rcvd.reason) if rcvd else (None, "")


async def open_operator(
    url: str, device: DeviceKey | None = None, token: str | None = "gw-token", **kwargs: Any
) -> tuple[RawClient, dict[str, Any]]:
    """Connect a signed operator; assert hello-ok; return (client, hello payload)."""
    client = await RawClient.open(url)
    res = await client.connect(token=token, device=device or DeviceKey(), **kwargs)
    assert res["ok"], res
    return client, dict(res["payload"])
