"""HTTP plane on the gateway port (aiohttp.web): probes, hooks, /v1/*, session history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .server import FakeGateway

GW_KEY: web.AppKey[FakeGateway] = web.AppKey("gw")


async def _close_connection(request: web.Request, response: web.StreamResponse) -> None:
    # One request per TCP connection: the splitter routes a connection once, so a client
    # must not reuse an HTTP keep-alive connection for a later WS upgrade.
    response.force_close()


def build_app(gw: FakeGateway) -> web.Application:
    app = web.Application()
    app[GW_KEY] = gw
    app.on_response_prepare.append(_close_connection)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/health", healthz)
    return app


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "status": "live"})
