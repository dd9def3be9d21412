"""One dashboard card's live view of a session: run state and the running reply.

Each websocket subscription gets its own ``SessionChatStream``. It follows the session through
the coordinator (session listener + per-run events) and sends the card what changed, with
deltas coalesced to the entry's delta rate: the first delta of a burst goes out at once, the
rest at most once per interval, so a phone on a slow link gets a few frames a second, not one
per token. Nothing here touches the event bus or entity state (so nothing reaches the recorder).
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import time
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .aioopenclaw import ChatEvent, RunState
from .coordinator import RUN_IDLE, RUN_RUNNING, OpenClawConfigEntry, OpenClawCoordinator

# Messages sent to the card (``type`` field).
MSG_SNAPSHOT = "snapshot"  # first message, and the truth after a reconnect
MSG_STARTED = "started"
MSG_DELTA = "delta"  # {delta, replaced}: append delta, or replace the text when replaced
MSG_END = "end"  # {state: final|aborted|error, text, error}: the whole text, once per run
MSG_CONNECTION = "connection"  # the gateway connection went down or came back
MSG_CLOSED = "closed"  # the entry unloaded: subscribe again later

# Run state sensor values -> the run's end state.
_END_OF_RUN_STATE = {RUN_IDLE: "final", "aborted": "aborted", "error": "error"}


class SessionChatStream:
    """Pushes one session's run to one subscriber; ``send`` gets JSON-able dicts."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OpenClawConfigEntry,
        session_key: str,
        send: Callable[[dict[str, Any]], None],
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.coordinator: OpenClawCoordinator = entry.runtime_data.coordinator
        self.session_key = session_key
        self._send = send
        self._unsubs: list[CALLBACK_TYPE] = []
        self._unsub_entry: CALLBACK_TYPE | None = None
        self._unsub_run: CALLBACK_TYPE | None = None
        self._timer: CALLBACK_TYPE | None = None
        self._connected = False
        self._run_id: str | None = None
        self._ended = True
        self._text = ""  # the run's cumulative reply as last received
        self._sent = ""  # the text the card has now
        self._last_flush = float("-inf")

    @property
    def interval(self) -> float:
        return self.coordinator.delta_interval

    @callback
    def start(self) -> None:
        """Send the snapshot and start following the session."""
        coordinator = self.coordinator
        state = coordinator.sessions[self.session_key]
        self._connected = coordinator.connected
        self._unsubs.append(coordinator.async_add_listener(self._on_session, self.session_key))
        self._unsub_entry = self.entry.async_on_state_change(self._on_entry_state)
        running = state.run_state == RUN_RUNNING and state.run_id is not None
        if running and state.run_id is not None:
            self._follow(state.run_id)
            self._text = self._sent = state.reply
        self._send(
            {
                "type": MSG_SNAPSHOT,
                "title": state.title,
                "connected": self._connected,
                "run_state": state.run_state,
                "run_id": state.run_id,
                "text": state.reply if running else "",
                "error": None if running else state.error,
            }
        )

    @callback
    def stop(self) -> None:
        """The subscriber left (unsubscribed or its websocket closed)."""
        self._detach()
        if self._unsub_entry is not None:
            unsub, self._unsub_entry = self._unsub_entry, None
            with contextlib.suppress(ValueError):  # already gone
                unsub()

    @callback
    def _detach(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        self._stop_run()

    @callback
    def _stop_run(self) -> None:
        if self._unsub_run is not None:
            self._unsub_run()
            self._unsub_run = None
        if self._timer is not None:
            self._timer()
            self._timer = None

    # -- session and entry ---------------------------------------------------------------------

    @callback
    def _on_entry_state(self) -> None:
        if self.entry.state is ConfigEntryState.LOADED:
            return
        self._detach()
        self._send({"type": MSG_CLOSED})
        # Not removed here: HA is iterating over the state listeners right now.
        self.hass.loop.call_soon(self.stop)

    @callback
    def _on_session(self) -> None:
        state = self.coordinator.sessions.get(self.session_key)
        if state is None:
            return
        connected = self.coordinator.connected
        if connected != self._connected:
            self._connected = connected
            self._send({"type": MSG_CONNECTION, "connected": connected})
        if state.run_state == RUN_RUNNING and state.run_id and state.run_id != self._run_id:
            # The coordinator tells listeners before it hands the run's first event on, so
            # following now still gets that event.
            self._follow(state.run_id)
            self._send({"type": MSG_STARTED, "run_id": state.run_id})
        elif state.run_id == self._run_id and state.run_state != RUN_RUNNING and not self._ended:
            # The end reached the session without reaching us (joined as it ended).
            self._end(_END_OF_RUN_STATE.get(state.run_state, "final"), state.reply, state.error)

    # -- the run -------------------------------------------------------------------------------

    @callback
    def _follow(self, run_id: str) -> None:
        self._stop_run()
        self._run_id = run_id
        self._ended = False
        self._text = self._sent = ""
        self._last_flush = float("-inf")
        self._unsub_run = self.coordinator.async_subscribe_run(
            run_id, self.session_key, self._on_event
        )

    @callback
    def _on_event(self, event: ChatEvent) -> None:
        if event.run_id != self._run_id or self._ended:
            return
        if event.state is RunState.DELTA:
            self._text = event.text
            self._schedule()
        elif event.state.terminal:
            self._end(event.state.value, event.text, event.error_message)

    @callback
    def _schedule(self) -> None:
        wait = self._last_flush + self.interval - time.monotonic()
        if wait <= 0:
            self._flush()
        elif self._timer is None:
            self._timer = async_call_later(self.hass, wait, self._timer_fired)

    @callback
    def _timer_fired(self, _now: Any) -> None:
        self._timer = None
        self._flush()

    @callback
    def _flush(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None
        text, sent = self._text, self._sent
        if text == sent:
            return
        if text.startswith(sent):
            message = {"delta": text[len(sent) :], "replaced": False}
        else:  # the gateway rewrote the reply: the card replaces its text
            message = {"delta": text, "replaced": True}
        self._sent = text
        self._last_flush = time.monotonic()
        self._send({"type": MSG_DELTA, "run_id": self._run_id, **message})

    @callback
    def _end(self, state: str, text: str, error: str | None) -> None:
        # The end carries the whole text, so whatever is still pending folds into it.
        self._ended = True
        run_id = self._run_id
        self._stop_run()
        self._text = self._sent = text
        self._send(
            {"type": MSG_END, "run_id": run_id, "state": state, "text": text, "error": error}
        )
