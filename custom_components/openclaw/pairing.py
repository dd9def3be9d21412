"""Connection tests and the wait for pairing approval, shared by the config and repair flows.

Each attempt opens one WebSocket with the flow's device identity, reads ``hello-ok`` and closes.
An unapproved device gets NOT_PAIRED and the gateway closes the socket at once: no event ever
tells it about the approval, so waiting means reconnecting with the same identity and the same
credentials. Every retry returns the same request id until someone approves or rejects it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
import ipaddress
import math
import re
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from yarl import URL

from .aioopenclaw import DeviceIdentity, HelloOk
from .aioopenclaw.errors import (
    AuthenticationError,
    BootstrapTokenInvalidError,
    CannotConnectError,
    ConnectionClosedError,
    DeviceAuthError,
    DeviceTokenMismatchError,
    MissingScopeError,
    OpenClawError,
    PairingRequiredError,
    ProtocolError,
    ProtocolMismatchError,
    RateLimitedError,
    RequestTimeoutError,
    ScopeMismatchError,
    TokenMismatchError,
    UnavailableError,
)
from .client_factory import create_client
from .const import (
    CONF_DEVICE_KEY,
    CONF_DEVICE_TOKEN,
    CONF_PASSWORD,
    CONF_TLS_FINGERPRINT,
    CONF_TOKEN,
    CONF_URL,
    LOGGER,
    SCOPES,
)

# Seconds between reconnects while the user approves the device on the gateway.
POLL_INTERVAL = 3.0
# How long a flow waits for approval at most (a setup code's own lifetime is 10 minutes too).
PAIRING_TIMEOUT = 600.0
# One connection test, TCP + TLS + handshake: a black-holed address must not hang the flow.
CONNECT_TIMEOUT = 20.0

_HEX = re.compile(r"[0-9a-f]{64}")


class LoginError(Exception):
    """A connection test failed; ``key`` is the translated config-flow error."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class GatewayLogin:
    """One way to log in: an address, the device identity and one set of credentials."""

    url: str
    identity: DeviceIdentity = field(repr=False)
    token: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    device_token: str | None = field(default=None, repr=False)
    bootstrap_token: str | None = field(default=None, repr=False)
    tls_fingerprint: str | None = None
    expires_at_ms: int | None = None

    def expired(self) -> bool:
        """Whether the setup code this login came from has run out."""
        return self.expires_at_ms is not None and time.time() * 1000 >= self.expires_at_ms

    def client_data(self) -> dict[str, Any]:
        """The config-entry shaped data the client factory builds a client from."""
        data: dict[str, Any] = {
            CONF_URL: self.url,
            CONF_DEVICE_KEY: self.identity.to_storage(),
            CONF_TOKEN: self.token,
            CONF_PASSWORD: self.password,
            CONF_DEVICE_TOKEN: self.device_token,
            CONF_TLS_FINGERPRINT: self.tls_fingerprint,
        }
        return {key: value for key, value in data.items() if value}


def entry_data(login: GatewayLogin, hello: HelloOk) -> dict[str, Any]:
    """What the config entry keeps after a successful login (never the bootstrap token).

    The shared token or password is kept only when the user logged in with it; a device
    paired with a setup code keeps nothing but its key and its device token.
    """
    data: dict[str, Any] = {
        CONF_URL: login.url,
        CONF_DEVICE_KEY: login.identity.to_storage(),
    }
    device_token = hello.device_token or login.device_token
    if device_token:
        data[CONF_DEVICE_TOKEN] = device_token
    if login.token:
        data[CONF_TOKEN] = login.token
    if login.password:
        data[CONF_PASSWORD] = login.password
    if len(data) == 2:
        # Accepted, but nothing to log in with next time.
        raise LoginError("no_device_token")
    if login.tls_fingerprint:
        data[CONF_TLS_FINGERPRINT] = login.tls_fingerprint
    return data


async def async_login(hass: HomeAssistant, login: GatewayLogin) -> HelloOk:
    """Connect once, read ``hello-ok``, close. Raises the client's typed errors."""
    client = create_client(
        async_get_clientsession(hass), login.client_data(), bootstrap_token=login.bootstrap_token
    )
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            hello = await client.connect()
    except TimeoutError as err:
        raise CannotConnectError("the gateway did not answer in time") from err
    finally:
        await client.close()
    # A gateway may accept the login with a reduced profile (e.g. a plain ws:// client from
    # another host); without read and write nothing in the integration works.
    if hello.role is not None and not set(SCOPES) <= set(hello.scopes):
        raise LoginError("missing_scope")
    return hello


async def async_first_login(
    hass: HomeAssistant, logins: Sequence[GatewayLogin]
) -> tuple[GatewayLogin, HelloOk | PairingRequiredError]:
    """Try each address in turn until one answers; pairing required counts as an answer."""
    first_error: CannotConnectError | None = None
    for login in logins:
        try:
            return login, await async_login(hass, login)
        except PairingRequiredError as err:
            return login, err
        except CannotConnectError as err:
            LOGGER.debug("gateway address not reachable: %s", type(err.__cause__).__name__)
            first_error = first_error or err
    assert first_error is not None, "no address to try"
    raise first_error


async def async_wait_for_approval(
    hass: HomeAssistant, login: GatewayLogin, request_id: str | None, timeout: float
) -> HelloOk:
    """Reconnect every few seconds until the pending request is approved.

    Raises ``LoginError`` when the request disappears (rejected or removed: the next try
    gets a new request id), the setup code expires or ``timeout`` passes; other client
    errors propagate. A gateway that is briefly away (restarting) is waited for.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if login.expired():
            raise LoginError("setup_code_expired")
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise LoginError("pairing_timeout")
        await asyncio.sleep(min(POLL_INTERVAL, remaining))
        try:
            return await async_login(hass, login)
        except PairingRequiredError as err:
            if request_id is not None and err.request_id not in (None, request_id):
                raise LoginError("pairing_rejected") from err
        except (
            CannotConnectError,
            ConnectionClosedError,
            UnavailableError,
            RateLimitedError,
        ) as err:
            LOGGER.debug("gateway away while waiting for approval: %s", type(err).__name__)


def wait_minutes(login: GatewayLogin, timeout: float) -> int:
    """Whole minutes the wait lasts at most, as shown to the user."""
    seconds = timeout
    if login.expires_at_ms is not None:
        seconds = min(seconds, login.expires_at_ms / 1000 - time.time())
    return max(1, math.ceil(seconds / 60))


# Most specific first: the first matching class decides the key.
_ERROR_KEYS: tuple[tuple[type[Exception], str], ...] = (
    (DeviceTokenMismatchError, "device_token_revoked"),
    (TokenMismatchError, "invalid_auth"),
    (ScopeMismatchError, "missing_scope"),
    (MissingScopeError, "missing_scope"),
    (RateLimitedError, "rate_limited"),
    (AuthenticationError, "invalid_auth"),
    (DeviceAuthError, "device_auth_failed"),
    (PairingRequiredError, "pairing_required"),
    (ProtocolMismatchError, "protocol_mismatch"),
    (UnavailableError, "gateway_unavailable"),
    (CannotConnectError, "cannot_connect"),
    (ConnectionClosedError, "cannot_connect"),
    (ProtocolError, "cannot_connect"),
    (RequestTimeoutError, "cannot_connect"),
)


def error_key(err: Exception, login: GatewayLogin | None = None) -> str:
    """The translated form error for a failed login."""
    if isinstance(err, LoginError):
        return err.key
    if isinstance(err, BootstrapTokenInvalidError):
        # The gateway answers the same for expired, unknown and used codes; expiry we can tell.
        return (
            "setup_code_expired" if login is not None and login.expired() else "setup_code_invalid"
        )
    if isinstance(err, CannotConnectError):
        cause = err.__cause__
        if isinstance(cause, aiohttp.ServerFingerprintMismatch):
            return "tls_fingerprint_mismatch"
        if isinstance(cause, aiohttp.ClientSSLError):
            return "tls_error"
    for cls, key in _ERROR_KEYS:
        if isinstance(err, cls):
            return key
    if not isinstance(err, OpenClawError):
        LOGGER.exception("unexpected error while connecting to the gateway")
    return "unknown"


def normalize_url(value: str) -> str | None:
    """A gateway WebSocket URL from what the user typed (``host:port`` and http(s) too)."""
    text = value.strip()
    if "://" not in text:
        text = f"ws://{text}"
    try:
        parsed = URL(text)
        port = parsed.port
    except ValueError:
        return None
    scheme = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}.get(parsed.scheme.lower())
    if scheme is None or not parsed.host or parsed.user or parsed.password:
        return None
    path = parsed.path.rstrip("/")
    return str(URL.build(scheme=scheme, host=parsed.host, port=port, path=path))


def normalize_fingerprint(value: str | None) -> str | None:
    """A SHA-256 certificate fingerprint as lowercase hex; ``ValueError`` when it is not one."""
    if value is None or not value.strip():
        return None
    text = re.sub(r"[\s:]", "", value.strip().lower())
    if text.startswith(("sha256/", "sha256=")):
        text = text[7:]
    if not _HEX.fullmatch(text):
        raise ValueError("not a SHA-256 fingerprint")
    return text


def url_host(url: str) -> str:
    """The lower-case host of a URL, without the trailing dot of an absolute name."""
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_loopback_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
