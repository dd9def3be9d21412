"""Gateway releases that lack something: repair issues for options that need it, and the
HTTP transcript route only where the release serves it to our credentials.

What a gateway offers comes from its ``hello-ok`` feature lists (``aioopenclaw.features``),
never from its version string; the version only names what to install.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .aioopenclaw import HelloOk
from .aioopenclaw.errors import HttpAuthError, OpenClawError
from .aioopenclaw.features import FEATURES, Feature, missing, supported
from .const import DOMAIN
from .node_commands import NodeOptions
from .node_const import CONF_NODE

ISSUE_GATEWAY_TOO_OLD = "gateway_too_old"

# What each option needs of the gateway: with the option on and a feature missing, a repair
# issue names the release to install.
NODE_FEATURES = (Feature.NODE_HOST, Feature.NODE_TOOLS)

# (entry id, gateway version) pairs whose gateway refused the HTTP transcript route to our
# shared token (2026.5.12 answers 403 "missing scope: operator.read"). Keyed by version so
# an updated gateway is asked again.
_HTTP_HISTORY_REFUSED: set[tuple[str, str]] = set()


def too_old_issue_id(entry_id: str, feature: Feature) -> str:
    return f"{ISSUE_GATEWAY_TOO_OLD}_{entry_id}_{feature.value}"


def wanted_features(entry: ConfigEntry) -> tuple[Feature, ...]:
    """The features the entry's options turn on (beyond what every setup needs)."""
    if NodeOptions.from_options(entry.options.get(CONF_NODE)).enabled:
        return NODE_FEATURES
    return ()


@callback
def async_update_feature_issues(hass: HomeAssistant, entry: ConfigEntry, hello: HelloOk) -> None:
    """Raise an issue per turned-on feature the gateway lacks; clear the others."""
    wanted = set(wanted_features(entry))
    for feature in FEATURES:
        issue_id = too_old_issue_id(entry.entry_id, feature)
        lacking = missing(hello, feature) if feature in wanted else ()
        if not lacking:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
            continue
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_GATEWAY_TOO_OLD,
            translation_placeholders={
                "title": entry.title,
                "feature": FEATURES[feature].description,
                "server_version": hello.server_version,
                "version": FEATURES[feature].min_release,
                "missing": ", ".join(lacking),
            },
        )


@callback
def async_remove_feature_issues(hass: HomeAssistant, entry_id: str) -> None:
    for feature in FEATURES:
        ir.async_delete_issue(hass, DOMAIN, too_old_issue_id(entry_id, feature))


def http_history_usable(entry_id: str, hello: HelloOk | None) -> bool:
    """Whether to read transcripts over HTTP (``GET /sessions/{key}/history``).

    The route shipped with the transcript methods (2026.3.24), so a gateway that lacks them
    has no route either (it would answer 404, read as "no such session").
    """
    if not supported(hello, Feature.TRANSCRIPT):
        return False
    assert hello is not None
    return (entry_id, hello.server_version) not in _HTTP_HISTORY_REFUSED


def note_http_history_refused(entry_id: str, hello: HelloOk | None, err: OpenClawError) -> bool:
    """Remember a 403 on the transcript route (then read ``chat.history`` over WS instead).

    True when ``err`` is that refusal. Only a 403: a 401 means a wrong token, which the
    WebSocket would refuse too, and that is worth telling the user.
    """
    if not isinstance(err, HttpAuthError) or err.status != 403 or hello is None:
        return False
    _HTTP_HISTORY_REFUSED.add((entry_id, hello.server_version))
    return True
