"""GatewayClient against the fake gateway, over a real socket: handshake, auth, runs, recovery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import random
from typing import Any

import aiohttp
import pytest

from custom_components.openclaw.aioopenclaw import (
    ChatEvent,
    DeviceIdentity,
    GatewayClient,
    RunState,
    backoff_delays,
)
from custom_components.openclaw.aioopenclaw.connection import MAX_MESSAGE_SIZE
from custom_components.openclaw.aioopenclaw.errors import (
    BootstrapTokenInvalidError,
    ConnectionClosedError,
    DeviceTokenMismatchError,
    InvalidRequestError,
    MissingScopeError,
    PairingRequiredError,
    ProtocolMismatchError,
    RunAbortedError,
    RunFailedError,
    ScopeMismatchError,
    TokenMismatchError,
    UnavailableError,
    UnknownMethodError,
)
from custom_components.openclaw.aioopenclaw.setup_code import parse_setup_code
from tests.fake_gateway import FakeGateway

MAIN = "agent:main:main"
FAST_BACKOFF = (0.05, 0.2)


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for something the fake or the client does asynchronously."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polling state the fake and client change
            await asyncio.sleep(0.01)


@pytest.fixture
async def gateway(socket_enabled: None) -> AsyncIterator[FakeGateway]:
    async with FakeGateway() as gw:
        yield gw


@pytest.fixture
async def http_session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def make_client(
    http_session: aiohttp.ClientSession,
) -> AsyncIterator[Callable[..., GatewayClient]]:
    """Clients on the test's session; each is closed when the test ends."""
    clients: list[GatewayClient] = []

    def make(gw: FakeGateway, **kwargs: Any) -> GatewayClient:
        kwargs.setdefault("identity", DeviceIdentity.generate())
        kwargs.setdefault("backoff", FAST_BACKOFF)
        if not {"token", "password", "device_token", "bootstrap_token"} & kwargs.keys():
            kwargs["token"] = gw.token
        client = GatewayClient(http_session, gw.url, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


class ChatLog:
    """Every chat event the client delivered, for exactly-once assertions."""

    def __init__(self, client: GatewayClient) -> None:
        self.events: list[ChatEvent] = []
        client.subscribe_chat(self.events.append)

    def terminal(self, run_id: str) -> list[ChatEvent]:
        return [e for e in self.events if e.run_id == run_id and e.state.terminal]


# -- handshake and auth --------------------------------------------------------------------


async def test_connect_reads_hello_and_stores_the_device_token(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    tokens: list[str | None] = []
    client = make_client(gateway, on_device_token=tokens.append)
    hello = await client.connect()
    assert hello.protocol == 4
    assert hello.server_version == gateway.server_version
    assert "chat.send" in hello.methods and client.supports("chat.send")
    assert hello.main_session_key == MAIN
    assert hello.policy.tick_interval_ms == gateway.tick_interval_ms
    # Paired with the shared token: the gateway issues a device token we must keep.
    assert tokens and tokens[0] == client.device_token and client.credential_kind == "device_token"
    sent = gateway.stats.last_connect
    assert sent is not None
    assert (sent["minProtocol"], sent["maxProtocol"]) == (3, 4)
    assert sent["client"]["id"] == "gateway-client" and sent["client"]["mode"] == "backend"
    assert sent["scopes"] == ["operator.read", "operator.write"]


async def test_a_protocol_3_gateway_is_accepted(
    socket_enabled: None, make_client: Callable[..., GatewayClient]
) -> None:
    async with FakeGateway(protocol=3, server_version="2026.3.24") as gw:
        client = make_client(gw)
        hello = await client.connect()
        assert hello.protocol == 3
        run = await client.chat_send(MAIN, "old gateway")
        assert (await run.wait(5)).text == "ECHO: old gateway"
        await client.close()


async def test_a_gateway_outside_our_protocol_range_is_a_typed_error(
    socket_enabled: None, make_client: Callable[..., GatewayClient]
) -> None:
    async with FakeGateway(protocol=5) as gw:
        with pytest.raises(ProtocolMismatchError):
            await make_client(gw).connect()


async def test_wrong_token_is_a_typed_error_with_retry_guidance(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    client = make_client(gateway, token="wrong")
    with pytest.raises(TokenMismatchError) as err:
        await client.connect()
    assert err.value.detail_code == "AUTH_TOKEN_MISMATCH"
    assert err.value.recommended_next_step is not None
    assert "wrong" not in str(err.value)
    assert not client.connected


async def test_pairing_required_then_approved(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    gateway.require_pairing = True
    identity = DeviceIdentity.generate()
    client = make_client(gateway, identity=identity)
    with pytest.raises(PairingRequiredError) as first:
        await client.connect()
    assert first.value.request_id
    # Polling with the same identity reuses the pending request.
    with pytest.raises(PairingRequiredError) as second:
        await client.connect()
    assert second.value.request_id == first.value.request_id
    assert gateway.approve(first.value.request_id)
    hello = await client.connect()
    assert hello.device_token and client.device_token == hello.device_token


async def test_setup_code_pairs_and_the_device_token_then_works_alone(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    code = parse_setup_code(gateway.issue_setup_code())
    assert code.url == gateway.url
    identity = DeviceIdentity.generate()
    client = make_client(gateway, identity=identity, bootstrap_token=code.bootstrap_token)
    hello = await client.connect()
    assert hello.device_token
    await client.close()
    again = make_client(gateway, identity=identity, device_token=hello.device_token)
    assert (await again.connect()).protocol == 4
    assert gateway.stats.last_connect is not None
    assert "bootstrapToken" not in gateway.stats.last_connect["auth"]
    # The bootstrap token is bound to the first device: another one is refused.
    other = make_client(gateway, bootstrap_token=code.bootstrap_token)
    with pytest.raises(BootstrapTokenInvalidError):
        await other.connect()


async def test_a_revoked_device_token_is_a_typed_error(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    identity = DeviceIdentity.generate()
    first = make_client(gateway, identity=identity)
    hello = await first.connect()
    await first.close()
    gateway.revoke(identity.device_id)
    client = make_client(gateway, identity=identity, device_token=hello.device_token)
    with pytest.raises(DeviceTokenMismatchError):
        await client.connect()


async def test_asking_for_more_scopes_than_approved(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    identity = DeviceIdentity.generate()
    hello = await make_client(gateway, identity=identity).connect()
    wider = make_client(
        gateway,
        identity=identity,
        device_token=hello.device_token,
        scopes=("operator.read", "operator.write", "operator.admin"),
    )
    with pytest.raises(ScopeMismatchError):
        await wider.connect()


async def test_startup_unavailable_is_retryable_with_its_delay(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    gateway.faults.refuse_connects = 1
    client = make_client(gateway)
    with pytest.raises(UnavailableError) as err:
        await client.connect()
    assert err.value.retryable and err.value.retry_after_ms == 500
    await client.connect()


# -- requests ------------------------------------------------------------------------------


async def test_typed_request_errors_and_input_validation(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    client = make_client(gateway)
    await client.connect()
    with pytest.raises(InvalidRequestError):
        await client.chat_history(MAIN, limit=1001)
    assert gateway.stats.requests["chat.history"] == 0  # refused before sending
    with pytest.raises(UnknownMethodError):
        await client.request("no.such.method", {})
    with pytest.raises(MissingScopeError) as err:
        await client.request("device.pair.list", {})
    assert err.value.missing_scope == "operator.pairing"
    with pytest.raises(InvalidRequestError):
        await client.request("chat.history", {"sessionKey": MAIN, "bogus": 1})


async def test_sessions_agents_patch_and_preview(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    keys = gateway.add_sessions(5)
    client = make_client(gateway)
    await client.connect()
    agents = await client.agents_list()
    assert [a.agent_id for a in agents] == ["main"]
    sessions = await client.sessions_list(limit=3)
    assert len(sessions) == 3 and all(s.key in keys for s in sessions)
    row = await client.sessions_patch(keys[0], fastMode=True)
    assert row.get("fastMode") is True or row.get("entry", {}).get("fastMode") is True
    previews = await client.sessions_preview([keys[0]])
    assert previews[0]["key"] == keys[0]


# -- runs ----------------------------------------------------------------------------------


async def test_chat_send_streams_deltas_in_order_then_one_final(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    gateway.script_reply(
        chunks=["The ", "quick ", "brown ", "fox"], usage={"input": 5, "output": 4}
    )
    client = make_client(gateway)
    await client.connect()
    log = ChatLog(client)
    run = await client.chat_send(MAIN, "hi", idempotency_key="run-1")
    assert run.run_id == "run-1" and run.ack is not None and run.ack.status == "started"
    assert gateway.stats.last_chat_send is not None
    assert gateway.stats.last_chat_send["idempotencyKey"] == "run-1"
    deltas = [e.delta async for e in run.events() if e.state is RunState.DELTA]
    assert "".join(deltas) == "The quick brown fox"
    result = await run.wait(5)
    assert result.text == "The quick brown fox"
    # Like 2026.9.6: the final carries no usage, an agent event the output tokens...
    assert result.usage is not None and result.usage.output_tokens == 4
    # ... and the run's transcript row the whole of it.
    usage = await client.run_usage(MAIN, "run-1")
    assert usage is not None and (usage.input_tokens, usage.total_tokens) == (5, 9)
    assert len(log.terminal("run-1")) == 1


async def test_a_failed_run_raises_once_even_with_two_error_events(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    gateway.script_reply(error="LLM request failed: provider rejected the request")
    client = make_client(gateway)
    await client.connect()
    log = ChatLog(client)
    run = await client.chat_send(MAIN, "fail please")
    with pytest.raises(RunFailedError) as err:
        await run.wait(5)
    assert "provider rejected" in str(err.value)
    await asyncio.sleep(0.1)  # let the gateway's second error event arrive
    errors = log.terminal(run.run_id)
    assert [e.state for e in errors] == [RunState.ERROR]


async def test_abort_keeps_the_partial_text(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    gateway.script_reply(chunks=["tick0 ", "tick1 ", "tick2 "], delay=0.2, hang=True)
    client = make_client(gateway)
    await client.connect()
    run = await client.chat_send(MAIN, "slow")
    async for event in run.events():
        if event.state is RunState.DELTA:
            break
    answer = await client.chat_abort(MAIN, run.run_id)
    assert answer["aborted"] is True
    with pytest.raises(RunAbortedError) as err:
        await run.wait(5)
    assert err.value.partial_text.startswith("tick0")


async def test_resending_a_finished_key_starts_nothing(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    client = make_client(gateway)
    await client.connect()
    first = await (await client.chat_send(MAIN, "once", idempotency_key="k1")).wait(5)
    again = await client.chat_send(MAIN, "once", idempotency_key="k1")
    assert (await again.wait(5)).text == first.text
    assert gateway.stats.runs_started == 1


# -- recovery ------------------------------------------------------------------------------


async def test_drop_mid_run_delivers_the_final_exactly_once(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    gateway.script_reply(chunks=["a ", "b ", "c ", "d"], delay=0.05)
    gateway.faults.drop_after_deltas = 2
    client = make_client(gateway)
    await client.connect()
    log = ChatLog(client)
    run = await client.chat_send(MAIN, "drop me")
    result = await run.wait(10)
    assert result.text == "a b c d"
    await asyncio.sleep(0.2)
    assert len(log.terminal(run.run_id)) == 1
    assert client.reconnects >= 1


async def test_drop_just_before_the_final_recovers_it_from_history(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    gateway.script_reply(chunks=["x ", "y"])
    gateway.faults.drop_before_final = True
    client = make_client(gateway)
    await client.connect()
    log = ChatLog(client)
    run = await client.chat_send(MAIN, "final lost")
    result = await run.wait(10)
    assert result.text == "x y"
    finals = log.terminal(run.run_id)
    assert len(finals) == 1 and finals[0].resynced
    assert gateway.stats.requests["chat.history"] >= 1


async def test_drop_before_the_ack_resends_with_the_same_key(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    gateway.faults.drop_before_ack = True
    client = make_client(gateway)
    await client.connect()
    run = await client.chat_send(MAIN, "no ack", idempotency_key="same-key")
    assert (await run.wait(10)).text == "ECHO: no ack"
    keys = [send["idempotencyKey"] for send in gateway.stats.chat_sends]
    assert keys == ["same-key", "same-key"]
    assert gateway.stats.runs_started == 1


async def test_abrupt_tcp_cut_and_restart_reconnect_and_restore_subscriptions(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    client = make_client(gateway)
    states: list[bool] = []
    client.subscribe_connection(lambda connected, _err: states.append(connected))
    await client.connect()
    messages: list[str] = []
    await client.subscribe_session_messages(MAIN, lambda m: messages.append(m.text))
    await gateway.drop_all(abrupt=True)
    await until(lambda: client.connected and states[-1] is True)
    await gateway.restart(unavailable_for=0.3)
    await until(lambda: client.connected and client.reconnects >= 2, timeout=10)
    await until(lambda: gateway.stats.requests["sessions.messages.subscribe"] >= 3)
    run = await client.chat_send(MAIN, "after restart")
    await run.wait(5)
    await until(lambda: "ECHO: after restart" in messages)
    assert states.count(False) >= 2


async def test_malformed_frames_are_ignored_and_oversized_ones_reconnect(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    client = make_client(gateway)
    await client.connect()
    gateway.send_malformed()
    assert await client.health()  # still connected and answering
    gateway.send_oversized(MAX_MESSAGE_SIZE + 1)  # past what we accept: the socket closes
    await until(lambda: client.reconnects >= 1 and client.connected)
    assert (await (await client.chat_send(MAIN, "still fine")).wait(5)).text == "ECHO: still fine"


async def test_a_seq_gap_triggers_a_resync(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    gateway.script_reply(chunks=["one ", "two"], delay=0.1)
    client = make_client(gateway)
    await client.connect()
    run = await client.chat_send(MAIN, "gap")
    gateway.skip_seq(3)
    await run.wait(5)
    await until(lambda: gateway.stats.requests["chat.history"] >= 1)


async def test_tick_watchdog_reconnects_a_stalled_link(
    socket_enabled: None, make_client: Callable[..., GatewayClient]
) -> None:
    async with FakeGateway(tick_interval_ms=200) as gw:
        client = make_client(gw)
        await client.connect()
        gw.stall()
        await asyncio.sleep(0.6)  # more than two tick intervals with nothing arriving
        gw.resume()
        await until(lambda: client.reconnects >= 1 and client.connected, timeout=5)
        await client.close()


async def test_revoked_while_connected_stops_reconnecting_and_reports_it(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    identity = DeviceIdentity.generate()
    pairing = make_client(gateway, identity=identity)
    hello = await pairing.connect()
    await pairing.close()
    client = make_client(gateway, identity=identity, device_token=hello.device_token)
    errors: list[BaseException] = []
    client.subscribe_connection(lambda _c, err: errors.append(err) if err else None)
    await client.connect()
    gateway.revoke(identity.device_id)
    await gateway.drop_all()
    await until(lambda: bool(errors))
    assert isinstance(errors[0], DeviceTokenMismatchError)
    attempts = gateway.stats.connect_attempts
    await asyncio.sleep(0.5)
    assert gateway.stats.connect_attempts == attempts  # no hammering with a dead token


async def test_requests_fail_fast_when_disconnected(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    client = make_client(gateway)
    with pytest.raises(ConnectionClosedError):
        await client.health()


def test_backoff_grows_to_thirty_seconds_with_jitter() -> None:
    it = iter(backoff_delays(rng=random.Random(7)))
    values = [next(it) for _ in range(8)]
    bases = [1, 2, 4, 8, 16, 30, 30, 30]
    for value, base in zip(values, bases, strict=True):
        assert 0.8 * base <= value <= 1.2 * base
    assert len({round(v / b, 6) for v, b in zip(values, bases, strict=True)}) > 1  # jittered


async def test_a_planned_restart_is_retried_sooner_than_the_normal_backoff(
    gateway: FakeGateway, make_client: Callable[..., GatewayClient]
) -> None:
    """After the gateway's `shutdown` event the first retry comes at ~0.25 s, not ~1 s."""
    client = make_client(gateway, backoff=(1.0, 30.0))
    await client.connect()
    await gateway.restart(unavailable_for=0.05)
    # The default backoff's first retry waits 0.8-1.2 s; the restart-aware one 0.2-0.3 s.
    await until(lambda: client.connected and client.reconnects == 1, timeout=0.7)
