"""Helpers for the Assist tests: entries with agent subentries, turns, chat log reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from homeassistant.components import conversation
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import chat_session, entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from custom_components.openclaw.assist_const import SUBENTRY_AI_TASK, SUBENTRY_CONVERSATION
from custom_components.openclaw.client_factory import gateway_unique_id
from custom_components.openclaw.const import CONF_DEVICE_KEY, CONF_TOKEN, CONF_URL, DOMAIN
from tests.fake_gateway import FakeGateway


async def async_setup_core(hass: HomeAssistant) -> None:
    """What a running Home Assistant always has (conversation needs exposed entities)."""
    assert await async_setup_component(hass, "homeassistant", {})


def agent_subentry(
    data: dict[str, Any],
    title: str = "Main agent",
    kind: str = SUBENTRY_CONVERSATION,
    subentry_id: str | None = None,
) -> ConfigSubentryData:
    subentry = ConfigSubentryData(
        data={"agent_id": "main", **data}, subentry_type=kind, title=title, unique_id=None
    )
    if subentry_id is not None:
        subentry["subentry_id"] = subentry_id  # type: ignore[typeddict-unknown-key]
    return subentry


def task_subentry(
    data: dict[str, Any], title: str = "Task agent", subentry_id: str | None = None
) -> ConfigSubentryData:
    return agent_subentry(data, title, SUBENTRY_AI_TASK, subentry_id)


def make_entry(
    gateway: FakeGateway,
    identity: DeviceIdentity,
    subentries: list[ConfigSubentryData],
    options: dict[str, Any] | None = None,
    entry_id: str | None = None,
) -> MockConfigEntry:
    """The entry the config flow makes for URL + token, with the given subentries."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title="OpenClaw 127.0.0.1",
        unique_id=gateway_unique_id(gateway.url),
        data={
            CONF_URL: gateway.url,
            CONF_DEVICE_KEY: identity.to_storage(),
            CONF_TOKEN: gateway.token,
        },
        options=options or {},
        subentries_data=subentries,
    )


def agent_entity_id(hass: HomeAssistant, entry: MockConfigEntry, domain: str, title: str) -> str:
    """The entity id of the subentry called ``title`` (looked up by unique id)."""
    subentry = next(s for s in entry.subentries.values() if s.title == title)
    entity_id = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{entry.entry_id}_{subentry.subentry_id}"
    )
    assert entity_id is not None, f"no {domain} entity for {title}"
    return entity_id


@contextmanager
def listen_deltas(
    hass: HomeAssistant, listener: Callable[[conversation.ChatLog, dict[str, Any]], None]
) -> Iterator[str]:
    """Open a chat session whose ChatLog reports every delta (as the Assist pipeline does)."""
    with (
        chat_session.async_get_chat_session(hass) as session,
        conversation.async_get_chat_log(hass, session, chat_log_delta_listener=listener),
    ):
        yield session.conversation_id


def chat_log_content(hass: HomeAssistant, conversation_id: str) -> list[conversation.Content]:
    """The stored chat log of a conversation (a copy)."""
    with (
        chat_session.async_get_chat_session(hass, conversation_id) as session,
        conversation.async_get_chat_log(hass, session) as chat_log,
    ):
        return list(chat_log.content)


async def converse(
    hass: HomeAssistant,
    agent_id: str,
    text: str,
    *,
    conversation_id: str | None = None,
    context: Context | None = None,
    **kwargs: Any,
) -> conversation.ConversationResult:
    return await conversation.async_converse(
        hass,
        text,
        conversation_id,
        context or Context(),
        language="en",
        agent_id=agent_id,
        **kwargs,
    )
