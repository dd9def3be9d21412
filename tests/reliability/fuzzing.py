"""Hypothesis helpers: counted fuzz runs, example collection for async tests, JSON strategies.

``fuzz()`` runs a property over generated inputs and *counts* outcomes instead of stopping at
the first failure, so the report can say how many inputs were tried and how they ended. Every
run is derandomized (the same inputs each time) and uses no example database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import json
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings, strategies as st

SETTINGS = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
}

# Outcomes a check may return for one input.
ACCEPTED = "accepted"
TYPED = "typed"


@dataclass
class FuzzCounts:
    target: str
    examples: int = 0
    accepted: int = 0
    typed: int = 0
    unhandled: list[tuple[str, str]] = field(default_factory=list)  # (error, input repr)
    recovered: int | str = "-"

    def row(self) -> list[Any]:
        return [
            self.target,
            self.examples,
            len(self.unhandled),
            self.typed,
            self.accepted,
            self.recovered,
        ]

    def smallest_failures(self, n: int = 3) -> list[tuple[str, str]]:
        """The shortest failing inputs, per error type (what a human wants to read first)."""
        by_type: dict[str, tuple[str, str]] = {}
        for error, example in sorted(self.unhandled, key=lambda f: len(f[1])):
            by_type.setdefault(error.split(":")[0], (error, example))
        return list(by_type.values())[:n]


def fuzz(
    target: str,
    strategy: st.SearchStrategy[Any],
    check: Callable[[Any], str],
    max_examples: int,
    explicit: Sequence[Any] = (),
) -> FuzzCounts:
    """Run ``check`` on the ``explicit`` inputs, then on ``max_examples`` generated ones; it
    returns ACCEPTED or TYPED, or raises (counted as unhandled)."""
    counts = FuzzCounts(target)

    def run(example: Any) -> None:
        counts.examples += 1
        try:
            outcome = check(example)
        except Exception as err:  # noqa: BLE001 - the finding: anything not a typed error
            counts.unhandled.append((f"{type(err).__name__}: {err}"[:200], repr(example)[:500]))
            return
        if outcome == ACCEPTED:
            counts.accepted += 1
        else:
            counts.typed += 1

    for example in explicit:
        run(example)
    settings(max_examples=max_examples, phases=[Phase.generate], **SETTINGS)(given(strategy)(run))()
    return counts


def examples(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    """``n`` generated values, for tests that must use them inside an event loop."""
    out: list[Any] = []

    @settings(max_examples=n, phases=[Phase.generate], **SETTINGS)
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    return out


# -- strategies ----------------------------------------------------------------------------

# Numbers a JSON parser may hand over that no JavaScript gateway sends, but a proxy could.
ODD_NUMBERS = (float("nan"), float("inf"), float("-inf"), 1e308, -(2**80), 0, -1)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON the Python parser accepts (including NaN/Infinity, which it does)."""
    return st.recursive(
        SCALARS,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The field's plausible values, or any JSON value at all, or absent (None)."""
    return strategy | SCALARS | json_values(4)


def content_parts() -> st.SearchStrategy[Any]:
    part = st.fixed_dictionaries(
        {"type": maybe(st.sampled_from(["text", "image", "thinking"]))},
        optional={"text": maybe(st.text(max_size=30))},
    )
    return maybe(st.text(max_size=30) | st.lists(part, max_size=3))


def chat_payloads(run_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """``chat`` event payloads: plausible shapes with wrong types mixed in."""
    return st.fixed_dictionaries(
        {
            "runId": maybe(st.sampled_from(run_ids)),
            "state": maybe(st.sampled_from(["status", "delta", "final", "aborted", "error"])),
        },
        optional={
            "sessionKey": maybe(st.sampled_from(["agent:main:main", "agent:main:x", ""])),
            "seq": maybe(st.integers(min_value=-5, max_value=10**12)),
            "message": maybe(
                st.fixed_dictionaries(
                    {"role": maybe(st.just("assistant")), "content": content_parts()},
                    optional={"usage": json_values(4)},
                )
            ),
            "deltaText": maybe(st.text(max_size=20)),
            "replace": maybe(st.booleans()),
            "usage": maybe(
                st.dictionaries(
                    st.sampled_from(["input", "output", "total", "totalTokens", "prompt_tokens"]),
                    SCALARS,
                )
            ),
            "status": maybe(st.fixed_dictionaries({"phase": maybe(st.text(max_size=10))})),
            "errorMessage": maybe(st.text(max_size=20)),
            "stopReason": maybe(st.text(max_size=10)),
            "agentId": maybe(st.text(max_size=5)),
        },
    )


def frames(run_ids: list[str]) -> st.SearchStrategy[str]:
    """Text frames as the client's reader gets them: broken, odd and plausible ones."""
    event = st.fixed_dictionaries(
        {
            "type": maybe(st.just("event")),
            "event": maybe(
                st.sampled_from(["chat", "session.message", "tick", "health", "agent", "shutdown"])
            ),
        },
        optional={
            "seq": maybe(st.integers(min_value=-3, max_value=10**9)),
            "payload": maybe(chat_payloads(run_ids)),
        },
    )
    res = st.fixed_dictionaries(
        {"type": st.just("res"), "id": maybe(st.text(max_size=8))},
        optional={"ok": maybe(st.booleans()), "payload": json_values(), "error": error_shapes()},
    )
    as_json = (event | res | json_values()).map(json.dumps)
    nested = st.integers(min_value=1, max_value=200_000).map(lambda n: "[" * n + "]" * n)
    return as_json | st.text(max_size=200) | nested


def error_shapes() -> st.SearchStrategy[Any]:
    return maybe(
        st.fixed_dictionaries(
            {},
            optional={
                "code": maybe(st.sampled_from(["UNAVAILABLE", "INVALID_REQUEST", "NOT_PAIRED"])),
                "message": maybe(st.text(max_size=30)),
                "details": maybe(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "code": maybe(
                                st.sampled_from(
                                    ["AUTH_TOKEN_MISMATCH", "PAIRING_REQUIRED", "DEVICE_AUTH_X"]
                                )
                            ),
                            "requestId": maybe(st.text(max_size=8)),
                        },
                    )
                ),
                "retryable": maybe(st.booleans()),
                "retryAfterMs": maybe(st.integers(min_value=-(10**6), max_value=10**12)),
            },
        )
    )
