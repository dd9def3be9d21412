"""AI tasks through an OpenClaw agent: text and structured data, via the ai_task action."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.components import ai_task, conversation
from homeassistant.components.ai_task.const import DATA_COMPONENT
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import chat_session, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from tests.fake_gateway import FakeGateway

from .assist_helpers import agent_entity_id, async_setup_core, make_entry, task_subentry
from .conftest import ENTRY_ID

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
STRUCTURE = {
    "room": {"selector": {"text": {}}, "required": True},
    "temperature": {"selector": {"number": {}}, "required": True},
}


@pytest.fixture(autouse=True)
async def setup_core(hass: HomeAssistant) -> None:
    await async_setup_core(hass)


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    return [task_subentry({})]


@pytest.fixture
def mock_config_entry(
    fake_gateway: FakeGateway,
    device_identity: DeviceIdentity,
    subentries: list[ConfigSubentryData],
) -> MockConfigEntry:
    return make_entry(fake_gateway, device_identity, subentries)


@pytest.fixture
def task_entity(hass: HomeAssistant, setup_integration: MockConfigEntry) -> str:
    return agent_entity_id(hass, setup_integration, "ai_task", "Task agent")


async def _generate(hass: HomeAssistant, entity_id: str, **data: Any) -> dict[str, Any]:
    result = await hass.services.async_call(
        "ai_task",
        "generate_data",
        {"task_name": "test", "entity_id": entity_id, **data},
        blocking=True,
        return_response=True,
    )
    assert isinstance(result, dict)
    return result


async def test_generates_text_in_its_own_session(
    hass: HomeAssistant, task_entity: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(chunks=["Two ", "lights ", "are on."])
    result = await _generate(hass, task_entity, instructions="How many lights are on?")
    assert result["data"] == "Two lights are on."
    sent = fake_gateway.stats.chat_sends[-1]
    assert sent["message"] == "How many lights are on?"
    assert sent["sessionKey"] == f"agent:main:ha-task-{result['conversation_id'].lower()}"
    assert hass.states.get(task_entity).state not in ("unknown", "unavailable")


async def test_generates_structured_data(
    hass: HomeAssistant, task_entity: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(text='```json\n{"room": "Kitchen", "temperature": 21}\n```')
    result = await _generate(hass, task_entity, instructions="Warmest room?", structure=STRUCTURE)
    assert result["data"] == {"room": "Kitchen", "temperature": 21}
    message = fake_gateway.stats.chat_sends[-1]["message"]
    assert message.startswith("Warmest room?\n\nAnswer with only one JSON value")
    schema = json.loads(message.split("Schema: ", 1)[1])
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"room", "temperature"}


async def test_an_answer_that_does_not_fit_gets_one_correction(
    hass: HomeAssistant, task_entity: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(text='{"room": "Kitchen"}')  # temperature missing
    fake_gateway.script_reply(text='{"room": "Kitchen", "temperature": 19.5}')
    result = await _generate(hass, task_entity, instructions="Warmest room?", structure=STRUCTURE)
    assert result["data"] == {"room": "Kitchen", "temperature": 19.5}
    first, second = fake_gateway.stats.chat_sends
    assert first["sessionKey"] == second["sessionKey"]
    assert second["message"].startswith("That answer could not be used")


async def test_an_answer_that_never_fits_is_a_translated_error(
    hass: HomeAssistant, task_entity: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(text="I cannot tell.", count=2)
    with pytest.raises(HomeAssistantError) as err:
        await _generate(hass, task_entity, instructions="Warmest room?", structure=STRUCTURE)
    assert err.value.translation_key == "structured_answer_invalid"
    assert str(err.value).startswith("The agent's answer does not fit the requested structure")


async def test_run_error_is_a_translated_error(
    hass: HomeAssistant, task_entity: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(error="LLM request failed: overloaded")
    with pytest.raises(HomeAssistantError) as err:
        await _generate(hass, task_entity, instructions="hi")
    assert err.value.translation_key == "run_failed"
    assert err.value.translation_placeholders == {"error": "LLM request failed: overloaded"}


@pytest.mark.parametrize("subentries", [[task_subentry({"reply_timeout": 0.3})]])
async def test_silence_times_out_and_aborts_the_run(
    hass: HomeAssistant, task_entity: str, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(text="late", start_delay=5)
    with pytest.raises(HomeAssistantError) as err:
        await _generate(hass, task_entity, instructions="hi")
    assert err.value.translation_key == "reply_timeout"
    (run,) = fake_gateway.runs.runs.values()
    await asyncio.wait_for(run.done.wait(), 5)
    assert run.state == "aborted"


@pytest.mark.parametrize("subentries", [[task_subentry({"session_key": "tasks"})]])
async def test_fixed_session_key(
    hass: HomeAssistant, task_entity: str, fake_gateway: FakeGateway
) -> None:
    await _generate(hass, task_entity, instructions="one")
    await _generate(hass, task_entity, instructions="two")
    assert [s["sessionKey"] for s in fake_gateway.stats.chat_sends] == ["agent:main:tasks"] * 2


async def test_image_attachments_are_sent(
    hass: HomeAssistant, task_entity: str, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    image = tmp_path / "snapshot.png"
    image.write_bytes(PNG)
    entity = hass.data[DATA_COMPONENT].get_entity(task_entity)
    assert entity is not None
    assert ai_task.AITaskEntityFeature.SUPPORT_ATTACHMENTS in entity.supported_features
    with chat_session.async_get_chat_session(hass) as session:
        result = await entity.internal_async_generate_data(
            session,
            ai_task.GenDataTask(
                name="look",
                instructions="What is in the picture?",
                attachments=[
                    conversation.Attachment(
                        media_content_id="media-source://test/snapshot.png",
                        mime_type="image/png",
                        path=image,
                    )
                ],
            ),
        )
    assert result.data == "ECHO: What is in the picture?"
    (attachment,) = fake_gateway.stats.chat_sends[-1]["attachments"]
    assert attachment["type"] == "image"
    assert attachment["mimeType"] == "image/png"
    assert base64.b64decode(attachment["content"]) == PNG


async def test_non_image_attachment_is_refused(
    hass: HomeAssistant, task_entity: str, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello")
    entity = hass.data[DATA_COMPONENT].get_entity(task_entity)
    assert entity is not None
    with (
        chat_session.async_get_chat_session(hass) as session,
        pytest.raises(HomeAssistantError) as err,
    ):
        await entity.internal_async_generate_data(
            session,
            ai_task.GenDataTask(
                name="look",
                instructions="Read this",
                attachments=[
                    conversation.Attachment(
                        media_content_id="media-source://test/notes.txt",
                        mime_type="text/plain",
                        path=text_file,
                    )
                ],
            ),
        )
    assert err.value.translation_key == "attachment_refused"
    assert fake_gateway.stats.chat_sends == []


async def test_subentry_flow_adds_a_task_agent(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (setup_integration.entry_id, "ai_task_data"), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    assert set(result["data_schema"].schema) == {
        "name",
        "agent_id",
        "session_key",
        "reply_timeout",
    }
    result = await flows.async_configure(
        result["flow_id"], {"agent_id": "main", "reply_timeout": 90}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "main"
    assert result["data"] == {"agent_id": "main", "reply_timeout": 90}
    await hass.async_block_till_done()
    entity_id = agent_entity_id(hass, setup_integration, "ai_task", "main")
    result = await _generate(hass, entity_id, instructions="ping")
    assert result["data"] == "ECHO: ping"


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
        [task_subentry({}, subentry_id="01JZOPENCLAWSUBENTRYTASK00")],
        entry_id=ENTRY_ID,
    )
    with patch("custom_components.openclaw.PLATFORMS", [Platform.AI_TASK]):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)
