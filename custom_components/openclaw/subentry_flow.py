"""Subentry flows: add an OpenClaw agent as an Assist agent or as an AI task agent.

Hooked into the main config flow through ``OpenClawConfigFlow.async_get_supported_subentry_types``
(``SUBENTRY_FLOWS``). The agents offered are those the gateway lists (``agents.list``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio as vol

from .assist_const import (
    CONF_AGENT_ID,
    CONF_ANNOUNCE,
    CONF_HANDOFF_MESSAGE,
    CONF_REPLY_TIMEOUT,
    CONF_SEND_CONTEXT,
    CONF_SESSION_KEY,
    CONF_SESSION_SCOPE,
    DEFAULT_REPLY_TIMEOUT,
    DEFAULT_SESSION_SCOPE,
    DEFAULT_TASK_REPLY_TIMEOUT,
    MAX_REPLY_TIMEOUT,
    MIN_REPLY_TIMEOUT,
    SUBENTRY_AI_TASK,
    SUBENTRY_CONVERSATION,
    SessionScope,
)
from .assist_session import valid_fixed_key
from .coordinator import OpenClawConfigEntry


def _timeout_selector() -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=MIN_REPLY_TIMEOUT,
            max=MAX_REPLY_TIMEOUT,
            step=1,
            mode=NumberSelectorMode.BOX,
            unit_of_measurement="s",
        )
    )


class _AgentSubentryFlow(ConfigSubentryFlow):
    """Shared steps: pick an agent and its options; the same form reconfigures it."""

    default_timeout = DEFAULT_REPLY_TIMEOUT

    def _agent_options(self) -> list[SelectOptionDict]:
        entry: OpenClawConfigEntry = self._get_entry()
        coordinator = entry.runtime_data.coordinator
        options = [
            SelectOptionDict(
                value=agent.agent_id,
                label=" ".join(part for part in (agent.emoji, agent.name or agent.agent_id) if part)
                + (f" ({agent.agent_id})" if agent.name else ""),
            )
            for agent in coordinator.agents
        ]
        if not options:
            hello = coordinator.hello
            default = hello.default_agent_id if hello else "main"
            options = [SelectOptionDict(value=default, label=default)]
        return options

    def _agent_name(self, agent_id: str) -> str:
        entry: OpenClawConfigEntry = self._get_entry()
        for agent in entry.runtime_data.coordinator.agents:
            if agent.agent_id == agent_id and agent.name:
                return agent.name
        return agent_id

    def _fields(self, current: Mapping[str, Any]) -> dict[Any, Any]:
        """The type-specific fields after the agent."""
        raise NotImplementedError

    def _validate(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        key = str(user_input.get(CONF_SESSION_KEY) or "")
        return {CONF_SESSION_KEY: "invalid_session_key"} if key and not valid_fixed_key(key) else {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        return await self.async_step_set_options(user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        return await self.async_step_set_options(user_input)

    async def async_step_set_options(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        if self._get_entry().state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        is_new = self.source == "user"
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._validate(user_input)
            if not errors:
                data = {k: v for k, v in user_input.items() if k != CONF_NAME}
                if CONF_SESSION_KEY in data:
                    data[CONF_SESSION_KEY] = str(data[CONF_SESSION_KEY]).strip().lower()
                if is_new:
                    title = user_input.get(CONF_NAME) or self._agent_name(data[CONF_AGENT_ID])
                    return self.async_create_entry(title=title, data=data)
                return self.async_update_and_abort(
                    self._get_entry(), self._get_reconfigure_subentry(), data=data
                )
        current: Mapping[str, Any] = (
            user_input
            if user_input is not None
            else {}
            if is_new
            else self._get_reconfigure_subentry().data
        )
        agents = self._agent_options()
        schema: dict[Any, Any] = {}
        if is_new:
            schema[
                vol.Optional(CONF_NAME, description={"suggested_value": current.get(CONF_NAME)})
            ] = TextSelector()
        schema[
            vol.Required(CONF_AGENT_ID, default=current.get(CONF_AGENT_ID, agents[0]["value"]))
        ] = SelectSelector(SelectSelectorConfig(options=agents, mode=SelectSelectorMode.DROPDOWN))
        schema.update(self._fields(current))
        schema[
            vol.Required(
                CONF_REPLY_TIMEOUT, default=current.get(CONF_REPLY_TIMEOUT, self.default_timeout)
            )
        ] = _timeout_selector()
        return self.async_show_form(
            step_id="set_options", data_schema=vol.Schema(schema), errors=errors
        )


class ConversationSubentryFlow(_AgentSubentryFlow):
    """An OpenClaw agent as an Assist agent (its own pipeline, voice and wake word)."""

    def _fields(self, current: Mapping[str, Any]) -> dict[Any, Any]:
        return {
            vol.Required(
                CONF_SESSION_SCOPE, default=current.get(CONF_SESSION_SCOPE, DEFAULT_SESSION_SCOPE)
            ): SelectSelector(
                SelectSelectorConfig(
                    options=[scope.value for scope in SessionScope],
                    translation_key=CONF_SESSION_SCOPE,
                    mode=SelectSelectorMode.LIST,
                )
            ),
            vol.Optional(
                CONF_SESSION_KEY, description={"suggested_value": current.get(CONF_SESSION_KEY)}
            ): TextSelector(),
            vol.Required(
                CONF_SEND_CONTEXT, default=current.get(CONF_SEND_CONTEXT, True)
            ): BooleanSelector(),
            vol.Required(
                CONF_ANNOUNCE, default=current.get(CONF_ANNOUNCE, False)
            ): BooleanSelector(),
            vol.Optional(
                CONF_HANDOFF_MESSAGE,
                description={"suggested_value": current.get(CONF_HANDOFF_MESSAGE)},
            ): TextSelector(),
        }


class AITaskSubentryFlow(_AgentSubentryFlow):
    """An OpenClaw agent that generates data for AI tasks."""

    default_timeout = DEFAULT_TASK_REPLY_TIMEOUT

    def _fields(self, current: Mapping[str, Any]) -> dict[Any, Any]:
        return {
            vol.Optional(
                CONF_SESSION_KEY, description={"suggested_value": current.get(CONF_SESSION_KEY)}
            ): TextSelector(),
        }


SUBENTRY_FLOWS: dict[str, type[ConfigSubentryFlow]] = {
    SUBENTRY_CONVERSATION: ConversationSubentryFlow,
    SUBENTRY_AI_TASK: AITaskSubentryFlow,
}
