"""Assist agents: each ``conversation`` subentry makes one OpenClaw agent an Assist agent.

A turn sends the user's text with ``chat.send`` and streams the run's deltas (and OpenClaw's
own tool calls, as external tool calls) into the ChatLog, so streaming TTS can start on the
first sentence. A run that goes quiet for longer than the reply timeout is handed off: Assist
answers with a short interim message, and the final reply arrives later as the
``openclaw_run`` event and, if enabled, as an announcement on the satellite that asked.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from homeassistant.components import conversation
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .agent_entity import OpenClawAgentEntity, async_setup_agent_entities
from .agent_turn import AgentTurn
from .aioopenclaw import OpenClawError, RunState
from .assist_const import (
    CONF_ANNOUNCE,
    CONF_HANDOFF_MESSAGE,
    CONF_REPLY_TIMEOUT,
    CONF_SEND_CONTEXT,
    DEFAULT_REPLY_TIMEOUT,
    HANDOFF_FOLLOW_MAX,
    SUBENTRY_CONVERSATION,
)
from .assist_errors import async_error_result, async_translate
from .assist_session import agent_message, session_key
from .const import LOGGER
from .coordinator import OpenClawConfigEntry

# Each turn waits on the gateway, never on HA's own locks: no limit on parallel turns.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One conversation entity per ``conversation`` subentry."""
    async_setup_agent_entities(
        hass, entry, SUBENTRY_CONVERSATION, OpenClawConversationEntity, async_add_entities
    )


class OpenClawConversationEntity(conversation.ConversationEntity, OpenClawAgentEntity):
    """An OpenClaw agent as an Assist agent."""

    _attr_supports_streaming = True
    _attr_translation_key = "conversation"

    def __init__(self, entry: OpenClawConfigEntry, subentry: ConfigSubentry) -> None:
        super().__init__(entry, subentry)
        self._followers: set[asyncio.Task[None]] = set()

    @property
    def supported_languages(self) -> list[str] | Literal["*"]:
        return MATCH_ALL

    async def _async_handle_message(
        self,
        user_input: conversation.ConversationInput,
        chat_log: conversation.ChatLog,
    ) -> conversation.ConversationResult:
        options = self.subentry.data
        conversation_id = chat_log.conversation_id
        try:
            turn = AgentTurn(
                self.runtime,
                session_key(self.agent_id, options, user_input, conversation_id),
                await agent_message(
                    self.hass, user_input, bool(options.get(CONF_SEND_CONTEXT, True))
                ),
                reply_timeout=float(options.get(CONF_REPLY_TIMEOUT, DEFAULT_REPLY_TIMEOUT)),
            )
            interim = str(options.get(CONF_HANDOFF_MESSAGE) or "") or await async_translate(
                self.hass, user_input.language, "assist_handoff"
            )
            chat_log.async_trace({"session_key": turn.session_key, "run_id": turn.run_id})
            await turn.async_send()
        except OpenClawError as err:
            return await async_error_result(self.hass, user_input, conversation_id, err)
        try:
            async for _content in chat_log.async_add_delta_content_stream(
                self.entity_id, turn.deltas(interim)
            ):
                pass
        except asyncio.CancelledError:
            # The pipeline was cancelled: nobody listens to this run any more.
            turn.close()
            self.entry.async_create_background_task(
                self.hass, turn.async_abort(), f"openclaw abort {turn.run_id}"
            )
            raise
        except OpenClawError as err:
            turn.close()
            return await async_error_result(self.hass, user_input, conversation_id, err)
        except Exception as err:  # noqa: BLE001 - last resort: the user gets a translated error
            # A bug of ours must not reach the user as a traceback, nor leave the run going.
            LOGGER.exception("Unexpected error in the Assist turn of run %s", turn.run_id)
            turn.close()
            self.entry.async_create_background_task(
                self.hass, turn.async_abort(), f"openclaw abort {turn.run_id}"
            )
            return await async_error_result(self.hass, user_input, conversation_id, err)
        if turn.handed_off and self.subentry.data.get(CONF_ANNOUNCE) and user_input.satellite_id:
            self._follow(turn, user_input.satellite_id)
        else:
            # The coordinator's openclaw_run event reports a handed-off run's end anyway.
            turn.close()
        if not isinstance(chat_log.content[-1], conversation.AssistantContent):
            # A run that ended on a tool result or said nothing (NO_REPLY) still answers.
            chat_log.async_add_assistant_content_without_tools(
                conversation.AssistantContent(
                    agent_id=self.entity_id,
                    content=turn.final.text if turn.final else "",
                )
            )
        try:
            return conversation.async_get_result_from_chat_log(user_input, chat_log)
        except HomeAssistantError as err:
            return await async_error_result(self.hass, user_input, conversation_id, err)

    def _follow(self, turn: AgentTurn, satellite_id: str) -> None:
        """Wait in the background for a handed-off run's end, then announce the rest."""

        async def follow() -> None:
            try:
                async with asyncio.timeout(HANDOFF_FOLLOW_MAX):
                    final = await turn.async_wait_final()
            except TimeoutError:
                LOGGER.debug("Stopped following run %s", turn.run_id)
                return
            if final.state is RunState.FINAL:
                await self._announce(turn.late_text(), satellite_id)

        task = self.entry.async_create_background_task(
            self.hass, follow(), f"openclaw follow {turn.run_id}"
        )
        self._followers.add(task)
        task.add_done_callback(self._followers.discard)

    async def _announce(self, text: str, satellite_id: str) -> None:
        if not text:
            return
        try:
            await self.hass.services.async_call(
                "assist_satellite",
                "announce",
                {"message": text, "preannounce": False},
                target={"entity_id": satellite_id},
                blocking=True,
            )
        except HomeAssistantError as err:
            LOGGER.warning("Could not announce the late reply on %s: %s", satellite_id, err)

    async def async_will_remove_from_hass(self) -> None:
        for task in list(self._followers):
            task.cancel()
        await super().async_will_remove_from_hass()
