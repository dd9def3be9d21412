"""HTTP client pieces that need no server: Retry-After, argument checks, typed pages."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import aiohttp
import pytest

from custom_components.openclaw.aioopenclaw.errors import HooksDisabledError, ProtocolError
from custom_components.openclaw.aioopenclaw.history import HistoryMessageEvent, HistoryPage
from custom_components.openclaw.aioopenclaw.http import (
    GatewayHttpClient,
    completion_text,
    parse_retry_after,
    response_text,
)

NOW = 1_795_653_306.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("1", 1.0),
        (" 60 ", 60.0),
        ("0", 0.0),
        ("2.5", 2.5),
        (format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True), 30.0),
        (format_datetime(datetime.fromtimestamp(NOW - 30, UTC), usegmt=True), 0.0),
        ("", None),
        (None, None),
        ("-1", None),
        ("nan", None),
        ("soon", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


async def test_bad_arguments_are_refused_before_any_request() -> None:
    # No server exists at this address: each call must fail before trying to connect.
    async with aiohttp.ClientSession() as session:
        client = GatewayHttpClient(session, "http://127.0.0.1:9", token="t")
        for limit in (0, 1001, -5):
            with pytest.raises(ValueError, match="limit"):
                await client.session_history("agent:main:main", limit=limit)
        with pytest.raises(ValueError, match="limit"):
            async for _ in client.iter_session_history("agent:main:main", page_size=5000):
                pass
        with pytest.raises(ValueError, match="empty"):
            await client.session_history("")
        with pytest.raises(HooksDisabledError, match="no hooks token"):
            await client.wake("hello")
        with pytest.raises(HooksDisabledError, match="no hooks token"):
            await client.run_agent("hello")
        assert not client.hooks_enabled
        with pytest.raises(ValueError, match="hooks_path"):
            GatewayHttpClient(session, "http://127.0.0.1:9", token="t", hooks_path="/")


async def test_repr_hides_credentials_and_base_url_is_normalised() -> None:
    async with aiohttp.ClientSession() as session:
        client = GatewayHttpClient(
            session, "http://127.0.0.1:9/", token="gw-secret", hooks_token="hook-secret"
        )
        assert "secret" not in repr(client)
        assert client.base_url == "http://127.0.0.1:9"
        for url, base in [
            ("ws://127.0.0.1:18789", "http://127.0.0.1:18789"),
            ("wss://user:pw@gw.example.test/proxy/?token=x", "https://gw.example.test/proxy"),
        ]:
            assert GatewayHttpClient(session, url, token="t").base_url == base
        with pytest.raises(ValueError, match="not a gateway URL"):
            GatewayHttpClient(session, "ftp://host", token="t")


def test_history_page_parsing() -> None:
    page = HistoryPage.from_payload(
        {
            "sessionKey": "agent:main:main",
            "items": [{"role": "user", "content": "hi"}],
            "messages": [{"role": "user", "content": "hi"}, "junk"],
            "hasMore": True,
            "nextCursor": "seq:5",
        }
    )
    assert page == HistoryPage(
        "agent:main:main", ({"role": "user", "content": "hi"},), True, "seq:5"
    )
    only_items = HistoryPage.from_payload({"items": [], "nextCursor": 7, "hasMore": "yes"})
    assert only_items.next_cursor == "7"
    assert only_items.has_more is False  # only a JSON true counts
    bad: object
    for bad in ([], {"sessionKey": "k"}, "x"):
        with pytest.raises(ProtocolError):
            HistoryPage.from_payload(bad)


def test_history_message_event_parsing() -> None:
    event = HistoryMessageEvent.from_payload(
        {"sessionKey": "k", "message": {"role": "assistant"}, "messageId": "m1", "messageSeq": 3}
    )
    assert event == HistoryMessageEvent("k", {"role": "assistant"}, "m1", 3)
    with pytest.raises(ProtocolError):
        HistoryMessageEvent.from_payload({"sessionKey": "k"})


def test_text_helpers() -> None:
    assert (
        completion_text({"choices": [{"message": {"role": "assistant", "content": "ECHO: hi"}}]})
        == "ECHO: hi"
    )
    assert completion_text({"choices": []}) == ""
    assert (
        response_text(
            {
                "output": [
                    {"type": "message", "content": [{"type": "output_text", "text": "a"}]},
                    {"type": "message", "content": [{"type": "output_text", "text": "b"}]},
                ]
            }
        )
        == "ab"
    )
    assert response_text({"output_text": "x"}) == "x"
