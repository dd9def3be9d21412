"""Fake OpenClaw gateway for tests (TODO: API docs)."""

from .faults import Faults, Stats
from .runs import RunScript
from .server import FakeGateway
from .splitter import Splitter

__all__ = ["FakeGateway", "Faults", "RunScript", "Splitter", "Stats"]
