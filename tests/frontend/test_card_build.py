"""The dashboard card's JavaScript: unit tests (node --test) and a reproducible committed bundle.

Runs with the Node the e2e tier installs (scripts/install-gateway), or a Node >= 20 on PATH, and
frontend/node_modules from ``scripts/build-card --install-only`` (scripts/test runs it). Without
them the tests skip, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import shutil
import subprocess

import pytest

from tests.e2e.gateway import find_install

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
BUNDLE = REPO / "custom_components" / "openclaw" / "frontend" / "openclaw-chat-card.js"


def _unavailable(message: str) -> None:
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"{message} [CI=true: the card's tests must run]", pytrace=False)
    pytest.skip(message)


def _node_ok(node: str) -> bool:
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return False
    match = re.match(r"v(\d+)\.", out.stdout)
    return match is not None and int(match.group(1)) >= 20


@pytest.fixture(scope="module")
def node() -> str:
    install = find_install()
    for candidate in (str(install.node) if install else None, shutil.which("node")):
        if candidate and _node_ok(candidate):
            return candidate
    _unavailable("no Node.js >= 20 (run scripts/install-gateway, or install node)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def node_modules() -> Path:
    path = FRONTEND / "node_modules"
    if not (path / ".openclaw-lock-sha256").is_file() or not (path / "esbuild").is_dir():
        _unavailable("frontend/node_modules is missing (run scripts/build-card --install-only)")
    return path


def run_node(node: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, *args], cwd=FRONTEND, capture_output=True, text=True, timeout=240, check=False
    )


def test_card_unit_tests_pass(node: str, node_modules: Path) -> None:
    files = sorted(str(p.relative_to(FRONTEND)) for p in (FRONTEND / "test").glob("*.test.js"))
    assert files, "no card unit tests found"

    result = run_node(node, "--test", "--test-reporter=tap", *files)

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    failed = re.search(r"^# fail (\d+)$", result.stdout, re.MULTILINE)
    assert passed is not None and int(passed.group(1)) >= 30, result.stdout[-2000:]
    assert failed is not None and failed.group(1) == "0"


def test_committed_bundle_is_a_fresh_build(node: str, node_modules: Path) -> None:
    """What HACS users get is exactly what the sources build (scripts/build-card rebuilds it)."""
    result = run_node(node, "build.mjs", "--check")
    assert result.returncode == 0, result.stderr + result.stdout


def test_bundle_is_self_contained_and_small() -> None:
    """No imports (nothing fetched at runtime, works offline) and small enough for a tablet."""
    code = BUNDLE.read_text(encoding="utf-8")
    assert not re.search(r"""(^|[;}\s])import\s*[\s{(*"']""", code), "the bundle imports something"
    assert "customElements.define" in code and "openclaw-chat-card" in code
    assert len(code.encode()) < 80_000
