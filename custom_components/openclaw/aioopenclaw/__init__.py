"""aioopenclaw: an asyncio client for the OpenClaw gateway (no Home Assistant imports)."""
