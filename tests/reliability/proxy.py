"""A tiny loopback TCP proxy that can stall each direction, cut every connection, and list
the HTTP request targets that went through it.

The fake gateway's ``Splitter`` stalls both directions at once. To lose an *answer* while the
request still arrives (a drop after the gateway started the run but before its ack reached
us) the proxy must hold only the gateway->client direction, hence this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import re

_CHUNK = 64 * 1024
_REQUEST_LINE = re.compile(
    rb"(?:^|\n)(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/1\.[01]\r\n"
)


class FaultProxy:
    """``127.0.0.1:port`` -> ``target``; ``hold("down")`` / ``release()`` / ``cut_all()``."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._port = 0
        self._up = asyncio.Event()  # client -> gateway may flow
        self._down = asyncio.Event()  # gateway -> client may flow
        self._up.set()
        self._down.set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.accepted = 0
        self.cuts = 0
        self.upstream_bytes = 0
        self.request_targets: list[str] = []  # e.g. "/v1/chat/completions", "/"

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self._port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self.release()
        self.cut_all()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    def hold(self, direction: str = "both") -> None:
        """Stop moving bytes ("up": to the gateway, "down": to the client, or both)."""
        if direction in ("up", "both"):
            self._up.clear()
        if direction in ("down", "both"):
            self._down.clear()

    def release(self) -> None:
        self._up.set()
        self._down.set()

    def cut_all(self) -> int:
        """Reset every connection (no close frame): both peers see the socket die."""
        writers = list(self._writers)
        for writer in writers:
            writer.transport.abort()
        self._writers.clear()
        self.cuts += len(writers) // 2
        return len(writers) // 2

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.accepted += 1
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            self._writers.discard(writer)
            self._tasks.discard(task)
            return
        self._writers.add(up_writer)
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer, self._up, upstream=True),
                self._pipe(up_reader, writer, self._down, upstream=False),
                return_exceptions=True,
            )
        finally:
            for w in (writer, up_writer):
                self._writers.discard(w)
                if not w.is_closing():
                    w.close()
            self._tasks.discard(task)

    async def _pipe(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        flowing: asyncio.Event,
        *,
        upstream: bool,
    ) -> None:
        try:
            while data := await src.read(_CHUNK):
                if upstream:
                    self.upstream_bytes += len(data)
                    self.request_targets += [
                        m.group(1).decode("latin-1") for m in _REQUEST_LINE.finditer(data)
                    ]
                await flowing.wait()
                if dst.is_closing():
                    return
                dst.write(data)
                await dst.drain()
        except ConnectionError, OSError:
            pass
        finally:
            with contextlib.suppress(Exception):
                if dst.can_write_eof() and not dst.is_closing():
                    dst.write_eof()
