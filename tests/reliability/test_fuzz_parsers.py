"""Fuzzing the client's parsers: frames, hello-ok, error shapes, setup codes, SSE, attachments.

Every input must end in a value or the module's typed error; anything else is counted as an
unhandled exception (and fails the test, showing the shortest inputs that caused it).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable
import contextlib
import json
import math
from typing import Any

from hypothesis import strategies as st

from custom_components.openclaw.aioopenclaw import (
    ChatEvent,
    DeviceIdentity,
    GatewayClient,
    HelloOk,
    RunState,
    SessionInfo,
    SessionMessage,
)
from custom_components.openclaw.aioopenclaw.attachments import (
    image_attachment_from_base64,
    image_attachment_from_bytes,
)
from custom_components.openclaw.aioopenclaw.connection import Connection
from custom_components.openclaw.aioopenclaw.errors import (
    AttachmentError,
    GatewayError,
    ProtocolError,
    SetupCodeError,
    from_error_shape,
)
from custom_components.openclaw.aioopenclaw.http import parse_retry_after
from custom_components.openclaw.aioopenclaw.runs import RunTracker
from custom_components.openclaw.aioopenclaw.setup_code import parse_setup_code
from custom_components.openclaw.aioopenclaw.sse import SSEParser

from .fuzzing import (
    ACCEPTED,
    TYPED,
    FuzzCounts,
    chat_payloads,
    error_shapes,
    frames,
    fuzz,
    json_values,
    maybe,
)

RUN_IDS = ["r1", "r2", "r3"]
INF, NAN = float("inf"), float("nan")
# Frames that reached a bug once (JSON as Python parses it: 1e999 is inf, NaN is nan).
ODD_FRAMES = [
    "[" * 100_000 + "]" * 100_000,
    '{"type":"event","event":"chat","payload":{"runId":"r1","state":"final","usage":{"input":1e999}}}',
    '{"type":"event","event":"chat","payload":{"runId":"r2","state":"final",'
    '"message":{"role":"assistant","content":"x","usage":{"output":NaN}}}}',
    '{"type":"event","event":"session.message","payload":{"sessionKey":"s","messageSeq":Infinity}}',
]


def _assert_clean(counts: FuzzCounts) -> None:
    assert counts.unhandled == [], counts.smallest_failures()


class _Reader:
    """A client's frame path without a socket: ``Connection._handle_text`` -> dispatch."""

    def __init__(self) -> None:
        self.client = GatewayClient(
            None,  # type: ignore[arg-type] - never used: no socket is opened
            "ws://127.0.0.1:1",
            identity=DeviceIdentity.generate(),
        )
        self.conn = Connection(
            None,  # type: ignore[arg-type]
            on_event=self.client._dispatch,
            on_close=lambda *_: None,
            on_seq_gap=lambda *_: None,
        )
        self.events: dict[str, list[ChatEvent]] = defaultdict(list)
        self.client.subscribe_chat(lambda e: self.events[e.run_id].append(e))

    def check_invariants(self) -> None:
        for run_id, events in self.events.items():
            terminals = [e for e in events if e.state.terminal]
            assert len(terminals) <= 1, f"{run_id}: {len(terminals)} terminal events"
            assert not terminals or events[-1] is terminals[0], f"{run_id}: event after the end"
            text = ""
            for event in events:
                if event.state is RunState.DELTA and not event.replaced:
                    assert event.text == text + event.delta, f"{run_id}: delta does not add up"
                if event.state is not RunState.STATUS:
                    text = event.text


def test_fuzz_frames_through_the_reader(record: Callable[..., None]) -> None:
    """Sequences of frames: the reader never raises, each run ends at most once, deltas add up."""

    def check(batch: list[str]) -> str:
        reader = _Reader()
        for text in batch:
            reader.conn._handle_text(text)
        reader.check_invariants()
        return ACCEPTED if not reader.conn.malformed_frames else TYPED

    counts = fuzz(
        "WS frames (reader + run tracker)",
        st.lists(frames(RUN_IDS), max_size=8),
        check,
        400,
        explicit=[[frame] for frame in ODD_FRAMES],
    )
    record("fuzz", counts.row())
    _assert_clean(counts)


def test_fuzz_chat_payloads_through_the_run_tracker(record: Callable[..., None]) -> None:
    def check(batch: list[dict[str, Any]]) -> str:
        tracker = RunTracker()
        ends: dict[str, int] = defaultdict(int)
        for payload in batch:
            event = tracker.process(payload)
            if event is not None and event.state.terminal:
                ends[event.run_id] += 1
        for run_id in RUN_IDS:
            row = {"role": "assistant", "content": "x", "__openclaw": {"runId": run_id}}
            if tracker.resolve_from_history(run_id, "agent:main:main", row) is not None:
                ends[run_id] += 1
        assert all(n == 1 for n in ends.values()), dict(ends)
        return ACCEPTED

    odd = [[{"runId": "r1", "state": "final", "usage": {"input": n}}] for n in (INF, NAN)]
    counts = fuzz(
        "chat payloads (run tracker)",
        st.lists(chat_payloads(RUN_IDS), max_size=10),
        check,
        400,
        explicit=odd,
    )
    record("fuzz", counts.row())
    _assert_clean(counts)


def test_fuzz_hello_and_other_payload_models(record: Callable[..., None]) -> None:
    hello_like = st.fixed_dictionaries(
        {},
        optional={
            "protocol": maybe(st.integers()),
            "server": maybe(st.fixed_dictionaries({}, optional={"version": maybe(st.text())})),
            "features": maybe(
                st.fixed_dictionaries(
                    {}, optional={"methods": json_values(), "events": json_values()}
                )
            ),
            "auth": maybe(
                st.fixed_dictionaries(
                    {}, optional={"deviceToken": maybe(st.text()), "scopes": json_values()}
                )
            ),
            "policy": maybe(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "tickIntervalMs": maybe(st.integers()),
                        "maxPayload": maybe(st.integers()),
                        "attachments": maybe(
                            st.fixed_dictionaries({}, optional={"maxImageBytes": json_values(2)})
                        ),
                    },
                )
            ),
            "snapshot": maybe(
                st.fixed_dictionaries({}, optional={"sessionDefaults": json_values()})
            ),
        },
    )

    def check(payload: dict[str, Any]) -> str:
        hello = HelloOk.from_payload(payload)
        assert hello.policy.tick_interval_ms > 0  # the watchdog divides by it
        SessionInfo.from_payload(payload)
        SessionMessage.from_payload(payload)
        return ACCEPTED

    odd = [
        {"policy": {"tickIntervalMs": -1}},
        {"policy": {"tickIntervalMs": INF}},
        {"protocol": NAN},
        {"updatedAt": INF, "messageSeq": NAN},
    ]
    counts = fuzz("hello-ok / session rows (models)", hello_like, check, 300, explicit=odd)
    record("fuzz", counts.row())
    _assert_clean(counts)


def test_fuzz_error_shapes(record: Callable[..., None]) -> None:
    def check(shape: Any) -> str:
        err = from_error_shape(shape)
        assert isinstance(err, GatewayError)
        return TYPED

    odd = [{"code": "UNAVAILABLE", "retryAfterMs": n} for n in (INF, NAN, 1e308)]
    counts = fuzz("gateway error shapes", error_shapes(), check, 300, explicit=odd)
    record("fuzz", counts.row())
    _assert_clean(counts)


def _code(payload: Any) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_fuzz_setup_codes(record: Callable[..., None]) -> None:
    """Garbage, and codes around valid ones: a SetupCode or SetupCodeError, never the token."""
    token = "bt-SECRET-0123456789"
    payloads = st.fixed_dictionaries(
        {},
        optional={
            "url": maybe(
                st.sampled_from(
                    ["ws://127.0.0.1:18789", "wss://gw:1/p", "http://x", "ws://[", "ws://h:99999"]
                )
            ),
            "bootstrapToken": maybe(st.just(token)),
            "expiresAtMs": maybe(st.integers(min_value=-(2**64), max_value=2**64)),
            "urls": maybe(st.lists(maybe(st.sampled_from(["ws://a:1", "nope"])), max_size=12)),
            "tlsFingerprint": maybe(st.text(max_size=10)),
        },
    ).map(_code)
    wrapped = st.tuples(
        st.sampled_from(["", "oc-pair://", "OC-PAIR://"]),
        payloads,
        st.sampled_from(["", "\n", " ", "="]),
    ).map(lambda t: t[0] + t[1] + t[2])
    inputs = wrapped | st.text(max_size=300) | payloads.map(lambda c: c[: len(c) // 2])

    def check(code: str) -> str:
        try:
            parsed = parse_setup_code(code, now_ms=1_800_000_000_000)
        except SetupCodeError as err:
            if token in str(err) or not err.reason:
                raise AssertionError(f"bad SetupCodeError: {err.reason!r}") from err
            return TYPED
        assert token not in repr(parsed)
        return ACCEPTED

    valid = {"url": "ws://127.0.0.1:18789", "bootstrapToken": token}
    odd = [
        _code(valid),
        "oc-pair://" + _code({**valid, "expiresAtMs": 2**62, "urls": ["ws://a:1", 3]}),
        _code({**valid, "expiresAtMs": INF}),
        _code({**valid, "expiresAtMs": NAN}),
        _code({**valid, "url": "ws://h:99999"}),
        _code([valid]),
        "[" * 5000,
        base64.urlsafe_b64encode(b"[" * 5000).decode(),
    ]
    counts = fuzz("setup codes", inputs, check, 500, explicit=odd)
    record("fuzz", counts.row())
    _assert_clean(counts)


def test_fuzz_sse_parser_chunking(record: Callable[..., None]) -> None:
    """Any bytes, split anywhere: the same events as in one piece (or ProtocolError)."""
    line = st.tuples(
        st.sampled_from(["data", "event", "id", "retry", "", ":", "dat", "data "]),
        st.sampled_from([":", ": ", ""]),
        st.text(max_size=12),
        st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\r\n\r\n"]),
    ).map(lambda t: "".join(t).encode())
    streams = st.lists(line, max_size=12).map(b"".join) | st.binary(max_size=200)
    cases = st.tuples(streams, st.lists(st.integers(min_value=0, max_value=200), max_size=6))

    def check(case: tuple[bytes, list[int]]) -> str:
        data, cuts = case
        try:
            whole = SSEParser(max_event_chars=64).feed(data)
        except ProtocolError:
            return TYPED
        parser = SSEParser(max_event_chars=64)
        pieces: list[Any] = []
        start = 0
        for cut in [*sorted(c % (len(data) + 1) for c in cuts), len(data)]:
            pieces += parser.feed(data[start:cut])
            start = cut
        assert pieces == whole
        return ACCEPTED

    # A line longer than the limit, whole in one chunk or split across two.
    long_line = (b"event: " + b"x" * 100 + b"\ndata: y\n\n", [90])
    counts = fuzz("SSE parser (split anywhere)", cases, check, 500, explicit=[long_line])
    record("fuzz", counts.row())
    _assert_clean(counts)


def test_fuzz_retry_after(record: Callable[..., None]) -> None:
    def check(value: str) -> str:
        seconds = parse_retry_after(value, now=1_800_000_000.0)
        assert seconds is None or (math.isfinite(seconds) and seconds >= 0)
        return ACCEPTED if seconds is not None else TYPED

    values = (
        st.text(max_size=40)
        | st.floats().map(str)
        | st.sampled_from(
            ["Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 99 Foo 2015 07:28:00 GMT", "inf", "nan", "-1"]
        )
    )
    counts = fuzz("Retry-After header", values, check, 300)
    record("fuzz", counts.row())
    _assert_clean(counts)


def test_fuzz_attachments(record: Callable[..., None]) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(20)
    contents = (
        st.text(max_size=60)
        | st.binary(max_size=60).map(lambda b: base64.b64encode(png + b).decode())
        | st.tuples(
            st.sampled_from(
                [
                    "data:image/png;base64,",
                    "data:text/plain;base64,",
                    "data:;base64,",
                    "data:image/png,",
                ]
            ),
            st.text(max_size=30),
        ).map("".join)
    )
    mimes = (
        st.none()
        | st.sampled_from(["image/png", "IMAGE/JPEG; q=1", "text/plain", "", "image/svg+xml"])
        | st.text(max_size=10)
    )
    cases = st.tuples(contents, mimes, st.integers(min_value=0, max_value=64))

    def check(case: tuple[str, str | None, int]) -> str:
        content, mime, limit = case
        try:
            image_attachment_from_base64(content, mime, max_bytes=limit or 10_000)
        except AttachmentError as err:
            if not err.reason:
                raise AssertionError("AttachmentError without a reason") from err
            return TYPED
        with contextlib.suppress(AttachmentError):
            image_attachment_from_bytes(content.encode(), mime or "", max_bytes=limit or 10_000)
        return ACCEPTED

    counts = fuzz("attachments (base64 / bytes)", cases, check, 500)
    record("fuzz", counts.row())
    _assert_clean(counts)
