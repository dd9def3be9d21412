"""Keys and defaults of the Assist subentries (conversation agents and AI task agents)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

SUBENTRY_CONVERSATION: Final = "conversation"
SUBENTRY_AI_TASK: Final = "ai_task_data"

# Subentry data
CONF_AGENT_ID: Final = "agent_id"
CONF_SESSION_SCOPE: Final = "session_scope"
CONF_SESSION_KEY: Final = "session_key"
CONF_REPLY_TIMEOUT: Final = "reply_timeout"
CONF_ANNOUNCE: Final = "announce"
CONF_SEND_CONTEXT: Final = "send_context"
CONF_HANDOFF_MESSAGE: Final = "handoff_message"


class SessionScope(StrEnum):
    """Which OpenClaw session an Assist turn goes to (``agent:<agentId>:<key>``)."""

    DEVICE = "device"  # one per satellite or device (the user, then the conversation, without)
    USER = "user"  # one per Home Assistant user
    CONVERSATION = "conversation"  # one per Assist conversation
    FIXED = "fixed"  # one fixed key, e.g. "main" to share the agent's main session


DEFAULT_SESSION_SCOPE: Final = SessionScope.DEVICE
DEFAULT_FIXED_SESSION_KEY: Final = "home-assistant"
# The longest Assist waits for the next piece of the reply before it hands the run off.
DEFAULT_REPLY_TIMEOUT: Final = 20.0
# AI tasks often use tools before they answer: give them longer between pieces of text.
DEFAULT_TASK_REPLY_TIMEOUT: Final = 60.0
MIN_REPLY_TIMEOUT: Final = 1.0
MAX_REPLY_TIMEOUT: Final = 600.0
# chat.send must be acknowledged within this time (including waiting for a reconnect).
CONNECT_TIMEOUT: Final = 10.0
# How long a handed-off run is followed in the background for its final reply.
HANDOFF_FOLLOW_MAX: Final = 3600.0
# Tool results kept in the chat log are cut to this many characters of JSON.
MAX_TOOL_RESULT_CHARS: Final = 4000
