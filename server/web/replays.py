"""Replays over HTTP: the list, the replay page, frames for the page, download and upload.

| route | answer |
|---|---|
| `GET /replays` | the list of recorded games (HTML) and an upload form |
| `GET /replays/{id}` | the replay page (the game's own renderer, driven by frames) |
| `GET /api/replays` | `{"games": [...]}` newest first |
| `GET /api/replays/{id}` | the replay file (JSON lines, docs/WIRE.md) |
| `POST /api/replays` | body: a replay file; `201 {"id", "url"}` |
| `GET /api/replays/{id}/info` | summary, map, rules, keyframe ticks, the timeline of orders and words |
| `GET /api/replays/{id}/frames?from=&stride=&count=&view=0|1|all` | `state` then `delta`s (WIRE.md) |

The frames are computed by :class:`server.storage.viewer.ReplayService` (why the server and not
the page: see there). :func:`storage_context` opens the game log, rebuilds the rooms that were
live when the server stopped, attaches a recorder to every room, and on a stop closes the rooms
(their last records flushed, the games left ``live``) before closing the log.
"""
from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp_jinja2
import orjson
from aiohttp import WSCloseCode, web

from .. import keys
from ..sim.rules import TICK_RATE
from ..storage.gamelog import GameLog, GameLogError
from ..storage.recorder import GameRecorder, RecordingPolicy
from ..storage.replay import MAX_FILE_BYTES, ReplayError, export_lines
from ..storage.restore import restore_live_rooms
from ..storage.viewer import ReplayService

log = logging.getLogger("web")

MAX_FRAMES = 80            # per request: 4 s at 20 frames/s
MAX_STRIDE = 64            # ticks between frames (x16 at 20 frames/s is 16)
VIEWS = {"0": 0, "1": 1, "all": None}
PRUNE_EVERY_S = 3600.0     # retention (REPLAY_KEEP_DAYS, REPLAY_KEEP_GAMES) at start and then hourly


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _error(status: int, error: str) -> web.Response:
    return _json({"error": error}, status)


# ---------------------------------------------------------------------- handlers
def _service(request: web.Request) -> ReplayService | None:
    return request.app.get(keys.REPLAYS)


def _params(request: web.Request) -> tuple[int, int, int, int | None, str]:
    q = request.query
    try:
        start = int(q.get("from", "0"))
        stride = int(q.get("stride", "1"))
        count = int(q.get("count", "40"))
    except ValueError:
        raise web.HTTPBadRequest(text='{"error":"from, stride and count must be integers"}',
                                 content_type="application/json") from None
    if start < 0 or not 1 <= stride <= MAX_STRIDE or not 1 <= count <= MAX_FRAMES:
        raise web.HTTPBadRequest(text=orjson.dumps({"error": f"from >= 0, stride 1..{MAX_STRIDE}, count 1..{MAX_FRAMES}"})
                                 .decode(), content_type="application/json")
    view_name = q.get("view", "all")
    if view_name not in VIEWS:
        raise web.HTTPBadRequest(text='{"error":"view must be 0, 1 or all"}', content_type="application/json")
    viewer = q.get("viewer", "")[:32] or "anon"
    return start, stride, count, VIEWS[view_name], viewer


async def _call(request: web.Request, fn: Any, *args: Any) -> web.Response:
    svc = _service(request)
    if svc is None:
        return _error(503, "games are not recorded on this server (DATA_DIR is not set or not usable)")
    try:
        return _json(await svc.run(fn, *args))
    except KeyError:
        return _error(404, "unknown replay")
    except ReplayError as e:
        return _error(409, str(e))
    except GameLogError as e:
        return _error(500, str(e))


async def api_info(request: web.Request) -> web.Response:
    svc = _service(request)
    return await _call(request, svc.info if svc else None, request.match_info["id"])


async def api_frames(request: web.Request) -> web.Response:
    start, stride, count, view, viewer = _params(request)
    svc = _service(request)
    return await _call(request, svc.frames if svc else None, request.match_info["id"], viewer, start, stride,
                       count, view)


async def api_list(request: web.Request) -> web.Response:
    svc = _service(request)
    if svc is None:
        return _json({"games": [], "recording": False})
    games = await svc.run(svc.log.games)
    return _json({"games": [g.public() for g in games], "recording": True})


async def api_download(request: web.Request) -> web.StreamResponse:
    svc = _service(request)
    if svc is None:
        return _error(503, "games are not recorded on this server")
    gid = request.match_info["id"]

    def build() -> bytes:
        return b"".join(export_lines(svc.log, gid))

    try:
        body = await svc.run(build)
    except KeyError:
        return _error(404, "unknown replay")
    except GameLogError as e:
        return _error(500, str(e))
    resp = web.Response(body=body, content_type="application/x-ndjson")
    resp.headers["Content-Disposition"] = f'attachment; filename="replay-{gid}.jsonl"'
    resp.enable_compression()
    return resp


async def api_upload(request: web.Request) -> web.Response:
    svc = _service(request)
    if svc is None:
        return _error(503, "games are not recorded on this server")
    if request.content_length is not None and request.content_length > MAX_FILE_BYTES:
        return _error(413, f"a replay file is at most {MAX_FILE_BYTES // (1024 * 1024)} MB")
    # read the stream ourselves: the app's body limit (MAX_BODY_BYTES) is for JSON requests
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            return _error(413, f"a replay file is at most {MAX_FILE_BYTES // (1024 * 1024)} MB")
        chunks.append(chunk)
    data = b"".join(chunks)
    if data[:2] == b"\x1f\x8b":  # a gzipped file is fine too
        try:
            data = zlib.decompressobj(wbits=31).decompress(data, MAX_FILE_BYTES + 1)  # bounded: no zip bombs
        except zlib.error:
            return _error(400, "the file looks gzipped but cannot be unpacked")
    try:
        new_id = await svc.run(svc.upload, data)
    except ReplayError as e:
        return _error(400, str(e))
    return _json({"id": new_id, "url": f"/replays/{new_id}"}, 201)


@aiohttp_jinja2.template("replays.html")
async def list_page(request: web.Request) -> dict[str, Any]:
    svc = _service(request)
    games = [g.public() for g in await svc.run(svc.log.games)] if svc else []
    for g in games:
        g["date"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime(g["created"]))
        g["minutes"] = f"{g['ticks'] / TICK_RATE / 60:.1f}"
    return {"games": games, "recording": svc is not None, "static_url": "/static"}


async def replay_page(request: web.Request) -> web.Response:
    gid = request.match_info["id"]
    svc = _service(request)
    known = svc is not None and (await svc.run(svc.log.game, gid)) is not None
    return aiohttp_jinja2.render_template("replay.html", request, {"game_id": gid, "known": known,
                                                                  "static_url": "/static"},
                                          status=200 if known else 404)


async def storage_context(app: web.Application) -> AsyncIterator[None]:
    """The game log of the process: rooms restored before the server accepts connections (a client
    reconnecting must find its room), a recorder on every room, the rooms closed before the log."""
    s = app[keys.SETTINGS]
    rooms = app[keys.ROOMS]
    loop = asyncio.get_running_loop()
    gamelog: GameLog | None = None
    if s.data_dir:
        try:
            gamelog = await loop.run_in_executor(
                None, lambda: GameLog.open_dir(s.data_dir, max_bytes=int(s.gamelog_max_mb * 1024 * 1024)))
        except GameLogError as e:
            log.error("%s: games are not recorded and a restart starts afresh", e)
    else:
        log.info("DATA_DIR is not set: games are not recorded and a restart starts afresh")
    if gamelog is None:
        yield
        return
    policy = RecordingPolicy(keyframe_ticks=s.replay_keyframe_ticks)
    service = ReplayService(gamelog, keyframe_ticks=policy.keyframe_ticks)
    app[keys.REPLAYS] = service
    log_for_rooms = gamelog

    def attach(room: Any) -> None:
        room.record_with(GameRecorder(log_for_rooms, room.id, policy))

    rooms.on_room_created.append(attach)
    app[keys.METRICS].add_source("rts_gamelog", gamelog.figures)
    keep_s = s.replay_keep_days * 86400.0
    gamelog.prune(keep_s, s.replay_keep_games)
    if s.restore_rooms:
        t0 = time.perf_counter()
        restored = await loop.run_in_executor(None, lambda: restore_live_rooms(
            log_for_rooms, s.max_rooms, **rooms.room_options()))
        for room, report in restored:
            rooms.adopt(room)
            log.info("room %s restored at tick %d (keyframe %d + %d ticks, %d hashes checked)", room.id,
                     report.tick, report.from_keyframe, report.replayed_ticks, report.hashes_checked)
        if restored:
            log.info("%d rooms restored in %.2f s", len(restored), time.perf_counter() - t0)

    async def prune_hourly() -> None:
        while True:
            await asyncio.sleep(PRUNE_EVERY_S)
            log_for_rooms.prune(keep_s, s.replay_keep_games)

    pruner = loop.create_task(prune_hourly(), name="gamelog-prune")
    yield
    pruner.cancel()
    await asyncio.gather(pruner, return_exceptions=True)
    # the rooms first: their last records go into the log, and their games stay live for the next start
    await rooms.close_all(WSCloseCode.GOING_AWAY, "server shutting down")   # as a stop: games stay live
    service.close()
    await loop.run_in_executor(None, gamelog.close)


def setup_replays(app: web.Application) -> None:
    """Routes and the storage context (after the rooms' context: it needs the RoomManager)."""
    app.cleanup_ctx.append(storage_context)
    app.router.add_get("/replays", list_page)
    app.router.add_get("/replays/{id}", replay_page)
    app.router.add_get("/api/replays", api_list)
    app.router.add_post("/api/replays", api_upload)
    app.router.add_get("/api/replays/{id}", api_download)
    app.router.add_get("/api/replays/{id}/info", api_info)
    app.router.add_get("/api/replays/{id}/frames", api_frames)
