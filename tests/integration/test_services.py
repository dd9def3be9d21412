"""The actions against the fake gateway: response data, errors, retries, attachments, hooks."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
import json
from pathlib import Path
import sys
import types
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    setup_test_component_platform,
)

from custom_components.openclaw import nodes, services
from custom_components.openclaw.const import CONF_DEVICE_TOKEN, CONF_HOOKS_TOKEN, CONF_TOKEN, DOMAIN

try:  # HA's camera imports PyTurboJPEG (used only to scale JPEGs, which no test here does).
    import turbojpeg  # noqa: F401
except ImportError:
    sys.modules["turbojpeg"] = types.ModuleType("turbojpeg")
    sys.modules["turbojpeg"].TurboJPEG = None  # type: ignore[attr-defined]

from homeassistant.components.camera import Camera
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component

from tests.fake_gateway import FakeGateway

MAIN = "agent:main:main"
RUN_STATE = "sensor.main_run_state"
VERSION = "sensor.openclaw_127_0_0_1_version"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(300)

pytestmark = pytest.mark.usefixtures("setup_integration")


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = True
) -> ServiceResponse:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


async def wait_for(check: Callable[[], bool], timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if check():
                return
            await asyncio.sleep(0.01)


def nothing_sent(gw: FakeGateway) -> bool:
    return not gw.stats.chat_sends and gw.stats.runs_started == 0


class SnapshotCamera(Camera):
    """A camera outside our code: returns a fixed snapshot (None = cannot give one)."""

    def __init__(self, name: str, image: bytes | None, content_type: str = "image/jpeg") -> None:
        super().__init__()
        self._attr_name = name
        self._image = image
        self.content_type = content_type

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        return self._image


@pytest.fixture
async def cameras(hass: HomeAssistant) -> None:
    """camera.porch gives a JPEG snapshot; camera.broken gives none."""
    setup_test_component_platform(
        hass, "camera", [SnapshotCamera("Porch", JPEG), SnapshotCamera("Broken", None)]
    )
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "test"}})
    await hass.async_block_till_done()


@pytest.fixture
def allowed_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    hass.config.allowlist_external_dirs = {str(tmp_path.resolve())}
    return tmp_path


# -- send ------------------------------------------------------------------------------------


async def test_send_returns_the_run_without_waiting(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(hang=True)
    result = await call(hass, "send", {"message": "hello"})

    assert result == {
        "run_id": fake_gateway.stats.chat_sends[0]["idempotencyKey"],
        "status": "started",
    }
    sent = fake_gateway.stats.chat_sends[0]
    assert sent["sessionKey"] == MAIN
    assert sent["message"] == "hello"
    assert "attachments" not in sent
    assert list(fake_gateway.runs.runs) == [result["run_id"]]


async def test_send_waits_for_a_streamed_reply(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    usage = {"input": 12, "output": 3, "totalTokens": 15}
    fake_gateway.script_reply(chunks=["Hel", "lo ", "there"], delay=0.05, usage=usage)

    result = await call(
        hass,
        "send",
        {
            "entity_id": RUN_STATE,
            "message": "hi",
            "wait_for_reply": True,
            "thinking": "low",
            "deliver": False,
            "timeout": 60,
        },
    )

    run_id = fake_gateway.stats.chat_sends[0]["idempotencyKey"]
    assert result == {
        "run_id": run_id,
        "status": "final",
        "text": "Hello there",
        "usage": {"input_tokens": 12, "output_tokens": 3, "total_tokens": 15},
    }
    sent = fake_gateway.stats.chat_sends[0]
    assert (sent["sessionKey"], sent["thinking"], sent["deliver"], sent["timeoutMs"]) == (
        MAIN,
        "low",
        False,
        60000,
    )


async def test_send_to_a_session_key_of_the_entry(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    [key] = fake_gateway.add_sessions(1, prefix="kitchen")
    result = await call(
        hass,
        "send",
        {
            "config_entry_id": setup_integration.entry_id,
            "session_key": key,
            "message": "lights?",
            "wait_for_reply": True,
        },
    )
    assert result is not None and result["text"] == "ECHO: lights?"
    assert fake_gateway.stats.chat_sends[0]["sessionKey"] == key


async def test_send_without_response_still_waits(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(text="done", delay=0.05)
    assert (
        await call(hass, "send", {"message": "go", "wait_for_reply": True}, response=False) is None
    )
    [run] = fake_gateway.runs.runs.values()
    assert run.state == "final"


async def test_run_error_is_an_error_not_a_reply(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(chunks=["partial"], error="model exploded")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "send", {"message": "hi", "wait_for_reply": True})
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "run_failed"
    assert "model exploded" in str(err.value)


async def test_abort_while_waiting(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    fake_gateway.script_reply(chunks=["thinking"], hang=True)
    waiting = hass.async_create_task(
        call(hass, "send", {"message": "long", "wait_for_reply": True})
    )
    await wait_for(lambda: bool(fake_gateway.runs.runs))
    [run_id] = fake_gateway.runs.runs

    result = await call(hass, "abort", {"entity_id": RUN_STATE, "run_id": run_id})

    assert result == {"aborted": True, "run_ids": [run_id]}
    with pytest.raises(HomeAssistantError) as err:
        await waiting
    assert err.value.translation_key == "run_aborted"
    # Nothing left to abort.
    assert await call(hass, "abort", {}) == {"aborted": False, "run_ids": []}


async def test_send_survives_a_drop_before_the_ack(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    """The connection drops before the ack: the resend reuses the key, one run in the fake."""
    fake_gateway.faults.drop_before_ack = True

    result = await call(hass, "send", {"message": "once", "wait_for_reply": True})

    sends = fake_gateway.stats.chat_sends
    assert len(sends) == 2
    assert sends[0]["idempotencyKey"] == sends[1]["idempotencyKey"] == result["run_id"]
    assert fake_gateway.stats.runs_started == 1
    assert result["text"] == "ECHO: once"
    assert result["status"] == "final"


async def test_reply_survives_a_drop_during_the_run(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    """The connection drops mid-run: the final is recovered after reconnecting, once."""
    fake_gateway.script_reply(chunks=["one", " two", " three"], delay=0.2)
    fake_gateway.faults.drop_after_deltas = 1

    result = await call(hass, "send", {"message": "count", "wait_for_reply": True})

    assert result is not None
    assert (result["status"], result["text"]) == ("final", "one two three")
    assert len(fake_gateway.stats.chat_sends) == 1
    assert fake_gateway.stats.runs_started == 1


async def test_script_retry_with_the_same_idempotency_key(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    data = {"message": "ring", "wait_for_reply": True, "idempotency_key": "doorbell-1"}
    first = await call(hass, "send", data)
    second = await call(hass, "send", data)

    assert first["run_id"] == second["run_id"] == "doorbell-1"
    assert first["text"] == second["text"] == "ECHO: ring"
    assert fake_gateway.stats.runs_started == 1


# -- targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"entity_id": VERSION}, "not_session_entity"),
        ({"entity_id": "light.kitchen"}, "not_session_entity"),
        ({"config_entry_id": "nope"}, "service_config_entry_not_found"),
        ({"session_key": "agent:main:nobody"}, "unknown_session"),
    ],
)
async def test_bad_targets_send_nothing(
    hass: HomeAssistant, fake_gateway: FakeGateway, data: dict[str, Any], key: str
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send", {**data, "message": "hi"})
    assert err.value.translation_key == key
    assert nothing_sent(fake_gateway)


async def test_entity_of_another_entry_than_named(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    other = MockConfigEntry(domain=DOMAIN, title="Other", data={})
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send",
            {"entity_id": RUN_STATE, "config_entry_id": other.entry_id, "message": "x"},
        )
    assert err.value.translation_key == "target_mismatch"
    assert nothing_sent(fake_gateway)


async def test_several_entries_need_a_target(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain=DOMAIN, title="Other", data={})
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send", {"message": "x"})
    assert err.value.translation_key == "service_found_multiple_config_entry_for_domain"
    # A not-loaded entry is refused too; the loaded one still works when named.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send", {"config_entry_id": other.entry_id, "message": "x"})
    assert err.value.translation_key == "service_config_entry_not_loaded"
    assert nothing_sent(fake_gateway)
    result = await call(
        hass, "send", {"config_entry_id": setup_integration.entry_id, "message": "x"}
    )
    assert result["status"] == "started"


async def test_unloaded_entry(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    await hass.config_entries.async_unload(setup_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send", {"message": "x"})
    assert err.value.translation_key == "service_config_entry_not_loaded"
    assert nothing_sent(fake_gateway)


# -- attachments -----------------------------------------------------------------------------


@pytest.mark.usefixtures("cameras")
async def test_send_with_a_file_and_a_camera_snapshot(
    hass: HomeAssistant, fake_gateway: FakeGateway, allowed_dir: Path
) -> None:
    image = allowed_dir / "plan.png"
    image.write_bytes(PNG)

    await call(
        hass,
        "send",
        {"message": "look", "files": [str(image)], "cameras": ["camera.porch"]},
    )

    sent = fake_gateway.stats.chat_sends[0]["attachments"]
    assert sent == [
        {
            "type": "image",
            "mimeType": "image/png",
            "content": base64.b64encode(PNG).decode(),
            "fileName": "plan.png",
        },
        {
            "type": "image",
            "mimeType": "image/jpeg",
            "content": base64.b64encode(JPEG).decode(),
            "fileName": "camera.porch.jpeg",
        },
    ]


@pytest.mark.usefixtures("cameras")
async def test_camera_picked_in_the_media_selector(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    await call(
        hass,
        "send",
        {
            "message": "look",
            "attachments": [
                {
                    "media_content_id": "media-source://camera/camera.porch",
                    "media_content_type": "image/jpeg",
                }
            ],
        },
    )
    [attachment] = fake_gateway.stats.chat_sends[0]["attachments"]
    assert base64.b64decode(attachment["content"]) == JPEG


@pytest.mark.usefixtures("cameras")
async def test_camera_without_snapshot_sends_nothing(
    hass: HomeAssistant, fake_gateway: FakeGateway, allowed_dir: Path
) -> None:
    good = allowed_dir / "good.png"
    good.write_bytes(PNG)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "send",
            {"message": "look", "files": [str(good)], "cameras": ["camera.porch", "camera.broken"]},
        )
    assert err.value.translation_key == "camera_snapshot_failed"
    assert err.value.translation_placeholders["entity_id"] == "camera.broken"
    assert nothing_sent(fake_gateway)


@pytest.mark.parametrize(
    ("name", "content", "key"),
    [
        ("notes.txt", b"just text", "attachment_refused"),
        ("fake.png", b"not really a png", "attachment_refused"),
        ("huge.png", PNG + bytes(5_000_001), "file_too_large"),
        ("missing.png", None, "file_unreadable"),
    ],
    ids=["not_image", "content_mismatch", "too_large", "missing"],
)
async def test_refused_files_send_nothing(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    allowed_dir: Path,
    name: str,
    content: bytes | None,
    key: str,
) -> None:
    path = allowed_dir / name
    if content is not None:
        path.write_bytes(content)
    good = allowed_dir / "good.png"
    good.write_bytes(PNG)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send", {"message": "look", "files": [str(good), str(path)]})
    assert err.value.translation_key == key
    assert nothing_sent(fake_gateway)


async def test_file_outside_the_allowlist_is_refused(
    hass: HomeAssistant, fake_gateway: FakeGateway, tmp_path: Path
) -> None:
    hass.config.allowlist_external_dirs = set()
    path = tmp_path / "secret.png"
    path.write_bytes(PNG)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "send", {"message": "look", "files": [str(path)]})
    assert err.value.translation_key == "file_not_allowed"
    assert nothing_sent(fake_gateway)


# -- history, sessions, previews ---------------------------------------------------------------


async def test_history_after_a_run(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    sent = await call(hass, "send", {"message": "hi", "wait_for_reply": True})

    result = await call(hass, "history", {"entity_id": RUN_STATE})

    assert result is not None
    assert result["session_key"] == MAIN
    assert result["has_more"] is False
    messages = result["messages"]
    assert [(m["role"], m["text"], m.get("run_id")) for m in messages] == [
        ("user", "hi", sent["run_id"]),
        ("assistant", "ECHO: hi", sent["run_id"]),
    ]
    assert all(m["timestamp"].endswith("+00:00") for m in messages)


async def test_history_pages_back(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    for i in range(5):
        fake_gateway.add_message(MAIN, "user", f"m{i}")

    page = await call(hass, "history", {"limit": 2})
    assert [m["text"] for m in page["messages"]] == ["m3", "m4"]
    assert page["has_more"] is True

    older = await call(hass, "history", {"limit": 2, "cursor": page["next_cursor"]})
    assert [m["text"] for m in older["messages"]] == ["m1", "m2"]
    last = await call(hass, "history", {"limit": 2, "cursor": older["next_cursor"]})
    assert [m["text"] for m in last["messages"]] == ["m0"]
    assert last["has_more"] is False and "next_cursor" not in last


async def test_history_limit_and_unknown_session(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "history", {"limit": 1001})
    assert err.value.translation_key == "limit_too_large"
    assert not fake_gateway.stats.http_requests["GET /sessions/{key}/history"]

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "history", {"session_key": "agent:main:nobody"})
    assert err.value.translation_key == "unknown_session"


async def test_list_sessions(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    fake_gateway.add_sessions(3, prefix="room")
    fake_gateway.add_sessions(1, agent="ops", prefix="pager")

    result = await call(hass, "list_sessions", {"limit": 2, "search": "room"})
    assert result is not None
    assert [(s["key"], s["title"]) for s in result["sessions"]] == [
        ("agent:main:room-2", "room 2"),
        ("agent:main:room-1", "room 1"),
    ]
    row = result["sessions"][0]
    assert row["model"] == "echo-1"
    assert row["total_tokens"] == 0
    assert row["updated_at"].endswith("+00:00")

    ops = await call(hass, "list_sessions", {"agent_id": "ops"})
    assert [s["key"] for s in ops["sessions"]] == ["agent:ops:pager-0"]

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "list_sessions", {"limit": 5000})
    assert err.value.translation_key == "limit_too_large"


async def test_preview(hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
    fake_gateway.add_message(MAIN, "user", "hello")
    fake_gateway.add_message(MAIN, "assistant", "hi there")

    exposed = await call(hass, "preview", {})
    assert exposed == {
        "previews": [
            {
                "key": MAIN,
                "status": "ok",
                "items": [
                    {"role": "user", "text": "hello"},
                    {"role": "assistant", "text": "hi there"},
                ],
            }
        ]
    }
    picked = await call(
        hass, "preview", {"session_keys": ["nobody"], "entity_id": [RUN_STATE], "limit": 1}
    )
    assert picked == {
        "previews": [
            {"key": MAIN, "status": "ok", "items": [{"role": "assistant", "text": "hi there"}]},
            {"key": "agent:main:nobody", "status": "missing", "items": []},
        ]
    }


# -- wake and hooks --------------------------------------------------------------------------


async def test_wake_over_ws_without_hooks_token(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    result = await call(hass, "wake", {"text": "alarm disarmed", "mode": "next-heartbeat"})
    assert result == {"ok": True}
    assert fake_gateway.wakes == [{"mode": "next-heartbeat", "text": "alarm disarmed"}]
    assert fake_gateway.stats.requests["wake"] == 1
    assert not fake_gateway.stats.http_requests["POST /hooks/{name}"]


async def test_run_agent_needs_the_hooks_token(
    hass: HomeAssistant, fake_gateway: FakeGateway
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "run_agent", {"message": "summarise"})
    assert err.value.translation_key == "hooks_not_configured"
    assert fake_gateway.hook_requests == []
    assert fake_gateway.stats.runs_started == 0


class TestWithHooksToken:
    @pytest.fixture
    def entry_options(self, fake_gateway: FakeGateway) -> dict[str, Any]:
        return {CONF_HOOKS_TOKEN: fake_gateway.hooks_token}

    async def test_wake_via_hooks(self, hass: HomeAssistant, fake_gateway: FakeGateway) -> None:
        result = await call(hass, "wake", {"text": "door opened"})
        assert result == {"ok": True}
        assert fake_gateway.wakes == [{"text": "door opened", "mode": "now"}]
        assert fake_gateway.stats.http_requests["POST /hooks/{name}"] == 1
        assert fake_gateway.stats.requests["wake"] == 0

    async def test_hooks_off_on_the_gateway(
        self, hass: HomeAssistant, fake_gateway: FakeGateway
    ) -> None:
        fake_gateway.hooks_enabled = False
        with pytest.raises(HomeAssistantError) as err:
            await call(hass, "wake", {"text": "door opened"})
        assert err.value.translation_key == "hooks_not_configured"
        assert fake_gateway.wakes == []

    async def test_run_agent_routes_to_a_session_key(
        self, hass: HomeAssistant, fake_gateway: FakeGateway
    ) -> None:
        result = await call(
            hass,
            "run_agent",
            {
                "message": "summarise the day",
                "session_key": "hook:home-assistant",
                "name": "HA",
                "wake_mode": "now",
                "idempotency_key": "daily-1",
                "timeout": 120,
            },
        )
        assert result == {"run_id": "daily-1"}
        [body] = fake_gateway.hook_requests
        assert body == {
            "message": "summarise the day",
            "name": "HA",
            "sessionKey": "hook:home-assistant",
            "idempotencyKey": "daily-1",
            "timeoutSeconds": 120,
            "wakeMode": "now",
        }
        assert fake_gateway.runs.runs["daily-1"].session_key == "agent:main:hook:home-assistant"

    async def test_run_agent_in_an_entity_session(
        self, hass: HomeAssistant, fake_gateway: FakeGateway
    ) -> None:
        result = await call(hass, "run_agent", {"message": "status", "entity_id": RUN_STATE})
        assert result is not None
        assert fake_gateway.hook_requests[0]["sessionKey"] == MAIN
        assert fake_gateway.runs.runs[result["run_id"]].session_key == MAIN


async def test_history_over_ws_for_a_paired_device(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    """Without the gateway token (setup-code pairing) history comes over WS, newest page only."""
    assert setup_integration.data.get(CONF_DEVICE_TOKEN)
    await hass.config_entries.async_unload(setup_integration.entry_id)
    data = {k: v for k, v in setup_integration.data.items() if k != CONF_TOKEN}
    hass.config_entries.async_update_entry(setup_integration, data=data)
    assert await hass.config_entries.async_setup(setup_integration.entry_id)
    await hass.async_block_till_done()
    for i in range(3):
        fake_gateway.add_message(MAIN, "user", f"m{i}")

    result = await call(hass, "history", {"limit": 2})

    assert result is not None
    assert [m["text"] for m in result["messages"]] == ["m1", "m2"]
    assert result["has_more"] is True
    assert "next_cursor" not in result
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "history", {"cursor": "seq:2"})
    assert err.value.translation_key == "history_cursor_unavailable"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "history", {"session_key": "nobody"})
    assert err.value.translation_key == "unknown_session"
    assert not fake_gateway.stats.http_requests["GET /sessions/{key}/history"]


# -- descriptions ----------------------------------------------------------------------------


async def test_every_field_is_described_translated_and_validated(hass: HomeAssistant) -> None:
    """services.yaml parses (selectors valid), matches the schemas, and has strings and icons."""
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    root = Path(services.__file__).parent
    strings = json.loads((root / "strings.json").read_text())
    icons = json.loads((root / "icons.json").read_text())["services"]
    schemas = {
        "send": services.SEND_SCHEMA,
        "abort": services.ABORT_SCHEMA,
        "wake": services.WAKE_SCHEMA,
        "run_agent": services.RUN_AGENT_SCHEMA,
        "history": services.HISTORY_SCHEMA,
        "list_sessions": services.LIST_SESSIONS_SCHEMA,
        "preview": services.PREVIEW_SCHEMA,
        "list_nodes": nodes.LIST_NODES_SCHEMA,
        "invoke_node": nodes.INVOKE_NODE_SCHEMA,
    }
    assert set(descriptions) == set(schemas) == set(icons)
    for name, description in descriptions.items():
        fields: dict[str, Any] = {}
        sections = set()
        for key, value in description["fields"].items():
            if "fields" in value:
                sections.add(key)
                fields.update(value["fields"])
            else:
                fields[key] = value
        assert set(fields) == {str(key) for key in schemas[name].schema}, name
        text = strings["services"][name]
        assert text["name"] and text["description"]
        assert set(text["fields"]) == set(fields), name
        assert all(f["name"] and f["description"] for f in text["fields"].values())
        assert set(text.get("sections", {})) == sections == set(icons[name].get("sections", {}))
        for field in fields.values():
            select = field["selector"].get("select") or {}
            if "translation_key" in select:
                options = strings["selector"][select["translation_key"]]["options"]
                assert set(select["options"]) == set(options)
