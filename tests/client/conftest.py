"""Fixtures for client-library tests (kept small: socket fallback and the fake gateway)."""

from __future__ import annotations

import importlib.util

import pytest

# Under pytest-homeassistant-custom-component, pytest-socket blocks sockets and provides
# `socket_enabled`; elsewhere (plain dev venv) sockets are open and the fixture is a no-op.
if importlib.util.find_spec("pytest_socket") is None:

    @pytest.fixture
    def socket_enabled() -> None:
        """Fallback: sockets are not blocked without pytest-socket."""
