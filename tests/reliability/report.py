"""Figures of the reliability tier, printed as tables at the end of the pytest session.

Tests record rows *before* they assert, so a failing test still shows what it measured; the
``result`` column then says FAILED (the conftest maps each row's test id to its outcome).
``artifacts/reliability.md`` gets the same tables as Markdown for the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
import platform
import statistics
import sys
import time
from typing import Any

ARTIFACT = Path(__file__).resolve().parents[2] / "artifacts" / "reliability.md"

# Tables in the order they are printed; the columns of each (``result`` is added at render).
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "chaos": (
        "Chaos: runs under dropped connections, restarts and stalls",
        (
            "target",
            "runs sent",
            "finals exactly once",
            "duplicates",
            "lost",
            "wrong text",
            "finals from history",
            "gateway runs started",
            "reconnects",
            "mean reconnect s",
            "mean recovery s",
            "max recovery s",
            "faults injected",
        ),
    ),
    "fuzz": (
        "Fuzzing (hypothesis, derandomized)",
        ("target", "examples", "unhandled exceptions", "typed errors", "accepted", "recovered"),
    ),
    "bad_input": (
        "Bad input: a clear error and no side effect",
        ("case", "layer", "error", "side effects"),
    ),
    "secrets": (
        "Secrets: full scenario with DEBUG logging",
        ("place", "items scanned", "secrets found"),
    ),
    "load": (
        "Load: concurrent sends with a reconnect in the middle",
        ("sends", "sessions", "completed", "order kept", "reconnects", "duplicates", "seconds"),
    ),
}


@dataclass
class Row:
    table: str
    cells: list[str]
    nodeid: str | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> passed/failed/skipped
    started: float = field(default_factory=time.time)

    def add(self, table: str, cells: list[Any], nodeid: str | None = None) -> None:
        if table not in TABLES:
            raise KeyError(f"unknown reliability table {table!r}")
        want = len(TABLES[table][1])
        if len(cells) != want:
            raise ValueError(f"table {table!r} has {want} columns, got {len(cells)}")
        self.rows.append(Row(table, [_cell(c) for c in cells], nodeid))

    def merge(self, data: dict[str, Any]) -> None:
        """Rows and outcomes serialized by an xdist worker (see ``dump``)."""
        self.rows.extend(Row(r["table"], r["cells"], r["nodeid"]) for r in data["rows"])

    def dump(self) -> dict[str, Any]:
        return {
            "rows": [{"table": r.table, "cells": r.cells, "nodeid": r.nodeid} for r in self.rows]
        }

    def _result(self, row: Row) -> str:
        if row.nodeid is None:
            return "-"
        return self.outcomes.get(row.nodeid, "not run").upper()

    def tables(self) -> list[tuple[str, list[str], list[list[str]]]]:
        out = []
        for key, (title, columns) in TABLES.items():
            rows = [[*r.cells, self._result(r)] for r in self.rows if r.table == key]
            if rows:
                out.append((title, [*columns, "result"], rows))
        return out

    def render_text(self) -> list[str]:
        lines: list[str] = []
        for title, columns, rows in self.tables():
            widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
            lines.append("")
            lines.append(title)
            lines.append("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
            lines.append("  ".join("-" * w for w in widths))
            lines.extend(
                "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows
            )
        return lines

    def render_markdown(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.started))
        py = platform.python_version()
        parts = [
            "# Reliability figures",
            "",
            f"Measured {when} on Python {py} ({sys.platform}, {_cpus()} CPUs) by "
            "`scripts/test tests/reliability` (fixed seeds: the runs are repeatable).",
        ]
        for title, columns, rows in self.tables():
            parts += ["", f"## {title}", ""]
            parts.append("| " + " | ".join(columns) + " |")
            parts.append("|" + "|".join("---" for _ in columns) + "|")
            parts += ["| " + " | ".join(v.replace("|", "\\|") for v in row) + " |" for row in rows]
        return "\n".join(parts) + "\n"

    def write(self, path: Path = ARTIFACT) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render_markdown(), encoding="utf-8")
        return path


def _cpus() -> str:
    import os

    return str(os.cpu_count() or "?")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def mean(values: list[float]) -> float | str:
    return statistics.fmean(values) if values else "-"


def maximum(values: list[float]) -> float | str:
    return max(values) if values else "-"


REPORT = Report()
