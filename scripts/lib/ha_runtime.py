"""A real Home Assistant for scripts/develop: config dir seeding, the hass process, REST calls.

Measured traps this file avoids (shared reference "home-assistant-runtime"):
- an ``http:`` block in configuration.yaml becomes a *pending* trial that reverts to port 8123 on
  all interfaces after 5 minutes, so the HTTP config is seeded as the *stable* one in
  ``.storage/http`` (127.0.0.1 and our port) and configuration.yaml has no ``http:`` block;
- zeroconf would start on the LAN adapters as soon as a client session exists, so
  ``.storage/core.network`` pins the adapters to ``lo``;
- onboarding's core-config step starts flows for met, radio_browser, ... (internet), so the
  seeded onboarding store marks every step but "user" done; the user step runs over REST.
Home Assistant runs with ``--skip-pip``: it never installs anything.

Runs inside the Python 3.14 venv (it imports Home Assistant's own HTTP storage schema).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import Any

import aiohttp

from tests.e2e.gateway import process_group_members  # develop.py puts the repo on sys.path

CONFIGURATION_YAML = """\
# Written once by scripts/develop (delete it to get a fresh one). No `http:` block on purpose:
# scripts/develop pins Home Assistant to 127.0.0.1 through .storage/http.
homeassistant:
  name: OpenClaw development
  unit_system: metric
  time_zone: UTC
  country: US
  currency: USD
  language: en

# A small default_config: the UI, Assist (text) and history, nothing that scans the network.
frontend:
config:
conversation:
assist_pipeline:
history:
logbook:
recorder:
  purge_keep_days: 3
person:

logger:
  default: warning
  logs:
    custom_components.openclaw: debug
"""

USER_NAME = "Developer"
LANGUAGE = "en"


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)


def _write_store(config_dir: Path, key: str, version: int, minor: int, data: Any) -> None:
    """A ``.storage/<key>`` file in Home Assistant's Store format."""
    _write_json(
        config_dir / ".storage" / key,
        {"version": version, "minor_version": minor, "key": key, "data": data},
    )


def http_store_data(port: int) -> tuple[int, int, dict[str, Any]]:
    """``.storage/http`` content with a stable 127.0.0.1:port config and nothing pending."""
    from homeassistant.components.http import config as http_config

    stable = {
        **http_config.HTTP_STORAGE_SCHEMA({"server_host": ["127.0.0.1"], "server_port": port}),
        "created_at": datetime.now(UTC).isoformat(),
        "error": None,
        "error_message": None,
    }
    data = {"stable": stable, "pending": None, "yaml_migration_done": True}
    return http_config.STORAGE_VERSION, http_config.STORAGE_MINOR_VERSION, data


def seed_config_dir(config_dir: Path, repo: Path, port: int) -> None:
    """Prepare the config dir; safe to repeat (only files Home Assistant must not own change).

    configuration.yaml is written once, so a developer's edits survive restarts.
    """
    (config_dir / ".storage").mkdir(parents=True, exist_ok=True)
    yaml_path = config_dir / "configuration.yaml"
    if not yaml_path.exists():
        yaml_path.write_text(CONFIGURATION_YAML)
    for name in ("automations.yaml", "scripts.yaml", "scenes.yaml"):
        (config_dir / name).touch()

    # The integration comes straight from the working tree.
    link = config_dir / "custom_components" / "openclaw"
    target = repo / "custom_components" / "openclaw"
    link.parent.mkdir(exist_ok=True)
    if not (link.is_symlink() and os.readlink(link) == str(target)):
        if link.is_symlink():
            link.unlink()
        elif link.exists():
            raise RuntimeError(f"{link} exists and is not a link to the working tree; remove it")
        link.symlink_to(target, target_is_directory=True)

    version, minor, data = http_store_data(port)
    _write_store(config_dir, "http", version, minor, data)
    _write_store(config_dir, "core.network", 1, 1, {"configured_adapters": ["lo"]})
    onboarding = config_dir / ".storage" / "onboarding"
    if not onboarding.exists():
        # Only the "user" step is left; scripts/develop does it over REST.
        _write_store(
            config_dir, "onboarding", 4, 1, {"done": ["core_config", "analytics", "integration"]}
        )


class HomeAssistantProcess:
    """``python -m homeassistant`` in its own process group, output to a log file."""

    def __init__(self, config_dir: Path, port: int, log_path: Path, pythonpath: str) -> None:
        self.config_dir = config_dir
        self.port = port
        self.log_path = log_path
        self.pythonpath = pythonpath
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV", "SSL_CERT_FILE")
        env = {k: v for k, v in os.environ.items() if k in keep}
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start {time.strftime('%H:%M:%S')} port {self.port}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "homeassistant",
                    "--config",
                    str(self.config_dir),
                    "--skip-pip",
                ],
                env=env,
                cwd=self.config_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def wait_http(self, session: aiohttp.ClientSession, timeout: float = 120) -> None:
        """Until the HTTP server answers (about 1.5 s warm)."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                raise RuntimeError("Home Assistant exited during start:\n" + self.log_tail())
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                # No auth needed (an unauthenticated /api/ call would raise a login-failure
                # notification); the server starts once the frontend is set up.
                async with session.get(f"{self.url}/manifest.json") as resp:
                    if resp.status < 500:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"Home Assistant not answering after {timeout:.0f} s")
            await asyncio.sleep(0.2)

    async def stop(self, grace: float = 60) -> float:
        """SIGTERM the group (Home Assistant saves its stores), SIGKILL after ``grace``."""
        proc, self.proc = self.proc, None
        if proc is None:
            return 0.0
        started = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        for _ in range(int(grace * 10)):
            if proc.poll() is not None:
                break
            await asyncio.sleep(0.1)
        if proc.poll() is None or process_group_members(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        return time.monotonic() - started

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


class HomeAssistantApi:
    """The few REST calls scripts/develop makes (onboarding, tokens, readiness, entries)."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url
        self.client_id = f"{url}/"
        self.access_token = ""

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    async def needs_owner(self) -> bool:
        """True while onboarding still waits for its user step (404 once onboarded)."""
        async with self.session.get(f"{self.url}/api/onboarding") as resp:
            if resp.status == 404:
                return False
            steps = await resp.json()
        return any(s["step"] == "user" and not s["done"] for s in steps)

    async def create_owner(self, username: str, password: str) -> str:
        """Onboarding's user step; returns a refresh token for later runs."""
        body = {
            "client_id": self.client_id,
            "name": USER_NAME,
            "username": username,
            "password": password,
            "language": LANGUAGE,
        }
        async with self.session.post(f"{self.url}/api/onboarding/users", json=body) as resp:
            if resp.status != 200:
                raise RuntimeError(f"onboarding failed: HTTP {resp.status} {await resp.text()}")
            code = (await resp.json())["auth_code"]
        return await self._token({"grant_type": "authorization_code", "code": code})

    async def _token(self, form: dict[str, str]) -> str:
        form = {**form, "client_id": self.client_id}
        async with self.session.post(f"{self.url}/auth/token", data=form) as resp:
            if resp.status != 200:
                raise PermissionError(f"token request refused: HTTP {resp.status}")
            tokens = await resp.json()
        self.access_token = tokens["access_token"]
        return str(tokens.get("refresh_token", ""))

    async def refresh(self, refresh_token: str) -> None:
        await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def login(self, username: str, password: str) -> str:
        """The login flow the frontend uses; returns a new refresh token."""
        start = {
            "client_id": self.client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": self.client_id,
        }
        async with self.session.post(f"{self.url}/auth/login_flow", json=start) as resp:
            flow = await resp.json()
        creds = {"client_id": self.client_id, "username": username, "password": password}
        async with self.session.post(
            f"{self.url}/auth/login_flow/{flow['flow_id']}", json=creds
        ) as resp:
            result = await resp.json()
        if result.get("type") != "create_entry":
            raise PermissionError("Home Assistant refused the stored development login")
        return await self._token({"grant_type": "authorization_code", "code": result["result"]})

    async def get(self, path: str) -> Any:
        async with self.session.get(f"{self.url}{path}", headers=self._auth()) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def post(self, path: str, body: Any = None) -> Any:
        async with self.session.post(f"{self.url}{path}", json=body, headers=self._auth()) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def wait_running(self, timeout: float = 120) -> dict[str, Any]:
        """Until Home Assistant reports RUNNING; returns /api/config."""
        deadline = time.monotonic() + timeout
        while True:
            config: dict[str, Any] = await self.get("/api/config")
            if config.get("state") == "RUNNING":
                return config
            if time.monotonic() > deadline:
                raise RuntimeError(f"Home Assistant still {config.get('state')} after {timeout} s")
            await asyncio.sleep(0.2)
