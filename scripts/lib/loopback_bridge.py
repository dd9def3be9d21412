"""Keep scripts/develop's servers off the network while the browser can still reach them.

``isolate()`` moves this process into a fresh network namespace that has only ``lo``: Home
Assistant, the gateway and the demo model started afterwards inherit it, so none of them can
reach anything but each other (the gateway's clawhub.ai lookup, zeroconf, ... simply fail).
Before that, ``listen()`` binds the ports on the *host's* 127.0.0.1; a socket keeps the
namespace it was made in, so ``serve()`` accepts there and connects to the same port inside.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import socket
import struct

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


def listen(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port (port 0: any free one). Raises OSError if busy."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def listen_preferring(*ports: int) -> socket.socket:
    """``listen`` on the first free port of ``ports`` (0 = any)."""
    for port in ports:
        try:
            return listen(port)
        except OSError as err:
            if err.errno != errno.EADDRINUSE:
                raise
    return listen(0)


def isolate() -> None:
    """Enter a new network namespace with ``lo`` up (needs CAP_SYS_ADMIN, i.e. root here)."""
    os.unshare(os.CLONE_NEWNET)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, _SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | _IFF_UP))


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, other: asyncio.StreamWriter
) -> None:
    """Copy one direction; pass EOF on (half-close). On a socket error, end both directions."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        writer.close()
        other.close()


async def _relay(port: int, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
    try:
        u_reader, u_writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        c_writer.close()
        return
    try:
        await asyncio.gather(
            _pipe(c_reader, u_writer, c_writer), _pipe(u_reader, c_writer, u_writer)
        )
    finally:
        for w in (c_writer, u_writer):
            w.close()
            with contextlib.suppress(OSError):
                await w.wait_closed()


async def serve(sock: socket.socket) -> asyncio.Server:
    """Relay connections accepted on ``sock`` to the same port on this namespace's 127.0.0.1."""
    port = sock.getsockname()[1]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _relay(port, reader, writer)

    return await asyncio.start_server(handle, sock=sock)
