"""The fake gateway in its own process, driven by JSON lines on stdin (one answer per line).

Benchmarks run the gateway here so that it never shares an event loop (or the GIL) with the
client or Home Assistant being measured, as a real gateway would not. Timestamps are
``time.monotonic_ns()``: the same clock in every process on the machine.

Commands (``{"op": ..., ...}`` -> ``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``):
  start {kwargs}                 FakeGateway(**kwargs) -> url, http_url, token
  add_sessions {n, agent, prefix}
  add_messages {key, n, size}    a transcript of n messages (no events sent)
  script {kwargs}                gw.script_reply(**kwargs)
  blast {runs, deltas, piece}    every chat frame of ``runs`` runs, pre-framed and written
                                 with one transport write per socket (the sender is never the
                                 bottleneck of a receive benchmark)
  pace {rate, count, piece}      the newest running run (started by chat.send with a hanging
                                 script) gets ``count`` deltas at ``rate`` per second on an
                                 absolute schedule (written straight to the sockets, not via
                                 the fake's send queue), then its final -> send times by seq
  restart {offline_s, starting_s, restart_expected_ms}
                                 shutdown event + close 1012, TCP refused for offline_s, then
                                 UNAVAILABLE for starting_s -> ready_ns (connects succeed)
  wait_idle                      until no client socket is left
  stats                          request counters
  stop
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
import sys
import time
from typing import Any

from websockets.protocol import State

from tests.fake_gateway import FakeGateway
from tests.fake_gateway.auth import now_ms
from tests.fake_gateway.runs import Run

_COMPACT = (",", ":")
_LOGGER = logging.getLogger("bench.gateway_proc")


def ws_text_frame(text: str) -> bytes:
    """An unmasked server-to-client WebSocket text frame (RFC 6455 section 5.2)."""
    data = text.encode()
    size = len(data)
    if size < 126:
        head = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    return head + data


def chat_payload(
    run_id: str, session_key: str, seq: int, state: str, text: str, piece: str
) -> dict[str, Any]:
    """A 2026.9.6 (protocol 4) chat payload, as the fake's runs send it."""
    payload: dict[str, Any] = {
        "runId": run_id,
        "sessionKey": session_key,
        "agentId": "main",
        "seq": seq,
        "state": state,
        "message": {
            "role": "assistant",
            "content": [{"type": "text", "text": text}],
            "timestamp": now_ms(),
        },
    }
    if state == "delta":
        payload["deltaText"] = piece
    else:
        payload["stopReason"] = "stop"
    return payload


class Driver:
    def __init__(self) -> None:
        self.gw: FakeGateway | None = None

    @property
    def gateway(self) -> FakeGateway:
        assert self.gw is not None, "start first"
        return self.gw

    async def op_start(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        self.gw = FakeGateway(**kwargs)
        await self.gw.start()
        return {"url": self.gw.url, "http_url": self.gw.http_url, "token": self.gw.token}

    async def op_stop(self) -> dict[str, Any]:
        if self.gw is not None:
            await self.gw.stop()
            self.gw = None
        return {}

    async def op_add_sessions(self, n: int, agent: str = "main", prefix: str = "fake") -> Any:
        return {"count": len(self.gateway.add_sessions(n, agent, prefix))}

    async def op_add_messages(self, key: str, n: int, size: int = 200) -> dict[str, Any]:
        gw = self.gateway
        session = gw.sessions.ensure(gw.sessions.canonical(key))
        body = ("lorem ipsum " * (size // 12 + 1))[:size]
        for i in range(n):
            if i % 2 == 0:
                message: dict[str, Any] = {"role": "user", "content": f"{i} {body}"}
            else:
                message = {"role": "assistant", "content": [{"type": "text", "text": body}]}
            message["timestamp"] = now_ms()
            session.append(message)
        return {"key": session.key, "count": n}

    async def op_script(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        self.gateway.script_reply(**kwargs)
        return {}

    async def op_blast(
        self, runs: int, deltas: int, piece: str = "word ", session_key: str = "agent:main:main"
    ) -> dict[str, Any]:
        # Only open sockets: a client of the previous trial may still be closing.
        conns = [c for c in self.gateway.conns if c.authed and c.ws.state is State.OPEN]
        total_bytes = 0
        for conn in conns:
            parts: list[bytes] = []
            for r in range(runs):
                run_id = f"blast-{time.monotonic_ns()}-{r}"
                text = ""
                for d in range(deltas + 1):
                    state = "delta" if d < deltas else "final"
                    if state == "delta":
                        text += piece
                    conn.seq += 1
                    frame = {
                        "type": "event",
                        "event": "chat",
                        "payload": chat_payload(run_id, session_key, d + 1, state, text, piece),
                        "seq": conn.seq,
                    }
                    parts.append(ws_text_frame(json.dumps(frame, separators=_COMPACT)))
            blob = b"".join(parts)
            total_bytes += len(blob)
            # Straight onto the socket: nothing else is queued on this idle connection.
            conn.ws.transport.write(blob)
        return {"frames": runs * (deltas + 1), "bytes": total_bytes, "conns": len(conns)}

    async def _newest_running_run(self, timeout: float = 10.0) -> Run:
        deadline = time.monotonic() + timeout
        while True:
            running = [r for r in self.gateway.runs.runs.values() if r.running]
            if running:
                return running[-1]
            if time.monotonic() > deadline:
                raise TimeoutError("no running run to pace")
            await asyncio.sleep(0.001)

    async def op_pace(self, rate: float, count: int, piece: str = "tok ") -> dict[str, Any]:
        run = await self._newest_running_run()
        # The status phases and the ack go out first: frames are written directly from here on.
        await asyncio.sleep(0.05)
        for _ in range(1000):
            if all(conn._queue.empty() for conn in self.gateway.conns):
                break
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.005)
        sent: list[tuple[int, int]] = []
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(count):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            run.text += piece
            # Like the real gateway: an `agent` assistant event, then the chat delta.
            run.seq += 1
            agent = {
                "runId": run.run_id,
                "seq": run.seq,
                "stream": "assistant",
                "ts": now_ms(),
                "data": {"text": run.text, "delta": piece},
                "sessionKey": run.session_key,
            }
            self._write_now("agent", agent, run.session_key)
            run.seq += 1
            payload = chat_payload(run.run_id, run.session_key, run.seq, "delta", run.text, piece)
            sent.append((run.seq, time.monotonic_ns()))
            self._write_now("chat", payload, run.session_key)
        elapsed = loop.time() - start
        await asyncio.sleep(max(0.0, 1 / rate))
        run.state = "final"
        if run.task is not None:
            run.task.cancel()
        final = chat_payload(run.run_id, run.session_key, run.seq, "final", run.text, "")
        final_at = time.monotonic_ns()
        self._write_now("chat", final, run.session_key)
        run.done.set()
        return {
            "run_id": run.run_id,
            "sent": sent,
            "final": [run.seq, final_at],
            "elapsed": elapsed,
            "chars": len(run.text),
        }

    def _write_now(self, event: str, payload: dict[str, Any], session_key: str) -> None:
        """``broadcast`` without the fake's per-socket queue: the frame is on the socket when
        this returns, so a send time taken just before it is the frame's time on the wire.
        (Only while nothing else is queued for these sockets, as during ``pace``.)"""
        for conn in list(self.gateway.conns):
            if conn.may_receive(event, session_key) and conn.ws.state is State.OPEN:
                conn.seq += 1 + conn.skip_next
                conn.skip_next = 0
                frame = {"type": "event", "event": event, "payload": payload, "seq": conn.seq}
                text = json.dumps(frame, separators=_COMPACT, ensure_ascii=False)
                conn.ws.transport.write(ws_text_frame(text))

    async def op_restart(
        self, offline_s: float = 0.0, starting_s: float = 1.0, restart_expected_ms: int = 1500
    ) -> dict[str, Any]:
        gw = self.gateway
        gw.broadcast(
            "shutdown", {"reason": "gateway restarting", "restartExpectedMs": restart_expected_ms}
        )
        dropped = time.monotonic_ns()
        await gw.drop_all(1012, "service restart")
        if offline_s > 0:
            await gw.go_offline()  # TCP refused, like a gateway process that is not up yet
            await asyncio.sleep(offline_s - (time.monotonic_ns() - dropped) / 1e9)
            gw.set_starting(starting_s)
            await gw.go_online()
        else:
            gw.set_starting(starting_s)
        ready = time.monotonic_ns() + int(starting_s * 1e9)
        return {"dropped_ns": dropped, "ready_ns": ready}

    async def op_wait_idle(self, timeout: float = 10.0) -> dict[str, Any]:
        """Wait until no client socket is left (between trials)."""
        for _ in range(int(timeout / 0.005)):
            if not self.gateway.conns:
                break
            await asyncio.sleep(0.005)
        return {"conns": len(self.gateway.conns)}

    async def op_stats(self) -> dict[str, Any]:
        stats = self.gateway.stats
        return {
            "requests": dict(stats.requests),
            "connect_attempts": stats.connect_attempts,
            "hello_ok": stats.hello_ok,
            "connect_errors": dict(stats.connect_errors),
            "conns": len(self.gateway.conns),
        }


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    driver = Driver()
    while line := await reader.readline():
        command = json.loads(line)
        op = command.pop("op")
        try:
            result = await getattr(driver, f"op_{op}")(**command)
            answer = {"ok": True, **result}
        except Exception as err:  # reported to the parent, which raises it
            _LOGGER.exception("command %s failed", op)
            answer = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(answer, separators=_COMPACT) + "\n")
        sys.stdout.flush()
        if op == "stop":
            return
    await driver.op_stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(serve())
