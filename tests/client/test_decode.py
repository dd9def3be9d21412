"""Frame decoding: the fast decoder must not refuse what the gateway legitimately sends."""

from __future__ import annotations

import pytest

from custom_components.openclaw.aioopenclaw.connection import decode_json


def test_a_delta_that_splits_an_emoji_still_decodes() -> None:
    # A JavaScript gateway cuts strings by UTF-16 unit, so a delta can end in half a surrogate.
    assert decode_json('{"deltaText":"smile \\ud83d"}') == {"deltaText": "smile \ud83d"}


@pytest.mark.parametrize("text", ["{", "[" * 100_000, "nope"])
def test_malformed_frames_raise_value_or_recursion_errors(text: str) -> None:
    with pytest.raises((ValueError, RecursionError)):
        decode_json(text)
