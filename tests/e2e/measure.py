"""Measure the harness: gateway start-to-ready (cold/warm compile cache), turns, stop.

    python -m tests.e2e.measure [--starts N] [--cold] [--version V]

Run it where the tests run (loopback-only namespace, e.g. ``scripts/test --exec python -m
tests.e2e.measure``). ``--cold`` empties Node's compile cache before every start. Prints one
JSON object; no secrets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import shutil
import statistics
import tempfile
import time
import uuid

from . import raw_client as raw
from .fake_model import FakeModel
from .gateway import Gateway, find_install


async def _turn(conn: raw.RawConnection, text: str) -> tuple[float, float]:
    run_id = str(uuid.uuid4())
    sent = time.monotonic()
    await conn.request(
        "chat.send", {"sessionKey": "agent:main:measure", "message": text, "idempotencyKey": run_id}
    )

    def of_run(state: str) -> object:
        return lambda f: (
            f["event"] == "chat"
            and f["payload"].get("runId") == run_id
            and f["payload"].get("state") == state
        )

    await conn.wait_event(of_run("delta"), timeout=120)
    first = time.monotonic() - sent
    await conn.wait_event(of_run("final"), timeout=120)
    return first, time.monotonic() - sent


async def _session(gateway: Gateway, turns: int) -> dict[str, object]:
    conn = await raw.connect(gateway.ws_url, token=gateway.token, device=raw.Device())
    try:
        results = [await _turn(conn, f"measure {i}") for i in range(turns)]
    finally:
        await conn.close()
    steady = [final for _first, final in results[1:]]
    return {
        "first_turn_first_delta_s": round(results[0][0], 2),
        "first_turn_final_s": round(results[0][1], 2),
        "steady_turn_final_median_s": round(statistics.median(steady), 3) if steady else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=2)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--version")
    args = parser.parse_args()
    install = find_install(args.version)
    if install is None:
        raise SystemExit("not installed: run scripts/install-gateway first")
    report: dict[str, object] = {"version": install.version, "cold": args.cold, "runs": []}
    runs: list[dict[str, object]] = report["runs"]  # type: ignore[assignment]
    for _ in range(args.starts):
        run_dir = Path(tempfile.mkdtemp(prefix="openclaw-measure-"))
        if args.cold:
            shutil.rmtree(install.tmpdir / "node-compile-cache", ignore_errors=True)
        model = FakeModel(run_dir)
        model.start()
        gateway = Gateway(install, run_dir, model.base_url)
        try:
            ready = gateway.start()
            entry: dict[str, object] = {"start_to_ready_s": round(ready, 2)}
            entry.update(asyncio.run(_session(gateway, args.turns)))
        finally:
            entry["stop_s"] = round(gateway.stop(), 2)
            gateway.cleanup_tmp()
            model.stop()
            shutil.rmtree(run_dir, ignore_errors=True)
        runs.append(entry)
    report["load_avg_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
