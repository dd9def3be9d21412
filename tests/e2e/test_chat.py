"""Chat over WS through our client against the real gateway: runs, history, abort, sessions."""

from __future__ import annotations

import contextlib

import pytest

from custom_components.openclaw.aioopenclaw import (
    EventFrame,
    GatewayClient,
    InvalidRequestError,
    MissingScopeError,
    RunAbortedError,
    RunFailedError,
    RunState,
    SessionMessage,
)

from .fake_model import FakeModel
from .gateway import Gateway
from .helpers import TURN_TIMEOUT, ChatLog, connected_client, unique_session, unique_text, wait_for

pytestmark = pytest.mark.e2e


async def test_chat_send_streams_deltas_then_one_final(
    client: GatewayClient, fake_model: FakeModel
) -> None:
    log = ChatLog(client)
    key = unique_session()
    text = unique_text("stream me please")

    handle = await client.chat_send(key, text)
    assert handle.ack is not None and handle.ack.status == "started"
    assert handle.ack.run_id == handle.run_id  # the gateway uses our idempotency key

    events = [event async for event in handle.events()]
    deltas = [e for e in events if e.state is RunState.DELTA]
    assert deltas, "the reply must stream as deltas"
    # Each delta's text is cumulative: the deltas' increments rebuild it.
    assert "".join(d.delta for d in deltas) == deltas[-1].text
    assert events[-1].state is RunState.FINAL
    assert events[-1].text == f"ECHO: {text}"
    result = await handle.wait(TURN_TIMEOUT)
    assert result.text == f"ECHO: {text}"
    assert len(log.terminal(handle.run_id)) == 1

    seen = fake_model.chat_requests(text)
    assert len(seen) == 1 and seen[0]["stream"]


async def test_sessions_list_and_chat_history_show_the_turn(client: GatewayClient) -> None:
    key = unique_session()
    text = unique_text("remember this")
    result = await (await client.chat_send(key, text)).wait(TURN_TIMEOUT)

    sessions = {s.key: s for s in await client.sessions_list()}
    assert key in sessions

    history = await client.chat_history(key, limit=20)
    users = [m for m in history if m.get("role") == "user"]
    assistants = [m for m in history if m.get("role") == "assistant"]
    assert [m["content"] for m in users] == [text]
    assert len(assistants) == 1
    assert assistants[0]["content"][0]["text"] == f"ECHO: {text}"
    # The transcript links the reply to its run: that is how a missed final is recovered.
    assert assistants[0]["__openclaw"]["runId"] == result.run_id


async def test_chat_abort_stops_a_slow_run(client: GatewayClient, fake_model: FakeModel) -> None:
    log = ChatLog(client)
    key = unique_session()
    handle = await client.chat_send(key, "slow: please abort me")
    async for event in handle.events():
        if event.state is RunState.DELTA:
            break

    answer = await client.chat_abort(key, handle.run_id)
    assert answer["aborted"] is True
    assert handle.run_id in answer["runIds"]

    with pytest.raises(RunAbortedError) as aborted:
        await handle.wait(10)
    assert aborted.value.partial_text.startswith("tick0")
    assert len(log.terminal(handle.run_id)) == 1
    # The gateway hung up on the model instead of letting it stream for 30 s.
    slow = await wait_for(
        lambda: [r for r in fake_model.chat_requests() if r.get("aborted")], timeout=10
    )
    assert slow[0]["mode"] == "slow" and not slow[0]["completed"]


async def test_model_error_ends_the_run_once_with_a_typed_error(client: GatewayClient) -> None:
    log = ChatLog(client)
    raw_errors: list[EventFrame] = []
    client.subscribe(
        lambda f: raw_errors.append(f) if f.payload.get("state") == "error" else None, "chat"
    )
    handle = await client.chat_send(unique_session(), "fail400: reject this")
    with pytest.raises(RunFailedError) as failed:
        await handle.wait(TURN_TIMEOUT)
    assert failed.value.run_id == handle.run_id
    assert "LLM request failed" in str(failed.value)
    # 2026.9.6 sends two terminal error events per failed run; subscribers must see one.
    with contextlib.suppress(AssertionError):
        await wait_for(lambda: len(raw_errors) >= 2, timeout=5)
    assert len(log.terminal(handle.run_id)) == 1


async def test_resend_with_the_same_idempotency_key_starts_nothing(
    gateway: Gateway, client: GatewayClient, fake_model: FakeModel
) -> None:
    key = unique_session()
    text = unique_text("only once")
    first = await client.chat_send(key, text)
    await first.wait(TURN_TIMEOUT)

    # A second client (as after an HA restart) resends the same key.
    async with connected_client(gateway) as other:
        again = await other.chat_send(key, text, idempotency_key=first.run_id)
        assert again.ack is not None and again.ack.status == "ok"
        assert again.ack.run_id == first.run_id
        result = await again.wait(TURN_TIMEOUT)  # recovered from the transcript
        assert result.text == f"ECHO: {text}"
    assert len(fake_model.chat_requests(text)) == 1


async def test_sessions_patch(client: GatewayClient) -> None:
    key = unique_session()
    await (await client.chat_send(key, "make the session")).wait(TURN_TIMEOUT)

    patched = await client.sessions_patch(key, label="E2E label", fastMode=True)
    assert patched["ok"] is True and patched["key"] == key
    row = next(s for s in await client.sessions_list() if s.key == key)
    assert row.label == "E2E label"
    assert row.fast_mode is True
    assert row.title == "E2E label"

    # The fake model has reasoning off, so thinking levels other than "off" are refused.
    with pytest.raises(InvalidRequestError, match="thinkingLevel"):
        await client.sessions_patch(key, thinkingLevel="low")


async def test_session_message_subscription(client: GatewayClient) -> None:
    key = unique_session()
    messages: list[SessionMessage] = []
    unsubscribe = await client.subscribe_session_messages(key, messages.append)
    text = unique_text("transcribe me")
    result = await (await client.chat_send(key, text)).wait(TURN_TIMEOUT)

    await wait_for(lambda: any(m.role == "assistant" for m in messages), timeout=10)
    assert [(m.role, m.text) for m in messages] == [("user", text), ("assistant", result.text)]
    assert messages[1].run_id == result.run_id
    assert all(m.session_key == key for m in messages)

    unsubscribe()
    await client.unsubscribe_session_messages(key)
    await (await client.chat_send(key, "not transcribed")).wait(TURN_TIMEOUT)
    assert len(messages) == 2


async def test_agents_previews_and_sessions_changed(client: GatewayClient) -> None:
    agents = await client.agents_list()
    assert [(a.agent_id, a.model) for a in agents] == [("main", "fake/echo-1")]
    changes: list[EventFrame] = []
    await client.subscribe_sessions_changed(changes.append)

    key = unique_session()
    text = unique_text("preview me")
    result = await (await client.chat_send(key, text)).wait(TURN_TIMEOUT)

    previews = await client.sessions_preview([key])
    assert previews == [
        {
            "key": key,
            "status": "ok",
            "items": [{"role": "user", "text": text}, {"role": "assistant", "text": result.text}],
        }
    ]
    assert any(c.payload.get("sessionKey") == key for c in changes)
    assert (await client.health())["ok"] is True
    # Shared-token loopback clients get only the scopes they asked for (read + write).
    with pytest.raises(MissingScopeError):
        await client.sessions_reset(key)
