"""AI tasks through an OpenClaw agent: text, or structured data the agent returns as JSON.

Each task runs in its own session (``agent:<agentId>:ha-task-<conversation id>``) unless the
subentry names a fixed session key. For structured tasks the agent is asked for JSON that
matches the task's structure; its answer is validated against the structure, and the agent
gets one chance to correct an answer that does not fit.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from homeassistant.components import ai_task, conversation
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import llm
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
import probatio

from .agent_entity import OpenClawAgentEntity, async_setup_agent_entities
from .agent_turn import AgentTurn, ReplyTimeout
from .aioopenclaw import OpenClawError
from .aioopenclaw.attachments import ImageAttachment, image_attachment_from_bytes
from .aioopenclaw.errors import AttachmentError
from .assist_const import (
    CONF_REPLY_TIMEOUT,
    CONF_SESSION_KEY,
    DEFAULT_TASK_REPLY_TIMEOUT,
    SUBENTRY_AI_TASK,
)
from .assist_session import clean_key_part
from .const import DOMAIN, LOGGER
from .coordinator import OpenClawConfigEntry
from .errors import translate_error
from .service_attachments import image_limit

PARALLEL_UPDATES = 0

JSON_INSTRUCTIONS = (
    "Answer with only one JSON value that matches this JSON schema: no prose, no code "
    "fences.\nSchema: {schema}"
)
JSON_RETRY = (
    "That answer could not be used ({problem}). Answer again with only the JSON value that "
    "matches the schema."
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One AI task entity per ``ai_task_data`` subentry."""
    async_setup_agent_entities(
        hass, entry, SUBENTRY_AI_TASK, OpenClawTaskEntity, async_add_entities
    )


def _error(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def parse_json_answer(text: str) -> Any:
    """The JSON value in an answer, tolerating code fences and prose around it."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    try:
        return json.loads(body)
    except ValueError:
        pass
    starts = [i for i in (body.find("{"), body.find("[")) if i >= 0]
    end = max(body.rfind("}"), body.rfind("]"))
    if starts and end > min(starts):
        return json.loads(body[min(starts) : end + 1])
    raise ValueError("no JSON value found")


def schema_text(structure: probatio.Schema, llm_api: llm.APIInstance | None) -> str:
    schema = probatio.to_openapi(
        structure,
        custom_serializer=llm_api.custom_serializer if llm_api else llm.selector_serializer,
    )
    return json.dumps(schema, ensure_ascii=False)


def _read(path: Path) -> bytes:
    return path.read_bytes()


class OpenClawTaskEntity(ai_task.AITaskEntity, OpenClawAgentEntity):
    """An OpenClaw agent that generates data for AI tasks."""

    _attr_supported_features = (
        ai_task.AITaskEntityFeature.GENERATE_DATA | ai_task.AITaskEntityFeature.SUPPORT_ATTACHMENTS
    )
    _attr_translation_key = "ai_task"

    def _session_key(self, conversation_id: str) -> str:
        fixed = clean_key_part(str(self.subentry.data.get(CONF_SESSION_KEY) or ""))
        rest = fixed or f"ha-task-{clean_key_part(conversation_id)}"
        return f"agent:{clean_key_part(self.agent_id) or 'main'}:{rest}"

    async def _async_generate_data(
        self,
        task: ai_task.GenDataTask,
        chat_log: conversation.ChatLog,
    ) -> ai_task.GenDataTaskResult:
        session = self._session_key(chat_log.conversation_id)
        message = task.instructions
        if task.structure is not None:
            schema = schema_text(task.structure, chat_log.llm_api)
            message = f"{message}\n\n{JSON_INSTRUCTIONS.format(schema=schema)}"
        attachments = await self._attachments(task.attachments or [])
        text = await self._ask(chat_log, session, message, attachments)
        if task.structure is None:
            return ai_task.GenDataTaskResult(conversation_id=chat_log.conversation_id, data=text)
        try:
            data = task.structure(parse_json_answer(text))
        except (ValueError, probatio.Invalid) as err:
            LOGGER.debug("Task %s: answer did not fit the structure: %s", task.name, err)
            retry = JSON_RETRY.format(problem=err)
            chat_log.async_add_user_content(conversation.UserContent(content=retry))
            text = await self._ask(chat_log, session, retry, None)
            try:
                data = task.structure(parse_json_answer(text))
            except (ValueError, probatio.Invalid) as again:
                raise _error("structured_answer_invalid", error=str(again)) from again
        return ai_task.GenDataTaskResult(conversation_id=chat_log.conversation_id, data=data)

    async def _ask(
        self,
        chat_log: conversation.ChatLog,
        session_key: str,
        message: str,
        attachments: list[ImageAttachment] | None,
    ) -> str:
        """One turn streamed into the chat log; returns the reply text."""
        turn = AgentTurn(
            self.runtime,
            session_key,
            message,
            reply_timeout=float(
                self.subentry.data.get(CONF_REPLY_TIMEOUT, DEFAULT_TASK_REPLY_TIMEOUT)
            ),
            attachments=attachments,
        )
        try:
            await turn.async_send()
            async for _content in chat_log.async_add_delta_content_stream(
                self.entity_id, turn.deltas()
            ):
                pass
        except asyncio.CancelledError:
            self.entry.async_create_background_task(
                self.hass, turn.async_abort(), f"openclaw abort {turn.run_id}"
            )
            raise
        except ReplyTimeout as err:
            self.entry.async_create_background_task(
                self.hass, turn.async_abort(), f"openclaw abort {turn.run_id}"
            )
            raise _error("reply_timeout", seconds=f"{turn.reply_timeout:g}") from err
        except OpenClawError as err:
            raise translate_error(err, HomeAssistantError) from err
        finally:
            turn.close()
        return turn.final.text if turn.final is not None else turn.reply_text

    async def _attachments(
        self, attachments: list[conversation.Attachment]
    ) -> list[ImageAttachment] | None:
        """Images as ``chat.send`` attachments (the gateway takes images only)."""
        limit = image_limit(self.entry)
        result: list[ImageAttachment] = []
        for attachment in attachments:
            try:
                data = await self.hass.async_add_executor_job(_read, attachment.path)
            except OSError as err:
                raise _error("attachment_refused", error=str(err)) from err
            try:
                result.append(
                    image_attachment_from_bytes(
                        data,
                        attachment.mime_type,
                        file_name=attachment.path.name,
                        max_bytes=limit,
                    )
                )
            except AttachmentError as err:
                raise translate_error(err, HomeAssistantError) from err
        return result or None
