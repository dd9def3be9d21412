"""Checks on the repository's layout that no other test covers."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "custom_components" / "openclaw" / "aioopenclaw"
LIBRARY_MODULE = "custom_components.openclaw.aioopenclaw"


def _absolute_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in a file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_client_library_imports_nothing_from_home_assistant_or_the_integration() -> None:
    """aioopenclaw stays a standalone library: no homeassistant, no integration modules."""
    files = sorted(LIBRARY.rglob("*.py"))
    assert files, f"no Python files under {LIBRARY}"
    offending = [
        f"{path.relative_to(ROOT)}:{line}: import {module}"
        for path in files
        for line, module in _absolute_imports(path)
        if module.split(".")[0] == "homeassistant"
        or (
            module.startswith("custom_components")
            and module != LIBRARY_MODULE
            and not module.startswith(LIBRARY_MODULE + ".")
        )
    ]
    assert not offending, "\n".join(offending)


def test_import_check_sees_both_import_forms(tmp_path: Path) -> None:
    """The walker above finds `import x` and `from x import y`, so it can fail."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import homeassistant.core\nfrom custom_components.openclaw import const\nfrom . import x\n"
    )
    assert _absolute_imports(sample) == [
        (1, "homeassistant.core"),
        (2, "custom_components.openclaw"),
    ]


def test_hacs_minimum_is_not_newer_than_the_tested_home_assistant() -> None:
    """hacs.json's minimum Home Assistant is the release line the tests run on."""
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert hacs["name"] == "OpenClaw"
    minimum = AwesomeVersion(hacs["homeassistant"])
    tested = AwesomeVersion(HA_VERSION)
    assert minimum <= tested, f"hacs.json asks for HA {minimum}, tests run on {tested}"
    # Same release line: a minimum older than the tested HA's month is an untested promise.
    assert minimum.section(0) == tested.section(0)
    assert minimum.section(1) == tested.section(1)
