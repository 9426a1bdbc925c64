"""Seats over HTTP (PROTOCOL.md "Seats and play over HTTP") and the MCP
endpoint at `/mcp`: scripts and agents play without a WebSocket.

Bodies are validated with the schemas of `server.mcp.schemas`, the same ones
the OpenAPI description (`/api/openapi.json`) is built from. Every call acts
only for the seat whose token it carries (`SeatService.authorise`); a wrong
token is 403 and changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from .. import keys
from ..mcp.http import MCPHttpEndpoint
from ..mcp.schemas import first_error
from ..mcp.service import SeatError, SeatLimits, SeatService
from ..mcp.tools import build_server
from .routes import json_error, json_response, read_json_object

SEATS = keys.SEATS
MCP_ENDPOINT = web.AppKey("mcp_endpoint", MCPHttpEndpoint)


def _seat_error(exc: SeatError) -> web.Response:
    headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))} if exc.retry_after else None
    return json_response({"error": exc.message, "code": exc.code}, status=exc.status, headers=headers)


def _player(raw: Any) -> int | None:
    if isinstance(raw, str) and raw in ("0", "1"):
        return int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool) and raw in (0, 1):
        return raw
    return None


async def room_state(request: web.Request) -> web.Response:
    """`GET /api/rooms/{room}/state?player=&token=`: that player's full state."""
    player = _player(request.query.get("player"))
    if player is None:
        return json_error(400, "'player' must be 0 or 1")
    seats = request.app[SEATS]
    try:
        seat = seats.authorise(request.match_info["room"], request.query.get("token"), player)
    except SeatError as exc:
        return _seat_error(exc)
    return json_response({"type": "state", **seats.full_state(seat)})


async def room_actions(request: web.Request) -> web.Response:
    """`POST /api/rooms/{room}/actions`: apply ACTIONs for the token's seat;
    answers after the tick that applied them."""
    body = await read_json_object(request)
    reason = first_error("ActionsBody", body, kind="http")
    if reason is not None:
        return json_error(400, reason)
    seats = request.app[SEATS]
    try:
        seat = seats.authorise(request.match_info["room"], body["token"], body["player"])
        return json_response(await seats.act(seat, body["actions"]))
    except SeatError as exc:
        return _seat_error(exc)


async def mcp_handler(request: web.Request) -> web.StreamResponse:
    return await request.app[MCP_ENDPOINT].handle(request)


async def agents_context(app: web.Application) -> AsyncIterator[None]:
    """The seat service and the MCP session manager; after the rooms and model contexts."""
    s = app[keys.SETTINGS]
    seats = SeatService(app[keys.ROOMS], SeatLimits(rate=s.agent_rate, burst=s.agent_burst,
                                                     agent_grace_s=s.agent_grace_s), jobs=app[keys.NL_JOBS])
    seats.start()
    endpoint = MCPHttpEndpoint(build_server(seats), max_body_bytes=4 * s.max_body_bytes,
                               session_idle_timeout_s=s.agent_session_idle_s, max_sessions=s.agent_max_sessions)
    await endpoint.start()
    app[SEATS] = seats
    app[MCP_ENDPOINT] = endpoint
    yield
    await endpoint.stop()
    await seats.stop()


def setup_seats(app: web.Application) -> None:
    """Routes of the seats API and `/mcp`, and their lifecycle context."""
    app.router.add_get("/api/rooms/{room}/state", room_state)
    app.router.add_post("/api/rooms/{room}/actions", room_actions)
    app.router.add_route("GET", "/mcp", mcp_handler)
    app.router.add_route("POST", "/mcp", mcp_handler)
    app.router.add_route("DELETE", "/mcp", mcp_handler)
    app.cleanup_ctx.append(agents_context)
