"""An Assist pipeline with a streaming TTS engine speaks the agent's first sentence early.

The pipeline runs over the websocket API like the Assist dialog does (text in, speech out).
The TTS engine is a fake (TTS is outside this integration); it records each piece of text it
receives together with the state of the gateway's run at that moment.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import importlib.util
import sys
import types
from typing import Any

from homeassistant.components import tts
from homeassistant.config_entries import ConfigEntry, ConfigFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    mock_config_flow,
    mock_integration,
    mock_platform,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from tests.fake_gateway import FakeGateway

from .assist_helpers import agent_entity_id, agent_subentry, async_setup_core, make_entry

# assist_pipeline imports its audio enhancer's native libraries at import time. They have no
# wheels for this Python and are not used when a run starts at the intent stage.
for _name, _attr in (("pymicro_vad", "MicroVad"), ("pyspeex_noise", "AudioProcessor")):
    if importlib.util.find_spec(_name) is None:
        _stub = types.ModuleType(_name)
        setattr(_stub, _attr, type(_attr, (), {}))
        sys.modules[_name] = _stub

FIRST = "Here is the first sentence, and it is long enough for speech to start early. "
SECOND = "This second one arrives half a second later."


class StreamingTTS(tts.TextToSpeechEntity):
    """A TTS engine that takes text as it streams in."""

    _attr_name = "Streaming voice"
    _attr_default_language = "en"

    def __init__(self, gateway: FakeGateway) -> None:
        self._attr_supported_languages = ["en"]
        self.gateway = gateway
        self.received: list[tuple[str, list[str]]] = []

    async def async_stream_tts_audio(self, request: tts.TTSAudioRequest) -> tts.TTSAudioResponse:
        async def data_gen() -> AsyncGenerator[bytes]:
            async for text in request.message_gen:
                states = [run.state for run in self.gateway.runs.runs.values()]
                self.received.append((text, states))
                yield text.encode()

        return tts.TTSAudioResponse("mp3", data_gen())


class _TTSFlow(ConfigFlow):
    """The fake TTS integration's (unused) config flow."""


async def _setup_tts(hass: HomeAssistant, entity: StreamingTTS) -> None:
    async def setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        await hass.config_entries.async_forward_entry_setups(entry, ["tts"])
        return True

    async def setup_tts_entry(
        hass: HomeAssistant, entry: ConfigEntry, add: AddConfigEntryEntitiesCallback
    ) -> None:
        add([entity])

    mock_integration(hass, MockModule("test_tts", async_setup_entry=setup_entry))
    mock_platform(hass, "test_tts.tts", MockPlatform(async_setup_entry=setup_tts_entry))
    mock_platform(hass, "test_tts.config_flow")
    entry = MockConfigEntry(domain="test_tts")
    entry.add_to_hass(hass)
    with mock_config_flow("test_tts", _TTSFlow):
        assert await hass.config_entries.async_setup(entry.entry_id)


@pytest.fixture
def mock_config_entry(
    fake_gateway: FakeGateway, device_identity: DeviceIdentity
) -> MockConfigEntry:
    return make_entry(fake_gateway, device_identity, [agent_subentry({})])


async def test_streaming_tts_gets_the_first_sentence_before_the_run_is_final(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    fake_gateway: FakeGateway,
    mock_config_entry: MockConfigEntry,
) -> None:
    await async_setup_core(hass)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    agent = agent_entity_id(hass, mock_config_entry, "conversation", "Main agent")
    voice = StreamingTTS(fake_gateway)
    await _setup_tts(hass, voice)
    assert await async_setup_component(hass, "assist_pipeline", {})
    await hass.async_block_till_done()

    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "assist_pipeline/pipeline/create",
            "name": "OpenClaw",
            "language": "en",
            "conversation_engine": agent,
            "conversation_language": "en",
            "stt_engine": None,
            "stt_language": None,
            "tts_engine": voice.entity_id,
            "tts_language": "en",
            "tts_voice": None,
            "wake_word_entity": None,
            "wake_word_id": None,
        }
    )
    created = await client.receive_json()
    assert created["success"], created
    fake_gateway.script_reply(chunks=[FIRST, SECOND], delay=0.5)

    await client.send_json_auto_id(
        {
            "type": "assist_pipeline/run",
            "start_stage": "intent",
            "end_stage": "tts",
            "input": {"text": "Tell me something"},
            "pipeline": created["result"]["id"],
        }
    )
    assert (await client.receive_json())["success"]
    events: list[dict[str, Any]] = []
    while not events or events[-1]["type"] != "run-end":
        message = await client.receive_json()
        events.append(message["event"])

    assert [e["type"] for e in events if e["type"] != "intent-progress"] == [
        "run-start",
        "intent-start",
        "intent-end",
        "tts-start",
        "tts-end",
        "run-end",
    ]
    assert events[0]["data"]["tts_output"]["stream_response"] is True
    progress = [e["data"] for e in events if e["type"] == "intent-progress"]
    assert progress[:3] == [
        {"chat_log_delta": {"role": "assistant", "content": FIRST}},
        {"tts_start_streaming": True},
        {"chat_log_delta": {"content": SECOND}},
    ]
    intent_end = next(e for e in events if e["type"] == "intent-end")
    speech = intent_end["data"]["intent_output"]["response"]["speech"]["plain"]["speech"]
    assert speech == FIRST + SECOND

    # The TTS consumer finishes in the background once the stream is closed.
    await hass.async_block_till_done()
    assert voice.received, "the TTS engine got no text"
    first_text, states_then = voice.received[0]
    assert first_text == FIRST
    assert states_then == ["running"], "TTS got the first sentence only after the run ended"
    assert "".join(text for text, _ in voice.received) == FIRST + SECOND
    assert [run.state for run in fake_gateway.runs.runs.values()] == ["final"]
