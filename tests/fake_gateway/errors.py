"""Error shapes the gateway answers with (the ``error`` object of a ``res`` frame)."""

from __future__ import annotations

from typing import Any


class Reject(Exception):
    """A request (or connect) failure; ``close`` is set when the socket must close after it."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        retryable: bool | None = None,
        retry_after_ms: int | None = None,
        close: tuple[int, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.retryable = retryable
        self.retry_after_ms = retry_after_ms
        self.close = close

    def shape(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            out["details"] = self.details
        if self.retryable is not None:
            out["retryable"] = self.retryable
        if self.retry_after_ms is not None:
            out["retryAfterMs"] = self.retry_after_ms
        return out


def invalid_params(method: str, detail: str) -> Reject:
    return Reject("INVALID_REQUEST", f"invalid {method} params: {detail}")


def missing_scope(scope: str) -> Reject:
    return Reject(
        "FORBIDDEN",
        f"missing scope: {scope}",
        details={"code": "MISSING_SCOPE", "missingScope": scope, "requiredScopes": [scope]},
    )


def _auth_failure(message: str, code: str, reason: str, retry_device: bool, step: str) -> Reject:
    return Reject(
        "INVALID_REQUEST",
        message,
        details={
            "code": code,
            "authReason": reason,
            "canRetryWithDeviceToken": retry_device,
            "recommendedNextStep": step,
        },
        close=(1008, message[:123]),
    )


def token_mismatch() -> Reject:
    return _auth_failure(
        "unauthorized: gateway token mismatch (use this gateway's gateway.auth.token or pair"
        " the device)",
        "AUTH_TOKEN_MISMATCH",
        "token_mismatch",
        True,
        "retry_with_device_token",
    )


def token_missing() -> Reject:
    return _auth_failure(
        "unauthorized: gateway token missing (set gateway.auth.token on this client)",
        "AUTH_TOKEN_MISSING",
        "token_missing",
        False,
        "update_auth_configuration",
    )


def password_mismatch() -> Reject:
    return _auth_failure(
        "unauthorized: gateway password mismatch (use this gateway's gateway.auth.password)",
        "AUTH_PASSWORD_MISMATCH",
        "password_mismatch",
        False,
        "update_auth_credentials",
    )


def password_missing() -> Reject:
    return _auth_failure(
        "unauthorized: gateway password missing (set gateway.auth.password on this client)",
        "AUTH_PASSWORD_MISSING",
        "password_missing",
        False,
        "update_auth_configuration",
    )


def device_token_mismatch() -> Reject:
    return _auth_failure(
        "unauthorized: device token mismatch (rotate/reissue device token)",
        "AUTH_DEVICE_TOKEN_MISMATCH",
        "device_token_mismatch",
        False,
        "update_auth_credentials",
    )


def bootstrap_invalid() -> Reject:
    return _auth_failure(
        "unauthorized: setup code invalid, expired, revoked, or already used (create a new code;"
        " review `openclaw devices list`)",
        "AUTH_BOOTSTRAP_TOKEN_INVALID",
        "bootstrap_token_invalid",
        False,
        "review_auth_configuration",
    )


def scope_mismatch() -> Reject:
    return _auth_failure(
        "unauthorized: device token scope mismatch (re-pair or approve scope upgrade)",
        "AUTH_SCOPE_MISMATCH",
        "scope_mismatch",
        False,
        "review_auth_configuration",
    )


def device_auth(code: str, reason: str, message: str) -> Reject:
    return Reject(
        "INVALID_REQUEST",
        message,
        details={"code": code, "reason": reason},
        close=(1008, message[:123]),
    )


def unavailable_starting(retry_after_ms: int = 500) -> Reject:
    return Reject(
        "UNAVAILABLE",
        "gateway starting; retry shortly",
        retryable=True,
        retry_after_ms=retry_after_ms,
        details={"reason": "startup-sidecars"},
        close=(1013, "gateway starting"),
    )
