"""The WebSocket endpoint: seats a connection in a room, reads and validates
its messages, and turns them into room orders, language requests and replies.

Only this handler task reads the socket; the client's sender task (rooms.py)
is the only writer of states."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from .. import keys, protocol
from ..llm import QueueFull
from ..connection import Connection
from ..sim import OrderResult
from ..rooms import Room, RoomFull
from ..limits import TokenBucket
from .clients import client_address, origin_allowed
from .i18n import pick_language
from ..clarifications import ClarifyError
from ..nl_jobs import result_dict

log = logging.getLogger("web")


class WSTransport:
    """Adapts an aiohttp WebSocketResponse to the rooms' Transport."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, data: bytes) -> None:
        if self.ws.closed:
            raise ConnectionError("socket closed")
        # orjson gives UTF-8 bytes: send them as a text frame without a decode/encode round trip.
        await self.ws.send_frame(data, WSMsgType.TEXT)

    async def close(self, code: int, reason: str) -> None:
        if not self.ws.closed:
            await self.ws.close(code=code, message=reason.encode()[:120])


async def ws_handler(request: web.Request) -> web.StreamResponse:
    app = request.app
    settings = app[keys.SETTINGS]
    if not origin_allowed(request, settings):
        raise web.HTTPForbidden(text='{"error":"origin not allowed"}', content_type="application/json")
    address = client_address(request)
    directory = app[keys.DIRECTORY]  # counts over every node in cluster mode
    if not await directory.acquire("ws", address, settings.max_conn_per_ip):
        raise web.HTTPTooManyRequests(text='{"error":"too many connections from this address"}',
                                      content_type="application/json", headers={"Retry-After": "10"})
    try:
        return await _serve(request, address)
    finally:
        await directory.release_slot("ws", address)


async def _serve(request: web.Request, address: str) -> web.StreamResponse:
    app = request.app
    settings = app[keys.SETTINGS]
    rooms = app[keys.ROOMS]
    # Compression is off: states are already deltas of what the player sees,
    # and per-client deflate would cost CPU on the loop that runs the ticks.
    ws = web.WebSocketResponse(heartbeat=settings.ws_heartbeat_s, max_msg_size=settings.ws_max_message,
                               compress=False)
    await ws.prepare(request)
    app[keys.SOCKETS].add(ws)
    transport = WSTransport(ws)
    room_id = request.query.get("room")
    want = "spectator" if request.query.get("as") == "spectator" else "player"
    lang = pick_language(request.query.get("lang"), request.headers.get("Accept-Language"))
    try:
        first_game = not room_id and request.query.get("first_game") == "1"
        # a first game (the page remembers none) is against the easy computer, which waits longer
        room = rooms.get(room_id) if room_id else await rooms.create(difficulty="easy" if first_game else "normal")
        if first_game and room is not None:
            room.mark_first_game()
    except RoomFull as exc:
        await ws.send_frame(protocol.error_message(str(exc)), WSMsgType.TEXT)
        await ws.close(code=1013, message=b"server full")
        return ws
    if room is None:
        await ws.send_frame(protocol.encode({"type": "error", "error": "unknown room", "code": "unknown_room"}),
                            WSMsgType.TEXT)
        await ws.close(code=4404, message=b"unknown room")
        return ws
    try:
        client, token = room.join(transport, want, request.query.get("token"), lang)
    except RoomFull as exc:
        await ws.send_frame(protocol.error_message(str(exc)), WSMsgType.TEXT)
        await ws.close(code=1013, message=b"room full")
        return ws
    app[keys.METRICS].clients.inc()
    client.push(protocol.encode(room.welcome(client, token)))
    log.info("client %s (%s) joined room %s as %s", client.id, address, room.id,
             "spectator" if client.player is None else f"player {client.player}")
    session = Session(app, room, client, ws)
    try:
        async for msg in ws:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                if not await session.handle(msg.data):
                    break
            elif msg.type == WSMsgType.ERROR:
                break
    finally:
        room.leave(client)
        app[keys.METRICS].clients.dec()
        if client.sender is not None:
            client.sender.cancel()
        log.info("client %s left room %s (close code %s)", client.id, room.id, ws.close_code)
    return ws


class Session:
    """One connection's message handling."""

    def __init__(self, app: web.Application, room: Room, client: Connection, ws: web.WebSocketResponse) -> None:
        self.app, self.room, self.client, self.ws = app, room, client, ws
        settings = app[keys.SETTINGS]
        self.settings = settings
        self.bucket = TokenBucket(settings.ws_rate, settings.ws_burst)
        self.strikes = 0
        # One handler per message type that protocol.parse_client_message accepts.
        self.handlers: dict[str, Callable[[protocol.ClientMessage], None]] = {
            "command": self.on_command, "nl": self.on_nl, "cancel_nl": self.on_cancel_nl,
            "analysis": self.on_analysis, "snapshot": self.on_snapshot,
            "set_language": self.on_set_language, "ping": self.on_ping,
            "cancel_plan": self.on_cancel_plan, "choose": self.on_choose,
        }

    def reply(self, message: dict[str, Any]) -> None:
        self.client.push(protocol.encode(message))

    async def handle(self, raw: str | bytes) -> bool:
        """Handle one frame; False closes the connection."""
        if not self.bucket.take():
            self.strikes += 1
            if self.strikes >= self.settings.ws_flood_strikes:
                await self.ws.close(code=1008, message=b"message flood")
                return False
            self.client.push(protocol.error_message("too many messages: slow down"))
            return True
        try:
            msg = protocol.parse_client_message(raw)
        except protocol.ProtocolError as exc:
            self.client.push(protocol.error_message(str(exc)))
            return True
        try:
            self.handlers[msg.type](msg)
        except Exception:  # a bug in one handler must not end the connection or the room
            log.exception("handling %s from client %s failed", msg.type, self.client.id)
            self.client.push(protocol.error_message("internal error", msg.ref))
        return True

    def _needs_seat(self, msg: protocol.ClientMessage) -> int | None:
        if self.client.player is None:
            self.client.push(protocol.error_message("spectators cannot give orders", msg.ref))
        return self.client.player

    def on_command(self, msg: protocol.ClientMessage) -> None:
        player = self._needs_seat(msg)
        if player is None:
            return
        client, ref = self.client, msg.ref

        def on_result(result: OrderResult) -> None:
            answer = {"type": "command_result", **result_dict(result), "tick": self.room.tick}
            if ref is not None:
                answer["ref"] = ref
            client.push(protocol.encode(answer))

        self.room.submit(player, msg.body["action"], on_result)

    def on_nl(self, msg: protocol.ClientMessage) -> None:
        player = self._needs_seat(msg)
        if player is None:
            return
        jobs = self.app[keys.NL_JOBS]
        client, room = self.client, self.room
        if jobs.waiting_for_model(lambda j: j.owner is client) >= self.settings.nl_max_per_client:
            self.client.push(protocol.error_message("too many orders waiting for the model: wait a moment",
                                                    msg.ref))
            return

        try:
            job = jobs.submit(msg.body["text"], msg.body["lang"], room, player, self._deliver(msg, player),
                              msg.body.get("selection"))
        except (QueueFull, ValueError) as exc:  # bad text or a full queue: tell the player, keep the socket
            self.client.push(protocol.error_message(nl_error_text(exc), msg.ref))
            return
        job.owner = client
        self._ack(msg, job.request_id)

    def _deliver(self, msg: protocol.ClientMessage, player: int) -> Callable[[dict[str, Any]], None]:
        room = self.room

        def deliver(final: dict[str, Any]) -> None:
            result = {"type": "nl_result", **final}
            if msg.ref is not None:
                result["ref"] = msg.ref
            room.broadcast(result, player=player)  # everyone seated as this player sees the outcome
        return deliver

    def _ack(self, msg: protocol.ClientMessage, request_id: str) -> None:
        ack: dict[str, Any] = {"type": "nl_ack", "request_id": request_id}
        if msg.ref is not None:
            ack["ref"] = msg.ref
        self.reply(ack)

    def on_choose(self, msg: protocol.ClientMessage) -> None:
        """An answer to a clarify question: runs like a new order (nl_ack, then nl_result)."""
        player = self._needs_seat(msg)
        if player is None:
            return
        try:
            job = self.app[keys.NL_JOBS].choose(msg.body["clarify_id"], msg.body["option"], self.room, player,
                                                self._deliver(msg, player))
        except ClarifyError as exc:
            err: dict[str, Any] = {"type": "error", "error": exc.message, "code": exc.code}
            if msg.ref is not None:
                err["ref"] = msg.ref
            self.reply(err)
            return
        job.owner = self.client
        self._ack(msg, job.request_id)

    def on_cancel_plan(self, msg: protocol.ClientMessage) -> None:
        """Cancel one of this seat's plans through the game's gate (someone else's is unknown to it)."""
        player = self._needs_seat(msg)
        if player is None:
            return
        client, ref = self.client, msg.ref

        def on_result(result: OrderResult) -> None:
            answer = {"type": "command_result", **result_dict(result), "tick": self.room.tick,
                      "plan_id": msg.body["plan_id"]}
            if ref is not None:
                answer["ref"] = ref
            client.push(protocol.encode(answer))

        self.room.submit(player, {"action": "cancel_plan", "plan": msg.body["plan_id"]}, on_result)

    def on_cancel_nl(self, msg: protocol.ClientMessage) -> None:
        ok = self.app[keys.NL_JOBS].cancel(msg.body["request_id"])
        self.reply({"type": "nl_cancelled", "request_id": msg.body["request_id"], "ok": ok})

    def on_analysis(self, msg: protocol.ClientMessage) -> None:
        self.app[keys.ADVISOR].advise(self.room, self.client.player, self.client.lang, only=self.client)

    def on_snapshot(self, msg: protocol.ClientMessage) -> None:
        self.client.force_full = True

    def on_set_language(self, msg: protocol.ClientMessage) -> None:
        self.client.lang = msg.body["lang"]
        self.reply({"type": "language", "lang": self.client.lang})

    def on_ping(self, msg: protocol.ClientMessage) -> None:
        self.reply({"type": "pong", "t": msg.body["t"]})


def nl_error_text(exc: Exception) -> str:
    if isinstance(exc, QueueFull):
        return "the model is busy: try again in a moment"
    return str(exc)
