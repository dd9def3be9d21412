"""What a gateway offers, decided from ``hello-ok.features`` (never from its version string).

Each feature names the methods and events it needs. A gateway that does not list one of them
lacks the feature: the client raises ``FeatureUnavailableError`` before sending, and the
integration disables what depends on it. ``min_release`` is only for telling the user what to
install: the oldest tested release (``scripts/lib/gateway-releases.txt``) that has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import FeatureUnavailableError
from .models import HelloOk

OLDEST_TESTED_RELEASE = "2026.3.24"


class Feature(StrEnum):
    CHAT = "chat"
    SESSIONS = "sessions"
    SESSION_EVENTS = "session_events"
    TRANSCRIPT = "transcript"
    AGENTS = "agents"
    WAKE = "wake"
    NODES = "nodes"
    NODE_HOST = "node_host"
    NODE_TOOLS = "node_tools"
    NODE_INVOKE_CANCEL = "node_invoke_cancel"


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    description: str
    methods: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    min_release: str = OLDEST_TESTED_RELEASE


FEATURES: dict[Feature, FeatureSpec] = {
    Feature.CHAT: FeatureSpec("chat runs", ("chat.send", "chat.abort", "chat.history"), ("chat",)),
    Feature.SESSIONS: FeatureSpec(
        "session lists and settings", ("sessions.list", "sessions.preview", "sessions.patch")
    ),
    # Absent in 2026.3.13, present from 2026.3.24 (protocol reference §7, §13).
    Feature.SESSION_EVENTS: FeatureSpec(
        "session change events", ("sessions.subscribe",), ("sessions.changed",)
    ),
    # Shipped with the HTTP transcript route GET /sessions/{key}/history (2026.3.24).
    Feature.TRANSCRIPT: FeatureSpec(
        "session transcripts",
        ("sessions.messages.subscribe", "sessions.messages.unsubscribe"),
        ("session.message",),
    ),
    Feature.AGENTS: FeatureSpec("the agent list", ("agents.list",)),
    Feature.WAKE: FeatureSpec("waking the agent", ("wake",)),
    Feature.NODES: FeatureSpec("the gateway's nodes", ("node.list", "node.invoke")),
    Feature.NODE_HOST: FeatureSpec(
        "Home Assistant as a node", ("node.invoke.result",), ("node.invoke.request",)
    ),
    # Measured: 2026.3.24 and 2026.5.12 lack both; 2026.9.6 has them.
    Feature.NODE_TOOLS: FeatureSpec(
        "agent tools for Home Assistant's node commands",
        ("node.pluginTools.update",),
        min_release="2026.9.6",
    ),
    Feature.NODE_INVOKE_CANCEL: FeatureSpec(
        "cancelling node commands", events=("node.invoke.cancel",), min_release="2026.9.6"
    ),
}


def missing(hello: HelloOk, feature: Feature) -> tuple[str, ...]:
    """The methods and events of ``feature`` that the gateway does not list.

    A hello-ok without any feature list (a gateway that lists nothing) is not judged: the
    requests themselves then answer ``unknown method`` if a method is missing.
    """
    if not hello.methods and not hello.events:
        return ()
    spec = FEATURES[feature]
    return tuple(m for m in spec.methods if m not in hello.methods) + tuple(
        e for e in spec.events if e not in hello.events
    )


def supported(hello: HelloOk | None, feature: Feature) -> bool:
    """Whether the gateway offers ``feature`` (False before the first hello-ok)."""
    return hello is not None and not missing(hello, feature)


def unavailable_error(hello: HelloOk, feature: Feature) -> FeatureUnavailableError:
    spec = FEATURES[feature]
    lacking = missing(hello, feature)
    return FeatureUnavailableError(
        feature.value,
        spec.min_release,
        hello.server_version,
        f"OpenClaw {hello.server_version} does not offer {spec.description} "
        f"(no {', '.join(lacking)}); it needs OpenClaw {spec.min_release} or later",
    )


def require(hello: HelloOk | None, feature: Feature) -> None:
    """Raise ``FeatureUnavailableError`` when the connected gateway lacks ``feature``."""
    if hello is not None and missing(hello, feature):
        raise unavailable_error(hello, feature)
