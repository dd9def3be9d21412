"""Load: 20 concurrent sends across 10 sessions, with the gateway unreachable in the middle.

Every send completes with its own reply, each exactly once; in every session the messages
reach the transcript in the order they were sent and their finals arrive in that order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import time

from custom_components.openclaw.aioopenclaw import GatewayClient, RunResult
from tests.fake_gateway import FakeGateway, RunScript

from .chaos import Observer

SESSIONS = 10
PER_SESSION = 2
OUTAGE = 0.4  # seconds; a run takes ~0.15 s


def _reply(message: str) -> str:
    return f"reply to {message}"


def _model(message: str) -> RunScript:
    words = _reply(message).split(" ")
    return RunScript(chunks=[w + " " for w in words[:-1]] + [words[-1]], delay=0.02)


async def test_concurrent_sends_with_a_reconnect_in_the_middle(
    fake: FakeGateway,
    make_client: Callable[..., GatewayClient],
    record: Callable[..., None],
) -> None:
    fake.model = _model
    keys = [f"agent:main:load-{i}" for i in range(SESSIONS)]
    client = make_client(fake.url, token=fake.token)
    await client.connect()
    observer = Observer(client)
    finals: dict[str, list[str]] = {key: [] for key in keys}
    client.subscribe_chat(
        lambda e: (
            finals[e.session_key].append(e.run_id)
            if e.state.terminal and e.session_key in finals
            else None
        )
    )
    # Send order: every session's first message, then every session's second one.
    plan = [(key, f"{key.rsplit('-', 1)[1]}.{n}") for n in range(PER_SESSION) for key in keys]

    async def send(key: str, message: str) -> RunResult:
        handle = await client.chat_send(key, message, idempotency_key=f"load-{message}")
        return await handle.wait(30)

    # Acks come 50 ms late, so the outage also catches runs that started but were not acked;
    # history (what a reconnect reads to recover missed finals) is as slow as on a real
    # gateway with long transcripts.
    fake.faults.response_delay = 0.05
    fake.faults.delay_methods = {"chat.send", "chat.history"}
    started = time.monotonic()
    tasks = []
    offline_since: float | None = None
    for key, message in plan:  # all in flight together, a few ms apart
        tasks.append(asyncio.create_task(send(key, message)))
        await asyncio.sleep(0.004)
        if len(fake.stats.chat_sends) >= len(plan) // 2 and offline_since is None:
            # Half sent (some acked, some not): the gateway is unreachable for a while,
            # long enough for the runs it already has to finish unseen.
            await fake.go_offline()
            offline_since = time.monotonic()
    assert offline_since is not None
    await asyncio.sleep(max(0.0, offline_since + OUTAGE - time.monotonic()))
    await fake.go_online()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    seconds = time.monotonic() - started
    await asyncio.sleep(0.3)  # late duplicates would arrive now

    completed = [
        r
        for r, (_key, message) in zip(results, plan, strict=True)
        if isinstance(r, RunResult) and r.text == _reply(message)
    ]
    order_kept = 0
    for key in keys:
        sent = [f"load-{m}" for k, m in plan if k == key]
        transcript = [
            row["__openclaw"]["runId"]
            for row in await client.chat_history(key, limit=50)
            if row.get("role") == "user"
        ]
        order_kept += transcript == sent and finals[key] == sent
    duplicates = sum(max(0, len(v) - 1) for v in observer.terminal.values())
    record(
        "load",
        [
            len(plan),
            SESSIONS,
            len(completed),
            f"{order_kept}/{SESSIONS}",
            len(observer.outages),
            duplicates,
            seconds,
        ],
    )

    assert [r for r in results if not isinstance(r, RunResult)] == []
    assert len(completed) == len(plan)
    assert duplicates == 0
    assert order_kept == SESSIONS
    assert client.reconnects >= 1
    assert len(fake.stats.chat_sends) > len(plan)  # some sends had to be repeated
    assert fake.stats.runs_started == len(plan)  # ... and started nothing twice
