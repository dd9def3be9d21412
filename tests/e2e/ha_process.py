"""A real Home Assistant process (scripts/lib/ha_runtime.py) with the web UI and this
integration, for the browser test: onboarded, the integration added through its config flow
against the session's real gateway, and a dashboard holding the chat card.

Everything listens on 127.0.0.1. Needs the frontend package (requirements_runtime.txt)
beside the test venv: ``scripts/test`` installs it and exports its path as
``OPENCLAW_BROWSER_E2E_SITE`` (see scripts/lib/browser_e2e.sh).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import itertools
import os
from pathlib import Path
import secrets
import socket
import sys
import time
from types import ModuleType
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[2]
USERNAME = "e2e"

# A small config: the UI (which brings lovelace, the websocket API, auth and onboarding), the
# recorder every real install has (the UI asks for it), nothing that scans the network or calls
# out.
CONFIGURATION_YAML = """\
homeassistant:
  name: OpenClaw card e2e
  unit_system: metric
  time_zone: UTC
  country: US
  currency: USD
  language: en
frontend:
recorder:
  purge_keep_days: 1
logger:
  default: warning
  logs:
    custom_components.openclaw: info
"""


def _ha_runtime() -> ModuleType:
    """scripts/lib/ha_runtime.py (not a package: loaded by path)."""
    name = "openclaw_ha_runtime"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "lib" / "ha_runtime.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class HomeAssistantUnderTest:
    """Start, onboard, configure over REST and the websocket API, stop."""

    def __init__(self, config_dir: Path, site: Path) -> None:
        self.config_dir = config_dir
        self.site = site
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        self.username = USERNAME
        runtime = _ha_runtime()
        self.process = runtime.HomeAssistantProcess(
            config_dir, self.port, config_dir / "home-assistant.console.log", str(site)
        )
        self.session: aiohttp.ClientSession | None = None
        self.api: Any = None
        self.timings: dict[str, float] = {}
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        runtime = _ha_runtime()
        started = time.monotonic()
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(CONFIGURATION_YAML)
        runtime.seed_config_dir(self.config_dir, REPO, self.port)
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        self.process.start()
        await self.process.wait_http(self.session)
        self.api = runtime.HomeAssistantApi(self.session, self.url)
        await self.api.create_owner(self.username, self.password)
        await self.api.wait_running()
        self.timings["start + onboarding s"] = round(time.monotonic() - started, 2)

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.process.stop(grace=20)
        if self.session is not None:
            await self.session.close()

    def log_tail(self, lines: int = 60) -> str:
        log = self.config_dir / "home-assistant.log"
        try:
            return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return self.process.log_tail(lines)

    # -- REST --------------------------------------------------------------------------------

    async def rest(self, method: str, path: str, body: Any = None) -> Any:
        assert self.session is not None
        headers = {"Authorization": f"Bearer {self.api.access_token}"}
        async with self.session.request(
            method, f"{self.url}{path}", json=body, headers=headers
        ) as resp:
            if resp.status >= 400:
                raise RuntimeError(f"{method} {path}: HTTP {resp.status} {await resp.text()}")
            return await resp.json() if resp.content_length != 0 else None

    async def add_openclaw(self, gateway_url: str, token: str) -> str:
        """The config flow's "URL and token" path; returns the entry id once it is loaded."""
        started = time.monotonic()
        flow = await self.rest("POST", "/api/config/config_entries/flow", {"handler": "openclaw"})
        assert flow["type"] == "menu", flow
        path = f"/api/config/config_entries/flow/{flow['flow_id']}"
        flow = await self.rest("POST", path, {"next_step_id": "manual"})
        flow = await self.rest("POST", path, {"url": gateway_url, "token": token})
        while flow["type"] == "progress":  # pairing (auto-approved on loopback)
            await asyncio.sleep(0.5)
            flow = await self.rest("GET", path)
        assert flow["type"] == "create_entry", flow
        entry_id: str = flow["result"]["entry_id"]
        async with asyncio.timeout(60):
            while True:
                entries = await self.rest("GET", "/api/config/config_entries/entry?domain=openclaw")
                state = next(e["state"] for e in entries if e["entry_id"] == entry_id)
                if state == "loaded":
                    break
                await asyncio.sleep(0.3)
        self.timings["config flow + entry loaded s"] = round(time.monotonic() - started, 2)
        return entry_id

    async def entity_ids(self, suffix: str) -> list[str]:
        states = await self.rest("GET", "/api/states")
        return sorted(s["entity_id"] for s in states if s["entity_id"].endswith(suffix))

    # -- websocket API -----------------------------------------------------------------------

    async def ws_command(self, **msg: Any) -> Any:
        """One command over a fresh websocket connection; its result."""
        assert self.session is not None
        async with self.session.ws_connect(f"{self.url}/api/websocket") as ws:
            assert (await ws.receive_json())["type"] == "auth_required"
            await ws.send_json({"type": "auth", "access_token": self.api.access_token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            msg_id = next(self._ids)
            await ws.send_json({"id": msg_id, **msg})
            while True:
                reply = await ws.receive_json()
                if reply.get("id") == msg_id and reply["type"] == "result":
                    if not reply["success"]:
                        raise RuntimeError(f"{msg['type']}: {reply['error']}")
                    return reply.get("result")

    async def save_dashboard(self, url_path: str, views: list[dict[str, Any]]) -> None:
        """A dashboard at ``/<url_path>`` (storage mode) with these views."""
        await self.ws_command(
            type="lovelace/dashboards/create",
            url_path=url_path,
            title="OpenClaw chat",
            icon="mdi:chat",
            mode="storage",
            show_in_sidebar=True,
            require_admin=False,
        )
        await self.ws_command(
            type="lovelace/config/save", url_path=url_path, config={"views": views}
        )


def browser_site() -> Path | None:
    """The frontend package scripts/test installed (None when it did not)."""
    site = os.environ.get("OPENCLAW_BROWSER_E2E_SITE")
    if site and (Path(site) / ".complete").is_file():
        return Path(site)
    return None
