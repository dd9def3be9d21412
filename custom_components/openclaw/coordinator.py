"""The push coordinator: owns the gateway connection and turns its events into HA state.

One per config entry. It keeps the state of the exposed sessions, fires ``openclaw_run`` bus
events (deltas coalesced to a configurable rate; started/final/aborted/error exactly once per
run) and tells entities when to write state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later

from .aioopenclaw import (
    AgentInfo,
    ChatEvent,
    EventFrame,
    GatewayClient,
    HelloOk,
    OpenClawError,
    RunState,
    SessionInfo,
    Usage,
)
from .aioopenclaw.connection import is_auth_failure
from .aioopenclaw.errors import ProtocolMismatchError
from .aioopenclaw.http import GatewayHttpClient
from .compat import async_update_feature_issues
from .const import (
    CONF_DELTA_RATE,
    CONF_DEVICE_TOKEN,
    CONF_SESSIONS,
    DEFAULT_DELTA_RATE,
    DOMAIN,
    EVENT_RUN,
    LOGGER,
    MAX_EXPOSED_SESSIONS,
)
from .errors import translate_error

# Run states shown by the run-state sensor.
RUN_IDLE = "idle"
RUN_RUNNING = "running"
RUN_STATES = [RUN_IDLE, RUN_RUNNING, "aborted", "error"]
# Run events (the event entity and the bus event's `state`).
RUN_STARTED = "started"
RUN_EVENT_TYPES = [RUN_STARTED, "final", "aborted", "error"]
# sessions.list rows fetched at setup: enough to find the exposed ones, never the whole gateway.
SESSIONS_LIST_LIMIT = 200


def _partial(usage: Usage | None) -> bool:
    return usage is None or usage.input_tokens is None


def reply_channel(session_key: str) -> str:
    """Listener key for reply-text updates only (coalesced deltas) of a session."""
    return f"{session_key}#reply"


@dataclass
class SessionState:
    """What HA knows about one exposed session."""

    key: str
    info: SessionInfo | None = None
    agent_name: str | None = None
    is_main: bool = False
    run_state: str = RUN_IDLE
    run_id: str | None = None
    reply: str = ""
    usage: Usage | None = None
    error: str | None = None
    last_event: str | None = None

    @property
    def agent_id(self) -> str | None:
        parts = self.key.split(":")
        return parts[1] if len(parts) >= 3 and parts[0] == "agent" else None

    @property
    def title(self) -> str:
        """A readable device name: the agent for a main session, else the session's label."""
        if self.info is not None and (self.info.label or self.info.display_name):
            return self.info.title
        if self.is_main:
            return self.agent_name or (self.agent_id or "main").capitalize()
        if self.info is not None and self.info.title != self.key:
            return self.info.title
        rest = self.key.split(":", 2)[-1]
        return f"{self.agent_name or self.agent_id or ''} {rest}".strip()


@dataclass
class _RunStream:
    """Delta coalescing state of one run."""

    session_key: str
    pending: str = ""
    replaced: bool = False
    text: str = ""
    seq: int | None = None
    started: bool = False
    last_fire: float = float("-inf")
    timer: CALLBACK_TYPE | None = None
    listeners: list[Callable[[ChatEvent], None]] = field(default_factory=list)


@dataclass
class OpenClawRuntimeData:
    """``entry.runtime_data``."""

    client: GatewayClient
    http: GatewayHttpClient
    coordinator: OpenClawCoordinator


type OpenClawConfigEntry = ConfigEntry[OpenClawRuntimeData]


class OpenClawCoordinator:
    """Connection lifecycle and event fan-out for one gateway."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, client: GatewayClient) -> None:
        self.hass = hass
        self.entry = entry
        self.client = client
        self.agents: list[AgentInfo] = []
        self.sessions: dict[str, SessionState] = {}
        self._streams: dict[str, _RunStream] = {}
        self._listeners: dict[str | None, list[CALLBACK_TYPE]] = {}
        self._unsubs: list[Callable[[], None]] = []
        self._was_connected = False
        self._stopping = False
        self.gateway_device_id: str | None = None

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def hello(self) -> HelloOk | None:
        return self.client.hello

    @property
    def connected(self) -> bool:
        return self.client.connected

    @property
    def delta_interval(self) -> float:
        rate = float(self.entry.options.get(CONF_DELTA_RATE, DEFAULT_DELTA_RATE))
        return 1.0 / rate if rate > 0 else 0.0

    @property
    def active_runs(self) -> int:
        return len(self._streams)

    async def async_start(self) -> None:
        """First connect; raises ConfigEntryNotReady / ConfigEntryAuthFailed."""
        try:
            hello = await self.client.connect()
        except OpenClawError as err:
            if is_auth_failure(err):
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN,
                    translation_key="auth_failed",
                    translation_placeholders={"error": str(err)},
                ) from err
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": str(err)},
            ) from err
        self._was_connected = True
        self._unsubs.append(self.client.subscribe_chat(self._on_chat))
        self._unsubs.append(self.client.subscribe_connection(self._on_connection))
        self._unsubs.append(self.client.subscribe(self._on_sessions_changed, "sessions.changed"))
        try:
            await self._load_sessions(hello)
        except OpenClawError as err:
            await self.async_stop()
            raise translate_error(err, ConfigEntryNotReady) from err
        async_update_feature_issues(self.hass, self.entry, hello)

    async def _load_sessions(self, hello: HelloOk) -> None:
        self.agents = await self.client.agents_list() if hello.supports("agents.list") else []
        names = {agent.agent_id: agent.name for agent in self.agents}
        mains = [hello.main_session_for(agent.agent_id) for agent in self.agents] or [
            hello.main_session_key
        ]
        chosen = [k for k in self.entry.options.get(CONF_SESSIONS, []) if k not in mains]
        keys = (mains + chosen)[:MAX_EXPOSED_SESSIONS]
        rows = {s.key: s for s in await self.client.sessions_list(limit=SESSIONS_LIST_LIMIT)}
        for key in keys:
            if key not in rows and key not in mains:
                # Older than the newest rows: look it up by key, never by listing everything.
                found = await self.client.sessions_list(search=key, limit=5)
                rows.update((s.key, s) for s in found if s.key == key)
        self.sessions = {}
        for key in keys:
            state = SessionState(key, info=rows.get(key), is_main=key in mains)
            state.agent_name = names.get(state.agent_id or "")
            self.sessions[key] = state
        if hello.supports("sessions.subscribe"):
            try:
                await self.client.request("sessions.subscribe", {})
            except OpenClawError as err:
                LOGGER.debug("sessions.subscribe unavailable: %s", err)

    async def async_stop(self) -> None:
        self._stopping = True
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        for stream in self._streams.values():
            if stream.timer:
                stream.timer()
        self._streams.clear()
        await self.client.close()

    # -- listeners -----------------------------------------------------------------------

    @callback
    def async_add_listener(
        self, update: CALLBACK_TYPE, session_key: str | None = None
    ) -> CALLBACK_TYPE:
        """Call ``update`` when a session (or, with None, the gateway) changes."""
        listeners = self._listeners.setdefault(session_key, [])
        listeners.append(update)

        @callback
        def remove() -> None:
            if update in listeners:
                listeners.remove(update)

        return remove

    @callback
    def _notify(self, session_key: str | None) -> None:
        for update in list(self._listeners.get(session_key, ())):
            update()

    @callback
    def async_subscribe_run(
        self, run_id: str, session_key: str, listener: Callable[[ChatEvent], None]
    ) -> CALLBACK_TYPE:
        """Every event of one run, uncoalesced (used by Assist to stream into the ChatLog)."""
        stream = self._streams.setdefault(run_id, _RunStream(session_key))
        stream.listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in stream.listeners:
                stream.listeners.remove(listener)
            if not stream.started and not stream.listeners:
                self._streams.pop(run_id, None)

        return remove

    # -- connection ----------------------------------------------------------------------

    @callback
    def _on_connection(self, connected: bool, error: BaseException | None) -> None:
        if connected:
            if not self._was_connected:
                LOGGER.info("Reconnected to the OpenClaw gateway at %s", self.client.url)
            self._was_connected = True
            if self.client.hello is not None:  # the gateway may have been updated meanwhile
                async_update_feature_issues(self.hass, self.entry, self.client.hello)
        elif self._was_connected and not self._stopping:
            LOGGER.info("Lost the connection to the OpenClaw gateway at %s", self.client.url)
            self._was_connected = False
        if error is not None and not self._stopping:
            if isinstance(error, ProtocolMismatchError):
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    f"protocol_mismatch_{self.entry.entry_id}",
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR,
                    translation_key="protocol_mismatch",
                    translation_placeholders={"url": self.client.url},
                )
            elif is_auth_failure(error):
                self.entry.async_start_reauth(self.hass)
        self._notify(None)
        for key in self.sessions:
            self._notify(key)

    @callback
    def store_device_token(self, token: str | None) -> None:
        """Persist a newly issued (or cleared) device token in the entry."""
        data = {**self.entry.data, CONF_DEVICE_TOKEN: token}
        if token is None:
            data.pop(CONF_DEVICE_TOKEN)
        self.hass.config_entries.async_update_entry(self.entry, data=data)

    # -- sessions ------------------------------------------------------------------------

    @callback
    def _on_sessions_changed(self, frame: EventFrame) -> None:
        key = frame.payload.get("sessionKey") or frame.payload.get("key")
        state = self.sessions.get(key) if isinstance(key, str) else None
        if state is None:
            return
        merged = {**(state.info.raw if state.info else {}), **frame.payload, "key": key}
        state.info = SessionInfo.from_payload(merged)
        self._notify(state.key)

    @callback
    def update_session_row(self, row: dict[str, Any]) -> None:
        """Apply a row returned by ``sessions.patch``."""
        key = row.get("key")
        state = self.sessions.get(key) if isinstance(key, str) else None
        if state is not None:
            merged = {**(state.info.raw if state.info else {}), **row}
            state.info = SessionInfo.from_payload(merged)
            self._notify(state.key)

    # -- runs ----------------------------------------------------------------------------

    @callback
    def _on_chat(self, event: ChatEvent) -> None:
        stream = self._streams.get(event.run_id)
        if stream is None:
            stream = self._streams[event.run_id] = _RunStream(event.session_key)
        if not stream.started:
            stream.started = True
            self._run_started(event)
        for listener in list(stream.listeners):
            listener(event)
        if event.state is RunState.DELTA:
            self._on_delta(stream, event)
        elif event.state.terminal:
            self._on_terminal(stream, event)

    @callback
    def _run_started(self, event: ChatEvent) -> None:
        self._fire(event, RUN_STARTED)
        state = self.sessions.get(event.session_key)
        if state is not None:
            state.run_state, state.run_id, state.error = RUN_RUNNING, event.run_id, None
            state.reply, state.last_event = "", RUN_STARTED
            self._notify(state.key)
        self._notify(None)

    @callback
    def _on_delta(self, stream: _RunStream, event: ChatEvent) -> None:
        if event.replaced:
            stream.pending, stream.replaced = event.delta, True
        else:
            stream.pending += event.delta
        stream.text, stream.seq = event.text, event.seq
        interval = self.delta_interval
        wait = stream.last_fire + interval - time.monotonic()
        if wait <= 0:
            self._flush(event.run_id)
        elif stream.timer is None:
            run_id = event.run_id

            @callback
            def _later(_now: Any) -> None:
                self._flush(run_id)

            stream.timer = async_call_later(self.hass, wait, _later)

    @callback
    def _flush(self, run_id: str) -> None:
        stream = self._streams.get(run_id)
        if stream is None:
            return
        if stream.timer is not None:
            stream.timer()
            stream.timer = None
        if not stream.pending and not stream.replaced:
            return
        data = {
            "delta": stream.pending,
            "text": stream.text,
            "replaced": stream.replaced,
            "seq": stream.seq,
        }
        stream.pending, stream.replaced = "", False
        stream.last_fire = time.monotonic()
        self.hass.bus.async_fire(
            EVENT_RUN, self._event_data(run_id, stream.session_key, "delta", data)
        )
        state = self.sessions.get(stream.session_key)
        if state is not None and state.run_id == run_id:
            state.reply = stream.text
            # Only the reply changed: the session's other entities need no write.
            self._notify(reply_channel(state.key))

    @callback
    def _on_terminal(self, stream: _RunStream, event: ChatEvent) -> None:
        if stream.timer is not None:
            stream.timer()
        self._streams.pop(event.run_id, None)
        if event.state is RunState.FINAL and _partial(event.usage) and self.client.connected:
            # 2026.9.6 sends no usage with the final: read it from the transcript first, so
            # the final event and the usage sensor carry it (one request, a few ms).
            self.entry.async_create_background_task(
                self.hass, self._async_finish_with_usage(event), "openclaw run usage"
            )
        else:
            self._finish_run(event)

    async def _async_finish_with_usage(self, event: ChatEvent) -> None:
        usage = await self.async_full_usage(event.session_key, event.run_id, event.usage)
        self._finish_run(replace(event, usage=usage))

    @callback
    def _finish_run(self, event: ChatEvent) -> None:
        # The terminal event carries the whole text, so pending deltas fold into it.
        self._fire(event, event.state.value)
        state = self.sessions.get(event.session_key)
        if state is not None:
            state.run_id = event.run_id
            state.last_event = event.state.value
            state.run_state = {
                RunState.FINAL: RUN_IDLE,
                RunState.ABORTED: "aborted",
                RunState.ERROR: "error",
            }[event.state]
            if event.state is RunState.FINAL or event.text:
                state.reply = event.text
            if event.usage is not None:
                state.usage = event.usage
            state.error = event.error_message
            self._notify(state.key)
        self._notify(None)

    async def async_full_usage(
        self, session_key: str, run_id: str, usage: Usage | None
    ) -> Usage | None:
        """The run's whole usage: the final event may carry none or only output tokens."""
        if not _partial(usage):
            return usage
        try:
            return await self.client.run_usage(session_key, run_id) or usage
        except OpenClawError as err:
            LOGGER.debug("could not read the usage of run %s: %s", run_id, err)
            return usage

    @callback
    def _fire(self, event: ChatEvent, state: str) -> None:
        data: dict[str, Any] = {"seq": event.seq}
        if event.state.terminal:
            data["text"] = event.text
            data["usage"] = event.usage.as_dict() if event.usage else None
            data["error"] = event.error_message
            data["stop_reason"] = event.stop_reason
        self.hass.bus.async_fire(
            EVENT_RUN, self._event_data(event.run_id, event.session_key, state, data)
        )

    def _event_data(
        self, run_id: str, session_key: str, state: str, extra: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "config_entry_id": self.entry.entry_id,
            "session_key": session_key,
            "run_id": run_id,
            "state": state,
            **extra,
        }
