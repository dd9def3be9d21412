"""Reliability tier: fixtures, and the figures table at the end of the session.

The table goes to the terminal (``pytest_terminal_summary``) and to ``artifacts/reliability.md``.
Under pytest-xdist each worker ships its rows to the controller (``workeroutput``).

The real-gateway chaos test reuses the e2e tier's session fixtures (imported below: they run
only when such a test is selected); the Home Assistant tests bring their own fixtures
(``ha_fixtures.py``) so that the client-level tests also run without Home Assistant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import importlib.util
import json
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from custom_components.openclaw.aioopenclaw import DeviceIdentity, GatewayClient
from tests.e2e.conftest import (  # noqa: F401 - fixtures for test_chaos_real.py
    _fake_model_process,
    _gateway_process,
    e2e_run_dir,
    fake_model,
    gateway,
    gateway_install,
)
from tests.fake_gateway import FakeGateway

from .report import REPORT

FAST_BACKOFF = (0.05, 0.2)
_WORKER_KEY = "openclaw_reliability"

if importlib.util.find_spec("pytest_socket") is None:

    @pytest.fixture
    def socket_enabled() -> None:
        """Fallback: without pytest-socket nothing blocks sockets."""


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``record(table, cells)`` adds a row for this test to the figures table."""

    def add(table: str, cells: list[Any]) -> None:
        REPORT.add(table, cells, request.node.nodeid)

    return add


@pytest_asyncio.fixture
async def fake(socket_enabled: None) -> AsyncIterator[FakeGateway]:
    async with FakeGateway() as gw:
        yield gw


@pytest_asyncio.fixture
async def http_session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture
async def make_client(
    http_session: aiohttp.ClientSession,
) -> AsyncIterator[Callable[..., GatewayClient]]:
    """``make_client(url, **kwargs)``: clients on the test's session, closed at the end."""
    clients: list[GatewayClient] = []

    def make(url: str, **kwargs: Any) -> GatewayClient:
        kwargs.setdefault("identity", DeviceIdentity.generate())
        kwargs.setdefault("backoff", FAST_BACKOFF)
        client = GatewayClient(http_session, url, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


# -- the figures table ---------------------------------------------------------------------


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    previous = REPORT.outcomes.get(report.nodeid)
    if report.failed:
        REPORT.outcomes[report.nodeid] = "failed"
    elif report.skipped and previous is None:
        REPORT.outcomes[report.nodeid] = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    elif report.when == "call" and previous is None:
        REPORT.outcomes[report.nodeid] = "passed"


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the rows to the controller
        workeroutput[_WORKER_KEY] = json.dumps(REPORT.dump())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if data:
        REPORT.merge(json.loads(data))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if hasattr(terminalreporter.config, "workerinput") or not REPORT.rows:
        return
    terminalreporter.section("openclaw reliability figures")
    for line in REPORT.render_text():
        terminalreporter.write_line(line)
    path = REPORT.write()
    terminalreporter.write_line("")
    terminalreporter.write_line(f"written to {path}")
