"""Translated texts for Assist replies: errors and the hand-off message, in the asker's language."""

from __future__ import annotations

from homeassistant.components import conversation
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN
from .errors import error_key


async def async_translate(
    hass: HomeAssistant, language: str, key: str, placeholders: dict[str, str] | None = None
) -> str:
    """``exceptions.<key>.message`` in ``language`` (English for missing keys)."""
    translations = await async_get_translations(hass, language, "exceptions", [DOMAIN])
    message = translations.get(f"component.{DOMAIN}.exceptions.{key}.message", key)
    try:
        return message.format(**(placeholders or {}))
    except KeyError, IndexError, ValueError:
        return message


async def async_error_result(
    hass: HomeAssistant,
    user_input: conversation.ConversationInput,
    conversation_id: str,
    err: Exception,
) -> conversation.ConversationResult:
    """A conversation result that says, translated, what went wrong (never a traceback)."""
    text = await async_translate(
        hass, user_input.language, error_key(err), {"error": str(err) or type(err).__name__}
    )
    response = intent.IntentResponse(language=user_input.language)
    response.async_set_error(intent.IntentResponseErrorCode.UNKNOWN, text)
    return conversation.ConversationResult(response=response, conversation_id=conversation_id)
