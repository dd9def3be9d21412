"""Setup-code parsing: every good shape decodes, every bad one raises its own SetupCodeError."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

from hypothesis import given, strategies as st
import pytest

from custom_components.openclaw.aioopenclaw.errors import SetupCodeError
from custom_components.openclaw.aioopenclaw.setup_code import (
    SetupCode,
    http_base_url,
    parse_setup_code,
)

NOW_MS = 1_795_653_306_096
TOKEN = "Zm9vYmFyYmF6cXV4LXNlY3JldC10b2tlbi0xMjM0NTY3"  # 43 chars, like the real gateway's


def encode(payload: Any, *, pad: bool = False, prefix: str = "") -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    text = base64.urlsafe_b64encode(raw).decode()
    return prefix + (text if pad else text.rstrip("="))


GOOD = {
    "url": "ws://127.0.0.1:38789",
    "bootstrapToken": TOKEN,
    "expiresAtMs": NOW_MS + 600_000,
}


def test_real_gateway_shape_decodes() -> None:
    code = parse_setup_code(encode(GOOD), now_ms=NOW_MS)
    assert code == SetupCode(
        url="ws://127.0.0.1:38789",
        bootstrap_token=TOKEN,
        expires_at_ms=NOW_MS + 600_000,
    )
    assert code.http_base_url == "http://127.0.0.1:38789"
    assert not code.is_expired(NOW_MS)
    assert code.is_expired(NOW_MS + 600_000)


@pytest.mark.parametrize(
    "text",
    [
        encode(GOOD),
        encode(GOOD, pad=True),
        encode(GOOD, prefix="oc-pair://"),
        encode(GOOD, prefix="OC-PAIR://", pad=True),
        "  " + encode(GOOD) + "\n",
        # Wrapped by a chat client or terminal.
        encode(GOOD)[:20] + "\n" + encode(GOOD)[20:],
        encode(GOOD, prefix="oc-pair://") + "/",
    ],
    ids=[
        "unpadded",
        "padded",
        "prefix",
        "prefix-upper-padded",
        "whitespace",
        "wrapped",
        "slash",
    ],
)
def test_accepted_spellings(text: str) -> None:
    code = parse_setup_code(text, now_ms=NOW_MS)
    assert code.url == GOOD["url"]
    assert code.bootstrap_token == TOKEN


def test_optional_fields_and_extra_keys() -> None:
    payload = {
        "url": "wss://gw.example.test:8443/openclaw",
        "bootstrapToken": TOKEN,
        "urls": [
            "wss://10.0.0.2:8443",
            "http://not-ws.test",
            7,
            "wss://gw.tail.ts.net",
        ],
        "tlsFingerprint": "AB:CD:EF",
        "futureField": {"anything": True},
    }
    code = parse_setup_code(encode(payload), now_ms=NOW_MS)
    assert code.expires_at_ms is None
    assert not code.is_expired(NOW_MS)
    # Unusable alternative URLs are skipped, not fatal.
    assert code.urls == ("wss://10.0.0.2:8443", "wss://gw.tail.ts.net")
    assert code.tls_fingerprint == "AB:CD:EF"
    assert code.http_base_url == "https://gw.example.test:8443/openclaw"


def test_repr_and_errors_hide_the_token() -> None:
    code = parse_setup_code(encode(GOOD), now_ms=NOW_MS)
    assert TOKEN not in repr(code)
    assert TOKEN not in str(code)
    assert "REDACTED" in repr(code)
    with pytest.raises(SetupCodeError) as err:
        parse_setup_code(encode(GOOD), now_ms=NOW_MS + 600_000)
    assert TOKEN not in str(err.value)


def test_frozen() -> None:
    code = parse_setup_code(encode(GOOD), now_ms=NOW_MS)
    with pytest.raises(AttributeError):
        code.url = "ws://other"  # type: ignore[misc]


def test_expiry_uses_wall_clock_by_default() -> None:
    with pytest.raises(SetupCodeError) as err:
        parse_setup_code(encode({**GOOD, "expiresAtMs": 1_000}))
    assert err.value.reason == "expired"
    # A code issued now (10 min TTL) is accepted with the real clock.
    import time

    fresh = {**GOOD, "expiresAtMs": int(time.time() * 1000) + 600_000}
    assert parse_setup_code(encode(fresh)).bootstrap_token == TOKEN


BAD: list[tuple[str, str, str]] = [
    ("empty", "", "invalid_encoding"),
    ("only-prefix", "oc-pair://", "invalid_encoding"),
    ("not-base64", "this is not a code!", "invalid_encoding"),
    ("std-alphabet", "eyJ1cmwiOi+/", "invalid_encoding"),
    (
        "truncated",
        encode(GOOD)[: len(encode(GOOD)) // 4 * 4 + 1 - 4],
        "invalid_encoding",
    ),
    ("cut-json", encode(GOOD)[:40], "invalid_json"),
    ("single-char", "A", "invalid_encoding"),
    ("not-utf8", encode(b"\xff\xfe\xfd\xfc"), "invalid_encoding"),
    ("too-long", "A" * 20_000, "invalid_encoding"),
    ("not-json", encode(b"url=ws://x"), "invalid_json"),
    ("json-array", encode([GOOD]), "invalid_json"),
    ("json-string", encode("ws://127.0.0.1"), "invalid_json"),
    ("json-null", encode(None), "invalid_json"),
    ("deep-json", encode(b"[" * 5000 + b"]" * 5000), "invalid_json"),
    ("expiry-string", encode({**GOOD, "expiresAtMs": "soon"}), "invalid_json"),
    ("expiry-bool", encode({**GOOD, "expiresAtMs": True}), "invalid_json"),
    (
        "expiry-nan",
        encode(b'{"url":"ws://h","bootstrapToken":"t","expiresAtMs":NaN}'),
        "invalid_json",
    ),
    ("no-url", encode({"bootstrapToken": TOKEN}), "missing_url"),
    ("url-empty", encode({**GOOD, "url": "  "}), "missing_url"),
    ("url-number", encode({**GOOD, "url": 18789}), "missing_url"),
    (
        "url-http",
        encode({**GOOD, "url": "http://127.0.0.1:18789"}),
        "invalid_url_scheme",
    ),
    ("url-no-scheme", encode({**GOOD, "url": "127.0.0.1:18789"}), "invalid_url_scheme"),
    ("url-no-host", encode({**GOOD, "url": "ws://:18789"}), "invalid_url_scheme"),
    ("url-bad-port", encode({**GOOD, "url": "ws://host:99999"}), "invalid_url_scheme"),
    ("no-token", encode({"url": GOOD["url"]}), "missing_token"),
    ("token-empty", encode({**GOOD, "bootstrapToken": ""}), "missing_token"),
    ("token-blank", encode({**GOOD, "bootstrapToken": "   "}), "missing_token"),
    ("token-number", encode({**GOOD, "bootstrapToken": 123}), "missing_token"),
    ("expired", encode({**GOOD, "expiresAtMs": NOW_MS - 1}), "expired"),
    ("expires-now", encode({**GOOD, "expiresAtMs": NOW_MS}), "expired"),
]


@pytest.mark.parametrize(
    ("text", "reason"), [(t, r) for _, t, r in BAD], ids=[i for i, _, _ in BAD]
)
def test_bad_codes_raise_their_reason(text: str, reason: str) -> None:
    with pytest.raises(SetupCodeError) as err:
        parse_setup_code(text, now_ms=NOW_MS)
    assert err.value.reason == reason
    assert str(err.value)  # a human message for logs and the UI


def test_non_string_input_is_refused() -> None:
    with pytest.raises(SetupCodeError) as err:
        parse_setup_code(b"eyJ1cmwi", now_ms=NOW_MS)  # type: ignore[arg-type]
    assert err.value.reason == "invalid_encoding"


@pytest.mark.parametrize(
    ("ws_url", "http_url"),
    [
        ("ws://127.0.0.1:18789", "http://127.0.0.1:18789"),
        ("wss://gw.example.test", "https://gw.example.test"),
        ("WSS://GW.example.test:443/", "https://gw.example.test:443"),
        ("wss://proxy.test/openclaw/", "https://proxy.test/openclaw"),
        ("ws://[::1]:18789/gw?x=1#frag", "http://[::1]:18789/gw"),
        ("ws://user:secret@host:1", "http://host:1"),
        ("https://already.http.test/base", "https://already.http.test/base"),
    ],
)
def test_http_base_url(ws_url: str, http_url: str) -> None:
    assert http_base_url(ws_url) == http_url


@pytest.mark.parametrize("url", ["ftp://host", "host:18789", "ws://", "ws://host:bad"])
def test_http_base_url_refuses_non_gateway_urls(url: str) -> None:
    with pytest.raises(SetupCodeError) as err:
        http_base_url(url)
    assert err.value.reason == "invalid_url_scheme"


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
_payloads = st.dictionaries(
    st.sampled_from(["url", "bootstrapToken", "expiresAtMs", "urls", "tlsFingerprint", "x"]),
    _json_values | st.sampled_from(["ws://h:1", "wss://h", "http://h", TOKEN]),
)


REASONS = {
    "invalid_encoding",
    "invalid_json",
    "missing_url",
    "invalid_url_scheme",
    "missing_token",
    "expired",
}


@given(st.text(max_size=300))
def test_arbitrary_text_only_raises_setup_code_error(text: str) -> None:
    reason = None
    try:
        code = parse_setup_code(text, now_ms=NOW_MS)
    except SetupCodeError as err:
        reason = err.reason
    else:
        assert urlsplit(code.url).scheme.lower() in ("ws", "wss")
    assert reason is None or reason in REASONS


@given(_payloads, st.booleans(), st.booleans())
def test_arbitrary_payloads_only_raise_setup_code_error(
    payload: dict[str, Any], pad: bool, prefixed: bool
) -> None:
    text = encode(
        json.dumps(payload, allow_nan=True).encode(),
        pad=pad,
        prefix="oc-pair://" if prefixed else "",
    )
    try:
        code = parse_setup_code(text, now_ms=NOW_MS)
    except SetupCodeError:
        return
    assert code.url == payload["url"].strip()
    assert code.bootstrap_token
    assert code.bootstrap_token == payload["bootstrapToken"].strip()
    assert code.expires_at_ms is None or code.expires_at_ms > NOW_MS
