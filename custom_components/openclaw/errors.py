"""One mapping from client errors to translated Home Assistant errors."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .aioopenclaw import errors as oc
from .const import DOMAIN

# Most specific first: the first matching class decides the translation key.
_KEYS: tuple[tuple[type[Exception], str], ...] = (
    (oc.PairingRequiredError, "pairing_required"),
    (oc.DeviceTokenMismatchError, "device_token_revoked"),
    (oc.BootstrapTokenInvalidError, "setup_code_invalid"),
    (oc.ScopeMismatchError, "scope_mismatch"),
    (oc.TokenMismatchError, "invalid_auth"),
    (oc.AuthenticationError, "invalid_auth"),
    (oc.DeviceAuthError, "device_auth_failed"),
    (oc.ProtocolMismatchError, "protocol_mismatch"),
    (oc.MissingScopeError, "missing_scope"),
    (oc.RateLimitedError, "rate_limited"),
    (oc.UnavailableError, "gateway_unavailable"),
    (oc.UnknownMethodError, "unsupported_method"),
    (oc.InvalidRequestError, "invalid_request"),
    (oc.RunFailedError, "run_failed"),
    (oc.RunAbortedError, "run_aborted"),
    (oc.RequestTimeoutError, "timeout"),
    (oc.ConnectionClosedError, "not_connected"),
    (oc.CannotConnectError, "cannot_connect"),
    (oc.NotFoundError, "not_found"),
    (oc.HooksDisabledError, "hooks_not_configured"),
    (oc.HttpRateLimitedError, "rate_limited"),
    (oc.HttpAuthError, "invalid_auth"),
    (oc.HttpError, "http_error"),
    (oc.AttachmentError, "attachment_refused"),
    (oc.SetupCodeError, "setup_code_invalid"),
)
# Errors caused by what the user asked for, not by the gateway or the network.
_USER_ERRORS = (oc.AttachmentError, oc.SetupCodeError, oc.InvalidRequestError, oc.NotFoundError)


def error_key(err: Exception) -> str:
    for cls, key in _KEYS:
        if isinstance(err, cls):
            return key
    return "unknown_error"


def translate_error(
    err: Exception, cls: type[HomeAssistantError] | None = None
) -> HomeAssistantError:
    """The translated HA error for a client error (ServiceValidationError for user mistakes)."""
    if cls is None:
        cls = ServiceValidationError if isinstance(err, _USER_ERRORS) else HomeAssistantError
    return cls(
        translation_domain=DOMAIN,
        translation_key=error_key(err),
        translation_placeholders={"error": str(err)},
    )
