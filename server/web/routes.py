"""HTTP routes: the page, health, rooms, metrics, the language API and the
operator routes. Handlers only translate between HTTP and the rooms/nl parts."""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
from typing import Any

import aiohttp_jinja2
import orjson
import psutil
from aiohttp import web

from .. import keys, protocol
from ..clarifications import ClarifyError
from ..llm import QueueFull
from ..nl import examples as nl_examples
from ..rooms import DIFFICULTIES, Room, RoomFull
from ..sim.rules import rules_table
from .clients import client_address
from .cluster import answer_for_remote_room, is_here, locate_elsewhere, place_room, take_shared_slot
from .i18n import pick_language
from .ws import ws_handler

log = logging.getLogger("web")

MAX_WAIT_S = 30.0
DEFAULT_WAIT_S = 5.0
STATIC_VERSION = secrets.token_hex(4)  # cache-busting per process start


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json",
                        headers=headers)


def json_error(status: int, error: str, headers: dict[str, str] | None = None) -> web.Response:
    return json_response({"error": error}, status=status, headers=headers)


async def read_json_object(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object, or an HTTP 400/413 with a clear reason."""
    limit = request.app[keys.SETTINGS].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length,
                                            text='{"error":"request body too large"}',
                                            content_type="application/json")
    raw = await request.read()
    if len(raw) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(raw),
                                            text='{"error":"request body too large"}',
                                            content_type="application/json")
    if not raw.strip():
        if optional:
            return {}
        raise web.HTTPBadRequest(text='{"error":"a JSON object body is required"}', content_type="application/json")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise web.HTTPBadRequest(text='{"error":"body is not valid JSON"}', content_type="application/json") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text='{"error":"body must be a JSON object"}', content_type="application/json")
    return data


@aiohttp_jinja2.template("index.html")
async def page(request: web.Request) -> dict[str, Any]:
    return {"static_url": "/static", "version": STATIC_VERSION,
            "lang": pick_language(request.query.get("lang"), request.headers.get("Accept-Language"))}


async def healthz(request: web.Request) -> web.Response:
    worker = request.app[keys.WORKER]
    state = worker.state if worker is not None else "disabled"
    return json_response({"status": "ok", "rooms": len(request.app[keys.ROOMS].rooms), "model": {"state": state}})


async def model_status(request: web.Request) -> web.Response:
    worker = request.app[keys.WORKER]
    if worker is None:
        return json_response({"state": "disabled", "loads": 0, "model": None, "pending": 0, "processing": 0,
                              "completed": 0, "failed": 0, "cancelled": 0})
    return json_response(worker.status())


async def create_room(request: web.Request) -> web.Response:
    body = await read_json_object(request, optional=True)
    difficulty = body.get("difficulty", "normal")
    if difficulty not in DIFFICULTIES:
        return json_error(400, f"difficulty must be one of {', '.join(DIFFICULTIES)}")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31):
        return json_error(400, "seed must be an integer from 0 to 2147483647")
    # Cluster mode: on the least-loaded node; another node starts it on its first request.
    placed = await place_room(request.app, difficulty, seed) if body.get("seat") is not True else None
    if placed is not None and not is_here(request.app, placed):
        return json_response({"room": placed.room_id, "difficulty": difficulty, "node_url": placed.node.url},
                             status=201)
    try:
        room = await request.app[keys.ROOMS].create(difficulty=difficulty, seed=seed,
                                                    room_id=placed.room_id if placed else None)
    except RoomFull as exc:
        return json_error(503, str(exc), headers={"Retry-After": "30"})
    if body.get("first_game") is True:  # the page's first game: the computer attacks later
        room.mark_first_game()
    if body.get("seat") is True:  # also seat the caller as player 0 (server.web.seats_api)
        return json_response(request.app[keys.SEATS].seat_http(room), status=201)
    return json_response({"room": room.id, "difficulty": room.difficulty}, status=201)


async def rules(request: web.Request) -> web.Response:
    """The balance table, the same as `welcome`'s `rules` (PROTOCOL.md "Rules on the wire")."""
    return json_response(rules_table())


async def metrics(request: web.Request) -> web.Response:
    m = request.app[keys.METRICS]
    m.rooms.set(len(request.app[keys.ROOMS].rooms))
    return web.Response(body=m.render(), content_type="text/plain", charset="utf-8")


# --- natural language --------------------------------------------------------

async def translate(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    try:
        text = protocol.check_text(body.get("text"))
    except protocol.TextRejected as exc:
        return json_error(exc.status, str(exc))
    lang = body.get("lang")
    if lang is not None and lang not in protocol.LANGUAGES:
        return json_error(400, f"'lang' must be one of {', '.join(protocol.LANGUAGES)}")
    wait = body.get("wait", DEFAULT_WAIT_S)
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not math.isfinite(wait) or wait < 0:
        return json_error(400, "'wait' must be a number of seconds from 0 to 30")
    wait = min(float(wait), MAX_WAIT_S)
    try:
        selection = protocol.check_selection(body.get("selection"))
    except protocol.ProtocolError as exc:
        return json_error(400, str(exc))
    room, player = None, None
    if body.get("room") is not None:
        room = request.app[keys.ROOMS].get(body["room"]) if isinstance(body["room"], str) else None
        if room is None:
            where = await locate_elsewhere(request.app, body["room"])
            if where is not None:  # cluster mode: another node runs (or ran) it
                return answer_for_remote_room(request, where)
            return json_error(404, "unknown room")
        player, error = _seat_from_token(room, body)
        if error:
            return json_error(403, error)
    jobs = request.app[keys.NL_JOBS]
    address = client_address(request)
    limit = request.app[keys.SETTINGS].nl_max_per_client
    if jobs.waiting_for_model(lambda j: j.owner == address) >= limit:
        return json_error(429, "too many of your requests are waiting for the model", headers={"Retry-After": "2"})
    # Cluster mode: the same limit over every node (the single process gets a no-op).
    give_back = await take_shared_slot(request.app, "nl", address, limit)
    if give_back is None:
        return json_error(429, "too many of your requests are waiting for the model", headers={"Retry-After": "2"})

    def push(final: dict[str, Any]) -> None:
        give_back()
        if room is not None:
            room.broadcast({"type": "nl_result", **final}, player=player)

    try:
        job = jobs.submit(text, lang, room, player, push, selection)
        job.owner = address
    except QueueFull:
        give_back()
        return json_error(429, "too many requests queued for the model", headers={"Retry-After": "2"})
    except protocol.TextRejected as exc:
        give_back()
        return json_error(exc.status, str(exc))
    final = await jobs.wait(job, wait)
    if final is not None:
        return json_response(final)
    current = jobs.get(job.request_id) or {}
    return json_response({"request_id": job.request_id, "status": current.get("status", "pending")}, status=202)


def _seat_from_token(room: Room, body: dict[str, Any]) -> tuple[int | None, str | None]:
    """A request that acts in a room acts for the seat whose token it holds
    (the `token` of the welcome message): nobody can order another player's
    units by naming a room and a player number."""
    player = body.get("player", 0)
    if isinstance(player, bool) or player not in (0, 1):
        return None, "'player' must be 0 or 1"
    kind = room.seat_kind(player)
    if kind == "ai":
        return None, "that player is the computer"
    if kind == "open":
        return None, "nobody is seated as that player yet"
    if not room.authorise(player, body.get("token")):
        return None, "acting in a room needs that seat's 'token' (from the welcome message)"
    return player, None


async def get_request(request: web.Request) -> web.Response:
    answer = request.app[keys.NL_JOBS].get(request.match_info["request_id"])
    if answer is None:
        return json_error(404, "unknown request")
    return json_response(answer)


async def cancel_request(request: web.Request) -> web.Response:
    rid = request.match_info["request_id"]
    jobs = request.app[keys.NL_JOBS]
    if jobs.get(rid) is None:
        return json_error(404, "unknown request")
    cancelled = jobs.cancel(rid)
    return json_response({"request_id": rid, "cancelled": cancelled, "status": (jobs.get(rid) or {}).get("status")})


async def choose_request(request: web.Request) -> web.Response:
    """`POST /api/nl/requests/{id}/choose`: answer the question request `id` asked (PROTOCOL.md
    "Clarification"); runs like a new order and answers like the translate route."""
    body = await read_json_object(request)
    jobs = request.app[keys.NL_JOBS]
    question = jobs.question_of(request.match_info["request_id"])
    if question is None:
        return json_error(404, "no open question for that request (unknown, expired or already answered)")
    room, player = None, None
    if question.room_id is not None:
        room = request.app[keys.ROOMS].get(question.room_id)
        if room is None or body.get("room") != question.room_id:
            return json_error(404, "no open question for that request in that room")
        player, error = _seat_from_token(room, body)
        if error:
            return json_error(403, error)
    try:
        job = jobs.choose(question.id, body.get("option"), room, player,
                          (lambda final: room.broadcast({"type": "nl_result", **final}, player=player))
                          if room is not None else None)
    except ClarifyError as exc:
        return json_error(400 if exc.code == "bad_option" else 404, exc.message)
    final = await jobs.wait(job, MAX_WAIT_S)
    return json_response(final if final is not None else {"request_id": job.request_id, "status": "pending"})


async def admin_advance(request: web.Request) -> web.Response:
    """Operators and tests: step a room `ticks` ticks now (fast-forward), as its own loop would."""
    _check_admin(request)
    room = request.app[keys.ROOMS].get(request.match_info["room_id"])
    if room is None:
        return json_error(404, "unknown room")
    body = await read_json_object(request)
    ticks = body.get("ticks")
    if isinstance(ticks, bool) or not isinstance(ticks, int) or not 1 <= ticks <= 36_000:
        return json_error(400, "'ticks' must be an integer from 1 to 36000")
    await room.advance(ticks)
    return json_response({"room": room.id, "tick": room.tick})


async def examples(request: web.Request) -> web.Response:
    lang = request.query.get("lang", "en")
    if lang not in protocol.LANGUAGES:
        return json_error(400, f"'lang' must be one of {', '.join(protocol.LANGUAGES)}")
    return json_response({"lang": lang, "examples": nl_examples(lang)})


# --- operators -------------------------------------------------------------------

def _check_admin(request: web.Request) -> None:
    token = request.app[keys.SETTINGS].admin_token
    if not token:
        raise web.HTTPNotFound(text='{"error":"not found"}', content_type="application/json")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not secrets.compare_digest(given, token):
        raise web.HTTPUnauthorized(text='{"error":"operator token required"}', content_type="application/json")


async def admin_rooms(request: web.Request) -> web.Response:
    _check_admin(request)
    return json_response({"rooms": [r.stats() for r in request.app[keys.ROOMS].rooms.values()]})


async def admin_runtime(request: web.Request) -> web.Response:
    """Process figures for leak checks: tasks, sockets, memory."""
    _check_admin(request)
    return json_response({"tasks": len(asyncio.all_tasks()), "sockets": sum(1 for ws in request.app[keys.SOCKETS] if not ws.closed),
                          "rooms": len(request.app[keys.ROOMS].rooms),
                          "clients": request.app[keys.ROOMS].client_count(),
                          "rss_bytes": psutil.Process().memory_info().rss,
                          "nl_sent": request.app[keys.NL_JOBS].sent, "nl_answered": request.app[keys.NL_JOBS].answered})


async def admin_cleanup(request: web.Request) -> web.Response:
    _check_admin(request)
    from .lifecycle import housekeeping_once  # lifecycle imports the routes' module graph

    return json_response(await housekeeping_once(request.app))


def setup_routes(app: web.Application, static_dir: str) -> None:
    app.router.add_get("/", page)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/ws", ws_handler)
    app.router.add_post("/api/rooms", create_room)
    app.router.add_get("/api/model/status", model_status)
    app.router.add_get("/api/rules", rules)
    app.router.add_post("/api/nl/translate", translate)
    app.router.add_get("/api/nl/requests/{request_id}", get_request)
    app.router.add_delete("/api/nl/requests/{request_id}", cancel_request)
    app.router.add_post("/api/nl/requests/{request_id}/choose", choose_request)
    app.router.add_get("/api/nl/examples", examples)
    app.router.add_get("/api/admin/rooms", admin_rooms)
    app.router.add_get("/api/admin/runtime", admin_runtime)
    app.router.add_post("/api/admin/cleanup", admin_cleanup)
    app.router.add_post("/api/admin/rooms/{room_id}/advance", admin_advance)
    app.router.add_static("/static", static_dir, name="static")
