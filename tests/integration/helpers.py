"""Small helpers shared by the Home Assistant tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from homeassistant.core import HomeAssistant

MAIN = "agent:main:main"


async def wait_for(hass: HomeAssistant, check: Callable[[], bool], timeout: float = 5) -> None:
    """Let the fake and HA exchange frames until ``check()`` holds."""
    async with asyncio.timeout(timeout):
        while True:
            await hass.async_block_till_done()
            if check():
                return
            await asyncio.sleep(0.01)
