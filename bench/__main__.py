"""``python -m bench [--only 1,2,...] [--quick] [--out FILE]``: run the rows, print the table.

The table also goes to ``artifacts/bench.md`` (gitignored); copy it into the README.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import importlib
import logging
import os
from pathlib import Path
import sys
import time
import traceback

from .report import Row, machine, render

REPO = Path(__file__).resolve().parents[1]
ROWS: dict[str, str] = {
    "1": "throughput",
    "2": "latency",
    "3": "writes",
    "4": "scale",
    "5": "recovery",
    "6": "history",
    "7": "e2e",
}


async def main(keys: list[str], quick: bool) -> list[Row]:
    rows: list[Row] = []
    for key in keys:
        module = importlib.import_module(f"bench.{ROWS[key]}")
        runner: Callable[[bool], Awaitable[list[Row]]] = module.run
        started = time.monotonic()
        print(f"bench: row {key} ({ROWS[key]}) ...", file=sys.stderr, flush=True)
        try:
            new = await runner(quick)
        except Exception as err:  # noqa: BLE001 - one broken row must not lose the table
            traceback.print_exc()
            new = [
                Row(key, ROWS[key], "error", "—", None, "—", False, f"{type(err).__name__}: {err}")
            ]
        rows += new
        print(
            f"bench: row {key} took {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True
        )
        for row in new:
            print(
                f"  {row.key} {row.what}: {row.value} (floor {row.floor}) {row.result}",
                file=sys.stderr,
                flush=True,
            )
    return rows


def cli() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--only", default=",".join(ROWS), help="comma-separated rows (1-7)")
    parser.add_argument("--quick", action="store_true", help="fewer trials (a smoke run)")
    parser.add_argument("--out", default=str(REPO / "artifacts" / "bench.md"))
    args = parser.parse_args()
    keys = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in keys if k not in ROWS]
    if unknown:
        parser.error(f"unknown rows: {', '.join(unknown)}")
    logging.basicConfig(level=logging.WARNING)
    machine_line = machine()
    from homeassistant import runner

    loop = runner.create_event_loop()
    try:
        asyncio.set_event_loop(loop)
        rows = loop.run_until_complete(main(keys, args.quick))
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = render(rows, f"{machine_line}, at the end {load}")
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)
    print(f"bench: wrote {out}", file=sys.stderr)
    return 0 if all(row.ok is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(cli())
