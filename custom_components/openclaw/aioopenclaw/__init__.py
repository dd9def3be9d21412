"""aioopenclaw: an asyncio client for the OpenClaw gateway (no Home Assistant imports).

Use ``GatewayClient`` with an ``aiohttp.ClientSession`` you own.
"""

from .attachments import image_attachment_from_base64, image_attachment_from_bytes
from .client import DEFAULT_SCOPES, GatewayClient, RunHandle, backoff_delays
from .connection import MAX_PROTOCOL, MIN_PROTOCOL, ClientInfo
from .errors import *  # noqa: F403 - the typed errors are part of the public API
from .history import HistoryMessageEvent, HistoryPage
from .http import GatewayHttpClient
from .identity import DeviceIdentity, signature_payload
from .models import (
    AgentInfo,
    ChatEvent,
    EventFrame,
    HelloOk,
    Policy,
    RunResult,
    RunState,
    SendAck,
    SessionInfo,
    SessionMessage,
    Usage,
    message_text,
)
from .setup_code import SetupCode, http_base_url, parse_setup_code
from .sse import SSEEvent, SSEParser

__all__ = [
    "DEFAULT_SCOPES",
    "MAX_PROTOCOL",
    "MIN_PROTOCOL",
    "AgentInfo",
    "ChatEvent",
    "ClientInfo",
    "DeviceIdentity",
    "EventFrame",
    "GatewayClient",
    "GatewayHttpClient",
    "HelloOk",
    "HistoryMessageEvent",
    "HistoryPage",
    "Policy",
    "RunHandle",
    "RunResult",
    "RunState",
    "SSEEvent",
    "SSEParser",
    "SendAck",
    "SessionInfo",
    "SessionMessage",
    "SetupCode",
    "Usage",
    "backoff_delays",
    "http_base_url",
    "image_attachment_from_base64",
    "image_attachment_from_bytes",
    "message_text",
    "parse_setup_code",
    "signature_payload",
]
