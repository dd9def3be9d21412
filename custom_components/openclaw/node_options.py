"""The "Home Assistant as a node" section of the options form (collapsed, off by default)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import probatio as vol

from .node_const import (
    CONF_NODE,
    CONF_NODE_ACTIONS,
    CONF_NODE_CONFIRM_SCRIPT,
    CONF_NODE_ENABLED,
    CONF_NODE_SENSITIVE,
    DEFAULT_NODE_ACTIONS,
)

_SECTION = vol.Schema(
    {
        vol.Required(CONF_NODE_ENABLED, default=False): BooleanSelector(),
        vol.Optional(CONF_NODE_ACTIONS, default=list(DEFAULT_NODE_ACTIONS)): SelectSelector(
            SelectSelectorConfig(
                options=list(DEFAULT_NODE_ACTIONS),
                multiple=True,
                custom_value=True,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        vol.Optional(CONF_NODE_SENSITIVE, default=list): EntitySelector(
            EntitySelectorConfig(multiple=True)
        ),
        vol.Optional(CONF_NODE_CONFIRM_SCRIPT): EntitySelector(
            EntitySelectorConfig(filter={"domain": "script"})
        ),
    }
)
# Optional: a form sent without the section keeps what was stored.
NODE_OPTIONS_SCHEMA: dict[Any, Any] = {
    vol.Optional(CONF_NODE): section(_SECTION, {"collapsed": True}),
}


def node_options(user_input: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The node section to store: the submitted one, else the stored one (may be empty)."""
    submitted = user_input.get(CONF_NODE)
    if submitted is not None:
        return {CONF_NODE: dict(submitted)}
    return {CONF_NODE: dict(stored[CONF_NODE])} if CONF_NODE in stored else {}
