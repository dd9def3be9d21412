"""Shared pytest setup: only what every test tier needs.

- Tests under tests/e2e/ get the ``e2e`` marker, so ``-m "not e2e"`` skips the real-gateway tier.
- At the end, a line says how many ``e2e`` tests executed: a green run whose e2e tier was all
  skipped must not look like one that exercised the real gateway. With
  ``OPENCLAW_TEST_SUMMARY`` set (scripts/test sets it), the counts are also written there as
  JSON so the runner can refuse a run in which no test executed.
"""

from __future__ import annotations

from collections import Counter
import json
import os
from pathlib import Path

import pytest

_E2E_DIR = Path(__file__).parent / "e2e"
_OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def _outcome(report: pytest.TestReport) -> str | None:
    """The outcome one report contributes (None: this report adds nothing to count)."""
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            return "xfailed" if report.skipped else "xpassed"
        return report.outcome
    if report.failed:  # error in setup or teardown
        return "error"
    if report.when == "setup" and report.skipped:
        return "xfailed" if hasattr(report, "wasxfail") else "skipped"
    return None


def _executed(counts: Counter[str]) -> int:
    return counts["passed"] + counts["failed"] + counts["xfailed"] + counts["xpassed"]


class _Tally:
    """Counts outcomes (on the xdist controller, which sees every worker's reports)."""

    def __init__(self) -> None:
        self.all: Counter[str] = Counter()
        self.e2e: Counter[str] = Counter()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = _outcome(report)
        if outcome is None:
            return
        self.all[outcome] += 1
        if "e2e" in report.keywords:
            self.e2e[outcome] += 1

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        parts = ", ".join(f"{name} {self.e2e[name]}" for name in _OUTCOMES if self.e2e[name])
        terminalreporter.write_line(
            f"e2e tier (real gateway): {_executed(self.e2e)} executed ({parts or 'none collected'})"
        )
        path = os.environ.get("OPENCLAW_TEST_SUMMARY")
        if path:
            data = {
                "ran": _executed(self.all),
                "all": dict(self.all),
                "e2e_ran": _executed(self.e2e),
                "e2e": dict(self.e2e),
            }
            Path(path).write_text(json.dumps(data), encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # not on an xdist worker
        config.pluginmanager.register(_Tally(), "openclaw-tally")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)
