"""The application factory: wires settings, rooms, the model and the routes."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
import orjson
from aiohttp import web

from .. import keys
from ..metrics import Metrics
from ..settings import Settings
from .cluster import cluster_context, cluster_middlewares, setup_cluster_routes
from .headers import setup_security_headers
from .lifecycle import (
    advisor_context,
    close_sockets,
    gc_context,
    housekeeping_context,
    model_context,
    rooms_context,
)
from .openapi import setup_openapi
from .routes import setup_routes
from .replays import setup_replays
from .seats_api import setup_seats

log = logging.getLogger("web")
ROOT = Path(__file__).resolve().parents[2]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """API errors are JSON with an 'error' field; an unexpected exception is
    logged and answered 500 without taking anything else down."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if request.path.startswith("/api/") and exc.content_type != "application/json" and exc.status >= 400:
            exc.content_type = "application/json"
            exc.text = orjson.dumps({"error": exc.reason}).decode()
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.Response(body=b'{"error":"internal error"}', status=500, content_type="application/json")


async def static_revalidate(request: web.Request, response: web.StreamResponse) -> None:
    """ES modules import each other without the page's ?v= cache-buster, so
    browsers must revalidate static files (cheap: ETag/Last-Modified) or a
    deploy could mix old and new modules."""
    if request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-cache"


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    app = web.Application(middlewares=[json_errors, *cluster_middlewares(settings)],
                          client_max_size=settings.max_body_bytes)
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = Metrics()
    app[keys.SOCKETS] = weakref.WeakSet()
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(ROOT / "templates")), autoescape=True)
    setup_routes(app, str(ROOT / "static"))
    setup_cluster_routes(app)
    setup_security_headers(app)
    setup_openapi(app)
    app.cleanup_ctx.append(rooms_context)
    app.cleanup_ctx.append(cluster_context)  # after the rooms: it reports them
    app.cleanup_ctx.append(model_context)
    app.cleanup_ctx.append(housekeeping_context)
    app.cleanup_ctx.append(advisor_context)
    app.cleanup_ctx.append(gc_context)
    setup_seats(app)  # its context needs the rooms and the model's
    setup_replays(app)  # game log, restore on start, replays (server.web.replays); after the rooms' context
    app.on_shutdown.append(close_sockets)
    app.on_response_prepare.append(static_revalidate)
    return app
