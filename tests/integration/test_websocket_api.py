"""The chat card's websocket commands against the fake gateway, over HA's websocket API."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
import time
from typing import Any

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, UrlManager
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MockHAClientWebSocket,
    WebSocketGenerator,
)

from custom_components.openclaw.const import CONF_DELTA_RATE, CONF_DEVICE_TOKEN, CONF_TOKEN
from custom_components.openclaw.frontend_card import CARD_FILE, CARD_URL
from tests.fake_gateway import FakeGateway

from .helpers import MAIN, wait_for

RUN_STATE = "sensor.main_run_state"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

WS = Callable[..., Awaitable[MockHAClientWebSocket]]


# Events that arrived while a command waited for its result, per websocket.
_EARLY: dict[int, list[dict[str, Any]]] = {}


async def command(ws: MockHAClientWebSocket, **msg: Any) -> dict[str, Any]:
    """Send a command; the result message (success or error). Events are kept for later."""
    await ws.send_json_auto_id(msg)
    while True:
        reply = await asyncio.wait_for(ws.receive_json(), 10)
        if reply["type"] == "result":
            return reply
        _EARLY.setdefault(id(ws), []).append(reply)


async def subscribe(ws: MockHAClientWebSocket, entity_id: str = RUN_STATE) -> int:
    reply = await command(ws, type="openclaw/chat/subscribe", entity_id=entity_id)
    assert reply["success"], reply
    return int(reply["id"])


async def next_event(ws: MockHAClientWebSocket, timeout: float = 10) -> dict[str, Any]:
    early = _EARLY.get(id(ws))
    reply = early.pop(0) if early else await asyncio.wait_for(ws.receive_json(), timeout)
    assert reply["type"] == "event", reply
    event: dict[str, Any] = reply["event"]
    return event


async def events_until_end(ws: MockHAClientWebSocket, timeout: float = 10) -> list[dict[str, Any]]:
    events = []
    async with asyncio.timeout(timeout):
        while True:
            event = await next_event(ws)
            events.append(event)
            if event["type"] == "end":
                return events


def card_text(events: list[dict[str, Any]], start: str = "") -> str:
    """The text a card shows after applying the events (as frontend/src/transcript.js does)."""
    text = start
    for event in events:
        if event["type"] == "started":
            text = ""
        elif event["type"] == "delta":
            text = event["delta"] if event["replaced"] else text + event["delta"]
        elif event["type"] == "end":
            return text
    return text


@pytest.fixture(autouse=True)
def _forget_early_events() -> None:
    _EARLY.clear()


@pytest.fixture
async def ws(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, setup_integration: MockConfigEntry
) -> MockHAClientWebSocket:
    return await hass_ws_client(hass)


# -- subscribe --------------------------------------------------------------------------------


async def test_a_run_streams_to_the_subscriber_and_ends_with_the_whole_text(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    await subscribe(ws)
    snapshot = await next_event(ws)
    assert snapshot == {
        "type": "snapshot",
        "title": "Main",
        "connected": True,
        "run_state": "idle",
        "run_id": None,
        "text": "",
        "error": None,
    }
    chunks = [f"word{i} " for i in range(12)]
    fake_gateway.script_reply(chunks=chunks, delay=0.01)

    sent = await command(ws, type="openclaw/chat/send", entity_id=RUN_STATE, message="hello")

    assert sent["success"], sent
    run_id = sent["result"]["run_id"]
    assert sent["result"]["status"] == "started"
    events = await events_until_end(ws)
    assert events[0] == {"type": "started", "run_id": run_id}
    assert events[-1] == {
        "type": "end",
        "run_id": run_id,
        "state": "final",
        "text": "".join(chunks),
        "error": None,
    }
    deltas = [e for e in events if e["type"] == "delta"]
    assert deltas and all(e["run_id"] == run_id for e in deltas)
    # Applying the deltas in order gives the text so far, a prefix of the final text.
    assert "".join(chunks).startswith(card_text(events[:-1]))
    assert fake_gateway.stats.last_chat_send["message"] == "hello"
    assert fake_gateway.stats.last_chat_send["idempotencyKey"] == run_id


@pytest.mark.parametrize("entry_options", [{CONF_DELTA_RATE: 0.5}])
async def test_deltas_are_coalesced_per_subscription(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    """At 0.5 per second a sub-second run sends its first delta at once, then only the end."""
    await subscribe(ws)
    await next_event(ws)
    chunks = [f"t{i} " for i in range(20)]
    fake_gateway.script_reply(chunks=chunks, delay=0.005)
    started = time.monotonic()
    await command(ws, type="openclaw/chat/send", entity_id=RUN_STATE, message="go")

    events = await events_until_end(ws)

    assert time.monotonic() - started < 2, "the run took longer than one interval"
    deltas = [e for e in events if e["type"] == "delta"]
    assert len(deltas) == 1
    assert deltas[0]["delta"] == chunks[0]
    assert events[-1]["text"] == "".join(chunks)


async def test_two_subscribers_each_get_the_whole_run(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    fake_gateway: FakeGateway,
    ws: MockHAClientWebSocket,
) -> None:
    other = await hass_ws_client(hass)
    await subscribe(ws)
    await subscribe(other)
    await next_event(ws)
    await next_event(other)
    fake_gateway.script_reply(chunks=["a", "b", "c"], delay=0.01)
    await command(ws, type="openclaw/chat/send", entity_id=RUN_STATE, message="x")

    mine, theirs = await events_until_end(ws), await events_until_end(other)

    assert mine[-1]["text"] == theirs[-1]["text"] == "abc"


async def test_joining_a_running_run_shows_its_text_and_follows_it(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    setup_integration: MockConfigEntry,
    ws: MockHAClientWebSocket,
) -> None:
    fake_gateway.script_reply(chunks=["first ", "second ", "third"], delay=0.3)
    handle = await setup_integration.runtime_data.client.chat_send(MAIN, "slow")
    coordinator = setup_integration.runtime_data.coordinator
    await wait_for(hass, lambda: bool(coordinator.sessions[MAIN].reply))

    await subscribe(ws)
    snapshot = await next_event(ws)

    assert snapshot["run_state"] == "running"
    assert snapshot["run_id"] == handle.run_id
    assert snapshot["text"].startswith("first")
    events = await events_until_end(ws)
    assert card_text(events[:-1], snapshot["text"]) in ("first second ", "first second third")
    assert events[-1]["state"] == "final" and events[-1]["text"] == "first second third"


async def test_stop_aborts_the_run(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    await subscribe(ws)
    await next_event(ws)
    fake_gateway.script_reply(chunks=["thinking "], hang=True)
    sent = await command(ws, type="openclaw/chat/send", entity_id=RUN_STATE, message="long")
    run_id = sent["result"]["run_id"]
    assert (await next_event(ws))["type"] == "started"

    stopped = await command(ws, type="openclaw/chat/abort", entity_id=RUN_STATE, run_id=run_id)

    assert stopped["success"], stopped
    assert stopped["result"] == {"aborted": True, "run_ids": [run_id]}
    events = await events_until_end(ws)
    assert events[-1]["type"] == "end" and events[-1]["state"] == "aborted"
    assert events[-1]["run_id"] == run_id


async def test_a_failed_run_ends_with_its_error(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    await subscribe(ws)
    await next_event(ws)
    fake_gateway.script_reply(chunks=["partial"], error="model exploded")
    await command(ws, type="openclaw/chat/send", entity_id=RUN_STATE, message="boom")

    end = (await events_until_end(ws))[-1]

    assert end["state"] == "error"
    assert "model exploded" in end["error"]


async def test_the_connection_state_reaches_the_subscriber(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    await subscribe(ws)
    await next_event(ws)

    await fake_gateway.drop_all(1012, "service restart")

    assert await next_event(ws) == {"type": "connection", "connected": False}
    assert await next_event(ws, timeout=15) == {"type": "connection", "connected": True}


async def test_unloading_the_entry_closes_the_stream(
    hass: HomeAssistant, setup_integration: MockConfigEntry, ws: MockHAClientWebSocket
) -> None:
    sub_id = await subscribe(ws)
    await next_event(ws)

    await hass.config_entries.async_unload(setup_integration.entry_id)

    assert await next_event(ws) == {"type": "closed"}
    # The card unsubscribes; that is still accepted after the stream closed itself.
    done = await command(ws, type="unsubscribe_events", subscription=sub_id)
    assert done["success"]


async def test_unsubscribing_stops_the_messages(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    sub_id = await subscribe(ws)
    await next_event(ws)
    assert (await command(ws, type="unsubscribe_events", subscription=sub_id))["success"]
    fake_gateway.script_reply(chunks=["a", "b"])

    sent = await command(ws, type="openclaw/chat/send", entity_id=RUN_STATE, message="x")

    assert sent["success"]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(ws.receive_json(), 0.5)


async def test_an_entity_of_no_session_is_refused(
    hass: HomeAssistant, ws: MockHAClientWebSocket
) -> None:
    hass.states.async_set("sensor.kitchen", "1")
    await ws.send_json_auto_id({"type": "openclaw/chat/subscribe", "entity_id": "sensor.kitchen"})
    reply = await ws.receive_json()
    assert not reply["success"]
    assert reply["error"]["translation_key"] == "not_session_entity"


async def test_a_read_only_user_reads_but_cannot_send_or_stop(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_access_token: str,
    fake_gateway: FakeGateway,
    setup_integration: MockConfigEntry,
) -> None:
    ws = await hass_ws_client(hass, hass_read_only_access_token)
    await subscribe(ws)
    assert (await next_event(ws))["type"] == "snapshot"
    page = await command(ws, type="openclaw/chat/history", entity_id=RUN_STATE)
    assert page["success"]

    sent = await command(ws, type="openclaw/chat/send", entity_id=RUN_STATE, message="x")
    stopped = await command(ws, type="openclaw/chat/abort", entity_id=RUN_STATE)

    assert sent["error"]["code"] == stopped["error"]["code"] == "unauthorized"
    assert not fake_gateway.stats.chat_sends


# -- send -------------------------------------------------------------------------------------


async def test_send_with_an_image(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    content = "data:image/png;base64," + base64.b64encode(PNG).decode()

    sent = await command(
        ws,
        type="openclaw/chat/send",
        entity_id=RUN_STATE,
        message="what is this?",
        attachments=[{"content": content, "file_name": "photo.png"}],
        idempotency_key="card-key-1",
    )

    assert sent["success"], sent
    assert sent["result"]["run_id"] == "card-key-1"
    params = fake_gateway.stats.last_chat_send
    assert params["idempotencyKey"] == "card-key-1"
    assert params["attachments"] == [
        {
            "type": "image",
            "mimeType": "image/png",
            "content": base64.b64encode(PNG).decode(),
            "fileName": "photo.png",
        }
    ]


async def test_send_refuses_what_it_cannot_deliver(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    empty = await command(ws, type="openclaw/chat/send", entity_id=RUN_STATE, message="  ")
    not_image = await command(
        ws,
        type="openclaw/chat/send",
        entity_id=RUN_STATE,
        message="read this",
        attachments=[{"content": base64.b64encode(b"%PDF-1.7").decode(), "mime_type": "image/png"}],
    )

    assert empty["error"]["translation_key"] == "empty_message"
    assert not_image["error"]["translation_key"] == "attachment_refused"
    assert not fake_gateway.stats.chat_sends


# -- history ----------------------------------------------------------------------------------


async def test_history_pages_back_over_http(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    for i in range(5):
        fake_gateway.add_message(MAIN, "user" if i % 2 == 0 else "assistant", f"m{i}")

    first = await command(ws, type="openclaw/chat/history", entity_id=RUN_STATE, limit=2)
    older = await command(
        ws,
        type="openclaw/chat/history",
        entity_id=RUN_STATE,
        limit=2,
        cursor=first["result"]["next_cursor"],
    )
    last = await command(
        ws,
        type="openclaw/chat/history",
        entity_id=RUN_STATE,
        limit=2,
        cursor=older["result"]["next_cursor"],
    )

    assert [m["text"] for m in first["result"]["messages"]] == ["m3", "m4"]
    assert [m["role"] for m in first["result"]["messages"]] == ["assistant", "user"]
    assert [m["text"] for m in older["result"]["messages"]] == ["m1", "m2"]
    assert [m["text"] for m in last["result"]["messages"]] == ["m0"]
    assert last["result"]["has_more"] is False and "next_cursor" not in last["result"]
    assert fake_gateway.stats.http_requests["GET /sessions/{key}/history"] == 3


async def test_history_rows_after_a_run(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    await subscribe(ws)
    await next_event(ws)
    sent = await command(ws, type="openclaw/chat/send", entity_id=RUN_STATE, message="hi there")
    await events_until_end(ws)

    page = await command(ws, type="openclaw/chat/history", entity_id=RUN_STATE)

    rows = page["result"]["messages"]
    run_id = sent["result"]["run_id"]
    assert [(r["role"], r["text"], r["run_id"]) for r in rows] == [
        ("user", "hi there", run_id),
        ("assistant", "ECHO: hi there", run_id),
    ]
    assert all(isinstance(r["seq"], int) and r["timestamp"] for r in rows)
    assert page["result"]["has_more"] is False


async def test_history_marks_a_stopped_reply_and_leaves_out_tool_rows(
    hass: HomeAssistant, fake_gateway: FakeGateway, ws: MockHAClientWebSocket
) -> None:
    session = fake_gateway.sessions.ensure(MAIN)
    run_id = "0f6c2d5e-run"
    # As 2026.9.6 keeps a reply cut short by chat.abort (captured from the real gateway).
    session.append(
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "tick0 tick1 tick2"}],
            "stopReason": "stop",
            "idempotencyKey": f"{run_id}:assistant",
            "openclawAbort": {"aborted": True, "origin": "rpc", "runId": run_id},
            "__openclaw": {"runId": run_id},
        }
    )
    session.append({"role": "toolResult", "content": [{"type": "text", "text": "42"}]})
    session.append({"role": "assistant", "content": [{"type": "toolCall", "name": "x"}]})
    session.append({"role": "user", "content": [{"type": "image", "data": "AAAA"}]})
    # As 2026.9.6 keeps a sent image: beside the text, in the message's media list.
    session.append(
        {
            "role": "user",
            "content": "what is this?",
            "__openclaw": {
                "media": [
                    {
                        "url": "media://inbound/pic.png",
                        "contentType": "image/png",
                        "kind": "image",
                        "fileName": "pic.png",
                    }
                ]
            },
        }
    )

    page = await command(ws, type="openclaw/chat/history", entity_id=RUN_STATE)

    rows = page["result"]["messages"]
    assert [(r["role"], r["text"], r.get("aborted"), r.get("images")) for r in rows] == [
        ("assistant", "tick0 tick1 tick2", True, None),
        ("user", "", None, 1),
        ("user", "what is this?", None, 1),
    ]
    assert rows[0]["run_id"] == run_id
    assert "AAAA" not in str(page) and "media://" not in str(page)


async def test_history_of_an_empty_session(hass: HomeAssistant, ws: MockHAClientWebSocket) -> None:
    page = await command(ws, type="openclaw/chat/history", entity_id=RUN_STATE)
    assert page["result"] == {"session_key": MAIN, "messages": [], "has_more": False}


async def test_history_pages_back_over_ws_for_a_paired_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    fake_gateway: FakeGateway,
    setup_integration: MockConfigEntry,
) -> None:
    """A setup-code pairing has no gateway token: pages come from chat.history, by seq."""
    assert setup_integration.data.get(CONF_DEVICE_TOKEN)
    await hass.config_entries.async_unload(setup_integration.entry_id)
    data = {k: v for k, v in setup_integration.data.items() if k != CONF_TOKEN}
    hass.config_entries.async_update_entry(setup_integration, data=data)
    assert await hass.config_entries.async_setup(setup_integration.entry_id)
    await hass.async_block_till_done()
    for i in range(7):
        fake_gateway.add_message(MAIN, "user", f"m{i}")
    ws = await hass_ws_client(hass)

    texts: list[list[str]] = []
    cursor = None
    for _ in range(4):
        msg: dict[str, Any] = {"type": "openclaw/chat/history", "entity_id": RUN_STATE, "limit": 3}
        if cursor:
            msg["cursor"] = cursor
        page = (await command(ws, **msg))["result"]
        texts.append([m["text"] for m in page["messages"]])
        cursor = page.get("next_cursor")
        if not page["has_more"]:
            break
        # A message arriving between pages does not shift the older pages.
        fake_gateway.add_message(MAIN, "assistant", "new")

    assert texts == [["m4", "m5", "m6"], ["m1", "m2", "m3"], ["m0"]]
    assert not fake_gateway.stats.http_requests["GET /sessions/{key}/history"]


async def test_history_rejects_a_bad_page(hass: HomeAssistant, ws: MockHAClientWebSocket) -> None:
    too_big = await command(ws, type="openclaw/chat/history", entity_id=RUN_STATE, limit=201)
    bad_cursor = await command(ws, type="openclaw/chat/history", entity_id=RUN_STATE, cursor="x")
    assert too_big["error"]["code"] == bad_cursor["error"]["code"] == "invalid_format"


# -- serving the card -------------------------------------------------------------------------


@pytest.fixture
def http_and_frontend(hass: HomeAssistant) -> UrlManager:
    """HA's web server, and the frontend's list of extra modules (what the frontend sets up;
    the frontend itself needs the home-assistant-frontend package the tests don't install)."""
    urls = UrlManager(lambda _kind, _url: None, [])
    hass.data[DATA_EXTRA_MODULE_URL] = urls
    return urls


async def test_the_card_is_served_and_loaded_by_every_dashboard(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    http_and_frontend: UrlManager,
    fake_gateway: FakeGateway,
    mock_config_entry: MockConfigEntry,
) -> None:
    assert await async_setup_component(hass, "http", {})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    [url] = [u for u in http_and_frontend.urls if u.startswith(CARD_URL)]
    client = await hass_client_no_auth()
    resp = await client.get(url)

    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
    body = await resp.read()
    assert body == CARD_FILE.read_bytes()
    assert b"openclaw-chat-card" in body
    assert "max-age" in resp.headers.get("Cache-Control", "")
    await hass.config_entries.async_unload(mock_config_entry.entry_id)
