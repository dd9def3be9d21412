"""Parse OpenClaw setup codes (``openclaw qr``) into a typed, validated value.

A setup code is base64url (usually unpadded) of UTF-8 JSON
``{url, bootstrapToken, expiresAtMs?, urls?, tlsFingerprint?}``, optionally prefixed with
``oc-pair://``. Unknown keys are tolerated because newer gateways add fields.
Error messages never contain the code or the token: both are secrets.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
import json
import math
import re
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import SetupCodeError

PREFIX = "oc-pair://"
# A real code is well under 2 KB (8 urls max); refuse absurd input before decoding it.
MAX_CODE_CHARS = 16_384
MAX_URLS = 8

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class SetupCode:
    """A decoded setup code. ``repr`` hides the bootstrap token."""

    url: str
    bootstrap_token: str
    expires_at_ms: int | None = None
    urls: tuple[str, ...] = ()
    tls_fingerprint: str | None = None

    def __repr__(self) -> str:
        return (
            f"SetupCode(url={self.url!r}, bootstrap_token='**REDACTED**', "
            f"expires_at_ms={self.expires_at_ms!r}, urls={self.urls!r}, "
            f"tls_fingerprint={self.tls_fingerprint!r})"
        )

    def is_expired(self, now_ms: int | None = None) -> bool:
        if self.expires_at_ms is None:
            return False
        return _now_ms(now_ms) >= self.expires_at_ms

    @property
    def http_base_url(self) -> str:
        return http_base_url(self.url)


def _now_ms(now_ms: int | None) -> int:
    return int(time.time() * 1000) if now_ms is None else now_ms


def _decode_payload(code: str) -> Any:
    text = _WHITESPACE.sub("", code)  # QR readers and chat clients may wrap long codes
    if text[: len(PREFIX)].lower() == PREFIX:
        text = text[len(PREFIX) :]
    text = text.rstrip("/")
    if not text:
        raise SetupCodeError("invalid_encoding", "The setup code is empty.")
    if len(text) > MAX_CODE_CHARS:
        raise SetupCodeError("invalid_encoding", "The setup code is too long.")
    if not _BASE64URL.fullmatch(text):
        raise SetupCodeError("invalid_encoding", "The setup code is not valid base64url.")
    body = text.rstrip("=")
    if len(body) % 4 == 1:
        raise SetupCodeError("invalid_encoding", "The setup code is truncated.")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError) as err:
        raise SetupCodeError("invalid_encoding", "The setup code is not valid base64url.") from err
    try:
        return json.loads(decoded)
    except (ValueError, RecursionError) as err:
        raise SetupCodeError("invalid_json", "The setup code does not contain valid JSON.") from err


def _valid_ws_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme.lower() in ("ws", "wss") and bool(parts.hostname)


def parse_setup_code(code: str, *, now_ms: int | None = None) -> SetupCode:
    """Decode and validate ``code``; raise ``SetupCodeError`` with a stable ``reason``.

    ``now_ms`` (epoch milliseconds) is injectable for tests; it defaults to the wall clock.
    """
    if not isinstance(code, str):
        raise SetupCodeError("invalid_encoding", "The setup code must be text.")
    payload = _decode_payload(code)
    if not isinstance(payload, dict):
        raise SetupCodeError("invalid_json", "The setup code does not contain a JSON object.")

    url = payload.get("url")
    if not isinstance(url, str) or not url.strip():
        raise SetupCodeError("missing_url", "The setup code has no gateway URL.")
    url = url.strip()
    if not _valid_ws_url(url):
        raise SetupCodeError(
            "invalid_url_scheme",
            "The setup code's gateway URL must be ws:// or wss:// with a host.",
        )

    token = payload.get("bootstrapToken")
    if not isinstance(token, str) or not token.strip():
        raise SetupCodeError("missing_token", "The setup code has no bootstrap token.")

    expires = payload.get("expiresAtMs")
    expires_at_ms: int | None = None
    if expires is not None:
        if isinstance(expires, bool) or not isinstance(expires, (int, float)):
            raise SetupCodeError("invalid_json", "The setup code's expiry is not a number.")
        if isinstance(expires, float) and not math.isfinite(expires):
            raise SetupCodeError("invalid_json", "The setup code's expiry is not a number.")
        expires_at_ms = int(expires)
        if _now_ms(now_ms) >= expires_at_ms:
            raise SetupCodeError(
                "expired",
                "The setup code has expired; create a new one with `openclaw qr`.",
            )

    raw_urls = payload.get("urls")
    urls: tuple[str, ...] = ()
    if isinstance(raw_urls, list):
        # Alternative addresses are a convenience: keep the usable ones, skip the rest.
        urls = tuple(
            u.strip() for u in raw_urls if isinstance(u, str) and _valid_ws_url(u.strip())
        )[:MAX_URLS]

    fingerprint = payload.get("tlsFingerprint")
    tls_fingerprint = fingerprint.strip() if isinstance(fingerprint, str) else None

    return SetupCode(
        url=url,
        bootstrap_token=token.strip(),
        expires_at_ms=expires_at_ms,
        urls=urls,
        tls_fingerprint=tls_fingerprint or None,
    )


def http_base_url(ws_url: str) -> str:
    """The HTTP base URL of a gateway WebSocket URL: ws->http, wss->https.

    Keeps host, port and any path prefix (reverse proxies); drops user info, query and
    fragment so nothing secret ends up in request URLs. ``http``/``https`` pass through.
    """
    try:
        parts = urlsplit(ws_url.strip())
        port = parts.port
    except ValueError as err:
        raise SetupCodeError("invalid_url_scheme", "The gateway URL is not valid.") from err
    scheme = {"ws": "http", "wss": "https", "http": "http", "https": "https"}.get(
        parts.scheme.lower()
    )
    host = parts.hostname
    if scheme is None or not host:
        raise SetupCodeError(
            "invalid_url_scheme",
            "The gateway URL must be ws://, wss://, http:// or https://.",
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))
