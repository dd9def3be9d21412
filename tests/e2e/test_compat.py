"""The compatibility smoke set against the older tested releases (2026.3.24 and 2026.5.12).

Each release boots once for the whole module (``compat_gateway_process``, parametrized by
``compat_versions()``); the full suite runs against the latest elsewhere. The set: pairing,
a streamed reply with its usage, a message sent right after a reply, abort, history (WS, and
HTTP through the integration), hooks, Home Assistant's send action, the repair issue of the
node option, and a gateway restart in the middle of a run (last: it costs one more boot).
The module passes on every tested release: ``OPENCLAW_COMPAT_VERSIONS=2026.9.6`` runs it
against the latest too.

What differs by release, measured (and what the client does about it):
- 2026.3.24 speaks protocol 3, 2026.5.12 and later protocol 4 (the client offers 3..4).
- Transcript rows name their run only from 2026.9.x: older finals and usage are found by
  content (``aioopenclaw/transcript.py``).
- 2026.3.24 does not ask the model for usage and records zeros: usage is reported missing.
- 2026.5.12 acknowledges a message sent while the session is still busy with an empty final
  and runs it later under another run id: the client waits for the real reply.
- 2026.5.12 refuses ``GET /sessions/{key}/history`` with the gateway token (403 missing
  scope): the integration reads ``chat.history`` over WS instead.
- 2026.3.24 and 2026.5.12 drop a run on SIGTERM (2026.9.6 finishes it first): the client
  ends it with an error once reconnected.
- 2026.3.24's setup codes pair only the `node` role: Home Assistant needs the gateway token.
- ``node.pluginTools.update`` and the ``node.invoke.cancel`` event exist from 2026.9.6 only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import time
import uuid

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.openclaw.aioopenclaw import (
    BootstrapTokenInvalidError,
    DeviceIdentity,
    GatewayClient,
    RunAbortedError,
    RunFailedError,
    RunState,
    message_text,
)
from custom_components.openclaw.aioopenclaw.client import LOST_RUN_MESSAGE
from custom_components.openclaw.aioopenclaw.features import FEATURES, Feature, supported
from custom_components.openclaw.aioopenclaw.http import GatewayHttpClient
from custom_components.openclaw.aioopenclaw.setup_code import parse_setup_code
from custom_components.openclaw.const import DOMAIN

from .fake_model import FakeModel
from .gateway import Gateway, compat_versions, version_key
from .ha_fixtures import FIRST_TURN_TIMEOUT, async_setup_core, loaded_entry, shared_token_entry
from .helpers import TURN_TIMEOUT, ChatLog, connected_client, unique_session, unique_text, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize(
        "compat_gateway_process", compat_versions(), indirect=True, scope="module"
    ),
]

# Measured per release (see the module docstring); keyed by the first release that does it.
PROTOCOL_4_FROM = (2026, 5, 12)
NODE_TOOLS_FROM = (2026, 9, 6)
OPERATOR_SETUP_CODES_FROM = (2026, 5, 12)
SLOW_TEXT = " ".join(f"tick{i}" for i in range(8))


def _release(gateway: Gateway) -> tuple[int, ...]:
    return version_key(gateway.install.version)


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ (the integration under test, for the Home Assistant tests)."""


@pytest.fixture
async def client(compat_gateway: Gateway) -> AsyncIterator[GatewayClient]:
    """Our client on the older release (shared token; loopback skips pairing)."""
    async with connected_client(compat_gateway) as connected:
        yield connected


async def _first_delta(handle: object) -> None:
    async for event in handle.events():  # type: ignore[attr-defined]
        if event.state is RunState.DELTA:
            return


async def test_handshake_protocol_and_features(
    compat_gateway: Gateway, client: GatewayClient
) -> None:
    hello = client.hello
    assert hello is not None
    assert hello.server_version == compat_gateway.install.version
    assert hello.protocol == (4 if _release(compat_gateway) >= PROTOCOL_4_FROM else 3)
    # Everything the integration needs to run is offered by every tested release …
    for feature in (
        Feature.CHAT,
        Feature.SESSIONS,
        Feature.SESSION_EVENTS,
        Feature.TRANSCRIPT,
        Feature.AGENTS,
        Feature.WAKE,
        Feature.NODES,
        Feature.NODE_HOST,
    ):
        assert supported(hello, feature), feature
    # … the node's agent tools only from their first release, as the feature table says.
    has_tools = _release(compat_gateway) >= NODE_TOOLS_FROM
    assert supported(hello, Feature.NODE_TOOLS) is has_tools
    assert version_key(FEATURES[Feature.NODE_TOOLS].min_release) == NODE_TOOLS_FROM


async def test_pairing_with_a_setup_code(compat_gateway: Gateway) -> None:
    setup = parse_setup_code((await compat_gateway.setup_code())["setupCode"])
    assert setup.url == compat_gateway.ws_url
    identity = DeviceIdentity.generate()
    tokens: list[str | None] = []
    if _release(compat_gateway) < OPERATOR_SETUP_CODES_FROM:
        # 2026.3.24's setup codes bootstrap the `node` role only (its mobile apps): an
        # operator is refused with a typed error (the config flow says so; the gateway
        # token path works).
        with pytest.raises(BootstrapTokenInvalidError):
            async with connected_client(
                compat_gateway, identity=identity, bootstrap_token=setup.bootstrap_token
            ):
                pass
        async with connected_client(compat_gateway, identity=identity) as client:
            assert isinstance(await client.sessions_list(), list)
        return
    async with connected_client(
        compat_gateway,
        identity=identity,
        bootstrap_token=setup.bootstrap_token,
        on_device_token=tokens.append,
    ) as client:
        assert client.hello is not None and client.hello.device_token
        assert tokens == [client.hello.device_token]
        assert client.credential_kind == "device_token"
    # Later starts use the stored device token alone.
    async with connected_client(
        compat_gateway, identity=identity, device_token=tokens[0]
    ) as client:
        assert isinstance(await client.sessions_list(), list)


async def test_streamed_reply_then_one_final_with_its_usage(
    client: GatewayClient, fake_model: FakeModel
) -> None:
    log = ChatLog(client)
    key = unique_session()
    text = unique_text("stream me")
    handle = await client.chat_send(key, text)
    events = [event async for event in handle.events()]
    deltas = [e for e in events if e.state is RunState.DELTA]
    assert deltas, "the reply must stream"
    assert "".join(d.delta for d in deltas) == deltas[-1].text  # no piece lost or repeated
    result = await handle.wait(TURN_TIMEOUT)
    assert result.text == f"ECHO: {text}"
    assert len(log.terminal(handle.run_id)) == 1

    usage = await client.run_usage(key, handle.run_id)
    [request] = fake_model.chat_requests(text)
    if request["include_usage"]:  # 2026.5.12 on: the transcript row has the model's usage
        assert usage is not None
        assert usage.output_tokens == len(result.text.split())
        assert usage.input_tokens and usage.total_tokens == usage.input_tokens + len(
            result.text.split()
        )
    else:  # 2026.3.24 records zeros: reported as missing, never as 0 tokens
        assert usage is None


async def test_message_sent_right_after_a_reply_gets_its_own_reply(
    client: GatewayClient, fake_model: FakeModel
) -> None:
    """2026.5.12 queues a message that arrives while the session finishes the previous run
    and acknowledges it with an empty final; the caller still gets its reply."""
    log = ChatLog(client)
    key = unique_session()
    first = await (await client.chat_send(key, unique_text("first"))).wait(TURN_TIMEOUT)
    second_text = unique_text("second")
    second = await client.chat_send(key, second_text)
    result = await second.wait(TURN_TIMEOUT)
    assert result.text.rstrip() == f"ECHO: {second_text}"
    assert first.text != result.text
    assert len(log.terminal(second.run_id)) == 1
    assert len(fake_model.chat_requests(second_text)) == 1


async def test_abort_stops_a_slow_run(client: GatewayClient, fake_model: FakeModel) -> None:
    # Short, so a release that lets the model stream on after the abort is soon idle again.
    fake_model.configure(slow_pieces=8, slow_interval=0.4)
    log = ChatLog(client)
    key = unique_session()
    handle = await client.chat_send(key, "slow: abort me")
    await _first_delta(handle)
    answer = await client.chat_abort(key, handle.run_id)
    assert answer["aborted"] is True and handle.run_id in answer["runIds"]
    with pytest.raises(RunAbortedError) as aborted:
        await handle.wait(10)
    assert aborted.value.partial_text.startswith("tick0")
    await asyncio.sleep(0.5)  # a late final would arrive by now
    assert [e.state for e in log.terminal(handle.run_id)] == [RunState.ABORTED]


async def test_history_over_ws(client: GatewayClient) -> None:
    key = unique_session()
    text = unique_text("remember this")
    result = await (await client.chat_send(key, text)).wait(TURN_TIMEOUT)
    history = await client.chat_history(key, limit=20)
    # 2026.9.6 stores the user text as a string, older releases as a content list.
    assert [(m["role"], message_text(m)) for m in history] == [
        ("user", text),
        ("assistant", result.text),
    ]
    assert [s.key for s in await client.sessions_list() if s.key == key] == [key]


async def test_hooks_agent_and_wake(
    compat_gateway: Gateway, client: GatewayClient, fake_model: FakeModel
) -> None:
    log = ChatLog(client)
    async with aiohttp.ClientSession() as session:
        http = GatewayHttpClient(
            session,
            compat_gateway.http_url,
            token=compat_gateway.token,
            hooks_token=compat_gateway.hooks_token,
        )
        text = unique_text("hook task")
        assert await http.run_agent(text, name="e2e")
        finals = await wait_for(
            lambda: [e for e in log.events if e.state is RunState.FINAL and text in e.text],
            timeout=TURN_TIMEOUT,
        )
        # The run has its own session (agent:main:cron:… or, in 2026.5.12, agent:main:hook:…).
        assert finals[0].text == f"ECHO: {text}"
        assert finals[0].session_key.startswith("agent:main:")

        wake = unique_text("wake up")
        answer = await http.wake(wake, mode="now")
        assert answer["ok"] is True
        # The heartbeat turn carries the text (in the internal context from 2026.9.x, in the
        # prompt before).
        await wait_for(
            lambda: [r for r in fake_model.requests() if wake in str(r)], timeout=TURN_TIMEOUT
        )


@pytest.fixture
async def entry(
    hass: HomeAssistant, compat_gateway: Gateway, fake_model: FakeModel
) -> AsyncIterator[MockConfigEntry]:
    """The integration set up against the older release."""
    async with loaded_entry(hass, compat_gateway) as entry:
        yield entry


async def test_home_assistant_send_history_and_no_repair(
    hass: HomeAssistant, entry: MockConfigEntry, fake_model: FakeModel
) -> None:
    text = unique_text("ha compat")
    async with asyncio.timeout(FIRST_TURN_TIMEOUT):
        response = await hass.services.async_call(
            DOMAIN,
            "send",
            {"message": text, "wait_for_reply": True},
            blocking=True,
            return_response=True,
        )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert response is not None and response["status"] == "final"
    assert response["text"] == f"ECHO: {text}"
    [request] = fake_model.chat_requests(text)
    usage = response["usage"]
    if request["include_usage"]:
        assert isinstance(usage, dict) and usage["output_tokens"] == len(f"ECHO: {text}".split())
    else:
        assert not usage or usage.get("input_tokens") is None  # none, rather than zeros

    # History through the action: HTTP with the gateway token where the release allows it,
    # chat.history over WS where it refuses (2026.5.12: 403 missing scope).
    history = await hass.services.async_call(
        DOMAIN, "history", {"limit": 10}, blocking=True, return_response=True
    )
    assert history is not None
    texts = [m["text"] for m in history["messages"]]  # type: ignore[union-attr,index]
    # 2026.3.24's HTTP rows (and older previews) carry a sender metadata block: dropped.
    assert texts[-2:] == [text, f"ECHO: {text}"]
    previews = await hass.services.async_call(
        DOMAIN, "preview", {"max_chars": 2000}, blocking=True, return_response=True
    )
    assert previews is not None
    [main] = [p for p in previews["previews"] if p["key"] == "agent:main:main"]  # type: ignore[union-attr]
    assert main["items"][-2:] == [  # type: ignore[index]
        {"role": "user", "text": text},
        {"role": "assistant", "text": f"ECHO: {text}"},
    ]

    # Nothing is turned on that these releases lack: no repair issue.
    issues = [i for (domain, _), i in ir.async_get(hass).issues.items() if domain == DOMAIN]
    assert not [i for i in issues if i.issue_id.startswith("gateway_too_old")]


async def test_node_option_asks_for_a_newer_gateway(
    hass: HomeAssistant, compat_gateway: Gateway, fake_model: FakeModel
) -> None:
    """Home Assistant as a node needs node.pluginTools.update for its agent tools, which
    these releases lack (hello-ok): a repair issue names the release to install."""
    await async_setup_core(hass)
    entry = shared_token_entry(compat_gateway, options={"node": {"enabled": True}})
    entry.add_to_hass(hass)
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        issue = ir.async_get(hass).async_get_issue(
            DOMAIN, f"gateway_too_old_{entry.entry_id}_node_tools"
        )
        if _release(compat_gateway) >= NODE_TOOLS_FROM:
            assert issue is None
            return
        assert issue is not None and issue.translation_placeholders is not None
        assert issue.translation_placeholders["server_version"] == compat_gateway.install.version
        assert issue.translation_placeholders["version"] == "2026.9.6"
        assert issue.translation_placeholders["missing"] == "node.pluginTools.update"
        assert (
            ir.async_get(hass).async_get_issue(
                DOMAIN, f"gateway_too_old_{entry.entry_id}_node_host"
            )
            is None
        )
    finally:
        if entry.state.recoverable:
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()


async def test_gateway_restart_mid_run(
    compat_gateway: Gateway, client: GatewayClient, fake_model: FakeModel
) -> None:
    """SIGTERM while a run streams. 2026.9.6 finishes the run before exiting; the older
    releases drop it, and the client then ends it with an error once reconnected instead of
    waiting forever. Either way the client agrees with the transcript, the run's end reaches
    subscribers once, and the reconnect follows the restart at once."""
    fake_model.configure(slow_pieces=8, slow_interval=0.4)
    log = ChatLog(client)
    key = unique_session()
    text = "slow: survive a restart"
    handle = await client.chat_send(key, text)
    await _first_delta(handle)

    await compat_gateway.astop()
    await compat_gateway.astart()
    ready = time.monotonic()
    await client.wait_connected(timeout=30)
    # Restart-aware: the client retries every ~0.5 s after the `shutdown` event (close 1012).
    assert time.monotonic() - ready < 3.0
    assert client.reconnects == 1
    result = await handle.result(TURN_TIMEOUT)  # ends, whatever the release did

    rows = await client.chat_history(key, limit=20)
    replies = [message_text(m) for m in rows if m.get("role") == "assistant"]
    if replies:  # the gateway finished the run before it exited
        assert result.state is RunState.FINAL and result.text.rstrip() == replies[-1].rstrip()
    else:  # it dropped the run (2026.3.24 kept the user row, 2026.5.12 not even that)
        assert [message_text(m) for m in rows] in ([text], [])
        assert result.state is RunState.ERROR and result.error_message == LOST_RUN_MESSAGE
        with pytest.raises(RunFailedError, match=LOST_RUN_MESSAGE):
            await handle.wait(0)

    again = unique_text(f"after the restart {uuid.uuid4().hex[:4]}")
    assert (await (await client.chat_send(key, again)).wait(TURN_TIMEOUT)).text == f"ECHO: {again}"
    await asyncio.sleep(0.5)
    assert len(log.terminal(handle.run_id)) == 1
