"""``python -m bench.breakdown``: where the client's time per chat frame goes (row 1's profile).

Feeds row 1's frames straight into the client's code, layer by layer, without a socket, and
prints CPU microseconds per frame (best of 9): the JSON decode alone, ``Connection``'s frame
handling, then the client's dispatch with its run tracker and one chat listener, and the
construction of the two frozen dataclasses made per frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
import time
from typing import Any

import aiohttp

from custom_components.openclaw.aioopenclaw import DeviceIdentity, GatewayClient
from custom_components.openclaw.aioopenclaw.connection import Connection
from custom_components.openclaw.aioopenclaw.models import ChatEvent, EventFrame, RunState

from .gateway_proc import chat_payload
from .throughput import DELTAS, RUNS


def frames() -> list[str]:
    out = []
    seq = 0
    for r in range(RUNS):
        text = ""
        for d in range(DELTAS + 1):
            state = "delta" if d < DELTAS else "final"
            if state == "delta":
                text += "word "
            seq += 1
            payload = chat_payload(f"run-{r}", "agent:main:main", d + 1, state, text, "word ")
            frame = {"type": "event", "event": "chat", "payload": payload, "seq": seq}
            out.append(json.dumps(frame, separators=(",", ":")))
    return out


def per_frame(make: Callable[[], Callable[[], None]], count: int, reps: int = 9) -> float:
    best = float("inf")
    for _ in range(reps):
        work = make()
        started = time.thread_time()
        work()
        best = min(best, time.thread_time() - started)
    return best / count * 1e6


async def main() -> None:
    data = frames()
    count = len(data)

    def decode_only() -> Callable[[], None]:
        def work() -> None:
            for text in data:
                json.loads(text)

        return work

    def connection(on_event_factory: Callable[[], Any]) -> Callable[[], Callable[[], None]]:
        def make() -> Callable[[], None]:
            conn = Connection(None, on_event=on_event_factory(), on_close=lambda *a: None)  # type: ignore[arg-type]
            handle = conn._handle_text

            def work() -> None:
                for text in data:
                    handle(text)

            return work

        return make

    async with aiohttp.ClientSession() as session:

        def client_dispatch() -> Any:
            client = GatewayClient(session, "ws://127.0.0.1:1", identity=DeviceIdentity.generate())
            client.subscribe_chat(lambda _event: None)
            return client._dispatch

        def objects() -> Callable[[], None]:
            def work() -> None:
                for _ in range(count):
                    EventFrame("chat", {}, 1)
                    ChatEvent("r", "s", RunState.DELTA, 1, "text", "t", False, "main")

            return work

        rows = [
            ("json.loads (the floor's decode)", per_frame(decode_only, count)),
            (
                "+ Connection._handle_text (EventFrame, seq)",
                per_frame(connection(lambda: lambda _f: None), count),
            ),
            (
                "+ GatewayClient dispatch, RunTracker, 1 listener",
                per_frame(connection(client_dispatch), count),
            ),
            ("(of which: EventFrame + ChatEvent construction)", per_frame(objects, count)),
        ]
    print(f"CPU us per chat frame ({count:,} frames, avg {sum(map(len, data)) / count:.0f} B):")
    for name, value in rows:
        print(f"  {name:52s} {value:6.2f}")


if __name__ == "__main__":
    asyncio.run(main())
