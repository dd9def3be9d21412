"""The Ed25519 device identity and the signed ``v3|…`` connect proof."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as the gateway writes keys and signatures."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url, padded or not (raises ``ValueError`` on bad input)."""
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded, altchars=b"-_", validate=True)


def _normalize(value: str | None) -> str:
    # The gateway trims and lower-cases ASCII A-Z only (not a full Unicode casefold).
    if not value:
        return ""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in value.strip())


def signature_payload(
    *,
    device_id: str,
    client_id: str,
    client_mode: str,
    role: str,
    scopes: Sequence[str],
    signed_at_ms: int,
    token: str,
    nonce: str,
    platform: str | None,
    device_family: str | None,
) -> str:
    """The exact v3 string the gateway verifies; fields are joined unescaped."""
    return "|".join(
        (
            "v3",
            device_id,
            client_id,
            client_mode,
            role,
            ",".join(scopes),
            str(signed_at_ms),
            token,
            nonce,
            _normalize(platform),
            _normalize(device_family),
        )
    )


@dataclass(frozen=True)
class DeviceIdentity:
    """One Ed25519 key pair; keep it for as long as the pairing lasts."""

    private_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def generate(cls) -> DeviceIdentity:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, seed: bytes) -> DeviceIdentity:
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_storage(cls, text: str) -> DeviceIdentity:
        """Load what ``to_storage`` wrote (base64url of the 32-byte seed)."""
        return cls.from_private_bytes(b64url_decode(text))

    def to_storage(self) -> str:
        """The private seed as base64url: a secret, store it like a password."""
        seed = self.private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return b64url_encode(seed)

    @property
    def public_key_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_key(self) -> str:
        """The raw public key, base64url without padding (``device.publicKey``)."""
        return b64url_encode(self.public_key_raw)

    @property
    def device_id(self) -> str:
        """Hex SHA-256 of the raw public key (``device.id``)."""
        return hashlib.sha256(self.public_key_raw).hexdigest()

    def sign(self, payload: str) -> str:
        return b64url_encode(self.private_key.sign(payload.encode("utf-8")))

    def __repr__(self) -> str:
        return f"DeviceIdentity(device_id={self.device_id[:12]}…)"
