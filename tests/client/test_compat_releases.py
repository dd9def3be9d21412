"""Older gateway releases through the client, against the fake gateway emulating them.

What is emulated (measured on the real 2026.3.24 and 2026.5.12; see tests/e2e/test_compat.py):
protocol 3, method lists without the 9.x additions, the empty final 2026.5.12 sends for a
message it queues behind a busy session, and transcript rows that name no run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import json

import aiohttp
import pytest

from custom_components.openclaw.aioopenclaw import (
    DeviceIdentity,
    GatewayClient,
    RunState,
    message_text,
)
from custom_components.openclaw.aioopenclaw.errors import (
    FeatureUnavailableError,
    UnknownMethodError,
)
from custom_components.openclaw.aioopenclaw.features import Feature
from tests.fake_gateway import FakeGateway
from tests.fake_gateway.methods import METHODS

MAIN = "agent:main:main"
# What 2026.5.12 lacks of what the fake offers (measured hello-ok.features.methods).
METHODS_2026_5_12 = set(METHODS) - {"node.pluginTools.update"}
# What a release before 2026.3.24 lacks besides (protocol reference §7, §13).
METHODS_2026_3_13 = METHODS_2026_5_12 - {
    "sessions.subscribe",
    "sessions.unsubscribe",
    "sessions.messages.subscribe",
    "sessions.messages.unsubscribe",
}


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polling state the fake and client change
            await asyncio.sleep(0.01)


@pytest.fixture
async def http_session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _client(gw: FakeGateway, session: aiohttp.ClientSession) -> GatewayClient:
    client = GatewayClient(
        session, gw.url, identity=DeviceIdentity.generate(), token=gw.token, backoff=(0.05, 0.2)
    )
    await client.connect()
    return client


async def test_release_without_transcripts_says_so_before_sending(
    http_session: aiohttp.ClientSession,
) -> None:
    async with FakeGateway(protocol=3, server_version="2026.3.13", methods=METHODS_2026_3_13) as gw:
        client = await _client(gw, http_session)
        try:
            assert client.hello is not None and client.hello.protocol == 3
            assert not client.has_feature(Feature.TRANSCRIPT)
            assert not client.has_feature(Feature.SESSION_EVENTS)
            assert client.has_feature(Feature.CHAT)

            with pytest.raises(FeatureUnavailableError) as caught:
                await client.subscribe_session_messages(MAIN, lambda _m: None)
            err = caught.value
            assert err.feature == "transcript" and err.min_release == "2026.3.24"
            assert err.server_version == "2026.3.13"
            assert "OpenClaw 2026.3.13" in str(err) and "2026.3.24 or later" in str(err)
            assert isinstance(err, UnknownMethodError)  # "unsupported_method" in Home Assistant
            with pytest.raises(FeatureUnavailableError):
                await client.subscribe_sessions_changed(lambda _f: None)
            # Decided from hello-ok: nothing was sent.
            assert gw.stats.requests["sessions.messages.subscribe"] == 0
            assert gw.stats.requests["sessions.subscribe"] == 0

            # What it has still works, deltas built without v4's deltaText.
            handle = await client.chat_send(MAIN, "still chatting")
            deltas = [e async for e in handle.events() if e.state is RunState.DELTA]
            assert "".join(d.delta for d in deltas) == "ECHO: still chatting"
            assert (await handle.wait(5)).text == "ECHO: still chatting"
        finally:
            await client.close()


async def test_node_tools_missing_from_2026_5_12(http_session: aiohttp.ClientSession) -> None:
    async with FakeGateway(server_version="2026.5.12", methods=METHODS_2026_5_12) as gw:
        client = await _client(gw, http_session)
        try:
            assert client.has_feature(Feature.NODE_HOST)
            assert not client.has_feature(Feature.NODE_TOOLS)
        finally:
            await client.close()


def _final(run_id: str, key: str) -> str:
    """2026.5.12's answer to a message queued behind a busy session (measured shape)."""
    return json.dumps(
        {
            "type": "event",
            "event": "chat",
            "payload": {"runId": run_id, "sessionKey": key, "seq": 1, "state": "final"},
        }
    )


async def test_queued_message_gets_its_reply_from_the_transcript(
    http_session: aiohttp.ClientSession,
) -> None:
    async with FakeGateway(server_version="2026.5.12", methods=METHODS_2026_5_12) as gw:
        client = await _client(gw, http_session)
        try:
            finals = []
            client.subscribe_chat(lambda e: finals.append(e) if e.state.terminal else None)
            # The fake's own run starts late; before it, the queued-message final arrives.
            gw.script_reply(start_delay=30)
            handle = await client.chat_send(MAIN, "queued please")
            gw.send_raw(_final(handle.run_id, MAIN))
            await asyncio.sleep(0.2)
            assert not handle.done, "an empty final of a queued message is not its reply"
            assert finals == []

            # The follow-up runs under another run id, whose events do not always reach us;
            # its row names no run (2026.5.12). The client reads the transcript meanwhile.
            gw.add_message(MAIN, "assistant", "ECHO: queued please")
            result = await handle.wait(5)
            assert result.text == "ECHO: queued please"
            assert [e.run_id for e in finals if e.run_id == handle.run_id] == [handle.run_id]
        finally:
            await client.close()


async def test_empty_final_of_a_command_ends_it(http_session: aiohttp.ClientSession) -> None:
    """2026.5.12 ends /new and /reset with the same empty final: nothing more will come."""
    async with FakeGateway(server_version="2026.5.12", methods=METHODS_2026_5_12) as gw:
        client = await _client(gw, http_session)
        try:
            gw.script_reply(start_delay=30)
            handle = await client.chat_send(MAIN, "/new")
            gw.send_raw(_final(handle.run_id, MAIN))
            result = await handle.wait(2)
            assert result.state is RunState.FINAL and result.text == ""
        finally:
            await client.close()


async def test_usage_from_rows_without_run_ids(http_session: aiohttp.ClientSession) -> None:
    """2026.5.12 rows name no run: the usage is the newest row with the run's reply. All-zero
    usage (2026.3.24 never asks the model for it) is reported as missing, not as 0 tokens."""
    async with FakeGateway(server_version="2026.5.12", methods=METHODS_2026_5_12) as gw:
        client = await _client(gw, http_session)
        try:
            key = "agent:main:legacy"
            gw.add_message(key, "user", "count me")
            row = gw.add_message(key, "assistant", "ECHO: count me")
            row["usage"] = {"input": 7369, "output": 3, "totalTokens": 7372}
            gw.send_raw(
                json.dumps(
                    {
                        "type": "event",
                        "event": "chat",
                        "payload": {
                            "runId": "r1",
                            "sessionKey": key,
                            "seq": 2,
                            "state": "final",
                            "message": {"role": "assistant", "content": "ECHO: count me"},
                        },
                    }
                )
            )
            await until(lambda: client.run_result("r1") is not None)
            usage = await client.run_usage(key, "r1")
            assert usage is not None
            assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (7369, 3, 7372)

            row["usage"] = {"input": 0, "output": 0, "totalTokens": 0}
            assert await client.run_usage(key, "r1") is None
        finally:
            await client.close()


# Measured: a user row of 2026.3.24's HTTP transcript (previews of 2026.5.12 look the same).
ENVELOPED = (
    "Sender (untrusted metadata):\n```json\n{\n"
    '  "label": "Home Assistant (gateway-client)",\n  "id": "gateway-client",\n'
    '  "name": "Home Assistant",\n  "username": "Home Assistant"\n}\n```\n\n'
    "[Thu 2026-11-26 04:20 UTC] hello there"
)


def test_user_text_loses_the_envelope_of_older_releases() -> None:
    user = {"role": "user", "content": [{"type": "text", "text": ENVELOPED}]}
    assert message_text(user) == "hello there"
    # Only a leading envelope of a user message goes; nothing else is touched.
    assert message_text({"role": "assistant", "content": ENVELOPED}) == ENVELOPED
    typed = "[Thu 2026-11-26 04:20 UTC] a bracket the user typed"
    assert message_text({"role": "user", "content": typed}) == typed
    quoted = f"look at this: {ENVELOPED}"
    assert message_text({"role": "user", "content": quoted}) == quoted
