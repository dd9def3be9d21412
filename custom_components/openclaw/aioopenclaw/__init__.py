"""aioopenclaw: an asyncio client for the OpenClaw gateway (no Home Assistant imports).

Use ``GatewayClient`` with an ``aiohttp.ClientSession`` you own.
"""

from .client import DEFAULT_SCOPES, GatewayClient, RunHandle, backoff_delays
from .connection import MAX_PROTOCOL, MIN_PROTOCOL, ClientInfo
from .errors import *  # noqa: F403 - the typed errors are part of the public API
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
    "HelloOk",
    "Policy",
    "RunHandle",
    "RunResult",
    "RunState",
    "SendAck",
    "SessionInfo",
    "SessionMessage",
    "Usage",
    "backoff_delays",
    "message_text",
    "signature_payload",
]
