"""Device proof (Ed25519 over the v3/v2 payload), pairing records, device and bootstrap tokens.

Byte-exact with the protocol reference §5: ``deviceId = hex(sha256(raw public key))``, the
public key and signature are unpadded base64url, and the signed string is
``v3|deviceId|clientId|mode|role|scopes|signedAt|token|nonce|platform|deviceFamily``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
import hashlib
import json
import secrets
import time
from typing import Any
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import errors

SIGNATURE_SKEW_MS = 120_000
BOOTSTRAP_TTL_MS = 600_000
BOOTSTRAP_OPERATOR_SCOPES = (
    "operator.admin",
    "operator.approvals",
    "operator.questions",
    "operator.read",
    "operator.talk.secrets",
    "operator.write",
)


def now_ms() -> int:
    return int(time.time() * 1000)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    cleaned = text.strip().replace("+", "-").replace("/", "_")
    return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))


def new_token() -> str:
    """43-char base64url token, like the gateway's device and bootstrap tokens."""
    return secrets.token_urlsafe(32)


def normalize_meta(value: str | None) -> str:
    """Trim and lower-case ASCII A-Z only (the gateway's metadata normalisation)."""
    if not value:
        return ""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in value.strip())


def signed_token(auth: dict[str, Any]) -> str:
    for name in ("token", "deviceToken", "bootstrapToken"):
        value = auth.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def build_payload(
    version: str,
    *,
    device_id: str,
    client_id: str,
    client_mode: str,
    role: str,
    scopes: list[str],
    signed_at: int,
    token: str,
    nonce: str,
    platform: str | None = None,
    device_family: str | None = None,
) -> str:
    parts = [
        version,
        device_id,
        client_id,
        client_mode,
        role,
        ",".join(scopes),
        str(signed_at),
        token,
        nonce,
    ]
    if version == "v3":
        parts += [normalize_meta(platform), normalize_meta(device_family)]
    return "|".join(parts)


def parse_public_key(text: str) -> bytes | None:
    """Raw 32-byte key from base64url/base64 or PEM SPKI (the gateway accepts all three)."""
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                return None
            return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        raw = b64url_decode(text)
    except (ValueError, binascii.Error):
        return None
    return raw if len(raw) == 32 else None


def verify_device(params: dict[str, Any], nonce: str, role: str, scopes: list[str]) -> str:
    """Check the device block of connect params; return the device id or raise ``Reject``."""
    device: dict[str, Any] = params["device"]
    client: dict[str, Any] = params["client"]
    raw = parse_public_key(device["publicKey"])
    if raw is None:
        raise errors.device_auth(
            "DEVICE_AUTH_PUBLIC_KEY_INVALID", "device-public-key", "device public key invalid"
        )
    device_id: str = device["id"]
    if hashlib.sha256(raw).hexdigest() != device_id:
        raise errors.device_auth(
            "DEVICE_AUTH_DEVICE_ID_MISMATCH", "device-id-mismatch", "device identity mismatch"
        )
    signed_at = int(device["signedAt"])
    if abs(now_ms() - signed_at) > SIGNATURE_SKEW_MS:
        raise errors.device_auth(
            "DEVICE_AUTH_SIGNATURE_EXPIRED", "device-signature-stale", "device signature expired"
        )
    sent_nonce = device.get("nonce")
    if not sent_nonce:
        raise errors.device_auth(
            "DEVICE_AUTH_NONCE_REQUIRED", "device-nonce-missing", "device nonce required"
        )
    if sent_nonce != nonce:
        raise errors.device_auth(
            "DEVICE_AUTH_NONCE_MISMATCH", "device-nonce-mismatch", "device nonce mismatch"
        )
    try:
        signature = b64url_decode(device["signature"])
    except (ValueError, binascii.Error):
        signature = b""
    common: dict[str, Any] = {
        "device_id": device_id,
        "client_id": client["id"],
        "client_mode": client["mode"],
        "role": role,
        "scopes": scopes,
        "signed_at": signed_at,
        "token": signed_token(params.get("auth") or {}),
        "nonce": nonce,
    }
    key = Ed25519PublicKey.from_public_bytes(raw)
    candidates = [
        build_payload(
            "v3",
            platform=client.get("platform"),
            device_family=client.get("deviceFamily"),
            **common,
        ),
        build_payload("v2", **common),
    ]
    for payload in candidates:
        try:
            key.verify(signature, payload.encode("utf-8"))
            return device_id
        except InvalidSignature:
            continue
    raise errors.device_auth(
        "DEVICE_AUTH_SIGNATURE_INVALID", "device-signature", "device signature invalid"
    )


@dataclass
class PairedDevice:
    device_id: str
    public_key: str
    client_id: str
    client_mode: str
    platform: str
    display_name: str | None
    roles: dict[str, list[str]] = field(default_factory=dict)  # role -> approved scopes
    tokens: dict[str, tuple[str, int]] = field(default_factory=dict)  # role -> (token, issued)
    approved_via: str = "silent"


@dataclass
class PendingRequest:
    request_id: str
    device_id: str
    public_key: str
    client_id: str
    client_mode: str
    platform: str
    display_name: str | None
    role: str
    scopes: list[str]
    reason: str
    ts: int

    def event_payload(self) -> dict[str, Any]:
        return {
            "requestId": self.request_id,
            "deviceId": self.device_id,
            "publicKey": self.public_key,
            "displayName": self.display_name,
            "platform": self.platform,
            "clientId": self.client_id,
            "clientMode": self.client_mode,
            "role": self.role,
            "roles": [self.role],
            "scopes": list(self.scopes),
            "silent": False,
            "isRepair": self.reason != "not-paired",
            "ts": self.ts,
        }


@dataclass
class BootstrapToken:
    token: str
    expires_at_ms: int
    device_id: str | None = None


@dataclass
class PairingStore:
    """In-memory stand-in for the gateway's devices and bootstrap tables."""

    devices: dict[str, PairedDevice] = field(default_factory=dict)
    pending: dict[str, PendingRequest] = field(default_factory=dict)
    bootstrap: dict[str, BootstrapToken] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)  # device ids that had a role revoked

    def issue_bootstrap(self, ttl_ms: int = BOOTSTRAP_TTL_MS) -> BootstrapToken:
        entry = BootstrapToken(new_token(), now_ms() + ttl_ms)
        self.bootstrap[entry.token] = entry
        return entry

    def check_bootstrap(self, token: str, device_id: str | None, *, bind: bool) -> None:
        """Bind on first use; refuse other devices, unknown and expired tokens."""
        entry = self.bootstrap.get(token)
        if entry is None or now_ms() > entry.expires_at_ms or device_id is None:
            raise errors.bootstrap_invalid()
        if entry.device_id is None:
            if bind:
                entry.device_id = device_id
        elif entry.device_id != device_id:
            raise errors.bootstrap_invalid()

    def device_for_token(self, token: str, role: str) -> PairedDevice | None:
        for device in self.devices.values():
            held = device.tokens.get(role)
            if held is not None and secrets.compare_digest(held[0], token):
                return device
        return None

    def pending_for(self, device_id: str, role: str, scopes: list[str]) -> PendingRequest | None:
        for req in self.pending.values():
            if req.device_id == device_id and req.role == role and req.scopes == scopes:
                return req
        return None

    def add_pending(
        self, params: dict[str, Any], device_id: str, role: str, scopes: list[str], reason: str
    ) -> tuple[PendingRequest, bool]:
        """Reuse the pending request of the same device/role/scopes, else replace it."""
        existing = self.pending_for(device_id, role, scopes)
        if existing is not None:
            existing.ts = now_ms()
            return existing, False
        for rid in [r.request_id for r in self.pending.values() if r.device_id == device_id]:
            del self.pending[rid]
        client = params["client"]
        req = PendingRequest(
            request_id=str(uuid.uuid4()),
            device_id=device_id,
            public_key=params["device"]["publicKey"],
            client_id=client["id"],
            client_mode=client["mode"],
            platform=client["platform"],
            display_name=client.get("displayName"),
            role=role,
            scopes=list(scopes),
            reason=reason,
            ts=now_ms(),
        )
        self.pending[req.request_id] = req
        return req, True

    def approve_request(self, req: PendingRequest, via: str = "owner") -> PairedDevice:
        self.pending.pop(req.request_id, None)
        return self.approve(
            device_id=req.device_id,
            public_key=req.public_key,
            client_id=req.client_id,
            client_mode=req.client_mode,
            platform=req.platform,
            display_name=req.display_name,
            role=req.role,
            scopes=req.scopes,
            via=via,
        )

    def approve(
        self,
        *,
        device_id: str,
        public_key: str,
        client_id: str,
        client_mode: str,
        platform: str,
        display_name: str | None,
        role: str,
        scopes: list[str],
        via: str,
    ) -> PairedDevice:
        device = self.devices.get(device_id)
        if device is None:
            device = PairedDevice(
                device_id, public_key, client_id, client_mode, platform, display_name
            )
            self.devices[device_id] = device
        merged = list(device.roles.get(role, []))
        merged += [s for s in scopes if s not in merged]
        device.roles[role] = merged
        device.approved_via = via
        self.revoked.discard(device_id)
        return device

    def ensure_token(self, device: PairedDevice, role: str) -> tuple[str, int]:
        """The device token for a role: minted once, the same string on every hello-ok."""
        if role not in device.tokens:
            device.tokens[role] = (new_token(), now_ms())
        return device.tokens[role]

    def revoke(self, device_id: str, role: str | None = None) -> bool:
        device = self.devices.get(device_id)
        if device is None:
            return False
        for r in [role] if role else list(device.roles):
            device.roles.pop(r, None)
            device.tokens.pop(r, None)
        self.revoked.add(device_id)
        return True

    def remove(self, device_id: str) -> bool:
        return self.devices.pop(device_id, None) is not None


def encode_setup_code(url: str, token: str, expires_at_ms: int) -> str:
    body = json.dumps(
        {"url": url, "bootstrapToken": token, "expiresAtMs": expires_at_ms},
        separators=(",", ":"),
    )
    return b64url(body.encode("utf-8"))
