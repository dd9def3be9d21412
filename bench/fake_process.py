"""Parent-side handle of ``bench/gateway_proc.py``: the fake gateway in a child process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import sys
from typing import Any

REPO = Path(__file__).resolve().parents[1]


class FakeGatewayProcess:
    """``async with FakeGatewayProcess(agents=[...]) as gw: await gw.call("blast", ...)``."""

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self.url = ""
        self.http_url = ""
        self.token = ""

    async def __aenter__(self) -> FakeGatewayProcess:
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.gateway_proc",
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 26,
        )
        started = await self.call("start", kwargs=self._kwargs)
        self.url, self.http_url, self.token = started["url"], started["http_url"], started["token"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            await asyncio.wait_for(self.call("stop"), 10)
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError, RuntimeError, ConnectionError:
            proc.kill()
            await proc.wait()
        self._proc = None

    async def call(self, op: str, **params: Any) -> dict[str, Any]:
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        async with self._lock:
            proc.stdin.write(json.dumps({"op": op, **params}).encode() + b"\n")
            await proc.stdin.drain()
            line = await proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the gateway process ended during {op}")
        answer: dict[str, Any] = json.loads(line)
        if not answer.pop("ok"):
            raise RuntimeError(f"gateway {op}: {answer['error']}")
        return answer
