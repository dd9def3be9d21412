"""Constants of the OpenClaw integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "openclaw"
LOGGER = logging.getLogger(__package__)

# Config entry data
CONF_URL: Final = "url"
CONF_SETUP_CODE: Final = "setup_code"
CONF_DEVICE_KEY: Final = "device_key"
CONF_DEVICE_TOKEN: Final = "device_token"
CONF_TOKEN: Final = "token"
CONF_PASSWORD: Final = "password"
CONF_TLS_FINGERPRINT: Final = "tls_fingerprint"

# Options
CONF_HOOKS_TOKEN: Final = "hooks_token"
CONF_SESSIONS: Final = "sessions"
CONF_DELTA_RATE: Final = "delta_rate"
DEFAULT_DELTA_RATE: Final = 4.0
MIN_DELTA_RATE: Final = 0.5
MAX_DELTA_RATE: Final = 20.0
# Never thousands of entities: exposed sessions are capped whatever the gateway holds.
MAX_EXPOSED_SESSIONS: Final = 50

SCOPES: Final = ("operator.read", "operator.write")

# The HA bus event for run state changes.
EVENT_RUN: Final = "openclaw_run"

# Latest-reply text kept as an attribute, well under the recorder's 16 KiB limit (and the
# attribute is not recorded at all).
MAX_REPLY_ATTRIBUTE: Final = 8000
MAX_STATE_LENGTH: Final = 255

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_SESSION_KEY: Final = "session_key"
ATTR_RUN_ID: Final = "run_id"
