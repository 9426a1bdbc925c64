"""The web side of cluster mode (docs/DEPLOY.md): the node's heartbeat, and
requests for rooms this node does not run.

Without `REDIS_URL` the directory is `LocalDirectory`: no heartbeat task, no
routing middleware, so the single process serves exactly as before.

With it, a request naming a room this node does not hold (`?room=` on the
page or the WebSocket, `/api/rooms/{room}/...`) is answered here:
- owner alive elsewhere: `307` to the same path on the owner's `NODE_URL`
  (HTTP clients and WebSocket libraries follow it with method and body; the
  page is served by the owner, so the browser's WebSocket goes there too);
- placed here but not started yet: started now, then served;
- its node died: a clear `room_lost` answer (`410` over HTTP; over a
  WebSocket an `error` message then close code 4410);
- unknown: left to the handler (404 / 4404 as in the single process).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from .. import keys, protocol
from ..cluster import (
    Directory,
    DirectoryUnavailable,
    LocalDirectory,
    NodeInfo,
    NodeLoad,
    RoomLoad,
    RoomLocation,
    SeatRecord,
    owner_of,
    redis_directory,
)
from ..room_manager import RoomManager
from ..rooms import Room, RoomFull
from ..settings import Settings

log = logging.getLogger("cluster")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ROOM_LOST_CODE = "room_lost"
ROOM_LOST_TEXT = ("This game was lost: the server that ran it stopped. "
                  "Start a new game (your seat token is no longer valid).")
WS_CLOSE_ROOM_LOST = 4410
# Paths that name a room (or its game's replay: same id, kept by the node that ran it).
ROOM_PATH = re.compile(r"^/(?:api/rooms|replays|api/replays)/(?P<room>[^/]+)")


def default_node_id(port: int) -> str:
    """Host name and port, made safe for a room id: distinct nodes on one host get distinct ids."""
    host = re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().lower()).strip("-") or "node"
    return f"{host[:25]}-{port}"[:32].strip("-")


def make_directory(settings: Settings) -> Directory:
    if not settings.redis_url:
        return LocalDirectory()
    node_id = settings.node_id or default_node_id(settings.port)
    node_url = settings.node_url or f"http://{socket.gethostname()}:{settings.port}"
    return redis_directory(settings.redis_url, node_id=node_id, node_url=node_url, max_rooms=settings.max_rooms,
                           ttl_s=settings.node_ttl_s, prefix=settings.redis_prefix)


def room_load(room: Room) -> RoomLoad:
    return RoomLoad(room.id, room.difficulty, room.seed,
                    tuple(SeatRecord(room.seat_kind(i), room.seat_token(i)) for i in (0, 1)),
                    clients=len(room.clients))


def node_load(rooms: RoomManager) -> NodeLoad:
    return NodeLoad(rooms=tuple(room_load(r) for r in list(rooms.rooms.values())), clients=rooms.client_count())


async def cluster_context(app: web.Application) -> AsyncIterator[None]:
    """The directory; in cluster mode also this node's heartbeat and its room records.
    After `rooms_context` (it reads the rooms), before the contexts that create rooms."""
    settings = app[keys.SETTINGS]
    directory = make_directory(settings)
    app[keys.DIRECTORY] = directory
    if not directory.clustered:
        yield
        return
    rooms = app[keys.ROOMS]
    rooms.node_id = directory.node.id
    await directory.start()
    pending: set[asyncio.Task[None]] = set()

    def in_background(coro: Awaitable[None], what: str) -> None:
        async def run() -> None:
            try:
                await coro
            except Exception as exc:  # noqa: BLE001  # the next heartbeat writes the records again
                log.warning("%s failed: %s", what, exc)

        task = asyncio.get_running_loop().create_task(run())
        pending.add(task)
        task.add_done_callback(pending.discard)

    rooms.on_room_created.append(lambda room: in_background(directory.claim(room_load(room)), f"claim {room.id}"))

    def released(room_id: str) -> None:
        # A process that stops keeps its records: it may come back with its rooms
        # (restored from its game log); if not, they are marked lost once its entry expires.
        if not rooms.stopping:
            in_background(directory.release(room_id), f"release {room_id}")

    rooms.on_room_closed.append(released)

    live: dict[str, NodeInfo] = {}

    def owner_url(room_id: str) -> str | None:
        node = live.get(owner_of(room_id) or "")
        return node.url if node is not None and node.id != directory.node.id else None

    rooms.owner_url = owner_url  # for MCP tools, which cannot follow a redirect

    async def beat() -> None:
        while True:
            try:
                await directory.heartbeat(node_load(rooms))
                live.clear()
                live.update({n.id: n for n in await directory.nodes()})
            except Exception as exc:  # noqa: BLE001  # Redis away: keep serving local rooms, retry
                log.warning("heartbeat failed: %s", exc)
            await asyncio.sleep(settings.node_heartbeat_s)

    task = asyncio.get_running_loop().create_task(beat(), name="cluster-heartbeat")
    yield
    task.cancel()
    await asyncio.gather(task, *pending, return_exceptions=True)
    await directory.close()


def cluster_middlewares(settings: Settings) -> list[Any]:
    """The routing middleware in cluster mode; nothing for the single process."""
    return [room_routing] if settings.redis_url else []


def requested_room(request: web.Request) -> str | None:
    match = ROOM_PATH.match(request.path)
    if match:
        return match.group("room")
    room = request.query.get("room")
    return room or None


@web.middleware
async def room_routing(request: web.Request, handler: Handler) -> web.StreamResponse:
    app = request.app
    room_id = requested_room(request)
    rooms = app[keys.ROOMS]
    if room_id is None:
        if request.method == "GET" and request.path == "/":
            placed = await place_room(app)
            if placed is not None:  # to the page of a room reserved on the chosen node (maybe this one)
                return redirect_to(placed.node, request, room_id=placed.room_id)
        return await handler(request)
    if rooms.get(room_id) is not None:
        return await handler(request)
    try:
        where = await app[keys.DIRECTORY].locate(room_id)
    except DirectoryUnavailable as exc:  # the directory is away: answer as a single process would
        log.warning("cannot locate room %s: %s", room_id, exc)
        return await handler(request)
    if where is None:
        return await handler(request)  # unknown: the handler says so as in the single process
    me = app[keys.DIRECTORY].node
    if where.node.id == me.id:
        if where.state == "reserved":
            await start_reserved(app, where)
        elif where.state != "unrecorded":
            # Recorded as running here but not in memory: this process restarted without it.
            return await room_lost(request, room_id, handler)
        return await handler(request)
    if where.lost:
        return await room_lost(request, room_id, handler)
    return redirect_to(where.node, request, me=me)


async def place_room(app: web.Application, difficulty: str = "normal",
                     seed: int | None = None) -> RoomLocation | None:
    """Cluster mode: a new game on the least-loaded node, reserved there under
    a new id (the node starts it on its first request; this node may be the
    one). None for the single process, or when the directory is away: the
    caller creates the room here as in the single process."""
    directory = app[keys.DIRECTORY]
    if not directory.clustered:
        return None
    seed = secrets.randbelow(2**31) if seed is None else seed
    try:
        node = await directory.place()
        room_id = await directory.reserve(node, difficulty, seed)
    except DirectoryUnavailable as exc:
        log.warning("placement unavailable: %s", exc)
        return None
    return RoomLocation(room_id, node, "reserved", difficulty=difficulty, seed=seed)


def is_here(app: web.Application, where: RoomLocation) -> bool:
    return where.node.id == app[keys.DIRECTORY].node.id


async def start_reserved(app: web.Application, where: RoomLocation) -> Room:
    """A room placed on this node by another: start it under its reserved id."""
    rooms = app[keys.ROOMS]
    try:
        room = await rooms.create(difficulty=where.difficulty, seed=where.seed, room_id=where.room_id)
    except RoomFull:
        raise web.HTTPServiceUnavailable(text='{"error":"the server has no room for another game right now"}',
                                         content_type="application/json", headers={"Retry-After": "30"}) from None
    try:
        await app[keys.DIRECTORY].claim(room_load(room))
    except DirectoryUnavailable as exc:  # the next heartbeat records it
        log.warning("room %s started but not recorded yet: %s", room.id, exc)
    return room


def redirect_to(node: NodeInfo, request: web.Request, room_id: str | None = None,
                me: NodeInfo | None = None) -> web.Response:
    """307 keeps the method and body: a POST is re-sent to the owner as it was.
    Nodes behind one proxy share its public URL; a request that already names
    its room yet reached the wrong node would only come back here: 502."""
    if me is not None and node.url == me.url and room_id is None:
        return web.Response(body=orjson.dumps({"error": f"this request for a room of node {node.id} reached "
                                               f"node {me.id}: check the proxy's routing by room"}),
                            status=502, content_type="application/json")
    query = dict(request.query)
    if room_id is not None:
        query["room"] = room_id
    target = request.url.with_query(query) if query else request.url
    location = node.url.rstrip("/") + target.path_qs
    log.debug("%s %s -> %s", request.method, request.path_qs, location)
    raise web.HTTPTemporaryRedirect(location=location)


async def room_lost(request: web.Request, room_id: str, handler: Handler) -> web.StreamResponse:
    """The page is served as usual (its WebSocket hears why); the WebSocket
    and the API answer `room_lost`."""
    if request.headers.get("Upgrade", "").lower() == "websocket":
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_frame(protocol.encode({"type": "error", "error": ROOM_LOST_TEXT, "code": ROOM_LOST_CODE,
                                             "room": room_id}), WSMsgType.TEXT)
        await ws.close(code=WS_CLOSE_ROOM_LOST, message=b"room lost")
        return ws
    if request.path == "/":
        return await handler(request)
    return web.Response(body=orjson.dumps({"error": ROOM_LOST_TEXT, "code": ROOM_LOST_CODE, "room": room_id}),
                        status=410, content_type="application/json")


async def locate_elsewhere(app: web.Application, room_id: object) -> RoomLocation | None:
    """For handlers that take the room from a JSON body: where it is, when
    another node runs it (or ran it); None when it is local or unknown."""
    if not isinstance(room_id, str) or app[keys.ROOMS].get(room_id) is not None:
        return None
    directory = app[keys.DIRECTORY]
    if not directory.clustered:
        return None
    try:
        where = await directory.locate(room_id)
    except DirectoryUnavailable as exc:
        log.warning("cannot locate room %s: %s", room_id, exc)
        return None
    if where is None or (where.node.id == directory.node.id and where.state in ("reserved", "unrecorded")):
        return None
    return where


def answer_for_remote_room(request: web.Request, where: RoomLocation) -> web.Response:
    """A body-addressed request for another node's room: 410 when lost, else
    307 to the owner with `?room=` added (so a proxy routing by room agrees)."""
    if where.lost or where.node.id == request.app[keys.DIRECTORY].node.id:
        return web.Response(body=orjson.dumps({"error": ROOM_LOST_TEXT, "code": ROOM_LOST_CODE,
                                               "room": where.room_id}), status=410, content_type="application/json")
    return redirect_to(where.node, request, room_id=where.room_id)


async def cluster_nodes(request: web.Request) -> web.Response:
    """`GET /api/cluster/nodes`: this node and the live nodes with their load
    (the single process answers with itself)."""
    directory = request.app[keys.DIRECTORY]
    try:
        nodes = await directory.nodes() if directory.clustered else [directory.node]
    except DirectoryUnavailable as exc:
        return web.Response(body=orjson.dumps({"error": f"the cluster directory is unavailable: {exc}"}),
                            status=503, content_type="application/json")
    return web.Response(body=orjson.dumps({"node": directory.node.id, "clustered": directory.clustered,
                                           "nodes": [dataclasses.asdict(n) for n in nodes]}),
                        content_type="application/json")


def setup_cluster_routes(app: web.Application) -> None:
    app.router.add_get("/api/cluster/nodes", cluster_nodes)


async def take_shared_slot(app: web.Application, kind: str, address: str, limit: int) -> Callable[[], None] | None:
    """Cluster mode: one of `limit` slots of `kind` for `address` over every
    node. Returns the function that gives it back (idempotent; also called by
    itself after `hold_s` at most, so a lost callback cannot leak the slot),
    or None when the address holds them all. The single process has nothing
    to share: it always gets a no-op."""
    directory = app[keys.DIRECTORY]
    if not directory.clustered:
        return lambda: None
    if not await directory.acquire(kind, address, limit):
        return None
    loop = asyncio.get_running_loop()
    done = False

    def give_back() -> None:
        nonlocal done
        if done:
            return
        done = True
        backstop.cancel()
        task = loop.create_task(directory.release_slot(kind, address))
        _background.add(task)
        task.add_done_callback(_background.discard)

    backstop = loop.call_later(app[keys.SETTINGS].nl_timeout_s + 60.0, give_back)
    return give_back


_background: set[asyncio.Task[None]] = set()
