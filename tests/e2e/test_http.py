"""The HTTP plane through our client against the real gateway: hooks, /v1/*, session history."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.openclaw.aioopenclaw import GatewayClient, RunState
from custom_components.openclaw.aioopenclaw.errors import NotFoundError
from custom_components.openclaw.aioopenclaw.history import HistoryMessageEvent, HistoryPage
from custom_components.openclaw.aioopenclaw.http import (
    GatewayHttpClient,
    completion_text,
    response_text,
)

from .fake_model import FakeModel
from .gateway import MAIN_SESSION
from .helpers import TURN_TIMEOUT, ChatLog, unique_session, unique_text, wait_for

pytestmark = pytest.mark.e2e


def _text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content or [] if isinstance(p, dict))


async def test_hooks_wake_runs_a_heartbeat_turn(
    http: GatewayHttpClient, client: GatewayClient, fake_model: FakeModel
) -> None:
    text = unique_text("wake up")
    answer = await http.wake(text, mode="now")
    assert answer["ok"] is True and answer["mode"] == "now"

    # The agent gets a heartbeat turn carrying the text as a queued system event (with any
    # other queued events, e.g. "New session created" for sessions other tests made) …
    wake = await wait_for(
        lambda: [r for r in fake_model.requests() if r["kind"] == "wake" and text in r["events"]],
        timeout=TURN_TIMEOUT,
    )
    assert len(wake) == 1
    # … and its reply lands in the main session's transcript (no user row: not a chat turn).

    async def replied() -> bool:
        history = await client.chat_history(MAIN_SESSION, limit=50)
        return any(
            m.get("role") == "assistant" and _text(m).startswith("WAKE: ") and text in _text(m)
            for m in history
        )

    for _ in range(50):
        if await replied():
            break
        await asyncio.sleep(0.2)
    else:
        pytest.fail("the wake reply never reached the main session's history")


async def test_hooks_agent_runs_an_isolated_turn(
    http: GatewayHttpClient, client: GatewayClient, fake_model: FakeModel
) -> None:
    log = ChatLog(client)
    text = unique_text("hook task")
    run_id = await http.run_agent(text, name="e2e")
    assert run_id

    seen = await wait_for(lambda: fake_model.chat_requests(text), timeout=TURN_TIMEOUT)
    assert seen[0]["kind"] == "hook"  # wrapped as external, untrusted webhook content
    # The run streams on a cron session. Its chat events carry a different runId than the
    # one /hooks/agent answered with (2026.9.6).
    finals = await wait_for(
        lambda: [e for e in log.events if e.state is RunState.FINAL and e.text == f"ECHO: {text}"],
        timeout=TURN_TIMEOUT,
    )
    assert len(finals) == 1
    assert finals[0].session_key.startswith("agent:main:cron:")


async def test_chat_completions_streamed_and_not(
    http: GatewayHttpClient, fake_model: FakeModel
) -> None:
    text = unique_text("complete me")
    pieces = [
        piece
        async for piece in http.chat_completions([{"role": "user", "content": text}], stream=True)
    ]
    assert pieces and "".join(pieces) == f"ECHO: {text}"

    other = unique_text("no stream")
    completion = await http.chat_completions([{"role": "user", "content": other}], stream=False)
    assert completion["object"] == "chat.completion"
    assert completion_text(completion) == f"ECHO: {other}"
    assert len(fake_model.chat_requests(text)) == 1
    assert len(fake_model.chat_requests(other)) == 1


async def test_responses_endpoint(http: GatewayHttpClient) -> None:
    text = unique_text("respond")
    response = await http.responses(text, stream=False)
    assert response["status"] == "completed"
    assert response_text(response) == f"ECHO: {text}"
    streamed = "".join([d async for d in http.responses(unique_text("x"), stream=True)])
    assert streamed.startswith("ECHO: x ")


async def test_session_history_over_http(http: GatewayHttpClient, client: GatewayClient) -> None:
    key = unique_session()
    text = unique_text("history please")
    result = await (await client.chat_send(key, text)).wait(TURN_TIMEOUT)

    page = await http.session_history(key, limit=10)
    assert page.session_key == key
    assert [(m["role"], _text(m)) for m in page.messages] == [
        ("user", text),
        ("assistant", result.text),
    ]
    assert page.has_more is False

    with pytest.raises(NotFoundError):
        await http.session_history(unique_session())


async def test_session_history_stream_follows_new_messages(
    http: GatewayHttpClient, client: GatewayClient
) -> None:
    key = unique_session()
    await (await client.chat_send(key, "start the transcript")).wait(TURN_TIMEOUT)

    stream = http.stream_session_history(key, idle_timeout=TURN_TIMEOUT)
    first = await anext(stream)
    assert isinstance(first, HistoryPage) and len(first.messages) == 2

    text = unique_text("follow me")
    result = await (await client.chat_send(key, text)).wait(TURN_TIMEOUT)
    appended: list[HistoryMessageEvent] = []
    async with asyncio.timeout(TURN_TIMEOUT):
        async for event in stream:
            if isinstance(event, HistoryMessageEvent):
                appended.append(event)
            if any(_text(e.message) == result.text for e in appended):
                break
    await stream.aclose()
    assert [_text(e.message) for e in appended] == [text, result.text]
