"""Websocket commands of the dashboard chat card.

- ``openclaw/chat/subscribe``: live run state and the running reply of one session
  (``chat_stream.SessionChatStream``), per subscription, deltas coalesced.
- ``openclaw/chat/history``: one page of the transcript (``chat_history``), older on request.
- ``openclaw/chat/send``: send a message (optional images) to the session; returns the run id.
- ``openclaw/chat/abort``: stop the session's run.

A session is named by one of its entities, as in the actions. Reading needs the user's read
permission on that entity, sending and stopping its control permission.
"""

from __future__ import annotations

from typing import Any
import uuid

from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.decorators import async_response, websocket_command
from homeassistant.components.websocket_api.messages import event_message
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.helpers import config_validation as cv
import probatio as vol

from .aioopenclaw import AttachmentError, OpenClawError, image_attachment_from_base64
from .chat_history import async_history_page
from .chat_stream import SessionChatStream
from .const import DOMAIN
from .errors import translate_error
from .service_attachments import image_limit
from .service_target import SessionTarget, session_of_entity

DEFAULT_PAGE = 30
MAX_PAGE = 200
MAX_IMAGES = 4
# Images arrive base64 in one websocket message, whose size HA caps (aiohttp's 4 MiB); the
# card scales pictures down well below this before sending.
MAX_IMAGE_BASE64 = 4 * 1024 * 1024

_ENTITY: dict[Any, Any] = {vol.Required("entity_id"): cv.entity_id}
_ATTACHMENT = vol.Schema(
    {
        vol.Required("content"): vol.All(cv.string, vol.Length(min=1, max=MAX_IMAGE_BASE64)),
        vol.Optional("mime_type"): cv.string,
        vol.Optional("file_name"): vol.All(cv.string, vol.Length(max=255)),
    }
)


@callback
def async_setup_websocket_api(hass: HomeAssistant) -> None:
    """Register the card's commands (once, from ``async_setup``)."""
    async_register_command(hass, ws_subscribe)
    async_register_command(hass, ws_history)
    async_register_command(hass, ws_send)
    async_register_command(hass, ws_abort)


def _target(
    hass: HomeAssistant, connection: ActiveConnection, entity_id: str, policy: str
) -> SessionTarget:
    if not connection.user.permissions.check_entity(entity_id, policy):
        raise Unauthorized(entity_id=entity_id, permission=policy)
    return session_of_entity(hass, entity_id)


@websocket_command({vol.Required("type"): "openclaw/chat/subscribe", **_ENTITY})
@callback
def ws_subscribe(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Follow a session: a snapshot, then started / delta / end / connection messages."""
    target = _target(hass, connection, msg["entity_id"], POLICY_READ)
    msg_id: int = msg["id"]

    @callback
    def send(data: dict[str, Any]) -> None:
        connection.send_message(event_message(msg_id, data))

    stream = SessionChatStream(hass, target.entry, target.session_key, send)
    connection.subscriptions[msg_id] = stream.stop
    connection.send_result(msg_id)
    stream.start()


@websocket_command(
    {
        vol.Required("type"): "openclaw/chat/history",
        **_ENTITY,
        vol.Optional("limit", default=DEFAULT_PAGE): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_PAGE)
        ),
        vol.Optional("cursor"): vol.All(cv.string, vol.Match(r"^(seq:)?[1-9][0-9]{0,17}$")),
    }
)
@async_response
async def ws_history(
    hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]
) -> None:
    """A page of the transcript, oldest message first; ``cursor`` asks for older ones."""
    target = _target(hass, connection, msg["entity_id"], POLICY_READ)
    page = await async_history_page(
        target.entry, target.session_key, msg["limit"], msg.get("cursor")
    )
    connection.send_result(msg["id"], page)


@websocket_command(
    {
        vol.Required("type"): "openclaw/chat/send",
        **_ENTITY,
        vol.Required("message"): vol.All(cv.string, vol.Length(max=100_000)),
        vol.Optional("attachments", default=list): vol.All(
            cv.ensure_list, vol.Length(max=MAX_IMAGES), [_ATTACHMENT]
        ),
        vol.Optional("idempotency_key"): vol.All(cv.string, vol.Length(min=1, max=200)),
    }
)
@async_response
async def ws_send(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Start a run with the message; answers once the gateway took it (not at the reply)."""
    target = _target(hass, connection, msg["entity_id"], POLICY_CONTROL)
    message: str = msg["message"]
    if not message.strip() and not msg["attachments"]:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="empty_message")
    limit = image_limit(target.entry)
    try:
        attachments = [
            image_attachment_from_base64(
                item["content"],
                item.get("mime_type"),
                file_name=item.get("file_name"),
                max_bytes=limit,
            )
            for item in msg["attachments"]
        ]
    except AttachmentError as err:
        raise translate_error(err) from err
    # The card's key makes a resend after a dropped websocket safe (one run at most).
    run_id = msg.get("idempotency_key") or str(uuid.uuid4())
    try:
        handle = await target.entry.runtime_data.client.chat_send(
            target.session_key, message, attachments=attachments or None, idempotency_key=run_id
        )
    except OpenClawError as err:
        raise translate_error(err) from err
    connection.send_result(
        msg["id"],
        {
            "run_id": handle.ack.run_id if handle.ack else handle.run_id,
            "status": handle.ack.status if handle.ack else "started",
        },
    )


@websocket_command(
    {
        vol.Required("type"): "openclaw/chat/abort",
        **_ENTITY,
        vol.Optional("run_id"): vol.All(cv.string, vol.Length(min=1, max=200)),
    }
)
@async_response
async def ws_abort(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Stop the session's run (or the given run)."""
    target = _target(hass, connection, msg["entity_id"], POLICY_CONTROL)
    try:
        payload = await target.entry.runtime_data.client.chat_abort(
            target.session_key, msg.get("run_id")
        )
    except OpenClawError as err:
        raise translate_error(err) from err
    run_ids = payload.get("runIds")
    connection.send_result(
        msg["id"],
        {
            "aborted": bool(payload.get("aborted")),
            "run_ids": [str(r) for r in run_ids] if isinstance(run_ids, list) else [],
        },
    )
