"""A gateway too old for an option the user turned on: a repair issue names the release to
install, the rest of the integration keeps working, and nothing is attempted that the gateway
lacks. The fake gateway emulates the older releases by their method lists (hello-ok)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw.const import DOMAIN
from custom_components.openclaw.node_const import NODE_COMMANDS
from tests.fake_gateway import FakeGateway
from tests.fake_gateway.methods import METHODS

from .conftest import ENTRY_ID

NODE_ON = {"node": {"enabled": True}}
TOOLS_ISSUE = f"gateway_too_old_{ENTRY_ID}_node_tools"
HOST_ISSUE = f"gateway_too_old_{ENTRY_ID}_node_host"
# 2026.5.12's methods, as far as the fake has them (measured: no node.pluginTools.update).
METHODS_2026_5_12 = set(METHODS) - {"node.pluginTools.update"}


@pytest.fixture
def gateway_methods() -> set[str] | None:
    return None


@pytest.fixture
async def fake_gateway(
    socket_enabled: None, gateway_methods: set[str] | None
) -> AsyncIterator[FakeGateway]:
    async with FakeGateway(server_version="2026.5.12", methods=gateway_methods) as gateway:
        gateway.node_commands_allow = set(NODE_COMMANDS)
        gateway.auto_approve_node_commands = True
        yield gateway


def _issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


@pytest.mark.parametrize("entry_options", [NODE_ON])
@pytest.mark.parametrize("gateway_methods", [METHODS_2026_5_12])
async def test_node_option_on_a_gateway_without_node_tools(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    assert setup_integration.state is ConfigEntryState.LOADED
    issue = _issue(hass, TOOLS_ISSUE)
    assert issue is not None
    assert issue.translation_key == "gateway_too_old"
    assert issue.severity is ir.IssueSeverity.WARNING and not issue.is_fixable
    placeholders: dict[str, Any] = dict(issue.translation_placeholders or {})
    assert placeholders == {
        "title": setup_integration.title,
        "feature": "agent tools for Home Assistant's node commands",
        "server_version": "2026.5.12",
        "version": "2026.9.6",
        "missing": "node.pluginTools.update",
    }
    assert _issue(hass, HOST_ISSUE) is None  # node invokes themselves are there
    # The rest works: a run through the action.
    response = await hass.services.async_call(
        DOMAIN, "send", {"message": "still here", "wait_for_reply": True}, blocking=True,
        return_response=True,
    )  # fmt: skip
    assert response is not None and response["text"] == "ECHO: still here"

    # Turning the option off (the options flow reloads the entry) clears the issue.
    hass.config_entries.async_update_entry(setup_integration, options={})
    assert await hass.config_entries.async_reload(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, TOOLS_ISSUE) is None


@pytest.mark.parametrize("entry_options", [NODE_ON])
@pytest.mark.parametrize(
    "gateway_methods", [METHODS_2026_5_12 - {"node.invoke.result", "node.pluginTools.update"}]
)
async def test_no_node_where_the_gateway_has_no_node_invokes(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    issue = _issue(hass, HOST_ISSUE)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["missing"] == "node.invoke.result"
    # No node connection was even tried: the gateway saw one device, the operator's.
    assert fake_gateway.stats.hello_ok == 1
    assert _issue(hass, f"node_{ENTRY_ID}") is None


@pytest.mark.parametrize("entry_options", [{}])
@pytest.mark.parametrize("gateway_methods", [METHODS_2026_5_12])
async def test_no_issue_when_the_option_is_off(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    issues = [i for (d, i) in ir.async_get(hass).issues if d == DOMAIN]
    assert not [i for i in issues if i.startswith("gateway_too_old")]


@pytest.mark.parametrize("entry_options", [NODE_ON])
async def test_no_issue_when_the_gateway_has_everything(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    assert _issue(hass, TOOLS_ISSUE) is None
    assert _issue(hass, HOST_ISSUE) is None


# Before 2026.3.24: no transcript methods, and no GET /sessions/{key}/history either.
METHODS_BEFORE_2026_3_24 = METHODS_2026_5_12 - {
    "sessions.subscribe",
    "sessions.unsubscribe",
    "sessions.messages.subscribe",
    "sessions.messages.unsubscribe",
}


@pytest.mark.parametrize("gateway_methods", [METHODS_BEFORE_2026_3_24])
async def test_history_over_ws_where_the_gateway_has_no_transcript_route(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    """The entry has the gateway token, which would pick the HTTP route; a release without
    it would answer 404 ("no such session"). The action reads chat.history instead."""
    fake_gateway.add_message("agent:main:main", "user", "old question")
    fake_gateway.add_message("agent:main:main", "assistant", "old answer")
    history = await hass.services.async_call(
        DOMAIN, "history", {"limit": 10}, blocking=True, return_response=True
    )
    assert history is not None
    assert [(m["role"], m["text"]) for m in history["messages"]] == [  # type: ignore[union-attr]
        ("user", "old question"),
        ("assistant", "old answer"),
    ]
    assert fake_gateway.stats.requests["chat.history"] >= 1
    assert not [r for r in fake_gateway.stats.http_requests if "/history" in r]
