"""Self-checks of the fake gateway's HTTP plane with plain aiohttp."""

from __future__ import annotations

import json
from urllib.parse import quote

import aiohttp

from tests.fake_gateway import FakeGateway

TOKEN = "gw-token"


async def test_http_probes_and_hooks(gw: FakeGateway) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{gw.http_url}/healthz") as resp:
            assert resp.status == 200 and await resp.json() == {"ok": True, "status": "live"}
        async with http.get(f"{gw.http_url}/readyz") as resp:
            assert (await resp.json())["ready"] is True
        hook = f"{gw.http_url}/hooks/wake"
        body = {"text": "wake up", "mode": "now"}
        async with http.post(
            hook, json=body, headers={"Authorization": "Bearer hooks-token"}
        ) as resp:
            assert await resp.json() == {"ok": True, "mode": "now", "eventOutcome": "queued"}
        async with http.post(f"{hook}?token=hooks-token", json=body) as resp:
            assert (
                resp.status == 400
                and "query parameters are not allowed" in (await resp.json())["error"]
            )
        async with http.post(hook, json=body, headers={"x-openclaw-token": "nope"}) as resp:
            assert resp.status == 401
        async with http.post(
            hook, data=b"x" * (256 * 1024 + 1), headers={"x-openclaw-token": "hooks-token"}
        ) as resp:
            assert resp.status == 413
        gw.http_rate_limit_next(1, retry_after=7)
        async with http.post(hook, json=body, headers={"x-openclaw-token": "hooks-token"}) as resp:
            assert resp.status == 429 and resp.headers["Retry-After"] == "7"
        async with http.post(
            f"{gw.http_url}/hooks/agent",
            json={"message": "from hook", "waitForCompletion": True},
            headers={"x-openclaw-token": "hooks-token"},
        ) as resp:
            out = await resp.json()
        assert out["ok"] and out["completion"]["status"] == "ok"
        key = next(k for k in gw.sessions.sessions if ":cron:" in k)
        assert gw.sessions.sessions[key].messages[-1]["content"][0]["text"] == "ECHO: from hook"
        gw.hooks_enabled = False
        async with http.post(hook, json=body, headers={"x-openclaw-token": "hooks-token"}) as resp:
            assert resp.status == 404


async def test_http_chat_completions_stream_and_responses(gw: FakeGateway) -> None:
    url = f"{gw.http_url}/v1/chat/completions"
    req = {"model": "openclaw/default", "messages": [{"role": "user", "content": "hi you"}]}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=req) as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "error": {"message": "Unauthorized", "type": "unauthorized"}
            }
        async with http.post(url, json=req, headers=auth) as resp:
            done = await resp.json()
        assert done["object"] == "chat.completion"
        assert done["choices"][0]["message"] == {"role": "assistant", "content": "ECHO: hi you"}
        async with http.post(url, json={**req, "stream": True}, headers=auth) as resp:
            assert resp.headers["Content-Type"].startswith("text/event-stream")
            lines = [ln for ln in (await resp.text()).split("\n") if ln]
        assert lines[-1] == "data: [DONE]"
        chunks = [json.loads(ln[6:]) for ln in lines[:-1]]
        assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
        assert (
            "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "ECHO: hi you"
        )
        assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
        async with http.post(
            f"{gw.http_url}/v1/responses",
            json={"model": "openclaw", "input": "yo", "stream": True},
            headers=auth,
        ) as resp:
            text = await resp.text()
        events = [ln[7:] for ln in text.split("\n") if ln.startswith("event: ")]
        assert events[0] == "response.created" and events[-1] == "response.completed"
        assert "response.output_text.delta" in events and text.endswith("data: [DONE]\n\n")


async def test_http_session_history_pages_and_sse(gw: FakeGateway) -> None:
    for i in range(5):
        gw.add_message("main", "user", f"m{i}")
    base = f"{gw.http_url}/sessions/{quote('agent:main:main', safe='')}/history"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{gw.http_url}/sessions/agent%3Amain%3Anope/history", headers=auth
        ) as resp:
            assert resp.status == 404 and (await resp.json())["error"]["type"] == "not_found"
        async with http.get(base, params={"limit": "2"}, headers=auth) as resp:
            page = await resp.json()
        assert [m["content"] for m in page["messages"]] == ["m3", "m4"]
        assert page["items"] == page["messages"] and page["hasMore"] is True
        async with http.get(
            base, params={"limit": "2", "cursor": page["nextCursor"]}, headers=auth
        ) as resp:
            assert [m["content"] for m in (await resp.json())["messages"]] == ["m1", "m2"]
        async with http.get(base, params={"limit": "1001"}, headers=auth) as resp:
            assert resp.status == 400
        async with http.get(base, headers={**auth, "Accept": "text/event-stream"}) as resp:
            assert await resp.content.readline() == b"retry: 1000\n"
            await resp.content.readline()
            assert await resp.content.readline() == b"event: history\n"
            await resp.content.readline()
            await resp.content.readline()
            gw.add_message("main", "user", "live")
            assert await resp.content.readline() == b"event: message\n"
            data = json.loads((await resp.content.readline())[6:])
            assert data["message"]["content"] == "live" and data["messageSeq"] == 6
