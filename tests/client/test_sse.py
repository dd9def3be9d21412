"""The SSE parser: WHATWG event-stream rules, and chunking never changes the events."""

from __future__ import annotations

from collections.abc import AsyncIterator

from hypothesis import given, strategies as st
import pytest

from custom_components.openclaw.aioopenclaw.errors import ProtocolError
from custom_components.openclaw.aioopenclaw.sse import SSEEvent, SSEParser, aiter_sse


def parse(data: bytes) -> list[SSEEvent]:
    return SSEParser().feed(data)


CASES: list[tuple[str, bytes, list[SSEEvent]]] = [
    ("single", b"data: hello\n\n", [SSEEvent("message", "hello")]),
    ("no-space", b"data:hello\n\n", [SSEEvent("message", "hello")]),
    ("two-spaces", b"data:  hello\n\n", [SSEEvent("message", " hello")]),
    ("multi-line", b"data: a\ndata: b\ndata:\n\n", [SSEEvent("message", "a\nb\n")]),
    ("event-type", b"event: history\ndata: {}\n\n", [SSEEvent("history", "{}")]),
    (
        "type-resets",
        b"event: x\ndata: 1\n\ndata: 2\n\n",
        [SSEEvent("x", "1"), SSEEvent("message", "2")],
    ),
    ("crlf", b"event: a\r\ndata: 1\r\n\r\n", [SSEEvent("a", "1")]),
    ("cr", b"event: a\rdata: 1\r\r", [SSEEvent("a", "1")]),
    (
        "mixed-eol",
        b"data: 1\r\ndata: 2\rdata: 3\n\r\n",
        [SSEEvent("message", "1\n2\n3")],
    ),
    ("bom", b"\xef\xbb\xbfdata: x\n\n", [SSEEvent("message", "x")]),
    (
        "only-first-bom",
        b"\xef\xbb\xbfdata: x\n\n\xef\xbb\xbfdata: y\n\n",
        [SSEEvent("message", "x")],
    ),
    ("comment", b": keepalive\n\n:another\ndata: x\n\n", [SSEEvent("message", "x")]),
    ("no-data-no-event", b"event: ping\n\n", []),
    ("retry-alone", b"retry: 1000\n\n", []),
    (
        "retry-carried",
        b"retry: 1000\n\nevent: history\ndata: {}\n\n",
        [SSEEvent("history", "{}", None, 1000)],
    ),
    ("bad-retry", b"retry: 10s\ndata: x\n\n", [SSEEvent("message", "x")]),
    (
        "id",
        b"id: 7\ndata: a\n\ndata: b\n\n",
        [SSEEvent("message", "a", "7"), SSEEvent("message", "b", "7")],
    ),
    (
        "id-reset",
        b"id: 7\ndata: a\n\nid\ndata: b\n\n",
        [SSEEvent("message", "a", "7"), SSEEvent("message", "b", "")],
    ),
    (
        "id-nul-ignored",
        b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
        [SSEEvent("message", "a", "1"), SSEEvent("message", "b", "1")],
    ),
    ("unknown-field", b"foo: bar\ndata: x\n\n", [SSEEvent("message", "x")]),
    ("field-no-colon", b"data\n\n", [SSEEvent("message", "")]),
    ("colon-in-value", b"data: a: b\n\n", [SSEEvent("message", "a: b")]),
    (
        "unterminated-dropped",
        b"data: done\n\ndata: partial\n",
        [SSEEvent("message", "done")],
    ),
    ("utf8", "data: héllo 🌍\n\n".encode(), [SSEEvent("message", "héllo 🌍")]),
    ("invalid-utf8-replaced", b"data: \xff\n\n", [SSEEvent("message", "\ufffd")]),
    (
        "openai-chunks",
        b'data: {"choices":[{"delta":{"content":"ECHO:"}}]}\n\ndata: [DONE]\n\n',
        [
            SSEEvent("message", '{"choices":[{"delta":{"content":"ECHO:"}}]}'),
            SSEEvent("message", "[DONE]"),
        ],
    ),
]


@pytest.mark.parametrize(("stream", "events"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_table(stream: bytes, events: list[SSEEvent]) -> None:
    assert parse(stream) == events


@pytest.mark.parametrize(("stream", "events"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_table_byte_by_byte(stream: bytes, events: list[SSEEvent]) -> None:
    parser = SSEParser()
    got = [event for i in range(len(stream)) for event in parser.feed(stream[i : i + 1])]
    assert got == events


def test_cr_then_lf_across_chunks_is_one_line_end() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\n") == []  # the LF completes the CR; it is not an empty line
    assert parser.feed(b"\r\n") == [SSEEvent("message", "a")]


def test_retry_and_last_event_id_exposed() -> None:
    parser = SSEParser()
    parser.feed(b"retry: 1000\nid: abc\n\n")
    assert parser.retry == 1000
    assert parser.last_event_id == "abc"


def test_oversized_line_and_event_raise_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        SSEParser(max_event_chars=100).feed(b"data: " + b"x" * 200)
    parser = SSEParser(max_event_chars=100)
    for _ in range(9):
        parser.feed(b"data: " + b"x" * 10 + b"\n")  # 99 characters so far: still fine
    with pytest.raises(ProtocolError):
        parser.feed(b"data: " + b"x" * 10 + b"\n")


async def test_async_helper_yields_as_chunks_arrive() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'event: history\ndata: {"a"'
        yield b":1}\n\n: keepalive\n\nevent: message\r"
        yield b"\ndata: 2\r\n\r\n"

    assert [e async for e in aiter_sse(chunks())] == [
        SSEEvent("history", '{"a":1}'),
        SSEEvent("message", "2"),
    ]


_line = st.one_of(
    st.builds(lambda v: f"data:{v}", st.text(max_size=12)),
    st.builds(lambda v: f"data: {v}", st.text(max_size=12)),
    st.builds(lambda v: f"event: {v}", st.sampled_from(["history", "message", "x", ""])),
    st.builds(lambda v: f"id: {v}", st.text(max_size=4)),
    st.builds(lambda v: f"retry: {v}", st.sampled_from(["1000", "5", "x1"])),
    st.builds(lambda v: f":{v}", st.text(max_size=8)),
    st.just(""),
)


@st.composite
def _streams(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(_line, max_size=20))
    eols = draw(
        st.lists(
            st.sampled_from(["\n", "\r", "\r\n"]),
            min_size=len(lines),
            max_size=len(lines),
        )
    )
    # Values must not contain line breaks themselves; those are separate lines.
    text = "".join(
        line.replace("\r", "").replace("\n", "") + eol
        for line, eol in zip(lines, eols, strict=True)
    )
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode("utf-8")


@given(_streams(), st.lists(st.integers(min_value=0, max_value=400), max_size=30))
def test_any_chunking_gives_identical_events(stream: bytes, cuts: list[int]) -> None:
    whole = parse(stream)
    points = sorted({c % (len(stream) + 1) for c in cuts})
    parser = SSEParser()
    got: list[SSEEvent] = []
    previous = 0
    for point in [*points, len(stream)]:
        got.extend(parser.feed(stream[previous:point]))
        previous = point
    assert got == whole


@given(
    st.binary(max_size=300),
    st.lists(st.integers(min_value=0, max_value=300), max_size=10),
)
def test_arbitrary_bytes_never_crash_and_chunking_agrees(stream: bytes, cuts: list[int]) -> None:
    whole = parse(stream)
    parser = SSEParser()
    got: list[SSEEvent] = []
    previous = 0
    for point in [*sorted({c % (len(stream) + 1) for c in cuts}), len(stream)]:
        got.extend(parser.feed(stream[previous:point]))
        previous = point
    assert got == whole
