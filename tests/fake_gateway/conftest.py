"""Fixtures for the fake gateway's self-checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
import importlib.util

import pytest
import pytest_asyncio

from tests.fake_gateway import FakeGateway

# Under pytest-homeassistant-custom-component (pytest-socket) sockets need the real
# ``socket_enabled`` fixture; elsewhere (the dev venv) a no-op stand-in keeps tests runnable.
if importlib.util.find_spec("pytest_socket") is None:

    @pytest.fixture
    def socket_enabled() -> None:
        return None


@pytest_asyncio.fixture
async def gw(socket_enabled: None) -> AsyncIterator[FakeGateway]:
    async with FakeGateway() as gateway:
        yield gateway
