"""A deterministic OpenAI-compatible model server that the real gateway uses as its LLM.

It runs in its own process (``python fake_model.py --port-file F``) so that pytest-socket,
which replaces ``socket.socket`` for every test that did not ask for sockets, can never break
a background call the gateway makes between tests. ``FakeModel`` is the test-side handle: it
starts the process and talks to its control API (``/_fake/…``) with the standard library.

Reply to a chat turn: ``ECHO: <text>``, where ``<text>`` is the user's text recovered from
the gateway's prompt. The text's prefix picks a mode:

``slow:``      60 pieces (``tick0 `` … ``tick59 ``) 0.5 s apart, for chat.abort tests
``fail400:``   HTTP 400 ``invalid_request_error`` at once (the gateway fails the run fast)
``fail500:``   HTTP 500 (the gateway retries ~8 times over ~80 s; avoid in tests)

Calls that carry no test text (heartbeat, cron, memory jobs) get ``NO_REPLY``. A heartbeat
that carries queued system events (``/hooks/wake``'s text, "New session created", a hook's
result) gets ``WAKE: <event> | <event> …``; the request log lists them under ``events``.
``FakeModel.push_mode`` overrides the mode of the next chat turns whatever their text.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
import subprocess
import sys
import time
from typing import Any
import urllib.request
import uuid

# ---------------------------------------------------------------------------------------------
# Recovering the test's text from the gateway's prompt (real-gateway reference §9)
# ---------------------------------------------------------------------------------------------

INTERNAL_CONTEXT_MARK = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>"
_TIMESTAMP_PREFIX = re.compile(
    r"^\[[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})? [^\]]*\] "
)
_EXTERNAL = re.compile(
    r"<<<EXTERNAL_UNTRUSTED_CONTENT[^>]*>>>(?P<body>.*?)<<<END_EXTERNAL_UNTRUSTED_CONTENT",
    re.DOTALL,
)
# Before 2026.9 the user text follows metadata blocks such as
# "Sender (untrusted metadata):\n```json\n{...}\n```\n\n".
_METADATA_BLOCK = re.compile(r"^[^\n]*\(untrusted metadata\):\n```[a-z]*\n.*?\n```\n+", re.DOTALL)
# The internal context quotes each item as a JSON string; queued system events (a wake's
# text, "New session created ...") are its lines "System: [<ts>] <text>".
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SYSTEM_LINE = re.compile(r"^System: \[[^\]]*\] (?P<text>.+)$", re.MULTILINE)
_MODES = ("slow", "fail400", "fail500")


def content_text(content: Any) -> str:
    """Flatten an OpenAI message ``content`` (string or list of parts) to text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        return "".join(p for p in parts if isinstance(p, str))
    return ""


@dataclass
class Turn:
    """What one model request asks for, as far as the fake cares."""

    kind: str  # "chat" | "hook" | "wake" | "background"
    text: str  # the recovered test text ("" for background calls)
    events: tuple[str, ...] = ()  # queued system events (a wake's text among them)


def system_events(internal_context: str) -> list[str]:
    """The ``System: [<ts>] <text>`` events quoted in an internal-context message."""
    events = []
    for quoted in _JSON_STRING.findall(internal_context):
        try:
            item = json.loads(quoted)
        except ValueError:
            continue
        events.extend(m.group("text").strip() for m in _SYSTEM_LINE.finditer(item))
    return events


def classify(messages: list[dict[str, Any]]) -> Turn:
    """Recover the test's text from the messages the gateway sent."""
    last_assistant = max(
        (i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1
    )
    user_texts = [
        content_text(m.get("content"))
        for m in messages[last_assistant + 1 :]
        if m.get("role") == "user"
    ]
    events: list[str] = []
    texts: list[str] = []
    for raw in user_texts:
        if INTERNAL_CONTEXT_MARK in raw:
            events.extend(system_events(raw))
            continue
        texts.append(raw)
    for raw in reversed(texts):
        external = _EXTERNAL.search(raw)
        if external:
            body = external.group("body")
            body = body.split("\n---\n", 1)[1] if "\n---\n" in body else body
            return Turn("hook", body.strip())
        text = raw
        while _METADATA_BLOCK.match(text):
            text = _METADATA_BLOCK.sub("", text, count=1)
        text = _TIMESTAMP_PREFIX.sub("", text, count=1)
        text = text.split("\n\nRuntime:", 1)[0].strip()
        if "NO_REPLY" in text and "heartbeat" in text.lower():
            break  # the heartbeat prompt itself is not a test text
        if text:
            return Turn("chat", text)
    if events:
        return Turn("wake", events[-1], tuple(events))
    return Turn("background", "")


def mode_of(text: str) -> str:
    """The mode a text's prefix selects (``echo`` when none)."""
    head = text.split(":", 1)[0].strip().lower() if ":" in text else ""
    return head if head in _MODES else "echo"


def split_pieces(reply: str) -> list[str]:
    """Stream a reply word by word (each piece keeps its trailing space)."""
    return re.findall(r"\S+\s*", reply) or [reply]


# ---------------------------------------------------------------------------------------------
# The server (runs in the child process)
# ---------------------------------------------------------------------------------------------


class _State:
    def __init__(self, piece_delay: float) -> None:
        self.requests: list[dict[str, Any]] = []
        self.bodies: list[dict[str, Any]] = []  # last few raw bodies, for debugging
        self.pushed: list[dict[str, Any]] = []  # modes forced for the next chat turns
        self.default_piece_delay = piece_delay
        self.reset()

    def reset(self) -> None:
        self.requests.clear()
        self.bodies.clear()
        self.pushed.clear()
        self.piece_delay = self.default_piece_delay
        self.slow_pieces = 60
        self.slow_interval = 0.5


def _chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _usage(messages: list[dict[str, Any]], reply: str) -> dict[str, int]:
    prompt = sum(len(json.dumps(m.get("content", ""))) for m in messages) // 4
    completion = max(1, len(reply.split()))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def build_app(state: _State) -> Any:
    from aiohttp import web

    def error(status: int, kind: str, message: str) -> web.Response:
        body = {"error": {"message": message, "type": kind, "code": kind}}
        return web.json_response(body, status=status)

    async def models(_request: web.Request) -> web.Response:
        return web.json_response(
            {"object": "list", "data": [{"id": "echo-1", "object": "model", "owned_by": "fake"}]}
        )

    async def completions(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        messages = body.get("messages") or []
        turn = classify(messages)
        mode = mode_of(turn.text) if turn.kind in ("chat", "hook") else "echo"
        if turn.kind in ("chat", "hook") and state.pushed:
            mode = str(state.pushed.pop(0)["mode"])
        if turn.kind == "background":
            reply = "NO_REPLY"
        elif turn.kind == "wake":
            reply = "WAKE: " + " | ".join(turn.events)
        else:
            reply = f"ECHO: {turn.text}"
        stream = bool(body.get("stream"))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        record = {
            "index": len(state.requests),
            "ts": time.time(),
            "kind": turn.kind,
            "text": turn.text,
            "events": list(turn.events),
            "mode": mode,
            "stream": stream,
            "include_usage": include_usage,
            "model": body.get("model"),
            "messages": len(messages),
            "tools": len(body.get("tools") or []),
            "status": None,
            "completed": False,
        }
        state.requests.append(record)
        state.bodies = [*state.bodies[-9:], body]

        if mode == "fail400":
            record["status"] = 400
            return error(400, "invalid_request_error", "fake model: rejected on purpose")
        if mode == "fail500":
            record["status"] = 500
            return error(500, "server_error", "fake model: internal error on purpose")

        cid = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        model = str(body.get("model") or "echo-1")
        if mode == "slow":
            pieces = [f"tick{i} " for i in range(state.slow_pieces)]
            delay = state.slow_interval
            reply = "".join(pieces)
        else:
            pieces = split_pieces(reply)
            delay = state.piece_delay
        usage = _usage(messages, reply)
        record["status"] = 200

        if not stream:
            record["completed"] = True
            return web.json_response(
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            )

        response = web.StreamResponse(
            status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        response.enable_chunked_encoding()
        await response.prepare(request)

        async def send(payload: Any) -> None:
            data = (
                payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
            )
            await response.write(f"data: {data}\n\n".encode())

        try:
            await send(_chunk(cid, model, {"role": "assistant", "content": ""}, None))
            for i, piece in enumerate(pieces):
                if i and delay:
                    await asyncio.sleep(delay)
                await send(_chunk(cid, model, {"content": piece}, None))
            await send(_chunk(cid, model, {}, "stop"))
            if include_usage:
                await send({**_chunk(cid, model, {}, None), "choices": [], "usage": usage})
            await send("[DONE]")
            await response.write_eof()
            record["completed"] = True
        except BaseException:  # ConnectionError or cancellation: the gateway hung up
            record["aborted"] = True
            raise
        return response

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def list_requests(request: web.Request) -> web.Response:
        if request.query.get("bodies"):
            return web.json_response(state.bodies)
        return web.json_response(state.requests)

    async def control(request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        action = request.match_info["action"]
        if action == "reset":
            state.reset()
        elif action == "push":
            state.pushed.append({"mode": str(body["mode"])})
        elif action == "config":
            state.piece_delay = float(body.get("piece_delay", state.piece_delay))
            state.slow_pieces = int(body.get("slow_pieces", state.slow_pieces))
            state.slow_interval = float(body.get("slow_interval", state.slow_interval))
        else:
            raise web.HTTPNotFound()
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", completions)
    app.router.add_get("/_fake/requests", list_requests)
    app.router.add_get("/_fake/health", health)
    app.router.add_post("/_fake/{action}", control)
    return app


async def serve(port_file: Path, piece_delay: float) -> None:
    from aiohttp import web

    runner = web.AppRunner(build_app(_State(piece_delay)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server  # the only way to learn the bound port
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    tmp = port_file.with_suffix(".tmp")
    tmp.write_text(str(port))
    tmp.replace(port_file)  # atomic: the parent never reads half a number
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--piece-delay", type=float, default=0.05)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port_file, args.piece_delay))


# ---------------------------------------------------------------------------------------------
# Test-side handle (runs in the pytest process; no event loop, no threads)
# ---------------------------------------------------------------------------------------------


class FakeModel:
    """Starts the fake model server in a child process and drives its control API."""

    def __init__(self, work_dir: Path, *, piece_delay: float = 0.05) -> None:
        self.work_dir = work_dir
        self.piece_delay = piece_delay
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """What the gateway's provider config needs (``baseUrl`` includes ``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 20.0) -> None:
        port_file = self.work_dir / "fake-model.port"
        port_file.unlink(missing_ok=True)
        log = open(self.work_dir / "fake-model.log", "ab")  # noqa: SIM115 - owned by the child
        self._proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--port-file",
                str(port_file),
                "--piece-delay",
                str(self.piece_delay),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not port_file.exists():
            if self._proc.poll() is not None:
                raise RuntimeError(f"fake model exited early; see {self.work_dir}/fake-model.log")
            if time.monotonic() > deadline:
                raise RuntimeError("fake model did not start")
            time.sleep(0.05)
        self.port = int(port_file.read_text())

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        self._proc = None

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    # -- control API (each call is a few ms on loopback) --

    def requests(self) -> list[dict[str, Any]]:
        """Every model request seen since the last reset, oldest first."""
        result: list[dict[str, Any]] = self._call("GET", "/_fake/requests")
        return result

    def chat_requests(self, text: str | None = None) -> list[dict[str, Any]]:
        """The requests that carried a test text (optionally exactly ``text``)."""
        return [
            r
            for r in self.requests()
            if r["kind"] in ("chat", "hook") and (text is None or r["text"] == text)
        ]

    def last_bodies(self) -> list[dict[str, Any]]:
        """The raw bodies of the last ten requests (large: ~60 KB each)."""
        result: list[dict[str, Any]] = self._call("GET", "/_fake/requests?bodies=1")
        return result

    def reset(self) -> None:
        """Forget the requests seen and undo ``push_mode``/``configure``."""
        self._call("POST", "/_fake/reset", {})

    def push_mode(self, mode: str) -> None:
        """Force ``mode`` (``echo``, ``slow``, ``fail400``, ``fail500``) for the next turn."""
        self._call("POST", "/_fake/push", {"mode": mode})

    def configure(self, **settings: float) -> None:
        """Tune ``piece_delay``, ``slow_pieces`` or ``slow_interval``."""
        self._call("POST", "/_fake/config", settings)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
