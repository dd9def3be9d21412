"""GatewayHttpClient against the fake gateway: what goes over the wire and what comes back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import logging
import socket
import tracemalloc
from types import SimpleNamespace

import aiohttp
import pytest
import pytest_asyncio

from custom_components.openclaw.aioopenclaw.errors import (
    CannotConnectError,
    HooksDisabledError,
    HttpAuthError,
    HttpError,
    HttpRateLimitedError,
    NotFoundError,
    RequestTimeoutError,
)
from custom_components.openclaw.aioopenclaw.history import HistoryMessageEvent, HistoryPage
from custom_components.openclaw.aioopenclaw.http import (
    GatewayHttpClient,
    completion_text,
    response_text,
)
from custom_components.openclaw.aioopenclaw.setup_code import parse_setup_code
from tests.fake_gateway import FakeGateway

MAIN = "agent:main:main"


@dataclass
class Wire:
    """Every request the client sent: method, full URL and headers."""

    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def for_path(self, path: str) -> list[tuple[str, str, dict[str, str]]]:
        return [r for r in self.requests if path in r[1]]


@pytest_asyncio.fixture
async def wire() -> Wire:
    return Wire()


@pytest_asyncio.fixture
async def session(wire: Wire) -> AsyncIterator[aiohttp.ClientSession]:
    async def on_start(
        _session: aiohttp.ClientSession,
        _ctx: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        wire.requests.append((params.method, str(params.url), dict(params.headers)))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as client_session:
        yield client_session


@pytest.fixture
def client(fake_gateway: FakeGateway, session: aiohttp.ClientSession) -> GatewayHttpClient:
    return GatewayHttpClient(
        session,
        fake_gateway.http_url,
        token=fake_gateway.token,
        hooks_token=fake_gateway.hooks_token,
    )


def assert_no_secret_in_urls(wire: Wire, *secrets: str | None) -> None:
    for _method, url, _headers in wire.requests:
        for secret in secrets:
            assert secret is None or secret not in url


# --- webhooks -------------------------------------------------------------------------------


async def test_wake_sends_hooks_bearer_and_body(
    fake_gateway: FakeGateway, client: GatewayHttpClient, wire: Wire
) -> None:
    result = await client.wake("Doorbell rang", agent_id="main", session_key=MAIN)
    assert result == {"ok": True, "mode": "now", "eventOutcome": "queued"}
    assert fake_gateway.wakes == [
        {"text": "Doorbell rang", "mode": "now", "agentId": "main", "sessionKey": MAIN}
    ]
    await client.wake("later", mode="next-heartbeat")
    assert fake_gateway.wakes[-1] == {"text": "later", "mode": "next-heartbeat"}
    [(method, url, headers), _] = wire.for_path("/hooks/wake")
    assert (method, url) == ("POST", f"{fake_gateway.http_url}/hooks/wake")
    assert headers["Authorization"] == f"Bearer {fake_gateway.hooks_token}"
    assert_no_secret_in_urls(wire, fake_gateway.hooks_token, fake_gateway.token)


async def test_run_agent_returns_run_id_and_the_run_happens(
    fake_gateway: FakeGateway, client: GatewayHttpClient
) -> None:
    run_id = await client.run_agent(
        "Summarise the day",
        name="Daily",
        agent_id="main",
        idempotency_key="idem-1",
        deliver=False,
        thinking="low",
        timeout_seconds=60,
        model="fake/echo-1",
        wake_mode="now",
    )
    assert run_id == "idem-1"
    assert fake_gateway.hook_requests == [
        {
            "message": "Summarise the day",
            "name": "Daily",
            "agentId": "main",
            "idempotencyKey": "idem-1",
            "deliver": False,
            "thinking": "low",
            "timeoutSeconds": 60,
            "model": "fake/echo-1",
            "wakeMode": "now",
        }
    ]
    run = fake_gateway.runs.runs[run_id]
    await asyncio.wait_for(run.done.wait(), 10)
    assert run.text == "ECHO: Summarise the day"
    # Without an idempotency key the gateway picks the run id.
    other = await client.run_agent("again")
    assert other
    assert other != run_id


async def test_hooks_wrong_token_is_an_auth_error(
    fake_gateway: FakeGateway, session: aiohttp.ClientSession
) -> None:
    client = GatewayHttpClient(
        session, fake_gateway.http_url, token=fake_gateway.token, hooks_token="wrong"
    )
    with pytest.raises(HttpAuthError) as err:
        await client.wake("x")
    assert err.value.status == 401
    assert "wrong" not in str(err.value)
    assert fake_gateway.wakes == []


async def test_hooks_disabled_on_gateway(
    fake_gateway: FakeGateway, client: GatewayHttpClient
) -> None:
    fake_gateway.hooks_enabled = False
    with pytest.raises(HooksDisabledError) as err:
        await client.run_agent("x")
    assert err.value.status == 404
    assert "not enabled" in str(err.value)


async def test_hooks_wrong_path_reads_as_disabled(
    fake_gateway: FakeGateway, session: aiohttp.ClientSession
) -> None:
    client = GatewayHttpClient(
        session,
        fake_gateway.http_url,
        token=fake_gateway.token,
        hooks_token=fake_gateway.hooks_token,
        hooks_path="/webhooks",
    )
    with pytest.raises(HooksDisabledError):
        await client.wake("x")


async def test_no_hooks_token_fails_without_a_request(
    fake_gateway: FakeGateway, session: aiohttp.ClientSession, wire: Wire
) -> None:
    client = GatewayHttpClient(session, fake_gateway.http_url, token=fake_gateway.token)
    with pytest.raises(HooksDisabledError):
        await client.wake("x")
    assert wire.requests == []


async def test_hooks_gateway_token_is_not_used_for_hooks(
    fake_gateway: FakeGateway, session: aiohttp.ClientSession
) -> None:
    # The gateway token must never stand in for the hooks token.
    client = GatewayHttpClient(
        session, fake_gateway.http_url, token=fake_gateway.token, hooks_token=fake_gateway.token
    )
    with pytest.raises(HttpAuthError):
        await client.wake("x")


@pytest.mark.parametrize("retry_after", [1, 7])
async def test_rate_limited_carries_retry_after(
    fake_gateway: FakeGateway, client: GatewayHttpClient, retry_after: int
) -> None:
    fake_gateway.http_rate_limited = 3
    fake_gateway.http_retry_after = retry_after
    with pytest.raises(HttpRateLimitedError) as err:
        await client.wake("x")
    assert err.value.status == 429
    assert err.value.retry_after == float(retry_after)
    with pytest.raises(HttpRateLimitedError):
        await client.chat_completions([{"role": "user", "content": "hi"}], stream=False)
    with pytest.raises(HttpRateLimitedError):
        await client.session_history(MAIN)
    assert (await client.wake("now it works"))["ok"] is True


async def test_hooks_body_too_large_and_bad_request(client: GatewayHttpClient) -> None:
    with pytest.raises(HttpError) as err:
        await client.run_agent("x" * (300 * 1024))
    assert err.value.status == 413
    with pytest.raises(HttpError) as err:
        await client.wake("   ")
    assert err.value.status == 400
    assert "text required" in str(err.value)


# --- /v1/chat/completions -------------------------------------------------------------------


async def test_chat_completion_non_stream(
    fake_gateway: FakeGateway, client: GatewayHttpClient, wire: Wire
) -> None:
    completion = await client.chat_completions(
        [{"role": "user", "content": "hi"}], stream=False, user="ha-user"
    )
    assert completion["object"] == "chat.completion"
    assert completion_text(completion) == "ECHO: hi"
    # `user` gives a stable derived session on the gateway.
    assert fake_gateway.sessions.get("agent:main:openai-user:ha-user") is not None
    [(_m, _u, headers)] = wire.for_path("/v1/chat/completions")
    assert headers["Authorization"] == f"Bearer {fake_gateway.token}"
    assert_no_secret_in_urls(wire, fake_gateway.token)


async def test_chat_completion_stream_yields_deltas_in_order(
    fake_gateway: FakeGateway, client: GatewayHttpClient
) -> None:
    fake_gateway.script_reply(chunks=["Hel", "lo", " wor", "ld"])
    deltas = [
        d
        async for d in client.chat_completions(
            [{"role": "user", "content": "x"}], stream=True, session_key="ha-chat"
        )
    ]
    assert deltas == ["Hel", "lo", " wor", "ld"]
    session = fake_gateway.sessions.get("agent:main:ha-chat")
    assert session is not None
    assert session.messages  # the run used the session named in the header


async def test_chat_completion_stream_sends_nothing_until_iterated(
    fake_gateway: FakeGateway, client: GatewayHttpClient, wire: Wire
) -> None:
    stream = client.chat_completions([{"role": "user", "content": "x"}], stream=True)
    await asyncio.sleep(0.05)
    assert wire.requests == []
    assert [d async for d in stream] == ["ECHO:", " x"]


async def test_chat_completion_raw_chunks(client: GatewayHttpClient) -> None:
    chunks = [
        c async for c in client.iter_chat_completion_chunks([{"role": "user", "content": "a"}])
    ]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


async def test_chat_completion_errors(fake_gateway: FakeGateway, client: GatewayHttpClient) -> None:
    fake_gateway.script_reply(error="LLM request failed")
    with pytest.raises(HttpError, match="LLM request failed") as err:
        async for _ in client.chat_completions([{"role": "user", "content": "x"}], stream=True):
            pass
    assert err.value.status == 200  # the failure arrived inside the stream
    fake_gateway.script_reply(error="model down")
    with pytest.raises(HttpError, match="model down") as err:
        await client.chat_completions([{"role": "user", "content": "x"}], stream=False)
    assert err.value.status == 500
    assert err.value.error_type == "api_error"
    with pytest.raises(HttpError) as err:
        await client.chat_completions(
            [{"role": "user", "content": "x"}], stream=False, session_key="cron:nightly"
        )
    assert err.value.status == 400


async def test_chat_completion_endpoint_disabled(
    fake_gateway: FakeGateway, client: GatewayHttpClient
) -> None:
    fake_gateway.chat_completions_enabled = False
    with pytest.raises(HttpError, match=r"gateway\.http\.endpoints") as err:
        await client.chat_completions([{"role": "user", "content": "x"}], stream=False)
    assert err.value.status == 404
    assert not isinstance(err.value, HooksDisabledError)


async def test_wrong_gateway_token_is_an_auth_error(
    fake_gateway: FakeGateway, session: aiohttp.ClientSession
) -> None:
    client = GatewayHttpClient(session, fake_gateway.http_url, token="nope")
    with pytest.raises(HttpAuthError) as err:
        async for _ in client.chat_completions([{"role": "user", "content": "x"}], stream=True):
            pass
    assert err.value.status == 401
    assert err.value.error_type == "unauthorized"
    with pytest.raises(HttpAuthError):
        await client.responses("x", stream=False)
    with pytest.raises(HttpAuthError):
        await client.session_history(MAIN)


async def test_password_auth(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    async with FakeGateway(token=None, password="pw-secret") as gw:
        client = GatewayHttpClient(session, gw.http_url, token=None, password="pw-secret")
        completion = await client.chat_completions(
            [{"role": "user", "content": "hi"}], stream=False
        )
        assert completion_text(completion) == "ECHO: hi"


async def test_request_timeout(fake_gateway: FakeGateway, client: GatewayHttpClient) -> None:
    fake_gateway.script_reply(start_delay=0.6)
    with pytest.raises(RequestTimeoutError):
        await client.chat_completions(
            [{"role": "user", "content": "x"}], stream=False, request_timeout=0.2
        )
    fake_gateway.script_reply(chunks=["a", "b"], delay=0.6)
    with pytest.raises(RequestTimeoutError):
        async for _ in client.chat_completions(
            [{"role": "user", "content": "x"}], stream=True, idle_timeout=0.2
        ):
            pass
    # Let the fake's handlers see their runs end, so no server task outlives the test.
    for run in list(fake_gateway.runs.runs.values()):
        await asyncio.wait_for(run.done.wait(), 5)
    await asyncio.sleep(0.1)


async def test_unreachable_gateway(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    with socket.socket() as sock:  # a port that was just free: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = GatewayHttpClient(session, f"http://127.0.0.1:{port}", token="t", hooks_token="h")
    with pytest.raises(CannotConnectError):
        await client.session_history(MAIN)
    with pytest.raises(CannotConnectError):
        await client.wake("x")


# --- /v1/responses --------------------------------------------------------------------------


async def test_responses_non_stream_and_stream(
    fake_gateway: FakeGateway, client: GatewayHttpClient
) -> None:
    response = await client.responses("hi", stream=False, instructions="be brief")
    assert response["status"] == "completed"
    assert response_text(response) == "ECHO: hi"
    fake_gateway.script_reply(chunks=["one", " two"])
    deltas = [d async for d in client.responses([{"role": "user", "content": "x"}], stream=True)]
    assert deltas == ["one", " two"]


async def test_responses_failures(fake_gateway: FakeGateway, client: GatewayHttpClient) -> None:
    fake_gateway.script_reply(error="provider rejected")
    with pytest.raises(HttpError, match="provider rejected"):
        await client.responses("x", stream=False)
    fake_gateway.script_reply(chunks=["partial"], error="stream broke")
    got: list[str] = []
    with pytest.raises(HttpError, match="stream broke"):
        async for delta in client.responses("x", stream=True):
            got.append(delta)
    assert got == ["partial"]  # what arrived before the failure was delivered
    fake_gateway.responses_enabled = False
    with pytest.raises(HttpError) as err:
        await client.responses("x", stream=False)
    assert err.value.status == 404


# --- session history ------------------------------------------------------------------------


def seed(gw: FakeGateway, key: str, count: int, size: int = 10) -> None:
    for i in range(count):
        gw.add_message(key, "user" if i % 2 == 0 else "assistant", f"m{i:05d}" + "x" * size)


async def test_session_history_page_and_cursor(
    fake_gateway: FakeGateway, client: GatewayHttpClient, wire: Wire
) -> None:
    seed(fake_gateway, MAIN, 5)
    page = await client.session_history(MAIN, limit=2)
    assert isinstance(page, HistoryPage)
    assert page.session_key == MAIN
    assert [m["__openclaw"]["seq"] for m in page.messages] == [4, 5]
    assert page.has_more
    assert page.next_cursor == "seq:4"
    older = await client.session_history(MAIN, limit=2, cursor=page.next_cursor)
    assert [m["__openclaw"]["seq"] for m in older.messages] == [2, 3]
    oldest = await client.session_history(MAIN, limit=2, cursor=2)
    assert [m["__openclaw"]["seq"] for m in oldest.messages] == [1]
    assert not oldest.has_more
    assert oldest.next_cursor is None
    # The key is one encoded path segment; the token only in the header.
    assert wire.requests[0][1] == (
        f"{fake_gateway.http_url}/sessions/agent%3Amain%3Amain/history?limit=2"
    )
    assert_no_secret_in_urls(wire, fake_gateway.token)


async def test_session_history_key_with_reserved_characters(
    fake_gateway: FakeGateway, client: GatewayHttpClient
) -> None:
    key = "agent:main:kitchen display?x=1#a&b"
    seed(fake_gateway, key, 1)
    page = await client.session_history(key)
    assert page.session_key == key
    assert len(page.messages) == 1


async def test_session_history_not_found(client: GatewayHttpClient) -> None:
    with pytest.raises(NotFoundError, match="not found"):
        await client.session_history("agent:main:nope")


async def test_iter_session_history_walks_back_to_the_start(
    fake_gateway: FakeGateway, client: GatewayHttpClient
) -> None:
    seed(fake_gateway, MAIN, 2500)
    pages = [page async for page in client.iter_session_history(MAIN, page_size=1000)]
    assert [len(p.messages) for p in pages] == [1000, 1000, 500]
    seqs = [m["__openclaw"]["seq"] for p in pages for m in p.messages]
    assert sorted(seqs) == list(range(1, 2501))  # every message exactly once
    assert pages[0].messages[0]["__openclaw"]["seq"] == 1501  # newest page first
    assert not pages[-1].has_more


async def test_iter_session_history_memory_is_bounded_by_the_page(
    fake_gateway: FakeGateway, client: GatewayHttpClient
) -> None:
    seed(fake_gateway, MAIN, 2000, size=4000)  # about 8 MB of text in the transcript
    count = 0
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)  # debug mode records a stack per callback: noise, and slow to trace
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        async for page in client.iter_session_history(MAIN, page_size=50):
            count += len(page.messages)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        loop.set_debug(debug)
    assert count == 2000
    # One page is ~200 KB of text (measured peak ~1.75 MB, the fake's side of each request
    # included); holding every page would take more than the 8 MB transcript itself.
    assert peak - base < 3_000_000


async def test_stream_session_history(
    fake_gateway: FakeGateway, client: GatewayHttpClient, wire: Wire
) -> None:
    seed(fake_gateway, MAIN, 3)
    fake_gateway.sse_keepalive_s = 0.05  # keepalive comments must be ignored
    stream = client.stream_session_history(MAIN, idle_timeout=5)
    first = await anext(stream)
    assert isinstance(first, HistoryPage)
    assert len(first.messages) == 3
    await asyncio.sleep(0.2)  # a few keepalives
    fake_gateway.add_message(MAIN, "assistant", "new reply")
    second = await asyncio.wait_for(anext(stream), 5)
    assert isinstance(second, HistoryMessageEvent)
    assert second.session_key == MAIN
    assert second.message_seq == 4
    assert second.message["content"] == [{"type": "text", "text": "new reply"}]
    await stream.aclose()
    [(_m, _u, headers)] = wire.requests
    assert headers["Accept"] == "text/event-stream"
    assert headers["Authorization"] == f"Bearer {fake_gateway.token}"


async def test_stream_session_history_idle_timeout(
    fake_gateway: FakeGateway, client: GatewayHttpClient
) -> None:
    seed(fake_gateway, MAIN, 1)
    fake_gateway.sse_keepalive_s = 30
    stream = client.stream_session_history(MAIN, idle_timeout=0.3)
    assert isinstance(await anext(stream), HistoryPage)
    with pytest.raises(RequestTimeoutError):
        await anext(stream)


async def test_stream_session_history_errors(client: GatewayHttpClient) -> None:
    with pytest.raises(NotFoundError):
        async for _ in client.stream_session_history("agent:main:missing"):
            pass


# --- secrets --------------------------------------------------------------------------------


async def test_tokens_never_logged(
    fake_gateway: FakeGateway,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    good = GatewayHttpClient(
        session,
        fake_gateway.http_url,
        token=fake_gateway.token,
        hooks_token=fake_gateway.hooks_token,
    )
    bad = GatewayHttpClient(session, fake_gateway.http_url, token="bad-secret", hooks_token="bad2")
    seed(fake_gateway, MAIN, 1)
    await good.wake("x")
    await good.session_history(MAIN)
    errors: list[Exception] = []
    for call in (bad.wake("x"), bad.session_history(MAIN)):
        try:
            await call
        except HttpAuthError as err:
            errors.append(err)
    assert len(errors) == 2
    text = caplog.text + " ".join(str(e) for e in errors)
    for secret in (fake_gateway.token, fake_gateway.hooks_token, "bad-secret", "bad2"):
        assert secret
        assert secret not in text


async def test_fake_gateway_setup_code_parses(fake_gateway: FakeGateway) -> None:
    code = parse_setup_code(fake_gateway.issue_setup_code())
    assert code.url == fake_gateway.url
    assert code.http_base_url == fake_gateway.http_url
    assert code.expires_at_ms is not None
