"""A tiny TCP front door that routes by request head, and doubles as a fault proxy.

The real gateway serves WebSocket and HTTP on one port. ``websockets`` cannot answer POST, so
the fake runs two internal servers and this splitter pipes each accepted connection to one of
them: ``Upgrade: websocket`` requests go to the WS server, everything else to the HTTP app.

Because every byte of every connection passes through here, tests can also use it to
simulate network trouble:

* ``pause()`` / ``resume()``: stall all traffic (bytes are held, nothing is lost or closed);
* ``cut_all()``: abort every piped connection at once (TCP reset, no WS close frame).

``Splitter(target=(host, port))`` with a single target is a plain fault proxy, e.g. in front
of the real gateway in e2e tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib

Target = tuple[str, int]
_HEAD_LIMIT = 64 * 1024
_CHUNK = 64 * 1024


def is_websocket_upgrade(head: bytes) -> bool:
    """True when an HTTP request head asks for a WebSocket upgrade."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"upgrade" and b"websocket" in value.strip().lower():
            return True
    return False


class _Pipe:
    """One client connection and its upstream connection."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None

    def abort(self) -> None:
        for writer in (self.client, self.upstream):
            if writer is not None:
                writer.transport.abort()


class Splitter:
    """Listen on 127.0.0.1 and pipe each connection to the target chosen by ``route``."""

    def __init__(
        self,
        target: Target | None = None,
        *,
        route: Callable[[bytes], Target] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if (target is None) == (route is None):
            raise ValueError("give exactly one of target or route")
        if route is None:
            assert target is not None
            fixed: Target = target

            def route(_head: bytes) -> Target:
                return fixed

        self._route: Callable[[bytes], Target] = route
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._pipes: set[_Pipe] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.accepted = 0  # connections accepted since start (a counter for assertions)

    @property
    def port(self) -> int:
        assert self._port, "splitter not started"
        return self._port

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def active(self) -> int:
        """Number of connections currently piped."""
        return len(self._pipes)

    @property
    def paused(self) -> bool:
        return not self._flowing.is_set()

    async def start(self) -> None:
        """Listen; after a ``stop()`` this binds the same port again (an "offline" window)."""
        self._server = await asyncio.start_server(
            self._accept, self._host, self._port, limit=_HEAD_LIMIT
        )
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening (new connects are refused) and cut every piped connection."""
        if self._server is not None:
            self._server.close()
        self._flowing.set()
        self.cut_all()
        if self._tasks:
            _done, pending = await asyncio.wait(list(self._tasks), timeout=2)
            for task in pending:
                task.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    def pause(self) -> None:
        """Stall: keep every connection open but stop moving bytes in both directions."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def cut_all(self) -> int:
        """Abort every piped connection (both sides see a reset). Returns how many."""
        pipes = list(self._pipes)
        for pipe in pipes:
            pipe.abort()
        self._pipes.clear()
        return len(pipes)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        pipe = _Pipe(writer)
        self._pipes.add(pipe)
        self.accepted += 1
        try:
            await self._serve(pipe, reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # stop(): asyncio's stream callback must not see a cancelled task
        finally:
            self._pipes.discard(pipe)
            if pipe.upstream is None:
                pipe.abort()
            else:
                self._close(pipe)
            self._tasks.discard(task)

    async def _serve(
        self, pipe: _Pipe, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        host, port = self._route(head)
        up_reader, up_writer = await asyncio.open_connection(host, port)
        pipe.upstream = up_writer
        if pipe not in self._pipes:  # cut while connecting
            pipe.abort()
            return
        await self._flowing.wait()
        up_writer.write(head)
        await asyncio.gather(
            self._copy(reader, up_writer), self._copy(up_reader, writer), return_exceptions=True
        )

    async def _copy(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await src.read(_CHUNK)
                if not data:
                    break
                await self._flowing.wait()
                dst.write(data)
                await dst.drain()
        finally:
            # Half-close so the other side sees EOF; the peer then closes its end.
            with contextlib.suppress(Exception):
                if dst.can_write_eof() and not dst.is_closing():
                    dst.write_eof()
                else:
                    dst.close()

    @staticmethod
    def _close(pipe: _Pipe) -> None:
        for w in (pipe.client, pipe.upstream):
            if w is not None and not w.is_closing():
                w.close()
