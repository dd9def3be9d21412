"""Assist turns against OpenClaw agents, driven through Home Assistant's conversation API."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from homeassistant.components import conversation
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import Platform
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    intent,
    llm,
)
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.openclaw import agent_turn
from custom_components.openclaw.aioopenclaw import DeviceIdentity
from tests.fake_gateway import FakeGateway
from tests.fake_gateway.runs import RunScript, ToolCall

from .assist_helpers import (
    agent_entity_id,
    agent_subentry,
    async_setup_core,
    chat_log_content,
    converse,
    listen_deltas,
    make_entry,
)
from .conftest import ENTRY_ID

HANDOFF_TEXT = "That takes a little longer; I'll tell you when it's done."


@pytest.fixture(autouse=True)
async def setup_core(hass: HomeAssistant) -> None:
    await async_setup_core(hass)


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    return [agent_subentry({})]


@pytest.fixture
def mock_config_entry(
    fake_gateway: FakeGateway,
    device_identity: DeviceIdentity,
    subentries: list[ConfigSubentryData],
) -> MockConfigEntry:
    return make_entry(fake_gateway, device_identity, subentries)


@pytest.fixture
async def agent(hass: HomeAssistant, setup_integration: MockConfigEntry) -> str:
    """The conversation entity of the "Main agent" subentry."""
    return agent_entity_id(hass, setup_integration, "conversation", "Main agent")


def _run(gateway: FakeGateway) -> Any:
    """The one run the gateway started."""
    (run,) = gateway.runs.runs.values()
    return run


async def _wait_for(predicate: Any, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def test_agent_entity(hass: HomeAssistant, agent: str) -> None:
    """Each conversation subentry is its own Assist agent that streams."""
    info = conversation.async_get_agent_info(hass, agent)
    assert info is not None
    assert info.supports_streaming is True
    state = hass.states.get(agent)
    assert state is not None
    assert state.name == "Main agent"
    assert state.state == "unknown"


async def test_deltas_reach_the_chat_log_in_order_while_the_run_streams(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(chunks=["Hello", " there,", " friend."], delay=0.05)
    seen: list[tuple[dict[str, Any], str]] = []

    def listener(_log: conversation.ChatLog, delta: dict[str, Any]) -> None:
        seen.append((delta, _run(fake_gateway).state))

    with listen_deltas(hass, listener) as conversation_id:
        result = await converse(hass, agent, "hi", conversation_id=conversation_id)

    assert [delta for delta, _ in seen] == [
        {"role": "assistant", "content": "Hello"},
        {"content": " there,"},
        {"content": " friend."},
    ]
    # Streamed: the first pieces reached the chat log before the run was final.
    assert [state for _, state in seen[:2]] == ["running", "running"]
    assert result.response.response_type is intent.IntentResponseType.ACTION_DONE
    assert result.response.speech["plain"]["speech"] == "Hello there, friend."
    assert result.continue_conversation is False
    assert result.conversation_id == conversation_id
    content = chat_log_content(hass, conversation_id)
    assert [(c.role, c.content) for c in content[1:]] == [
        ("user", "hi"),
        ("assistant", "Hello there, friend."),
    ]
    assert hass.states.get(agent).state not in ("unknown", "unavailable")


async def test_final_text_beyond_the_deltas_is_delivered(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    """Deltas may be dropped under load; the final's text completes the reply."""
    fake_gateway.script_reply(chunks=["Part one", " and two."])
    # Drop the second delta on the wire: only the final carries " and two.".
    original = fake_gateway.runs._chat

    def lossy(run: Any, state: str, **extra: Any) -> None:
        if state == "delta" and extra.get("deltaText") == " and two.":
            return
        original(run, state, **extra)

    fake_gateway.runs._chat = lossy  # type: ignore[method-assign]
    result = await converse(hass, agent, "hi")
    assert result.response.speech["plain"]["speech"] == "Part one and two."


async def test_continue_conversation_comes_from_the_chat_log(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(text="Which room do you mean?")
    result = await converse(hass, agent, "turn on the light")
    assert result.continue_conversation is True
    fake_gateway.script_reply(text="Done.")
    result = await converse(hass, agent, "kitchen", conversation_id=result.conversation_id)
    assert result.continue_conversation is False


async def test_openclaw_tool_calls_are_external_tool_calls(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    """As 2026.9.6 sends them: the words before the call as a preamble, then the call."""
    listing = {"content": [{"type": "text", "text": "notes.md todo.md"}]}
    call = ToolCall("ls", {"path": "."}, listing, preamble="Let me look.")
    fake_gateway.runs.scripts.append(RunScript(chunks=["You have", " two files."], tools=[call]))
    deltas: list[dict[str, Any]] = []
    with listen_deltas(hass, lambda _log, delta: deltas.append(delta)) as conversation_id:
        result = await converse(
            hass, agent, "what files do I have?", conversation_id=conversation_id
        )

    expected_call = llm.ToolInput(
        tool_name="ls", tool_args={"path": "."}, id=call.call_id, external=True
    )
    assert deltas[:2] == [
        {"role": "assistant", "content": "Let me look."},
        {"tool_calls": [expected_call]},
    ]
    assert [d.get("role") for d in deltas[2:]] == ["tool_result", "assistant", None]
    content = chat_log_content(hass, conversation_id)
    assistant, tool_result, last = content[-3:]
    assert isinstance(assistant, conversation.AssistantContent)
    assert assistant.content == "Let me look."
    assert assistant.tool_calls == [expected_call]
    assert isinstance(tool_result, conversation.ToolResultContent)
    assert tool_result.tool_call_id == call.call_id
    assert tool_result.tool_name == "ls"
    assert tool_result.result == llm.ToolResult(data=listing, error=False)
    assert isinstance(last, conversation.AssistantContent)
    assert last.content == "You have two files."
    # The reply is the agent's answer after its tool activity.
    assert result.response.speech["plain"]["speech"] == "You have two files."


async def test_text_before_a_tool_call_in_chat_deltas(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    """Text streamed as chat deltas before a call stays one message with that call."""
    fake_gateway.runs.scripts.append(
        RunScript(
            chunks=["Checking.", " Done."],
            tools=[ToolCall("exec", {"command": "ls"}, "ok", before_piece=1)],
        )
    )
    result = await converse(hass, agent, "check")
    content = chat_log_content(hass, result.conversation_id or "")
    assert [(c.role, getattr(c, "content", None)) for c in content[-3:]] == [
        ("assistant", "Checking."),
        ("tool_result", None),
        ("assistant", " Done."),
    ]


async def test_tool_error_and_a_run_ending_on_a_tool_result(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.runs.scripts.append(
        RunScript(
            chunks=["Trying."],
            tools=[ToolCall("browser", {"url": "x"}, "boom", is_error=True, before_piece=1)],
        )
    )
    result = await converse(hass, agent, "open x")
    content = chat_log_content(hass, result.conversation_id)
    tool_result = next(c for c in content if isinstance(c, conversation.ToolResultContent))
    assert tool_result.result == llm.ToolResult(data={"result": "boom"}, error=True)
    # The chat log still ends with the agent's answer.
    assert isinstance(content[-1], conversation.AssistantContent)
    assert result.response.speech["plain"]["speech"] == "Trying."


async def test_cancelled_pipeline_aborts_the_run(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(chunks=["Working on it"], hang=True)
    task = hass.async_create_task(converse(hass, agent, "long job"))
    await _wait_for(lambda: fake_gateway.runs.runs and _run(fake_gateway).text)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _wait_for(lambda: _run(fake_gateway).state == "aborted")
    assert fake_gateway.stats.requests["chat.abort"] == 1


async def test_errors_are_translated_conversation_errors(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(chunks=["Hm"], error="LLM request failed: quota exceeded")
    result = await converse(hass, agent, "hi")
    assert result.response.response_type is intent.IntentResponseType.ERROR
    assert result.response.error_code is intent.IntentResponseErrorCode.UNKNOWN
    assert result.response.speech["plain"]["speech"] == (
        "The agent run failed: LLM request failed: quota exceeded"
    )


async def test_run_aborted_elsewhere_is_an_error(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(chunks=["Half"], hang=True)
    task = hass.async_create_task(converse(hass, agent, "hi"))
    await _wait_for(lambda: fake_gateway.runs.runs and _run(fake_gateway).text)
    fake_gateway.runs.abort(_run(fake_gateway))
    result = await task
    assert result.response.response_type is intent.IntentResponseType.ERROR
    assert result.response.speech["plain"]["speech"].startswith("The agent run was aborted")


async def test_gateway_unreachable_times_out_on_connecting(
    hass: HomeAssistant,
    agent: str,
    fake_gateway: FakeGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agent_turn, "CONNECT_TIMEOUT", 0.3)
    fake_gateway.set_starting(30)
    await fake_gateway.drop_all(1012, "service restart")
    result = await converse(hass, agent, "hi")
    assert result.response.response_type is intent.IntentResponseType.ERROR
    speech = result.response.speech["plain"]["speech"]
    assert speech.startswith(("Not connected to the OpenClaw gateway", "The gateway did not"))
    assert fake_gateway.stats.requests["chat.send"] == 0


@pytest.mark.parametrize(
    "subentries",
    [[agent_subentry({"reply_timeout": 0.3, "announce": True})]],
)
async def test_long_run_is_handed_off_and_announced_later(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    announcements = async_mock_service(hass, "assist_satellite", "announce")
    runs: list[dict[str, Any]] = []
    hass.bus.async_listen("openclaw_run", lambda event: runs.append(event.data))
    fake_gateway.runs.scripts.append(
        RunScript(
            chunks=["Checking the weather.", " It is sunny."],
            tools=[ToolCall("web_search", {"q": "weather"}, "sunny", before_piece=1, duration=1.0)],
        )
    )
    result = await converse(hass, agent, "weather?", satellite_id="assist_satellite.kitchen")

    # Assist answers at once with the interim message; the run goes on.
    assert result.response.speech["plain"]["speech"] == f"Checking the weather. {HANDOFF_TEXT}"
    assert _run(fake_gateway).state == "running"
    assert not announcements
    # Later: the run event carries the final reply, and the satellite announces the rest.
    await _wait_for(lambda: any(r["state"] == "final" for r in runs))
    final = next(r for r in runs if r["state"] == "final")
    assert final["text"] == "Checking the weather. It is sunny."
    await _wait_for(lambda: announcements)
    assert announcements[0].data == {
        "entity_id": "assist_satellite.kitchen",
        "message": "It is sunny.",
        "preannounce": False,
    }


@pytest.mark.parametrize(
    "subentries",
    [[agent_subentry({"reply_timeout": 0.3, "handoff_message": "One moment."})]],
)
async def test_no_reply_text_in_time_gives_the_interim_message(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(text="Finally.", start_delay=1.0)
    result = await converse(hass, agent, "slow question")
    assert result.response.response_type is intent.IntentResponseType.ACTION_DONE
    assert result.response.speech["plain"]["speech"] == "One moment."
    # No announcement without a satellite or the option; the run still ends on the gateway.
    await _wait_for(lambda: _run(fake_gateway).state == "final")


async def _register_device(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry:
    area = ar.async_get(hass).async_create("Kitchen")
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={("test", "satellite-1")},
        name="Kitchen satellite",
    )
    return dr.async_get(hass).async_update_device(device.id, area_id=area.id) or device


async def test_device_scope_and_context(
    hass: HomeAssistant,
    agent: str,
    fake_gateway: FakeGateway,
    setup_integration: MockConfigEntry,
) -> None:
    device = await _register_device(hass, setup_integration)
    user = await hass.auth.async_create_user("Anne")
    await converse(hass, agent, "lights on", device_id=device.id, context=Context(user_id=user.id))
    await converse(hass, agent, "and off", device_id=device.id)
    first, second = fake_gateway.stats.chat_sends
    assert first["sessionKey"] == second["sessionKey"] == f"agent:main:ha-device-{device.id}"
    assert first["message"] == (
        'lights on\n\n[Home Assistant: device "Kitchen satellite"; area "Kitchen"; '
        'user "Anne"; language en]'
    )
    assert first["idempotencyKey"] != second["idempotencyKey"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"session_scope": "user"}, "agent:main:ha-user-{user}"),
        ({"session_scope": "conversation"}, "agent:main:ha-conversation-{conversation}"),
        ({"session_scope": "fixed", "session_key": "main"}, "agent:main:main"),
        ({"session_scope": "fixed"}, "agent:main:home-assistant"),
        ({"session_scope": "device"}, "agent:main:ha-user-{user}"),  # no device: the user
        ({"agent_id": "helper", "send_context": False}, "agent:helper:ha-user-{user}"),
    ],
)
async def test_session_scopes(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    device_identity: DeviceIdentity,
    data: dict[str, Any],
    expected: str,
) -> None:
    fake_gateway.agents.append({"id": "helper", "identity": {"name": "Helper"}})
    entry = make_entry(fake_gateway, device_identity, [agent_subentry(data)])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    user = await hass.auth.async_create_user("Bob")
    result = await converse(
        hass,
        agent_entity_id(hass, entry, "conversation", "Main agent"),
        "hello",
        context=Context(user_id=user.id),
    )
    sent = fake_gateway.stats.chat_sends[-1]
    assert sent["sessionKey"] == expected.format(
        user=user.id, conversation=(result.conversation_id or "").lower()
    )
    assert ("[Home Assistant:" in sent["message"]) is data.get("send_context", True)
    assert result.response.speech["plain"]["speech"] == "ECHO: " + sent["message"]
    await hass.config_entries.async_unload(entry.entry_id)


async def test_extra_system_prompt_is_sent(
    hass: HomeAssistant, agent: str, fake_gateway: FakeGateway
) -> None:
    await conversation.async_converse(
        hass,
        "yes",
        None,
        Context(),
        language="en",
        agent_id=agent,
        extra_system_prompt="You asked whether to close the garage.",
    )
    assert fake_gateway.stats.chat_sends[-1]["message"].endswith(
        "[Home Assistant instructions: You asked whether to close the garage.]"
    )


async def test_unload_stops_following_handed_off_runs(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    device_identity: DeviceIdentity,
) -> None:
    entry = make_entry(
        fake_gateway, device_identity, [agent_subentry({"reply_timeout": 0.2, "announce": True})]
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    fake_gateway.script_reply(chunks=["x"], hang=True)
    agent = agent_entity_id(hass, entry, "conversation", "Main agent")
    await converse(hass, agent, "hi", satellite_id="assist_satellite.kitchen")
    # The follower waits for a run that never ends; unloading must not leave it behind.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_subentry_flow_adds_an_agent(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    fake_gateway.agents.append({"id": "helper", "identity": {"name": "Helper", "emoji": "🦞"}})
    await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (setup_integration.entry_id, "conversation"), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "set_options"
    agent_field = next(k for k in result["data_schema"].schema if k == "agent_id")
    options = result["data_schema"].schema[agent_field].config["options"]
    assert options == [
        {"value": "main", "label": "main"},
        {"value": "helper", "label": "🦞 Helper (helper)"},
    ]

    user_input = {
        "name": "Kitchen voice",
        "agent_id": "helper",
        "session_scope": "fixed",
        "session_key": "kitchen speaker",
        "send_context": False,
        "announce": False,
        "reply_timeout": 30,
    }
    result = await flows.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"session_key": "invalid_session_key"}
    result = await flows.async_configure(
        result["flow_id"], {**user_input, "session_key": "Kitchen"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Kitchen voice"
    await hass.async_block_till_done()

    agent = agent_entity_id(hass, setup_integration, "conversation", "Kitchen voice")
    await converse(hass, agent, "hello")
    assert fake_gateway.stats.chat_sends[-1] == {
        "sessionKey": "agent:helper:kitchen",
        "message": "hello",
        "idempotencyKey": fake_gateway.stats.chat_sends[-1]["idempotencyKey"],
    }


async def test_subentry_flow_reconfigures_an_agent(
    hass: HomeAssistant, setup_integration: MockConfigEntry, agent: str, fake_gateway: FakeGateway
) -> None:
    subentry = next(iter(setup_integration.subentries.values()))
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (setup_integration.entry_id, "conversation"),
        context={"source": "reconfigure", "subentry_id": subentry.subentry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert "name" not in result["data_schema"].schema
    result = await flows.async_configure(
        result["flow_id"],
        {
            "agent_id": "main",
            "session_scope": "conversation",
            "send_context": True,
            "announce": True,
            "reply_timeout": 45,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert setup_integration.subentries[subentry.subentry_id].data == {
        "agent_id": "main",
        "session_scope": "conversation",
        "send_context": True,
        "announce": True,
        "reply_timeout": 45,
    }
    result = await converse(hass, agent, "hi")
    assert fake_gateway.stats.chat_sends[-1]["sessionKey"] == (
        f"agent:main:ha-conversation-{(result.conversation_id or '').lower()}"
    )


async def test_subentry_flow_needs_a_loaded_entry(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    await hass.config_entries.async_unload(setup_integration.entry_id)
    result = await hass.config_entries.subentries.async_init(
        (setup_integration.entry_id, "conversation"), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_removing_the_subentry_removes_the_agent(
    hass: HomeAssistant, setup_integration: MockConfigEntry, agent: str
) -> None:
    subentry = next(iter(setup_integration.subentries.values()))
    assert hass.config_entries.async_remove_subentry(setup_integration, subentry.subentry_id)
    await hass.async_block_till_done()
    assert hass.states.get(agent) is None
    assert conversation.async_get_agent_info(hass, agent) is None
    registry = dr.async_get(hass)
    device = registry.async_get_device_by_identifier(
        ("openclaw", subentry.subentry_id), setup_integration.entry_id
    )
    assert device is None


async def test_snapshot(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    device_identity: DeviceIdentity,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    entry = make_entry(
        fake_gateway,
        device_identity,
        [agent_subentry({}, subentry_id="01JZOPENCLAWSUBENTRYCONV00")],
        entry_id=ENTRY_ID,
    )
    with patch("custom_components.openclaw.PLATFORMS", [Platform.CONVERSATION]):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)
