"""Fixtures for the e2e tier: one real OpenClaw gateway and one fake model per pytest session.

Tests ask for the function-scoped ``gateway`` and ``fake_model`` fixtures. Those depend on
``socket_enabled`` (pytest-socket, pulled in by pytest-homeassistant-custom-component), so the
test body may open loopback sockets; the session-scoped processes behind them are started
once, through subprocesses, and need no Python socket except the harness's own readiness probe
(see ``gateway.real_sockets``).

Without an install (``scripts/install-gateway``) the tier is skipped, except in CI
(``CI=true``), where a missing install is a failure: CI must run these tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import importlib.util
import os
from pathlib import Path
import time
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from .fake_model import FakeModel
from .gateway import (
    INSTALL_SCRIPT,
    Gateway,
    Install,
    find_install,
    run_install_script,
    wanted_version,
)

if TYPE_CHECKING:
    # Imported lazily below: the smoke test must run where Home Assistant (which the
    # integration package imports) is not installed.
    from custom_components.openclaw.aioopenclaw import GatewayClient
    from custom_components.openclaw.aioopenclaw.http import GatewayHttpClient

_TIMINGS: dict[str, object] = {}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Under pytest-xdist, keep every test that uses the real gateway (here or in another
    # tier) on one worker: one gateway (1.5-2 GB, CPU-bound start) per run, not per worker.
    # Takes effect with `--dist loadgroup`.
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "_gateway_process" in names or "compat_gateway_process" in names:
            item.add_marker(pytest.mark.xdist_group("openclaw-real-gateway"))


if importlib.util.find_spec("pytest_socket") is None:
    # Outside pytest-homeassistant-custom-component nothing blocks sockets; keep the name.
    @pytest.fixture
    def socket_enabled() -> None:
        return


def require_install(version: str) -> Install:
    """The finished install of ``version``: skipped when missing, except in CI (a failure)."""
    install = find_install(version)
    if install is None and os.environ.get("OPENCLAW_E2E_AUTO_INSTALL") == "1":
        started = time.monotonic()
        install = run_install_script(version)
        _TIMINGS[f"install {version} (auto)"] = round(time.monotonic() - started, 2)
    if install is None:
        message = (
            f"OpenClaw gateway {version} is not installed; run `{INSTALL_SCRIPT.relative_to(INSTALL_SCRIPT.parents[1])} "
            f"{version}` first (needs the npm registry; cache: $OPENCLAW_HA_CACHE or "
            "~/.cache/openclaw-ha)"
        )
        if _in_ci():
            pytest.fail(message + " [CI=true: the e2e tier must run]", pytrace=False)
        pytest.skip(message)
    return install


@pytest.fixture(scope="session")
def gateway_install() -> Install:
    """The finished install of the wanted version (OPENCLAW_GATEWAY_VERSION, default 2026.9.6)."""
    return require_install(wanted_version())


class _Shared:
    """One run dir, fake model and gateway per pytest process.

    Other tiers import these fixtures into their own conftest (tests/reliability does), and
    pytest then keeps one instance per conftest: without this, a full run would boot a
    second gateway (20 s of CPU, 1.5-2 GB). The last user stops the processes.
    """

    run_dir: Path | None = None
    model: FakeModel | None = None
    model_users = 0
    gateway: Gateway | None = None
    gateway_users = 0


@pytest.fixture(scope="session")
def e2e_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the gateway's state, home, workspace and logs live (OPENCLAW_E2E_RUN_DIR to keep)."""
    if _Shared.run_dir is None:
        chosen = os.environ.get("OPENCLAW_E2E_RUN_DIR")
        if chosen:
            _Shared.run_dir = Path(chosen)
            _Shared.run_dir.mkdir(parents=True, exist_ok=True)
        else:
            _Shared.run_dir = tmp_path_factory.mktemp("openclaw-e2e")
    return _Shared.run_dir


@pytest.fixture(scope="session")
def _fake_model_process(gateway_install: Install, e2e_run_dir: Path) -> Iterator[FakeModel]:
    if _Shared.model is None:
        model = FakeModel(e2e_run_dir)
        model.start()
        _Shared.model = model
    _Shared.model_users += 1
    yield _Shared.model
    _Shared.model_users -= 1
    if _Shared.model_users == 0:
        _Shared.model.stop()
        _Shared.model = None


@pytest.fixture(scope="session")
def _gateway_process(
    gateway_install: Install, e2e_run_dir: Path, _fake_model_process: FakeModel
) -> Iterator[Gateway]:
    if _Shared.gateway is None:
        gateway = Gateway(gateway_install, e2e_run_dir, _fake_model_process.base_url)
        gateway.start(timeout=float(os.environ.get("OPENCLAW_E2E_READY_TIMEOUT", "90")))
        _Shared.gateway = gateway  # only once started: a failed start is not shared
    _Shared.gateway_users += 1
    yield _Shared.gateway
    _Shared.gateway_users -= 1
    if _Shared.gateway_users == 0:
        gateway, _Shared.gateway = _Shared.gateway, None
        _stop_and_report(gateway, gateway_install, e2e_run_dir)


def _stop_and_report(gateway: Gateway, install: Install, run_dir: Path) -> None:
    try:
        gateway.stop()
        gateway.cleanup_tmp()
    finally:
        _TIMINGS["gateway version"] = install.version
        _TIMINGS["start->ready s"] = [round(t, 2) for t in gateway.timings.start_to_ready]
        _TIMINGS["stop s"] = [round(t, 2) for t in gateway.timings.stop]
        if gateway.timings.killed:
            _TIMINGS["stops that needed SIGKILL"] = gateway.timings.killed
        if gateway.timings.cli:
            cli = [t for _name, t in gateway.timings.cli]
            _TIMINGS["cli calls"] = f"{len(cli)}, {sum(cli):.1f} s total, max {max(cli):.1f} s"
        _TIMINGS["run dir"] = str(run_dir)


@pytest.fixture
def fake_model(socket_enabled: None, _fake_model_process: FakeModel) -> Iterator[FakeModel]:
    """The fake model, its request log cleared (and its settings restored) for this test."""
    _fake_model_process.reset()
    yield _fake_model_process
    _fake_model_process.reset()  # no slow mode or pushed mode leaks into the next test


@pytest.fixture
def gateway(socket_enabled: None, _gateway_process: Gateway) -> Gateway:
    """The session's gateway, running and ready (restarted if an earlier test left it down)."""
    if not _gateway_process.running:
        _gateway_process.start()
    return _gateway_process


@pytest.fixture(scope="module")
def compat_gateway_process(
    request: pytest.FixtureRequest, e2e_run_dir: Path, _fake_model_process: FakeModel
) -> Iterator[Gateway]:
    """A gateway of an older release, started once per module and version.

    The version comes by indirect parametrization (``compat_versions()``), so pytest runs a
    module's tests version by version and each release boots once. It has its own run dir
    and shares the session's fake model; it may run beside the session's gateway.
    """
    version = str(request.param)
    install = require_install(version)
    gateway = Gateway(install, e2e_run_dir / f"compat-{version}", _fake_model_process.base_url)
    gateway.start(timeout=float(os.environ.get("OPENCLAW_E2E_READY_TIMEOUT", "90")))
    try:
        yield gateway
    finally:
        try:
            gateway.stop()
            if _Shared.gateway is None:  # another gateway's /tmp locks are not ours to remove
                gateway.cleanup_tmp()
        finally:
            _TIMINGS[f"compat {version} start->ready s"] = [
                round(t, 2) for t in gateway.timings.start_to_ready
            ]


@pytest.fixture
def compat_gateway(socket_enabled: None, compat_gateway_process: Gateway) -> Gateway:
    """The module's older-release gateway, running (restarted if a test left it down)."""
    if not compat_gateway_process.running:
        compat_gateway_process.start()
    return compat_gateway_process


@pytest_asyncio.fixture
async def pairing_required(gateway: Gateway) -> AsyncIterator[Gateway]:
    """The gateway with silent loopback approval off, switched back on afterwards."""
    if not gateway.support.auto_approve_local:
        pytest.skip(f"gateway {gateway.install.version} cannot switch off silent local pairing")
    await gateway.set_auto_approve_local(False)
    try:
        yield gateway
    finally:
        if gateway.running:
            await gateway.set_auto_approve_local(True)


@pytest_asyncio.fixture
async def client(gateway: Gateway) -> AsyncIterator[GatewayClient]:
    """Our client, connected with the shared token (loopback ``gateway-client``/``backend``
    skips pairing: hello-ok at once, scopes read+write, no device token)."""
    from .helpers import connected_client

    async with connected_client(gateway) as connected:
        yield connected


@pytest_asyncio.fixture
async def http(gateway: Gateway) -> AsyncIterator[GatewayHttpClient]:
    """Our HTTP-plane client with the gateway token and the (different) hooks token."""
    import aiohttp

    from custom_components.openclaw.aioopenclaw.http import GatewayHttpClient

    async with aiohttp.ClientSession() as session:
        yield GatewayHttpClient(
            session, gateway.http_url, token=gateway.token, hooks_token=gateway.hooks_token
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _TIMINGS:
        terminalreporter.section("openclaw e2e harness")
        for key, value in _TIMINGS.items():
            terminalreporter.write_line(f"{key}: {value}")
