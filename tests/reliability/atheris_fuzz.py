"""Coverage-guided fuzzing of the client library's parsers with atheris (libFuzzer).

Not collected by pytest (atheris is not in the test requirements). Run it where atheris is
installed (``pip install atheris``; wheels exist for CPython 3.11-3.14 on Linux x86-64)::

    python tests/reliability/atheris_fuzz.py frames -max_total_time=60
    python tests/reliability/atheris_fuzz.py setup_code -runs=200000

Targets: ``frames`` (the reader and run tracker), ``setup_code``, ``sse``, ``attachments``,
``error_shape``, ``retry_after``. A target crashes (and libFuzzer keeps the input) on any
exception that is not the module's typed error, or when an invariant breaks. The library is
loaded on its own (no Home Assistant needed), exactly as ``aioopenclaw``.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import importlib.util
import json
from pathlib import Path
import sys
from types import ModuleType
from typing import Any

LIB = Path(__file__).resolve().parents[2] / "custom_components" / "openclaw" / "aioopenclaw"


def load_library() -> ModuleType:
    """``aioopenclaw`` from the repo, without importing the integration (and HA) around it."""
    if "aioopenclaw" in sys.modules:
        return sys.modules["aioopenclaw"]
    spec = importlib.util.spec_from_file_location(
        "aioopenclaw", LIB / "__init__.py", submodule_search_locations=[str(LIB)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["aioopenclaw"] = module
    spec.loader.exec_module(module)
    return module


def _targets() -> dict[str, Callable[[bytes], None]]:
    lib = load_library()
    from aioopenclaw import attachments, connection, errors, http, setup_code, sse
    import atheris

    def text(data: bytes) -> str:
        return atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))

    identity = lib.DeviceIdentity.generate()

    def frames(data: bytes) -> None:
        client = lib.GatewayClient(None, "ws://127.0.0.1:1", identity=identity)
        conn = connection.Connection(
            None, on_event=client._dispatch, on_close=lambda *_: None, on_seq_gap=None
        )
        ends: dict[str, int] = {}
        client.subscribe_chat(
            lambda e: ends.__setitem__(e.run_id, ends.get(e.run_id, 0) + e.state.terminal)
        )
        fdp = atheris.FuzzedDataProvider(data)
        while fdp.remaining_bytes():
            conn._handle_text(fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 512)))
        assert all(n <= 1 for n in ends.values()), ends

    def setup(data: bytes) -> None:
        with contextlib.suppress(errors.SetupCodeError):
            setup_code.parse_setup_code(text(data), now_ms=1_800_000_000_000)

    def sse_target(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        cut = fdp.ConsumeIntInRange(0, max(0, len(data) - 4))
        body = fdp.ConsumeBytes(len(data))
        try:
            whole = sse.SSEParser(max_event_chars=256).feed(body)
        except errors.ProtocolError:
            return
        parser = sse.SSEParser(max_event_chars=256)
        assert parser.feed(body[:cut]) + parser.feed(body[cut:]) == whole

    def attach(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        mime = fdp.ConsumeUnicodeNoSurrogates(12) or None
        with contextlib.suppress(errors.AttachmentError):
            attachments.image_attachment_from_base64(
                fdp.ConsumeUnicodeNoSurrogates(len(data)), mime, max_bytes=4096
            )

    def error_shape(data: bytes) -> None:
        try:
            shape: Any = json.loads(text(data))
        except ValueError:  # (one type per clause: this file also runs on Python 3.11)
            return
        except RecursionError:
            return
        assert isinstance(errors.from_error_shape(shape), errors.GatewayError)

    def retry_after(data: bytes) -> None:
        seconds = http.parse_retry_after(text(data), now=1_800_000_000.0)
        assert seconds is None or seconds >= 0

    return {
        "frames": frames,
        "setup_code": setup,
        "sse": sse_target,
        "attachments": attach,
        "error_shape": error_shape,
        "retry_after": retry_after,
    }


def main() -> None:
    import atheris

    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        raise SystemExit(__doc__)
    name = sys.argv.pop(1)
    targets = _targets()
    atheris.instrument_all()  # the library was loaded by path: instrument what is loaded
    if name not in targets:
        raise SystemExit(f"unknown target {name!r}; one of {', '.join(targets)}")
    atheris.Setup(sys.argv, targets[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
