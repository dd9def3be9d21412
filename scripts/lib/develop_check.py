"""Check a running scripts/develop end to end, the way a new user would use it, over REST.

    python3 scripts/lib/develop_check.py [--keep]

Logs in with the printed development login, asks the running scripts/develop for a fresh setup
code, adds OpenClaw through Home Assistant's config flow (setup code path), waits for the entry
to load, and talks to the OpenClaw conversation agent (the demo model answers "ECHO: ...").
Removes the entry it made unless ``--keep``. Standard library only (runs on any python3).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
import subprocess
import sys
import time
from typing import Any
import urllib.parse
import urllib.request

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("OPENCLAW_HA_CACHE") or Path.home() / ".cache" / "openclaw-ha")


class Api:
    def __init__(self, url: str) -> None:
        self.url = url
        self.token = ""

    def call(self, method: str, path: str, body: Any = None, form: bool = False) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        data = None
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=60) as resp:
            text = resp.read().decode()
        return json.loads(text) if text else None

    def login(self, username: str, password: str) -> None:
        client_id = self.url + "/"
        flow = self.call(
            "POST",
            "/auth/login_flow",
            {
                "client_id": client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": client_id,
            },
        )
        result = self.call(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {
                "client_id": client_id,
                "username": username,
                "password": password,
            },
        )
        assert result["type"] == "create_entry", result
        tokens = self.call(
            "POST",
            "/auth/token",
            {
                "grant_type": "authorization_code",
                "code": result["result"],
                "client_id": client_id,
            },
            form=True,
        )
        self.token = tokens["access_token"]


def step(text: str) -> float:
    print(f"check: {text}", flush=True)
    return time.monotonic()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the config entry it adds")
    parser.add_argument(
        "--code", help="use this setup code (for scripts/develop --gateway: from your gateway)"
    )
    args = parser.parse_args()
    state = json.loads((CACHE / "develop" / "develop.json").read_text())
    api = Api(f"http://127.0.0.1:{state['ha_port']}")

    step("frontend and API answer")
    with urllib.request.urlopen(api.url + "/", timeout=10) as resp:
        assert resp.status == 200 and b"<html" in resp.read(2000).lower()

    step(f"log in as {state['username']}")
    api.login(state["username"], state["password"])
    assert api.call("GET", "/api/config")["state"] == "RUNNING"
    assert "openclaw" in api.call("GET", "/api/config/config_entries/flow_handlers")

    for entry in api.call("GET", "/api/config/config_entries/entry?domain=openclaw"):
        step(f"remove the existing entry {entry['title']}")
        api.call("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")

    code = args.code
    if not code:
        t = step("fresh setup code from the running scripts/develop")
        code = subprocess.run(
            [str(REPO / "scripts" / "develop"), "--setup-code"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(f"check:   got one in {time.monotonic() - t:.1f} s ({len(code)} chars)")

    t = step("config flow: handler openclaw, menu 'setup_code', paste the code")
    flow = api.call("POST", "/api/config/config_entries/flow", {"handler": "openclaw"})
    assert flow["type"] == "menu" and "setup_code" in flow["menu_options"], flow
    flow = api.call(
        "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", {"next_step_id": "setup_code"}
    )
    assert flow["type"] == "form" and flow["step_id"] == "setup_code", flow
    flow = api.call(
        "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", {"setup_code": code}
    )
    while flow["type"] == "progress":  # waiting for approval (not on loopback: auto-approved)
        time.sleep(1)
        flow = api.call("GET", f"/api/config/config_entries/flow/{flow['flow_id']}")
    assert flow["type"] == "create_entry", flow
    entry_id = flow["result"]["entry_id"]
    print(f"check:   entry '{flow['title']}' created in {time.monotonic() - t:.1f} s")

    t = step("the entry loads")
    deadline = time.monotonic() + 60
    while True:
        entries = api.call("GET", "/api/config/config_entries/entry?domain=openclaw")
        entry = next(e for e in entries if e["entry_id"] == entry_id)
        if entry["state"] == "loaded":
            break
        assert time.monotonic() < deadline, entry
        time.sleep(0.5)
    states = api.call("GET", "/api/states")
    ours = sorted(s["entity_id"] for s in states if "openclaw" in s["entity_id"])
    print(f"check:   loaded in {time.monotonic() - t:.1f} s; {len(ours)} entities")
    for entity_id in ours:
        print(f"check:     {entity_id}")
    agents = [e for e in ours if e.startswith("conversation.")]

    if agents:
        t = step(f"talk to {agents[0]} (the demo model echoes)")
        text = "hello from develop_check"
        result = api.call(
            "POST",
            "/api/conversation/process",
            {"text": text, "agent_id": agents[0], "language": "en"},
        )
        speech = result["response"]["speech"]["plain"]["speech"]
        print(f"check:   reply {speech!r} in {time.monotonic() - t:.1f} s")
        assert text in speech, result
    else:
        print("check:   no conversation entity (the integration has none yet): skipped")

    if not args.keep:
        api.call("DELETE", f"/api/config/config_entries/entry/{entry_id}")
        step("removed the entry again")
    print("check: all good")
    return 0


if __name__ == "__main__":
    sys.exit(main())
