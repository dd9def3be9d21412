"""Row 6: a 10,000-message transcript through the paged history (``iter_session_history``).

Time: the client reading every page (200 messages each) against a bare aiohttp loop that GETs
the same pages and JSON-decodes them. Memory: tracemalloc's peak while the client walks the
whole transcript, against the peak for reading its first page only. Pages are streamed, not
accumulated, so the peak must not grow with the transcript.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from urllib.parse import quote

import aiohttp

from custom_components.openclaw.aioopenclaw import GatewayHttpClient

from .fake_process import FakeGatewayProcess
from .report import Row, median, mib, ms

KEY = "agent:main:history"
MESSAGES = 10_000
PAGE = 200
BUDGET_MEMORY_RATIO = 2.0


async def _client_walk(http: GatewayHttpClient, pages: int | None = None) -> int:
    seen = 0
    walked = 0
    async for page in http.iter_session_history(KEY, page_size=PAGE):
        seen += len(page.messages)
        walked += 1
        if pages is not None and walked >= pages:
            break
    return seen


async def _bare_walk(session: aiohttp.ClientSession, gw: FakeGatewayProcess) -> int:
    url = f"{gw.http_url}/sessions/{quote(KEY, safe='')}/history"
    headers = {"Authorization": f"Bearer {gw.token}", "Accept": "application/json"}
    cursor: str | None = None
    seen = 0
    while True:
        params = {"limit": str(PAGE)} | ({"cursor": cursor} if cursor else {})
        async with session.get(url, params=params, headers=headers) as resp:
            data = json.loads(await resp.read())
        seen += len(data["messages"])
        if not data.get("hasMore"):
            return seen
        cursor = data["nextCursor"]


async def _peak(coro_factory: object) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    await coro_factory()  # type: ignore[operator]
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


async def run(quick: bool = False) -> list[Row]:
    trials = 3 if quick else 5
    async with (
        FakeGatewayProcess(tick_interval_ms=3_600_000) as gw,
        aiohttp.ClientSession() as session,
    ):
        await gw.call("add_messages", key=KEY, n=MESSAGES, size=200)
        http = GatewayHttpClient(session, gw.http_url, token=gw.token)
        assert await _client_walk(http) == MESSAGES
        assert await _bare_walk(session, gw) == MESSAGES
        client_times, bare_times = [], []
        for _ in range(trials):
            started = time.perf_counter()
            await _bare_walk(session, gw)
            bare_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            await _client_walk(http)
            client_times.append(time.perf_counter() - started)
        peak_all = await _peak(lambda: _client_walk(http))
        peak_page = await _peak(lambda: _client_walk(http, pages=1))
    value, floor = median(client_times), median(bare_times)
    return [
        Row(
            "6",
            f"{MESSAGES:,}-message transcript, paged: time",
            ms(value),
            f"{ms(floor)} (bare GET loop)",
            value / floor,
            "—",
            None,
            f"{MESSAGES // PAGE} pages of {PAGE}; median of {trials}. Bounded by the gateway "
            "(it serves each page; here the fake, in Python) and one JSON decode per page.",
        ),
        Row(
            "6",
            f"{MESSAGES:,}-message transcript, paged: peak memory",
            mib(peak_all),
            f"{mib(peak_page)} (first page only)",
            peak_all / peak_page,
            f"<= {BUDGET_MEMORY_RATIO:g} x one page",
            peak_all <= BUDGET_MEMORY_RATIO * peak_page,
            "tracemalloc peak while walking; one page is held at a time, so the peak is a "
            "page's size (JSON text + decoded objects), not the transcript's.",
        ),
    ]
