"""One incremental Server-Sent Events parser (WHATWG event-stream rules), bytes in, events out.

Used for ``/v1/chat/completions``, ``/v1/responses`` and ``/sessions/{key}/history`` streams.
Chunk boundaries may fall anywhere (inside a UTF-8 sequence, between CR and LF); the events
are the same however the bytes are split.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncGenerator, AsyncIterable
from dataclasses import dataclass
import re

import aiohttp

from .errors import ProtocolError

# A history event can hold 1000 messages of up to 8000 chars each; leave room above that.
DEFAULT_MAX_EVENT_CHARS = 64 * 1024 * 1024

_EOL = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event. ``id`` and ``retry`` are the stream's last seen values."""

    event: str
    data: str
    id: str | None = None
    retry: int | None = None


class SSEParser:
    """Feed bytes with :meth:`feed`; it returns the events completed by that chunk."""

    def __init__(self, *, max_event_chars: int = DEFAULT_MAX_EVENT_CHARS) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._max = max_event_chars
        self._started = False  # the BOM is only skipped at the very start
        self._skip_lf = False  # last chunk ended in CR: a leading LF belongs to it
        self._partial: list[str] = []
        self._partial_len = 0
        self._event_type = ""
        self._data: list[str] = []
        self._data_len = 0
        self._last_id: str | None = None
        self.retry: int | None = None

    @property
    def last_event_id(self) -> str | None:
        return self._last_id

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        text = self._decoder.decode(chunk)
        events: list[SSEEvent] = []
        self._consume(text, events)
        return events

    def _consume(self, text: str, events: list[SSEEvent]) -> None:
        if not text:
            return
        if not self._started:
            self._started = True
            if text[0] == "\ufeff":
                text = text[1:]
        if self._skip_lf and text:
            self._skip_lf = False
            if text[0] == "\n":
                text = text[1:]
        pos = 0
        end = len(text)
        while pos < end:
            match = _EOL.search(text, pos)
            if match is None:
                self._partial.append(text[pos:])
                self._partial_len += end - pos
                if self._partial_len > self._max:
                    raise ProtocolError(f"SSE line longer than {self._max} characters")
                return
            line = text[pos : match.start()]
            if self._partial:
                self._partial.append(line)
                line = "".join(self._partial)
                self._partial.clear()
                self._partial_len = 0
            if match.end() == end and match.group() == "\r":
                self._skip_lf = True
            pos = match.end()
            if len(line) > self._max:  # the same limit however the line was split
                raise ProtocolError(f"SSE line longer than {self._max} characters")
            self._line(line, events)

    def _line(self, line: str, events: list[SSEEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line[0] == ":":
            return  # comment (keepalive)
        field, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
            self._data_len += len(value) + 1
            if self._data_len > self._max:
                raise ProtocolError(f"SSE event longer than {self._max} characters")
        elif field == "event":
            self._event_type = value
        elif field == "id" and "\x00" not in value:
            self._last_id = value
        elif field == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)

    def _dispatch(self, events: list[SSEEvent]) -> None:
        # Per spec a block without data lines dispatches nothing (e.g. a lone `retry:`).
        if self._data:
            events.append(
                SSEEvent(
                    event=self._event_type or "message",
                    data="\n".join(self._data),
                    id=self._last_id,
                    retry=self.retry,
                )
            )
        self._event_type = ""
        self._data.clear()
        self._data_len = 0


async def aiter_sse(
    chunks: AsyncIterable[bytes], *, max_event_chars: int = DEFAULT_MAX_EVENT_CHARS
) -> AsyncGenerator[SSEEvent, None]:
    """Events from any async source of byte chunks. A trailing unterminated event is dropped."""
    parser = SSEParser(max_event_chars=max_event_chars)
    async for chunk in chunks:
        for event in parser.feed(chunk):
            yield event


async def iter_sse_response(
    response: aiohttp.ClientResponse, *, max_event_chars: int = DEFAULT_MAX_EVENT_CHARS
) -> AsyncGenerator[SSEEvent, None]:
    """Events from an aiohttp response body, as the bytes arrive."""
    async for event in aiter_sse(response.content.iter_any(), max_event_chars=max_event_chars):
        yield event
