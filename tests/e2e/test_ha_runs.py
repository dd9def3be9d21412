"""Home Assistant actions, run events and Assist against the real gateway and the fake model.

The entry is the one the manual path stores for loopback (URL + gateway token): the run paths
are what these tests are about; test_ha_config_flow.py covers pairing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import itertools
import uuid

from homeassistant.components import conversation
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, intent
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw.aioopenclaw import ChatEvent
from custom_components.openclaw.const import DOMAIN

from .fake_model import FakeModel
from .gateway import MAIN_SESSION, Gateway
from .ha_fixtures import FIRST_TURN_TIMEOUT, listen_runs, loaded_entry, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ (the integration under test)."""


@pytest.fixture
async def entry(
    hass: HomeAssistant, gateway: Gateway, fake_model: FakeModel
) -> AsyncIterator[MockConfigEntry]:
    """The integration set up against the real gateway; unloaded at the end of the test."""
    async with loaded_entry(hass, gateway) as entry:
        yield entry


def _text(label: str, words: int = 0) -> str:
    """A unique test text (no colon: a ``mode:`` prefix would switch the fake model's mode)."""
    tail = "".join(f" w{i}" for i in range(words))
    return f"{label} {uuid.uuid4().hex[:8]}{tail}"


def _entity(hass: HomeAssistant, domain: str, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    return entity_id


async def test_send_waits_for_the_reply_and_fires_coalesced_run_events(
    hass: HomeAssistant, entry: MockConfigEntry, fake_model: FakeModel
) -> None:
    # ~2.5 s of streaming, one word every 0.1 s: the gateway forwards each piece as its own
    # delta (measured), more than the default 4 events a second lets through.
    fake_model.configure(piece_delay=0.1)
    text = _text("ha send", words=20)
    runs, unlisten = listen_runs(hass)
    wire: list[ChatEvent] = []
    unsubscribe = entry.runtime_data.client.subscribe_chat(wire.append)
    try:
        async with asyncio.timeout(FIRST_TURN_TIMEOUT):
            response = await hass.services.async_call(
                DOMAIN,
                "send",
                {"message": text, "wait_for_reply": True},
                blocking=True,
                return_response=True,
            )
        await asyncio.sleep(0.5)  # a late duplicate terminal event would arrive by now
        await hass.async_block_till_done()
    finally:
        unlisten()
        unsubscribe()

    assert response is not None
    run_id = str(response["run_id"])
    assert response["status"] == "final"
    assert response["text"] == f"ECHO: {text}"
    assert [r["text"] for r in fake_model.chat_requests()] == [text]

    events = runs.of(run_id)
    states = [e.state for e in events]
    assert states[0] == "started"
    assert states[-1] == "final"
    assert states.count("final") == 1
    assert set(states[1:-1]) == {"delta"}
    for event in events:
        assert event.data["config_entry_id"] == entry.entry_id
        assert event.data["session_key"] == MAIN_SESSION
    assert events[-1].data["text"] == f"ECHO: {text}"

    # Coalesced: fewer delta events than deltas on the wire, at most 4 a second, and together
    # they spell the reply streamed so far (no piece lost or repeated).
    deltas = [e for e in events if e.state == "delta"]
    wire_deltas = [e for e in wire if e.run_id == run_id and e.state.value == "delta"]
    assert len(deltas) < len(wire_deltas)
    gaps = [b.at - a.at for a, b in itertools.pairwise(deltas)]
    assert all(gap >= 0.2 for gap in gaps), gaps
    assert "".join(e.data["delta"] for e in deltas) == deltas[-1].data["text"]
    assert f"ECHO: {text}".startswith(deltas[-1].data["text"])


async def test_assist_agent_of_a_new_subentry_answers(
    hass: HomeAssistant, entry: MockConfigEntry, gateway: Gateway, fake_model: FakeModel
) -> None:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "conversation"), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "set_options"
    assert result["data_schema"] is not None
    schema = result["data_schema"].schema
    agent_field = next(key for key in schema if str(key) == "agent_id")
    assert "main" in [o["value"] for o in schema[agent_field].config["options"]]  # agents.list
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "name": "E2E Assist",
            "agent_id": "main",
            "session_scope": "conversation",
            "send_context": True,
            "announce": False,
            # Longer than a first turn may take: this test wants the answer, not a hand-off.
            "reply_timeout": FIRST_TURN_TIMEOUT,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    subentry = next(s for s in entry.subentries.values() if s.title == "E2E Assist")
    agent = await wait_until(
        lambda: er.async_get(hass).async_get_entity_id(
            "conversation", DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}"
        ),
        10,
    )

    text = _text("assist hello")
    async with asyncio.timeout(FIRST_TURN_TIMEOUT + 10):
        answer = await conversation.async_converse(
            hass, text, None, Context(), language="en", agent_id=agent
        )

    assert answer.response.response_type is intent.IntentResponseType.ACTION_DONE
    speech = answer.response.speech["plain"]["speech"]
    assert speech.startswith(f"ECHO: {text}")
    # What Home Assistant adds about the asker reached the model (and so the echo).
    assert "[Home Assistant: language en]" in speech
    # The turn went to this conversation's own session on the gateway.
    assert answer.conversation_id is not None
    session_key = f"agent:main:ha-conversation-{answer.conversation_id.lower()}"
    history = await gateway.rpc("chat.history", {"sessionKey": session_key, "limit": 10})
    roles = [m["role"] for m in history["messages"]]
    assert roles == ["user", "assistant"]
    assert str(history["messages"][0]["content"]).startswith(text)


async def test_abort_ends_a_slow_run_and_the_waiting_send(
    hass: HomeAssistant, entry: MockConfigEntry, fake_model: FakeModel
) -> None:
    text = f"slow: {_text('ha abort')}"  # 60 pieces 0.5 s apart
    key = f"e2e-abort-{uuid.uuid4().hex[:8]}"
    runs, unlisten = listen_runs(hass)
    try:
        waiting = hass.async_create_task(
            hass.services.async_call(
                DOMAIN,
                "send",
                {"message": text, "wait_for_reply": True, "idempotency_key": key},
                blocking=True,
                return_response=True,
            )
        )
        # The gateway names the run after the idempotency key.
        await wait_until(lambda: "delta" in runs.states(key), FIRST_TURN_TIMEOUT)
        assert not waiting.done()

        response = await hass.services.async_call(
            DOMAIN, "abort", {"run_id": key}, blocking=True, return_response=True
        )
        assert response == {"aborted": True, "run_ids": [key]}
        with pytest.raises(HomeAssistantError) as caught:
            async with asyncio.timeout(10):
                await waiting
        assert caught.value.translation_key == "run_aborted"
        await asyncio.sleep(1.0)  # a late final or error would arrive by now
        await hass.async_block_till_done()
    finally:
        unlisten()

    states = runs.states(key)
    assert states[0] == "started"
    assert [e.state for e in runs.terminal(key)] == ["aborted"]
    aborted = runs.terminal(key)[0]
    assert str(aborted.data["text"]).startswith("tick0")  # the partial reply is kept
    assert aborted.data["stop_reason"] == "rpc"
    run_state = _entity(hass, "sensor", f"{entry.entry_id}_{MAIN_SESSION}_run_state")
    state = hass.states.get(run_state)
    assert state is not None and state.state == "aborted"
    # The gateway hung up on the model: its stream broke off long before the 60th piece.
    [request] = await wait_until(
        lambda: [r for r in fake_model.chat_requests() if r["text"] == text and r.get("aborted")],
        5,
    )
    assert request["completed"] is False


async def test_token_usage_of_a_run_reaches_the_response_and_sensors(
    hass: HomeAssistant, entry: MockConfigEntry, fake_model: FakeModel
) -> None:
    text = _text("ha usage")
    async with asyncio.timeout(FIRST_TURN_TIMEOUT):
        response = await hass.services.async_call(
            DOMAIN,
            "send",
            {"message": text, "wait_for_reply": True},
            blocking=True,
            return_response=True,
        )
    # 2026.9.6 sends no usage with the final: the integration reads the transcript row.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert response is not None
    words = len(f"ECHO: {text}".split())  # the fake model counts a token per word
    usage = response["usage"]
    assert isinstance(usage, dict), usage
    assert usage["output_tokens"] == words
    assert usage["total_tokens"] == usage["input_tokens"] + words
    # The total is enabled by default (input/output sensors are not).
    sensor = _entity(hass, "sensor", f"{entry.entry_id}_{MAIN_SESSION}_last_run_tokens")
    state = hass.states.get(sensor)
    assert state is not None and state.state == str(usage["total_tokens"])
