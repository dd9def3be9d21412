"""Typed errors raised by the OpenClaw gateway client.

Every error the gateway can answer with maps to one class here, so callers branch on types,
never on message text. ``from_error_shape`` is the single place that reads the gateway's
``{code, message, details, retryable, retryAfterMs}`` error object.
"""

from __future__ import annotations

import math
from typing import Any


class OpenClawError(Exception):
    """Base class for everything this library raises."""


class ConnectionClosedError(OpenClawError):
    """The socket closed (or was never open) while a request was pending."""

    def __init__(self, message: str = "connection closed", *, code: int | None = None) -> None:
        super().__init__(message)
        self.close_code = code


class CannotConnectError(OpenClawError):
    """The gateway could not be reached (DNS, refused, TLS, timeout before the challenge)."""


class HandshakeTimeoutError(CannotConnectError):
    """No ``connect.challenge`` or no ``hello-ok`` arrived in time."""


class RequestTimeoutError(OpenClawError):
    """A request got no response within its timeout."""


class ProtocolError(OpenClawError):
    """The gateway sent something that does not follow the protocol (bad JSON, bad frame)."""


class SetupCodeError(OpenClawError):
    """A setup code could not be used. ``reason`` is a stable key for translations."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class AttachmentError(OpenClawError):
    """An attachment was refused before sending. ``reason`` is a stable key for translations."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class GatewayError(OpenClawError):
    """An error answered by the gateway (the ``error`` of a ``res`` frame)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        retryable: bool = False,
        retry_after_ms: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.details: dict[str, Any] = details or {}
        self.retryable = retryable
        self.retry_after_ms = retry_after_ms

    @property
    def detail_code(self) -> str | None:
        """The ``details.code`` value, e.g. ``AUTH_TOKEN_MISMATCH``."""
        value = self.details.get("code")
        return value if isinstance(value, str) else None

    @property
    def recommended_next_step(self) -> str | None:
        """The gateway's retry guidance (``retry_with_device_token``, ``wait_then_retry``, …)."""
        value = self.details.get("recommendedNextStep")
        return value if isinstance(value, str) else None

    @property
    def can_retry_with_device_token(self) -> bool:
        return bool(self.details.get("canRetryWithDeviceToken"))


class AuthenticationError(GatewayError):
    """Credentials were refused (token, password, bootstrap token or device token)."""


class TokenMismatchError(AuthenticationError):
    """The shared gateway token or password is wrong (``AUTH_TOKEN_MISMATCH``, ``AUTH_PASSWORD_*``)."""


class DeviceTokenMismatchError(AuthenticationError):
    """The stored device token was revoked, removed or rotated (``AUTH_DEVICE_TOKEN_MISMATCH``)."""


class BootstrapTokenInvalidError(AuthenticationError):
    """The setup code is invalid, expired, or already used by another device."""


class ScopeMismatchError(AuthenticationError):
    """More scopes were asked for than the device token was approved for."""


class DeviceAuthError(GatewayError):
    """The device proof was refused (``DEVICE_AUTH_*``, ``DEVICE_IDENTITY_REQUIRED``)."""


class PairingRequiredError(GatewayError):
    """The device must be approved on the gateway (``NOT_PAIRED`` / ``PAIRING_REQUIRED``)."""

    @property
    def request_id(self) -> str | None:
        value = self.details.get("requestId")
        return value if isinstance(value, str) else None

    @property
    def reason(self) -> str | None:
        value = self.details.get("reason")
        return value if isinstance(value, str) else None


class ProtocolMismatchError(GatewayError):
    """The gateway speaks no protocol version in our range."""


class MissingScopeError(GatewayError):
    """The connection lacks a scope the method needs."""

    @property
    def missing_scope(self) -> str | None:
        value = self.details.get("missingScope")
        if isinstance(value, str):
            return value
        prefix = "missing scope: "
        text = str(self)
        return text[len(prefix) :].strip() if text.startswith(prefix) else None


class UnavailableError(GatewayError):
    """The gateway is busy or starting; retry after ``retry_after_ms``."""


class RateLimitedError(GatewayError):
    """Too many requests; retry after ``retry_after_ms``."""


class UnknownMethodError(GatewayError):
    """The gateway does not know the method (an older release)."""


class FeatureUnavailableError(UnknownMethodError):
    """The connected gateway release lacks a feature (decided from hello-ok, before sending).

    ``feature`` names it, ``min_release`` is the oldest tested release that has it.
    """

    def __init__(self, feature: str, min_release: str, server_version: str, message: str) -> None:
        super().__init__("FEATURE_UNAVAILABLE", message)
        self.feature = feature
        self.min_release = min_release
        self.server_version = server_version


class InvalidRequestError(GatewayError):
    """The gateway refused the request parameters."""


class NotFoundError(OpenClawError):
    """A resource (session, history) does not exist (HTTP 404 ``not_found``)."""


class HttpError(OpenClawError):
    """An HTTP endpoint answered with an error status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.retry_after = retry_after


class HttpAuthError(HttpError):
    """HTTP 401/403: the bearer token was refused."""


class HttpRateLimitedError(HttpError):
    """HTTP 429 with ``Retry-After`` (seconds) in ``retry_after``."""


class HooksDisabledError(HttpError):
    """The webhook endpoints are not enabled on the gateway (404 on ``/hooks/…``)."""


class RunFailedError(OpenClawError):
    """A chat run ended in ``error``; the message is the gateway's error text."""

    def __init__(self, run_id: str, message: str, *, kind: str | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.kind = kind


class RunAbortedError(OpenClawError):
    """A chat run was aborted before its final reply; ``partial_text`` is what arrived."""

    def __init__(self, run_id: str, partial_text: str) -> None:
        super().__init__(f"run {run_id} aborted")
        self.run_id = run_id
        self.partial_text = partial_text


_AUTH_DETAIL_CLASSES: dict[str, type[GatewayError]] = {
    "AUTH_TOKEN_MISMATCH": TokenMismatchError,
    "AUTH_PASSWORD_MISMATCH": TokenMismatchError,
    "AUTH_PASSWORD_MISSING": TokenMismatchError,
    "AUTH_TOKEN_MISSING": TokenMismatchError,
    "AUTH_DEVICE_TOKEN_MISMATCH": DeviceTokenMismatchError,
    "AUTH_BOOTSTRAP_TOKEN_INVALID": BootstrapTokenInvalidError,
    "AUTH_SCOPE_MISMATCH": ScopeMismatchError,
    "AUTH_RATE_LIMITED": RateLimitedError,
    "PROTOCOL_MISMATCH": ProtocolMismatchError,
    "PAIRING_REQUIRED": PairingRequiredError,
    "MISSING_SCOPE": MissingScopeError,
    "DEVICE_IDENTITY_REQUIRED": DeviceAuthError,
}


def _retry_after(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if math.isfinite(value) and value >= 0 else None


def from_error_shape(error: Any) -> GatewayError:
    """Build the typed error for a gateway ``error`` object (tolerates missing fields)."""
    if not isinstance(error, dict):
        return GatewayError("UNKNOWN", str(error))
    code = str(error.get("code") or "UNKNOWN")
    message = str(error.get("message") or code)
    details = error.get("details")
    details = details if isinstance(details, dict) else {}
    retry_after = error.get("retryAfterMs")
    kwargs: dict[str, Any] = {
        "details": details,
        "retryable": bool(error.get("retryable", False)),
        "retry_after_ms": _retry_after(retry_after),
    }
    detail_code = details.get("code")
    cls: type[GatewayError] | None = None
    if isinstance(detail_code, str):
        cls = _AUTH_DETAIL_CLASSES.get(detail_code)
        if cls is None and detail_code.startswith("DEVICE_AUTH_"):
            cls = DeviceAuthError
        if cls is None and detail_code.startswith("AUTH_"):
            cls = AuthenticationError
    if cls is None:
        if code == "NOT_PAIRED":
            cls = PairingRequiredError
        elif code == "FORBIDDEN" or message.startswith("missing scope"):
            cls = MissingScopeError
        elif code == "UNAVAILABLE":
            cls = RateLimitedError if "rate limit" in message else UnavailableError
        elif code == "INVALID_REQUEST" and message.startswith("unknown method"):
            cls = UnknownMethodError
        elif code == "INVALID_REQUEST" and message.startswith("unauthorized"):
            cls = AuthenticationError
        elif code == "INVALID_REQUEST":
            cls = InvalidRequestError
        else:
            cls = GatewayError
    return cls(code, message, **kwargs)
