"""Rows of the benchmark table, the machine they ran on, and small statistics helpers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
import math
import os
from pathlib import Path
import platform
import sys


@dataclass
class Row:
    """One line of the table. ``ok`` is None when the figure has no budget."""

    key: str
    what: str
    value: str
    floor: str
    ratio: float | None
    budget: str
    ok: bool | None
    note: str = ""

    @property
    def result(self) -> str:
        return {True: "pass", False: "FAIL", None: "info"}[self.ok]


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 100 samples is the 99th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def mib(size: float) -> str:
    return f"{size / (1 << 20):.1f} MiB"


def rss_bytes() -> int:
    """Resident set size of this process (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def machine() -> str:
    """Cores, CPU model, memory, Python and the key library versions, load at the start."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / (1 << 20):.0f} GiB"
    except OSError, ValueError, IndexError:
        memory = "?"
    versions = []
    for name in ("homeassistant", "aiohttp", "websockets"):
        try:
            versions.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {model}, {memory} RAM; "
        f"Python {platform.python_version()} ({sys.implementation.name}) on "
        f"{platform.system()} {platform.release()}; {'; '.join(versions)}; "
        f"load average at start {load}"
    )


def render(rows: Sequence[Row], machine_line: str, title: str = "Benchmarks") -> str:
    """A Markdown table, then the notes that say what bounds each figure."""
    lines = [
        f"### {title}",
        "",
        f"Machine: {machine_line}",
        "",
        "| # | measure | value | floor | ratio | budget | result |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(
            f"| {row.key} | {row.what} | {row.value} | {row.floor} | {ratio} | {row.budget} "
            f"| {row.result} |"
        )
    notes = [f"- {row.key}: {row.note}" for row in rows if row.note]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines) + "\n"
