"""Serve the dashboard chat card and load it in every dashboard: no manual resource step.

The module is built from frontend/ (``scripts/build-card``) and committed, so a HACS install
needs no build and the browser fetches nothing from the internet. Its URL carries a hash of
the file, so a browser caches it for long and still picks up a new version after an update.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, add_extra_js_url
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER
from .websocket_api import async_setup_websocket_api

CARD_FILE = Path(__file__).parent / "frontend" / "openclaw-chat-card.js"
CARD_URL = f"/{DOMAIN}/frontend/openclaw-chat-card.js"


def _file_version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


async def async_setup_chat_card(hass: HomeAssistant) -> None:
    """The dashboard chat card: its websocket commands and its module (from ``async_setup``)."""
    async_setup_websocket_api(hass)
    await async_register_card(hass)


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve the card's module and add it to the frontend's extra modules."""
    if "http" not in hass.config.components:
        LOGGER.debug("No HTTP server: the chat card is not served")
        return
    try:
        version = await hass.async_add_executor_job(_file_version, CARD_FILE)
    except OSError as err:
        LOGGER.warning("The chat card's module is missing (%s); dashboards won't have it", err)
        return
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL, str(CARD_FILE), cache_headers=True)]
    )
    if DATA_EXTRA_MODULE_URL not in hass.data:
        # No frontend (a headless install): the module is served but nothing loads it.
        LOGGER.debug("The frontend is not loaded: the chat card is not added to dashboards")
        return
    add_extra_js_url(hass, f"{CARD_URL}?v={version}")
