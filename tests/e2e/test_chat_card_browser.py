"""The dashboard chat card in a real headless browser (Debian's chromium driven by
playwright-core) against a real Home Assistant with this integration and the real gateway.

The browser part is frontend/e2e/chat-card.e2e.mjs; it writes a report and screenshots to
artifacts/chat-card-browser/, and this test judges the report. Needs what scripts/test's setup
installs (scripts/lib/browser_e2e.sh): chromium, frontend/node_modules and Home Assistant's
web UI. Without them the test skips, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
from pathlib import Path
import re
import shutil
import time
from typing import Any
import uuid

import pytest

from .fake_model import FakeModel
from .gateway import Gateway, find_install
from .ha_process import REPO, HomeAssistantUnderTest, browser_site

ARTIFACTS = REPO / "artifacts" / "chat-card-browser"
SCRIPT = REPO / "frontend" / "e2e" / "chat-card.e2e.mjs"
DASHBOARD = "openclaw-chat"
WORDS = " ".join(f"w{i}" for i in range(14))
# The main session is shared with the other e2e tests: this test's texts carry a nonce, and
# only this test's rows are judged.
NONCE = uuid.uuid4().hex[:6]
# The fake model echoes it word by word; the bold last word checks the Markdown rendering.
MESSAGE = f"hello from the card {NONCE} {WORDS} **done**"
SHOWN_REPLY = f"ECHO: hello from the card {NONCE} {WORDS} done"
IMAGE_MESSAGE = f"what is in this picture {NONCE}?"
# The fake model's slow mode: "tick0 " ... one piece every slow_interval seconds.
SLOW_MESSAGE = "slow: stop me"
BROWSER_TIMEOUT_S = 150


def _unavailable(message: str) -> None:
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"{message} [CI=true: the browser test must run]", pytrace=False)
    pytest.skip(message)


def _luminance(css_color: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_color)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _prerequisites() -> tuple[Path, str]:
    """Home Assistant's web UI, chromium and playwright-core, as scripts/test installs them."""
    site = browser_site()
    if site is None:
        _unavailable("Home Assistant's web UI is not installed (scripts/test installs it)")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        _unavailable("Debian's chromium is not installed (scripts/test installs it)")
    if not (REPO / "frontend" / "node_modules" / "playwright-core").is_dir():
        _unavailable("frontend/node_modules is missing (scripts/build-card --install-only)")
    assert site is not None
    return site, chromium


async def _run_browser(config: dict[str, Any], node: Path, home: Path) -> dict[str, Any]:
    config_path = ARTIFACTS / "config.json"
    config_path.write_text(json.dumps(config))
    proc = await asyncio.create_subprocess_exec(
        str(node),
        str(SCRIPT),
        str(config_path),
        cwd=REPO / "frontend",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "HOME": str(home)},
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), BROWSER_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    finally:
        config_path.unlink(missing_ok=True)  # it holds the test login
    log = out.decode(errors="replace")
    (ARTIFACTS / "browser.log").write_text(log)
    report_path = ARTIFACTS / "report.json"
    assert report_path.is_file(), f"the browser script wrote no report:\n{log[-3000:]}"
    report: dict[str, Any] = json.loads(report_path.read_text())
    assert report.get("ok"), f"{report.get('error')}\n{log[-3000:]}"
    return report


async def test_chat_card_in_a_real_browser(
    gateway: Gateway, fake_model: FakeModel, tmp_path: Path
) -> None:
    site, chromium = _prerequisites()
    install = find_install()
    assert install is not None  # the gateway fixture needs it too

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    started = time.monotonic()
    ha = HomeAssistantUnderTest(tmp_path / "ha", site)
    try:
        await ha.start()
        await ha.add_openclaw(gateway.ws_url, gateway.token)
        main = [e for e in await ha.entity_ids("_run_state") if e.startswith("sensor.main")]
        assert main, await ha.entity_ids("_run_state")
        card = {"type": "custom:openclaw-chat-card", "entity": main[0]}
        paged = {**card, "title": "Paged", "page_size": 2, "height": "100px"}
        await ha.save_dashboard(
            DASHBOARD,
            [
                {"title": "Chat", "path": "chat", "cards": [card]},
                {"title": "Paged", "path": "paged", "cards": [paged]},
            ],
        )
        # Nobody added the card as a dashboard resource: the integration loads it.
        assert await ha.ws_command(type="lovelace/resources") == []
        # A reply that streams for about two seconds; a slow run that would take 30.
        fake_model.configure(piece_delay=0.12, slow_pieces=60, slow_interval=0.5)
        ha_ready = time.monotonic() - started

        report = await _run_browser(
            {
                "url": ha.url,
                "dashboard": f"/{DASHBOARD}/chat",
                "pagedView": f"/{DASHBOARD}/paged",
                "username": ha.username,
                "password": ha.password,
                "chromium": chromium,
                "artifacts": str(ARTIFACTS),
                "message": MESSAGE,
                "replyPrefix": SHOWN_REPLY.split(" w0", 1)[0],
                "imageMessage": IMAGE_MESSAGE,
                "slowMessage": SLOW_MESSAGE,
                "timeoutMs": 60000,
            },
            install.node,
            tmp_path,
        )
    finally:
        await ha.stop()
        shutil.copy(tmp_path / "ha" / "home-assistant.log", ARTIFACTS / "home-assistant.log")

    # The module the integration registered (with its version hash) is what the page loaded.
    assert any(
        re.search(r"/openclaw/frontend/openclaw-chat-card\.js\?v=\w+", u)
        for u in report["moduleUrls"]
    ), report["moduleUrls"]
    assert report["markdownDefined"] is True

    # The reply grew in several painted steps, each a longer prefix of the final text...
    texts = [s["text"] for s in report["stream"] if s["text"]]
    growing = texts[:-1]
    assert len(growing) >= 3, texts
    for shorter, longer in itertools.pairwise(growing):
        assert longer.startswith(shorter) and len(longer) > len(shorter), texts
    # ...coalesced (fewer steps than the model's pieces), and ended with the final text,
    # rendered as Markdown like the rest of Home Assistant.
    assert len(texts) < len(MESSAGE.split()) + 2
    assert texts[-1] == SHOWN_REPLY
    final = report["rowsAfterReply"][-2:]
    assert [r["role"] for r in final] == ["user", "assistant"]
    assert final[0]["text"] == MESSAGE
    assert final[1]["text"] == SHOWN_REPLY
    assert final[1]["strong"] == ["done"]
    assert report["stateAfterReply"] == "idle"

    # A picture from the card reaches the agent (the gateway stored it and told the model).
    rows = report["rowsAfterPicture"]
    asked = next(i for i, r in enumerate(rows) if r["text"] == IMAGE_MESSAGE)
    assert rows[asked]["role"] == "user" and rows[asked]["meta"] == "1 image"
    answer = rows[asked + 1]
    assert answer["role"] == "assistant" and IMAGE_MESSAGE in answer["text"]
    assert re.search(
        r"media attached: media://inbound/gradient[^ ]*\.png \(image/png\)", answer["text"]
    )

    # Stop on a slow run: aborted at once, the words so far kept and marked, nothing after.
    stopped = next(s for s in report["steps"] if s["name"] == "stopped")
    assert stopped["sinceClick"] < 5000
    last = report["rowsAfterStop"][-1]
    assert last["role"] == "assistant" and last["text"].startswith("tick0 tick1 tick2")
    assert "tick59" not in last["text"]
    assert last["meta"] == "Stopped"
    assert report["rowsLater"] == report["rowsAfterStop"]
    assert report["stopButtonAfter"] == 0

    # Paging: a card showing two messages at a time loads the newest two, then older pages as
    # it is scrolled up, until it shows the whole transcript in order.
    # (A first page shorter than the card pulls in older ones until it scrolls.)
    calls = report["pagedHistoryCalls"]
    assert calls[0] == {"limit": 2, "cursor": None}, calls
    assert all(re.fullmatch(r"seq:\d+", c["cursor"] or "") for c in calls[1:]), calls
    assert all(c["limit"] == 2 for c in calls)
    assert len(calls) > report["pagedCallsBeforeScroll"], "scrolling up loaded nothing"
    assert report["pagedRowsInitial"] < len(report["pagedRows"])
    mine = [r["text"] for r in report["rowsLater"]][-6:]  # this test's three turns
    assert report["pagedRows"][-6:] == mine

    # A phone-width screen: the card and its send button fit, nothing scrolls sideways.
    phone = report["phone"]
    assert phone["viewport"] == 360
    assert phone["card"]["right"] <= phone["viewport"] + 0.5
    assert phone["send"]["right"] <= phone["viewport"] + 0.5 and phone["send"]["width"] > 0
    assert phone["transcriptOverflowX"] <= 1
    assert phone["rows"] >= 4

    # The visual editor: Home Assistant's form with its entity picker on the card's session.
    assert report["editor"] == {"upgraded": True, "entity": main[0], "fields": 3}

    # Dark theme: the card follows Home Assistant's theme variables.
    assert _luminance(report["darkBackground"]) < _luminance(report["lightBackground"]) - 100

    assert not [c for c in report["console"] if c["type"] == "pageerror"], report["console"]
    assert not [
        c for c in report["console"] if c["type"] == "error" and "openclaw" in c["text"].lower()
    ], report["console"]
    timings = {
        "Home Assistant ready (start, onboarding, config flow, dashboard) s": round(ha_ready, 1),
        **ha.timings,
        "browser steps s": {s["name"]: round(s["ms"] / 1000, 1) for s in report["steps"]},
        "browser total s": round(report["totalMs"] / 1000, 1),
        "test total s": round(time.monotonic() - started, 1),
    }
    (ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=2))
