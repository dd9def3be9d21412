"""The ``connect`` request: schema, protocol, role, auth, device proof, pairing, ``hello-ok``.

Checks run in the gateway's order; each failure raises ``errors.Reject`` carrying the exact
error shape and the close code the real gateway uses.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from . import errors
from .auth import PairedDevice, now_ms, verify_device
from .connection import Conn
from .schema import CONNECT_PARAMS, validate

if TYPE_CHECKING:
    from .server import FakeGateway

_KEEP_SCOPES_WITHOUT_DEVICE = {("cli", "cli"), ("gateway-client", "backend")}


def _eq(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode(), b.encode())


def check_params(params: Any) -> dict[str, Any]:
    problem = validate(CONNECT_PARAMS, params)
    if problem is not None:
        message = f"invalid connect params: {problem}"
        raise errors.Reject("INVALID_REQUEST", message, close=(1008, message[:123]))
    assert isinstance(params, dict)
    return params


def check_protocol(gw: FakeGateway, params: dict[str, Any]) -> None:
    low, high = params["minProtocol"], params["maxProtocol"]
    if not low <= gw.protocol <= high:
        raise errors.Reject(
            "INVALID_REQUEST",
            "protocol mismatch",
            details={
                "code": "PROTOCOL_MISMATCH",
                "clientMinProtocol": low,
                "clientMaxProtocol": high,
                "expectedProtocol": gw.protocol,
                "minimumProbeProtocol": 3,
            },
            close=(1002, "protocol mismatch"),
        )


def authenticate(
    gw: FakeGateway, params: dict[str, Any], device_id: str | None, role: str
) -> tuple[str, PairedDevice | None]:
    """Return (auth method, device proven by a device token)."""
    auth: dict[str, Any] = params.get("auth") or {}
    token = auth.get("token") or ""
    device_token = auth.get("deviceToken") or ""
    bootstrap = auth.get("bootstrapToken") or ""
    password = auth.get("password") or ""
    if device_token:  # an explicit deviceToken is checked first
        holder = gw.pairing.device_for_token(device_token, role)
        if holder is None or holder.device_id != device_id:
            raise errors.device_token_mismatch()
        return "device-token", holder
    if token:
        if gw.token is not None and _eq(token, gw.token):
            return "token", None
        holder = gw.pairing.device_for_token(token, role) if device_id else None
        if holder is not None and holder.device_id == device_id:
            return "device-token", holder
        if gw.token is None and gw.password is None:
            return "none", None
        if device_id is not None and device_id in gw.pairing.revoked:
            raise errors.device_token_mismatch()
        raise errors.token_mismatch()
    if bootstrap:
        gw.pairing.check_bootstrap(bootstrap, device_id, bind=False)
        return "bootstrap-token", None
    if password:
        if gw.password is not None and _eq(password, gw.password):
            return "password", None
        raise errors.password_mismatch()
    if gw.token is not None:
        raise errors.token_missing()
    if gw.password is not None:
        raise errors.password_missing()
    return "none", None


def _pairing_required(
    gw: FakeGateway,
    params: dict[str, Any],
    device_id: str,
    role: str,
    scopes: list[str],
    reason: str,
) -> errors.Reject:
    req, created = gw.pairing.add_pending(params, device_id, role, scopes, reason)
    if created:
        gw.broadcast("device.pair.requested", req.event_payload())
    if reason == "not-paired":
        message = "pairing required: device is not approved yet"
        hint = "Approve this device from the pending pairing requests."
    elif reason == "role-upgrade":
        message = "pairing required: device is asking for a higher role than currently approved"
        hint = "Review the requested role upgrade, then approve the pending request."
    else:
        message = "pairing required: device is asking for more scopes than currently approved"
        hint = "Review the requested scope upgrade, then approve the pending request."
    details: dict[str, Any] = {
        "code": "PAIRING_REQUIRED",
        "reason": reason,
        "requestId": req.request_id,
        "remediationHint": hint,
        "deviceId": device_id,
        "requestedRole": role,
        "requestedScopes": list(scopes),
    }
    known = gw.pairing.devices.get(device_id)
    if known is not None and reason != "not-paired":
        details["approvedRoles"] = sorted(known.roles)
        details["approvedScopes"] = list(known.roles.get(role, []))
    close_reason = f"{message} (requestId: {req.request_id})"
    return errors.Reject("NOT_PAIRED", message, details=details, close=(1008, close_reason[:123]))


def pair(
    gw: FakeGateway,
    params: dict[str, Any],
    device_id: str,
    role: str,
    scopes: list[str],
    method: str,
    holder: PairedDevice | None,
) -> PairedDevice | None:
    """Apply the pairing rules; return the paired device (None = no token to issue)."""
    client = params["client"]
    if (
        gw.local_backend_skip_pairing
        and method in ("token", "password")
        and (client["id"], client["mode"]) == ("gateway-client", "backend")
    ):
        return None  # the loopback gateway-client/backend exception: no record, no token
    device = gw.pairing.devices.get(device_id)
    approved = device.roles.get(role) if device is not None else None
    if approved is not None:
        if all(s in approved for s in scopes):
            return device
        if method == "device-token":
            raise errors.scope_mismatch()
        reason = "scope-upgrade"
    elif method == "device-token":
        raise errors.device_token_mismatch()
    else:
        reason = "role-upgrade" if device_id in gw.pairing.revoked else "not-paired"
    if gw.require_pairing:
        raise _pairing_required(gw, params, device_id, role, scopes, reason)
    return gw.pairing.approve(
        device_id=device_id,
        public_key=params["device"]["publicKey"],
        client_id=client["id"],
        client_mode=client["mode"],
        platform=client["platform"],
        display_name=client.get("displayName"),
        role=role,
        scopes=scopes,
        via="silent",
    )


async def handle_connect(gw: FakeGateway, conn: Conn, raw_params: Any) -> dict[str, Any]:
    """Run every connect check; on success fill ``conn`` and return the hello-ok payload."""
    params = check_params(raw_params)
    if gw.startup_pending():
        raise errors.unavailable_starting()
    gw.stats.last_connect = params
    if gw.faults.refuse_connects > 0:
        gw.faults.refuse_connects -= 1
        raise errors.unavailable_starting(gw.faults.refuse_retry_after_ms)
    check_protocol(gw, params)
    role = params.get("role") or "operator"
    if role not in ("operator", "node"):
        raise errors.Reject("INVALID_REQUEST", "invalid role", close=(1008, "invalid role"))
    scopes: list[str] = list(params.get("scopes") or [])
    device = params.get("device")
    device_id = device["id"] if device else None
    method, holder = authenticate(gw, params, device_id, role)
    if device:
        verify_device(params, conn.nonce, role, scopes)
    if method == "bootstrap-token":
        # Bound only once the device proved its key: the first such device owns the code.
        gw.pairing.check_bootstrap(params["auth"]["bootstrapToken"], device_id, bind=True)
    paired: PairedDevice | None = None
    if device_id is not None:
        paired = pair(gw, params, device_id, role, scopes, method, holder)
    else:
        client = params["client"]
        keep = (client["id"], client["mode"]) in _KEEP_SCOPES_WITHOUT_DEVICE
        if gw.require_pairing or not keep:
            scopes = []  # a device-less operator gets no self-declared scopes
    conn.authed = True
    conn.role = role
    conn.scopes = scopes
    conn.caps = list(params.get("caps") or [])
    conn.client = dict(params["client"])
    conn.device_id = device_id
    conn.auth_method = method
    conn.protocol = gw.protocol
    auth_block: dict[str, Any] = {"method": method, "role": role, "scopes": list(scopes)}
    if paired is not None:
        token, issued = gw.pairing.ensure_token(paired, role)
        auth_block["deviceToken"] = token
        auth_block["issuedAtMs"] = issued
    else:
        auth_block["issuedAtMs"] = now_ms()
    return gw.hello_payload(conn, auth_block)
