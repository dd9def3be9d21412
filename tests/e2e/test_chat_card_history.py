"""The chat card's history command against the real gateway: both ways of paging back agree.

With the gateway token the integration pages over ``GET /sessions/{key}/history``; a paired
device (setup code, no shared secret) only has ``chat.history``, from which the integration
cuts pages by transcript seq. Here one entry reads the same transcript both ways: first with
its token (HTTP), then with the token taken out of its data, which selects the chat.history
path while the connection stays up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
import uuid

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import MockHAClientWebSocket, WebSocketGenerator

from custom_components.openclaw.const import CONF_TOKEN

from .fake_model import FakeModel
from .gateway import MAIN_SESSION, Gateway
from .ha_fixtures import FIRST_TURN_TIMEOUT, loaded_entry

pytestmark = pytest.mark.e2e

RUN_STATE = "sensor.main_run_state"


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ (the integration under test)."""


@pytest.fixture
async def entry(
    hass: HomeAssistant, gateway: Gateway, fake_model: FakeModel
) -> AsyncIterator[MockConfigEntry]:
    async with loaded_entry(hass, gateway) as entry:
        yield entry


async def _history(ws: MockHAClientWebSocket, **params: Any) -> dict[str, Any]:
    await ws.send_json_auto_id({"type": "openclaw/chat/history", "entity_id": RUN_STATE, **params})
    reply = await ws.receive_json()
    assert reply["success"], reply
    page: dict[str, Any] = reply["result"]
    return page


async def _pages_back(ws: MockHAClientWebSocket, size: int, count: int) -> list[dict[str, Any]]:
    """``count`` pages of ``size``, newest first in the list, each page oldest first."""
    pages = [await _history(ws, limit=size)]
    while len(pages) < count:
        cursor = pages[-1].get("next_cursor")
        assert cursor, pages[-1]
        pages.append(await _history(ws, limit=size, cursor=cursor))
    return pages


def _rows(pages: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(m["role"], m["text"], m["seq"]) for page in reversed(pages) for m in page["messages"]]


async def test_history_pages_agree_over_http_and_chat_history(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    entry: MockConfigEntry,
) -> None:
    client = entry.runtime_data.client
    texts = [f"card history {i} {uuid.uuid4().hex[:6]}" for i in range(3)]
    for text in texts:
        handle = await client.chat_send(MAIN_SESSION, text)
        await handle.wait(FIRST_TURN_TIMEOUT)
    ws = await hass_ws_client(hass)

    over_http = await _pages_back(ws, size=2, count=3)
    hass.config_entries.async_update_entry(
        entry, data={k: v for k, v in entry.data.items() if k != CONF_TOKEN}
    )
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    over_ws = await _pages_back(ws, size=2, count=3)

    rows = _rows(over_http)
    # The newest six rows are this test's three turns, in order, with rising seqs.
    assert [(role, text) for role, text, _ in rows] == [
        pair for text in texts for pair in (("user", text), ("assistant", f"ECHO: {text}"))
    ]
    seqs = [seq for _, _, seq in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == 6
    assert _rows(over_ws) == rows
    assert all(page["has_more"] for page in over_http[:2] + over_ws[:2])
