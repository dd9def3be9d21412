"""Fixtures for client-library tests (kept small: socket fallback and the fake gateway)."""

from __future__ import annotations

from collections.abc import AsyncIterator
import importlib.util

import pytest
import pytest_asyncio

from tests.fake_gateway import FakeGateway

# Under pytest-homeassistant-custom-component, pytest-socket blocks sockets and provides
# `socket_enabled`; elsewhere (plain dev venv) sockets are open and the fixture is a no-op.
if importlib.util.find_spec("pytest_socket") is None:

    @pytest.fixture
    def socket_enabled() -> None:
        """Fallback: sockets are not blocked without pytest-socket."""


@pytest_asyncio.fixture
async def fake_gateway(socket_enabled: None) -> AsyncIterator[FakeGateway]:
    """A started fake gateway on 127.0.0.1 (stopped inside the test's loop)."""
    async with FakeGateway() as gateway:
        yield gateway
