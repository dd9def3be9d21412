"""One Assist turn: ``chat.send`` to an agent, then the run's events as ChatLog deltas.

The run's ``chat`` events (through the coordinator) and its ``agent`` tool events (through the
client) land in one queue in wire order, so text and tool calls reach the ChatLog in the order
the agent produced them. Nothing here waits for the whole run: only the acknowledgement of the
send and the gap between two pieces of reply text are timed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
import json
from typing import Any
import uuid

from homeassistant.components import conversation
from homeassistant.helpers import llm
from homeassistant.util.json import JsonObjectType

from .aioopenclaw import ChatEvent, EventFrame, OpenClawError, RunState
from .aioopenclaw.errors import RequestTimeoutError, RunAbortedError, RunFailedError
from .assist_const import CONNECT_TIMEOUT, MAX_TOOL_RESULT_CHARS
from .const import LOGGER
from .coordinator import OpenClawRuntimeData


class ReplyTimeout(Exception):
    """No new reply text within the reply timeout; the run itself goes on."""


def tool_result_data(result: Any) -> JsonObjectType:
    """A tool result as a JSON object for the ChatLog, cut to a bounded size."""
    data: JsonObjectType = result if isinstance(result, dict) else {"result": result}
    try:
        text = json.dumps(data, ensure_ascii=False, default=str)
    except TypeError, ValueError:
        return {"result": str(result)[:MAX_TOOL_RESULT_CHARS], "truncated": True}
    if len(text) <= MAX_TOOL_RESULT_CHARS:
        return data
    return {"result": text[:MAX_TOOL_RESULT_CHARS], "truncated": True}


class AgentTurn:
    """One run started with ``chat.send``; iterate ``deltas()`` for the ChatLog."""

    def __init__(
        self,
        runtime: OpenClawRuntimeData,
        session_key: str,
        message: str,
        *,
        reply_timeout: float,
        attachments: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        self.runtime = runtime
        self.session_key = session_key
        self.message = message
        self.reply_timeout = reply_timeout
        self.attachments = attachments
        # Our idempotency key is the run id: events can be matched before the ack arrives.
        self.run_id = str(uuid.uuid4())
        self.final: ChatEvent | None = None
        self.handed_off = False
        self.reply_text = ""  # the text of the current assistant message
        self.gateway_text = ""  # the run's text as the gateway sent it so far
        self._queue: asyncio.Queue[ChatEvent | tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._unsubs: list[Any] = []
        self._message_open = False
        self._tool_names: dict[str, str] = {}
        self._preambles: dict[str, tuple[str, bool]] = {}  # item id -> (text, ended)
        self._preambles_said: set[str] = set()

    # -- sending -------------------------------------------------------------------------

    async def async_send(self) -> None:
        """Send the message; raises an ``OpenClawError`` when the gateway did not take it."""
        self._unsubs.append(
            self.runtime.coordinator.async_subscribe_run(
                self.run_id, self.session_key, self._queue.put_nowait
            )
        )
        self._unsubs.append(self.runtime.client.subscribe(self._on_agent_event, "agent"))
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await self.runtime.client.chat_send(
                    self.session_key,
                    self.message,
                    attachments=self.attachments,
                    idempotency_key=self.run_id,
                    retry_for=CONNECT_TIMEOUT,
                )
        except TimeoutError as err:
            self.close()
            raise RequestTimeoutError("the gateway did not accept the message in time") from err
        except BaseException:
            self.close()
            raise

    def _on_agent_event(self, frame: EventFrame) -> None:
        payload = frame.payload
        data = payload.get("data")
        if payload.get("runId") != self.run_id or not isinstance(data, dict):
            return
        stream = payload.get("stream")
        # Tool calls, and what the model said along with them: the gateway sends that text
        # as a "preamble" item, not as chat deltas (measured on 2026.9.6).
        if stream == "tool" or (stream == "item" and data.get("kind") == "preamble"):
            self._queue.put_nowait((str(stream), data))

    def close(self) -> None:
        """Stop listening to the run."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()

    async def async_abort(self) -> None:
        """Abort the run on the gateway (best effort: it may have ended already)."""
        try:
            await self.runtime.client.chat_abort(self.session_key, self.run_id)
        except OpenClawError as err:
            LOGGER.debug("Could not abort run %s: %s", self.run_id, type(err).__name__)

    # -- streaming -----------------------------------------------------------------------

    async def deltas(
        self, interim_message: str | None = None
    ) -> AsyncIterator[
        conversation.AssistantContentDeltaDict | conversation.ToolResultContentDeltaDict
    ]:
        """ChatLog deltas until the run ends.

        When no new reply text arrives within the reply timeout: with ``interim_message``
        that text ends the reply and the run is handed off (``handed_off``; follow it with
        ``async_wait_final``); without, ``ReplyTimeout`` is raised.
        Raises ``RunFailedError`` / ``RunAbortedError`` when the run fails or is aborted.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reply_timeout
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    item = await self._queue.get()
            except TimeoutError:
                if interim_message is None:
                    raise ReplyTimeout from None
                self.handed_off = True
                yield self._text_delta(interim_message, separate=True)
                return
            if isinstance(item, tuple):
                stream, data = item
                if stream == "item":
                    self._on_preamble(data)
                    if (text := self._take_preambles(final_only=True)) is not None:
                        deadline = loop.time() + self.reply_timeout
                        yield self._text_delta(text, separate=True)
                    continue
                if (text := self._take_preambles()) is not None:
                    yield self._text_delta(text, separate=True)
                if (delta := self._tool_delta(data)) is not None:
                    yield delta
                continue
            if (text := self._take_preambles()) is not None:
                yield self._text_delta(text, separate=True)
            self.gateway_text = item.text
            if item.state is RunState.DELTA:
                if item.delta:
                    deadline = loop.time() + self.reply_timeout
                    yield self._text_delta(item.delta, new_message=item.replaced)
                continue
            if not item.state.terminal:
                continue  # status phases
            self.final = item
            if item.state is RunState.ERROR:
                raise RunFailedError(self.run_id, item.error_message or "the run failed")
            if item.state is RunState.ABORTED:
                raise RunAbortedError(self.run_id, item.text)
            # The final carries the whole text: deliver what the deltas did not.
            if item.delta:
                yield self._text_delta(item.delta, new_message=item.replaced)
            return

    def _on_preamble(self, data: dict[str, Any]) -> None:
        item_id, text = data.get("itemId"), data.get("progressText")
        if not isinstance(item_id, str) or not isinstance(text, str) or not text.strip():
            return
        if item_id in self._preambles_said:
            return
        self._preambles[item_id] = (text.strip(), data.get("phase") == "end")

    def _take_preambles(self, *, final_only: bool = False) -> str | None:
        """Preamble text not said yet: finished ones, or all before the next event."""
        ready = [
            (item_id, text)
            for item_id, (text, ended) in self._preambles.items()
            if ended or not final_only
        ]
        for item_id, _text in ready:
            del self._preambles[item_id]
            self._preambles_said.add(item_id)
        return " ".join(text for _id, text in ready) or None

    def _text_delta(
        self, text: str, *, new_message: bool = False, separate: bool = False
    ) -> conversation.AssistantContentDeltaDict:
        if new_message or not self._message_open:
            self._message_open = True
            self.reply_text = text
            return {"role": "assistant", "content": text}
        if separate and self.reply_text and not self.reply_text[-1].isspace():
            text = f" {text}"
        self.reply_text += text
        return {"content": text}

    def _tool_delta(
        self, data: dict[str, Any]
    ) -> conversation.AssistantContentDeltaDict | conversation.ToolResultContentDeltaDict | None:
        call_id = data.get("toolCallId")
        name = data.get("name")
        if not isinstance(call_id, str) or not isinstance(name, str):
            return None
        phase = data.get("phase")
        if phase == "start" and call_id not in self._tool_names:
            self._tool_names[call_id] = name
            args = data.get("args")
            call = llm.ToolInput(
                tool_name=name,
                tool_args=args if isinstance(args, dict) else {"args": args},
                id=call_id,
                external=True,  # OpenClaw ran it: the ChatLog only records it
            )
            if self._message_open:
                return {"tool_calls": [call]}
            self._message_open = True
            self.reply_text = ""
            return {"role": "assistant", "tool_calls": [call]}
        if phase == "result" and call_id in self._tool_names:
            # Text after a tool result is a new assistant message.
            self._message_open = False
            return {
                "role": "tool_result",
                "tool_call_id": call_id,
                "tool_name": self._tool_names[call_id],
                "result": llm.ToolResult(
                    data=tool_result_data(data.get("result")),
                    error=bool(data.get("isError")),
                ),
            }
        return None

    def late_text(self) -> str:
        """After a hand-off: the part of the final reply that was not streamed before."""
        if self.final is None:
            return ""
        text = self.final.text
        if self.gateway_text and text.startswith(self.gateway_text):
            return text[len(self.gateway_text) :].strip()
        return text.strip()

    async def async_wait_final(self) -> ChatEvent:
        """The run's terminal event (after a hand-off: the rest of the run is skipped)."""
        try:
            while True:
                item = await self._queue.get()
                if isinstance(item, ChatEvent) and item.state.terminal:
                    self.final = item
                    return item
        finally:
            self.close()
