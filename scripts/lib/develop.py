"""The part of scripts/develop that runs in the Python 3.14 venv (see scripts/develop).

Starts the demo model and a real OpenClaw gateway (unless ``--gateway``), then Home Assistant
with custom_components/openclaw from the working tree, onboards it, and prints the URL, the
login and a setup code. Afterwards each line on stdin asks for a new setup code; SIGINT,
SIGTERM, SIGHUP or the end of stdin (scripts/develop is gone) stop everything it started.

State lives in $OPENCLAW_HA_CACHE/develop (HA config, gateway state, login) and survives
restarts; ``--reset`` starts from scratch.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import socket
import stat
import sys
import time
import traceback
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(Path(__file__).resolve().parent)]

import ha_runtime  # noqa: E402
import loopback_bridge  # noqa: E402
from tests.e2e.fake_model import FakeModel  # noqa: E402
from tests.e2e.gateway import Gateway, cache_dir, find_install, wanted_version  # noqa: E402

HA_DEFAULT_PORT = 8123
GATEWAY_DEFAULT_PORT = 18789  # OpenClaw's own default
USERNAME = "dev"


class DevelopError(RuntimeError):
    """A problem to report in one line (no traceback)."""


def say(text: str = "") -> None:
    print(text, flush=True)


def note(text: str) -> None:
    print(f"develop: {text}", file=sys.stderr, flush=True)


@dataclass
class State:
    """What must survive restarts (develop.json, mode 0600: it holds the login and tokens)."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> State:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        state = cls(path, data)
        data.setdefault("username", USERNAME)
        data.setdefault("password", secrets.token_urlsafe(12))
        data.setdefault("gateway_token", secrets.token_urlsafe(32))
        data.setdefault("hooks_token", secrets.token_urlsafe(32))
        state.save()
        return state

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self.data, f, indent=2)
        tmp.replace(self.path)


def setup_code_expiry(code: str) -> datetime | None:
    """The code is base64url JSON ``{url, bootstrapToken, expiresAtMs}``."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)))
        return datetime.fromtimestamp(payload["expiresAtMs"] / 1000).astimezone()
    except (ValueError, KeyError, TypeError):
        return None


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Home Assistant binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Develop:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.root = cache_dir() / "develop"
        self.config_dir = self.root / "config"
        self.started = float(os.environ.get("OPENCLAW_DEVELOP_T0") or time.time())
        self.ha: ha_runtime.HomeAssistantProcess | None = None
        self.gateway: Gateway | None = None
        self.model: FakeModel | None = None
        self.bridges: list[asyncio.Server] = []
        self.session: aiohttp.ClientSession | None = None
        self.state: State | None = None
        self.api: ha_runtime.HomeAssistantApi | None = None
        self.setup_code = ""
        self.setup_expires: datetime | None = None
        self.isolated = False
        self.timings: dict[str, float] = {}

    # -- start ---------------------------------------------------------------------------------

    def reset(self) -> None:
        for name in ("config", "gateway", "model", "logs", "develop.json", "setup-code.json"):
            path = self.root / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        note(f"reset: removed Home Assistant config, gateway state and login in {self.root}")

    async def start(self) -> None:
        args = self.args
        self.root.mkdir(parents=True, exist_ok=True)
        if args.reset:
            self.reset()
        self.state = state = State.load(self.root / "develop.json")
        local_gateway = args.gateway is None

        # Ports on the host's 127.0.0.1: keep the stored ones so bookmarks, the browser's login
        # and the gateway URL in Home Assistant's config entry stay valid.
        want_ha = args.port or state.data.get("ha_port") or HA_DEFAULT_PORT
        want_gw = state.data.get("gateway_port") or GATEWAY_DEFAULT_PORT
        if args.port and not port_free(args.port):
            raise DevelopError(f"port {args.port} is in use on 127.0.0.1")
        socks = [loopback_bridge.listen_preferring(want_ha, HA_DEFAULT_PORT, 0)]
        ha_port = socks[0].getsockname()[1]
        state.data["ha_port"] = ha_port
        gw_port = 0
        if local_gateway:
            socks.append(loopback_bridge.listen_preferring(want_gw, GATEWAY_DEFAULT_PORT, 0))
            gw_port = socks[1].getsockname()[1]
            if state.data.get("gateway_port") not in (None, gw_port):
                note(
                    f"port {want_gw} is taken: the demo gateway moves to {gw_port}; an OpenClaw "
                    "entry set up earlier needs Reconfigure (or run with --reset)"
                )
            state.data["gateway_port"] = gw_port
        state.save()

        if local_gateway and not args.host_network:
            # Everything we start from here on only sees loopback; the bridges keep the two
            # ports reachable from the host's 127.0.0.1.
            try:
                loopback_bridge.isolate()
                self.isolated = True
            except OSError as err:
                note(f"no network namespace ({err}); running on the host's network")
        if self.isolated:
            self.bridges = [await loopback_bridge.serve(sock) for sock in socks]
        else:
            for sock in socks:
                sock.close()  # the servers bind these ports themselves

        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        gateway_task = None
        if local_gateway:
            gateway_task = asyncio.create_task(self._start_gateway(gw_port))
        try:
            await self._start_home_assistant(ha_port)
            if gateway_task is not None:
                await gateway_task
        finally:
            if gateway_task is not None and not gateway_task.done():
                gateway_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await gateway_task
        self.timings["ready"] = time.time() - self.started
        shown = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        note(f"timings: {shown}")
        await self._banner()

    async def _start_gateway(self, port: int) -> None:
        assert self.state is not None
        started = time.monotonic()
        install = find_install()
        if install is None:
            raise DevelopError(
                f"OpenClaw gateway {wanted_version()} is not installed "
                "(scripts/develop runs scripts/install-gateway; did it fail?)"
            )
        model_dir = self.root / "model"
        model_dir.mkdir(parents=True, exist_ok=True)
        self.model = FakeModel(model_dir)
        self.model.start()
        gw = Gateway(install, self.root / "gateway", self.model.base_url, port=port)
        gw.token = self.state.data["gateway_token"]
        gw.hooks_token = self.state.data["hooks_token"]
        gw.patch_config_file(
            {"gateway": {"auth": {"token": gw.token}}, "hooks": {"token": gw.hooks_token}}
        )
        self.gateway = gw
        await gw.astart(timeout=180)
        self.timings["gateway"] = time.monotonic() - started
        await self.new_setup_code(announce=False)

    async def _start_home_assistant(self, port: int) -> None:
        assert self.state is not None and self.session is not None
        started = time.monotonic()
        ha_runtime.seed_config_dir(self.config_dir, REPO, port)
        self.ha = ha = ha_runtime.HomeAssistantProcess(
            self.config_dir,
            port,
            self.root / "logs" / "home-assistant.console.log",
            os.environ.get("OPENCLAW_DEVELOP_EXTRAS", ""),
        )
        ha.start()
        await ha.wait_http(self.session)
        self.timings["HA http"] = time.monotonic() - started
        api = self.api = ha_runtime.HomeAssistantApi(self.session, ha.url)
        data = self.state.data
        if await api.needs_owner():
            data["refresh_token"] = await api.create_owner(data["username"], data["password"])
            self.state.save()
        else:
            try:
                await api.refresh(data.get("refresh_token", ""))
            except PermissionError:
                data["refresh_token"] = await api.login(data["username"], data["password"])
                self.state.save()
        await api.wait_running()
        self.timings["HA running"] = time.monotonic() - started
        handlers = await api.get("/api/config/config_entries/flow_handlers")
        if "openclaw" not in handlers:
            raise DevelopError(
                "Home Assistant did not pick up custom_components/openclaw:\n" + ha.log_tail()
            )

    # -- setup codes ---------------------------------------------------------------------------

    async def new_setup_code(self, *, announce: bool = True) -> str:
        assert self.gateway is not None
        started = time.monotonic()
        try:
            # The RPC behind `openclaw qr` (about 0.1 s instead of the CLI's 6+ s).
            result = await self.gateway.rpc(
                "device.pair.setupCode", {"publicUrl": self.gateway.ws_url, "includeQr": False}
            )
        except Exception as err:  # noqa: BLE001 - older gateways: fall back to the CLI
            note(f"device.pair.setupCode failed ({err}); using `openclaw qr`")
            result = await self.gateway.setup_code()
        self.timings.setdefault("first setup code", time.monotonic() - started)
        code = str(result["setupCode"])
        expires = setup_code_expiry(code)
        self.setup_code = code
        self.setup_expires = expires
        record = {"setupCode": code, "expires": expires.isoformat() if expires else None}
        out = self.root / "setup-code.json"
        fd = os.open(out.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(record, f)
        out.with_suffix(".tmp").replace(out)
        if announce:
            say()
            say(f"  New setup code   {code}")
            say(f"                   {self._valid_until()}")
        return code

    def _valid_until(self) -> str:
        if self.setup_expires is None:
            return "valid for 10 minutes"
        return f"valid for 10 minutes (until {self.setup_expires:%H:%M:%S})"

    # -- banner --------------------------------------------------------------------------------

    async def _banner(self) -> None:
        assert self.ha is not None and self.state is not None and self.api is not None
        data = self.state.data
        path = "/api/config/config_entries/entry?domain=openclaw"
        entries = await self.api.get(path)
        if self.gateway is not None and any(e["state"] == "setup_retry" for e in entries):
            # Home Assistant is up long before the gateway, so an entry from an earlier run
            # failed its first connect; retry now instead of after Home Assistant's backoff.
            for entry in entries:
                if entry["state"] == "setup_retry":
                    await self.api.post(
                        f"/api/config/config_entries/entry/{entry['entry_id']}/reload"
                    )
            entries = await self.api.get(path)
        took = self.timings["ready"]
        say()
        say(f"OpenClaw development environment is ready ({took:.1f} s)")
        say()
        say(f"  Home Assistant   {self.ha.url}")
        say(f"  Login            user {data['username']}   password {data['password']}")
        if entries:
            shown = ", ".join(f"{e['title']} ({e['state']})" for e in entries)
            say(f"  OpenClaw entry   {shown}")
        say()
        if self.gateway is not None:
            say("  Add the integration: Settings > Devices & services > Add integration >")
            say("  OpenClaw, then paste the setup code:")
            say()
            say(f"  Setup code       {self.setup_code}")
            say(f"                   {self._valid_until()}; press Enter for a new one")
            say("                   (or run scripts/develop --setup-code in another terminal)")
            say()
            say('  Or set it up by hand ("Enter URL and token"):')
            say(f"  Gateway URL      {self.gateway.ws_url}")
            say(f"  Gateway token    {self.gateway.token}")
            say()
            say('  Demo model       answers "ECHO: <what it was sent>"; no account or API key.')
            say("  Assist           Settings > Voice assistants > Assist > Conversation agent:")
            say("                   OpenClaw, then the Assist button on the Overview.")
            say(f"  Gateway log      {self.gateway.log_path}")
        else:
            say(f"  Your gateway     {self.args.gateway}")
            say("  Get a setup code on the gateway host with")
            say(f"                   openclaw qr --json --url {self.args.gateway}")
            say("  and paste its setupCode in Settings > Devices & services > Add integration >")
            say("  OpenClaw.")
        say(f"  HA log           {self.config_dir / 'home-assistant.log'}")
        say()
        say("Ctrl-C stops everything.")

    # -- run and stop --------------------------------------------------------------------------

    async def serve_stdin(self) -> None:
        """Each line on stdin asks for a new setup code; EOF of a pipe means stop."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        try:
            await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer
            )
        except (ValueError, OSError):  # not a pipe or tty (e.g. /dev/null): wait for a signal
            await asyncio.Event().wait()
        while line := await reader.readline():
            if self.gateway is None:
                say(f"  (your own gateway: run `openclaw qr --json --url {self.args.gateway}`)")
                continue
            if line.strip() in (b"", b"setup-code"):
                try:
                    await self.new_setup_code()
                except Exception as err:  # noqa: BLE001 - keep serving; the CLI may be slow
                    note(f"could not make a setup code: {err}")
        if not stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode):
            await asyncio.Event().wait()  # a tty hung up: SIGHUP does the rest

    async def shutdown(self) -> None:
        """Stop Home Assistant and the gateway side by side (each in its own group)."""
        started = time.monotonic()

        async def stop_ha() -> None:
            if self.ha is not None:
                note(f"Home Assistant stopped ({await self.ha.stop():.1f} s)")

        async def stop_gateway() -> None:
            if self.gateway is not None:
                try:
                    note(f"gateway stopped ({await self.gateway.astop():.1f} s)")
                finally:
                    self.gateway.cleanup_tmp()
            if self.model is not None:
                self.model.stop()

        results = await asyncio.gather(stop_ha(), stop_gateway(), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                note(f"while stopping: {result}")
        for server in self.bridges:
            server.close()
        if self.session is not None:
            await self.session.close()
        note(f"everything stopped in {time.monotonic() - started:.1f} s")

    def kill_all(self) -> None:
        """Second Ctrl-C: no more waiting."""
        if self.ha is not None:
            self.ha.kill()
        for proc in (self.gateway, self.model):
            pid = getattr(proc, "pid", None) or getattr(getattr(proc, "_proc", None), "pid", None)
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)


async def amain(args: argparse.Namespace) -> int:
    dev = Develop(args)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = 0

    def on_signal(signum: int) -> None:
        nonlocal signals
        signals += 1
        if signals == 1:
            note(f"{signal.Signals(signum).name}: stopping everything (again to force)")
            stop.set()
        else:
            dev.kill_all()
            os._exit(130)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, on_signal, sig)

    async def run() -> None:
        await dev.start()
        await dev.serve_stdin()

    task = asyncio.create_task(run())
    stopper = asyncio.create_task(stop.wait())
    rc = 0
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except DevelopError as err:
            note(f"error: {err}")
            rc = 1
        except Exception:  # noqa: BLE001 - report, then clean up below
            traceback.print_exc()
            rc = 1
    finally:
        stopper.cancel()
        await dev.shutdown()
    return rc


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__)
    parser.add_argument("--gateway", metavar="URL", help="use this gateway (ws://host:port)")
    parser.add_argument("--port", type=int, help=f"Home Assistant port (default {HA_DEFAULT_PORT})")
    parser.add_argument("--reset", action="store_true", help="start from a fresh config")
    parser.add_argument(
        "--host-network", action="store_true", help="don't isolate the local servers"
    )
    args = parser.parse_args()
    if args.gateway and not args.gateway.startswith(("ws://", "wss://")):
        parser.error("--gateway must be a ws:// or wss:// URL")
    sys.exit(asyncio.run(amain(args)))


if __name__ == "__main__":
    main()
