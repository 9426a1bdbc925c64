"""Seats held by scripts and agents: the one place that acts for a seat token,
used by both the HTTP seats API (`server.web.seats_api`) and the MCP tools
(`server.mcp.tools`).

Every call names a room and a seat token; the room authorises the token in
constant time and the call then acts only for that seat's player. Orders go
through the room's queue and the game's one gate (`Game.apply`, at the next
tick), exactly like a person's clicks.

Agent seats (`opponent: "agent"`) sit in place of the computer as player 1.
An agent that stops calling for `AGENT_GRACE_S` hands its seat back to the
computer, so a person is never left facing a frozen enemy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..clarifications import ClarifyError
from ..limits import TokenBucket
from ..llm import QueueFull
from ..nl import heuristic_analysis
from ..room_manager import RoomManager
from ..rooms import Room, RoomFull
from ..sim.rules import TICK_RATE, rules_table
from ..sim.orders import parse_action
from .observation import compact_state

log = logging.getLogger("mcp")

#: Events kept per seat for `get_state` and `wait`.
EVENTS_KEPT = 50
#: How often held seats are checked (agents gone quiet, rooms closed).
WATCH_PERIOD_S = 1.0


class SeatError(Exception):
    """A call that cannot be served; `status` is the HTTP status it maps to."""

    def __init__(self, status: int, message: str, code: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.retry_after = status, message, code, retry_after


class Translating(Protocol):
    """What the service needs from the web layer's language jobs (`NLJobs`)."""

    def submit(self, text: str, lang: str | None, room: Room | None, player: int | None,
               listener: Callable[[dict[str, Any]], None] | None = None) -> Any: ...

    def wait(self, job: Any, timeout: float) -> Awaitable[dict[str, Any] | None]: ...

    def get(self, request_id: str) -> dict[str, Any] | None: ...

    def choose(self, clarify_id: Any, option: Any, room: Room | None, player: int | None,
               listener: Callable[[dict[str, Any]], None] | None = None) -> Any: ...


@dataclass(frozen=True)
class SeatLimits:
    rate: float = 10.0
    burst: int = 30
    agent_grace_s: float = 60.0


@dataclass(eq=False)
class HeldSeat:
    """A seat a script or agent holds, and what the service keeps for it."""

    room: Room
    player: int
    agent: bool  # an agent seat: handed back to the computer when it goes quiet
    bucket: TokenBucket
    last_call: float = field(default_factory=time.monotonic)
    events: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=EVENTS_KEPT))
    events_total: int = 0
    busy: int = 0  # calls in progress (a long `wait` is activity too)
    released: bool = False
    new_event: asyncio.Event = field(default_factory=asyncio.Event)

    def on_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self.events_total += 1
        self.new_event.set()


class SeatService:
    def __init__(self, rooms: RoomManager, limits: SeatLimits, jobs: Translating | None = None) -> None:
        self.rooms = rooms
        self.limits = limits
        self.jobs = jobs
        self.held: dict[tuple[str, int], HeldSeat] = {}
        self._watch: asyncio.Task[None] | None = None

    # --- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        self._watch = asyncio.get_running_loop().create_task(self._watch_loop(), name="seat-watch")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        self.held.clear()

    async def _watch_loop(self) -> None:
        while True:
            await asyncio.sleep(WATCH_PERIOD_S)
            try:
                self.watch_once()
            except Exception:
                log.exception("seat watch failed")

    def watch_once(self, now: float | None = None) -> None:
        """Hand quiet agents' seats to the computer; forget seats of closed rooms."""
        now = time.monotonic() if now is None else now
        for key, seat in list(self.held.items()):
            if seat.room.closed or self.rooms.get(seat.room.id) is not seat.room:
                del self.held[key]
                continue
            if seat.busy:
                seat.room.keep_alive()
                continue
            if seat.agent and not seat.released and now - seat.last_call > self.limits.agent_grace_s:
                log.info("room %s: agent of player %d quiet for %.0f s, the computer takes over",
                         seat.room.id, seat.player, now - seat.last_call)
                seat.room.hand_to_computer(seat.player)
                seat.released = True
                del self.held[key]

    # --- seating -----------------------------------------------------------------

    async def create(self, difficulty: str, seed: int | None, opponent: str) -> dict[str, Any]:
        """A new room with the caller seated: player 0 against the computer, or
        player 1 (an agent in place of the computer) waiting for a person."""
        try:
            room = await self.rooms.create(difficulty=difficulty, seed=seed)
        except RoomFull as exc:
            raise SeatError(503, str(exc), "server_full", retry_after=30) from None
        player = 1 if opponent == "agent" else 0
        token = room.seat_remote(player)
        self._hold(room, player, agent=opponent == "agent")
        return {"room": room.id, "player": player, "token": token, "difficulty": room.difficulty,
                "opponent": opponent, "tick_rate": TICK_RATE,
                "play_url": f"/?room={room.id}&as=player", "watch_url": f"/?room={room.id}&as=spectator"}

    def seat_http(self, room: Room) -> dict[str, Any]:
        """Seat the creator of a room as player 0 (`POST /api/rooms` with `seat`)."""
        token = room.seat_remote(0)
        self._hold(room, 0, agent=False)
        return {"room": room.id, "player": 0, "token": token, "difficulty": room.difficulty}

    def _hold(self, room: Room, player: int, agent: bool) -> HeldSeat:
        seat = HeldSeat(room, player, agent, TokenBucket(self.limits.rate, self.limits.burst))
        room.add_event_listener(player, seat.on_event)
        self.held[(room.id, player)] = seat
        return seat

    def authorise(self, room_id: Any, token: Any, player: Any = None) -> HeldSeat:
        """The seat this token holds (and counts the call against its rate).
        Wrong room: 404; wrong token or another player's number: 403."""
        room = self.rooms.get(room_id) if isinstance(room_id, str) else None
        if room is None:
            elsewhere = self.rooms.owner_url(room_id) if isinstance(room_id, str) else None
            if elsewhere:  # cluster mode: another node runs it (docs/DEPLOY.md)
                raise SeatError(421, f"room {room_id} runs on another server: use {elsewhere}/mcp "
                                     f"(or {elsewhere}/api/rooms/{room_id}/...)", "wrong_server")
            raise SeatError(404, "unknown room", "unknown_room")
        if not isinstance(token, str) or not token:
            raise SeatError(403, "a seat token is required", "forbidden")
        players = (0, 1) if player is None else (player,)
        # Every candidate is checked (no early exit), each in constant time.
        matches = [p for p in players if room.authorise(p, token)]
        if not matches:
            raise SeatError(403, "this token does not hold that seat", "forbidden")
        seat = self.held.get((room.id, matches[0]))
        if seat is None:  # seated through the WebSocket or before a restart: hold it now
            seat = self._hold(room, matches[0], agent=False)
        if not seat.bucket.take():
            wait_s = seat.bucket.retry_after()
            raise SeatError(429, f"too many calls for this seat: at most {self.limits.rate:g} per second "
                                 f"(bursts of {self.limits.burst}); retry in {wait_s:.1f} s",
                            "rate_limited", retry_after=wait_s)
        seat.last_call = time.monotonic()
        room.keep_alive()
        return seat

    # --- reading -------------------------------------------------------------------

    def full_state(self, seat: HeldSeat) -> dict[str, Any]:
        return seat.room.view_for(seat.player)

    def state(self, seat: HeldSeat, events: int = 10) -> dict[str, Any]:
        info = seat.room.map_info
        recent = list(seat.events)[-events:] if events else []
        return compact_state(seat.room.view_for(seat.player), room=seat.room.id, player=seat.player,
                             events=recent, map_size=(info["width"], info["height"]))

    def advice(self, seat: HeldSeat, lang: str) -> dict[str, Any]:
        view = seat.room.view_for(seat.player)
        return {"source": "heuristic", "lang": lang, "tick": view.get("tick", 0),
                "text": heuristic_analysis(view, lang)}

    @staticmethod
    def rules() -> dict[str, Any]:
        return rules_table()

    # --- acting ----------------------------------------------------------------------

    async def act(self, seat: HeldSeat, actions: list[Any]) -> dict[str, Any]:
        """Apply the actions at the next tick through the game's gate; answer
        after that tick. An action that is not even well formed is refused
        here with the shape checker's reason and the others still run."""
        if seat.room.closed:
            raise SeatError(410, "this game is over and its room closed", "room_closed")
        checked = [parse_action(a) for a in actions]
        good = [a for a, (parsed, _) in zip(actions, checked) if parsed is not None]
        seat.busy += 1
        try:
            applied = iter(await seat.room.submit_many(seat.player, good) if good else [])
        finally:
            seat.busy -= 1
        results = []
        for parsed, reason in checked:
            if parsed is None:
                results.append({"ok": False, "error": reason, "code": "malformed"})
                continue
            r = next(applied)
            out: dict[str, Any] = {"ok": r.ok}
            if not r.ok:
                out["error"] = r.error
                code = (r.info or {}).get("code")
                if code:
                    out["code"] = code
            results.append(out)
        return {"results": results, "tick": seat.room.tick}

    async def order(self, seat: HeldSeat, text: str, lang: str | None, wait_s: float = 10.0) -> dict[str, Any]:
        """Words, translated and executed for this seat like `/api/nl/translate`."""
        if self.jobs is None:
            raise SeatError(503, "orders in words are not available here", "unavailable")
        seat.busy += 1
        try:
            job = self.jobs.submit(text, lang, seat.room, seat.player)
            final = await self.jobs.wait(job, wait_s)
        except ValueError as exc:
            raise SeatError(400, str(exc), "bad_text") from None
        except QueueFull:
            raise SeatError(429, "too many requests are waiting for the language model; retry soon or use act",
                            "model_busy", retry_after=2.0) from None
        finally:
            seat.busy -= 1
        if final is not None:
            return final
        current = self.jobs.get(job.request_id) or {}
        return {"request_id": job.request_id, "status": current.get("status", "pending")}

    async def choose(self, seat: HeldSeat, clarify_id: str, option: int, wait_s: float = 10.0) -> dict[str, Any]:
        """Answer the question (`clarify`) an order asked this seat; runs like a new order."""
        if self.jobs is None:
            raise SeatError(503, "orders in words are not available here", "unavailable")
        seat.busy += 1
        try:
            job = self.jobs.choose(clarify_id, option, seat.room, seat.player)
            final = await self.jobs.wait(job, wait_s)
        except ClarifyError as exc:
            raise SeatError(400 if exc.code == "bad_option" else 404, exc.message, exc.code) from None
        finally:
            seat.busy -= 1
        return final if final is not None else {"request_id": job.request_id, "status": "pending"}

    async def wait(self, seat: HeldSeat, ticks: int, until_event: bool) -> dict[str, Any]:
        """Return after `ticks` game ticks, or sooner on an event for this seat."""
        room = seat.room
        start, seen = room.tick, seat.events_total
        seat.new_event.clear()
        seat.busy += 1
        try:
            while room.tick - start < ticks and not room.closed and not room.game_over:
                if until_event and seat.events_total > seen:
                    break
                left = (ticks - (room.tick - start)) / TICK_RATE
                try:
                    if until_event:
                        await asyncio.wait_for(seat.new_event.wait(), max(left, 1.0 / TICK_RATE))
                        seat.new_event.clear()
                    else:
                        await asyncio.sleep(max(left, 1.0 / TICK_RATE))
                except TimeoutError:
                    pass
        finally:
            seat.busy -= 1
            seat.last_call = time.monotonic()
        new = list(seat.events)[-(seat.events_total - seen):] if seat.events_total > seen else []
        return {"tick": room.tick, "waited": room.tick - start, "events": new,
                "game_over": room.game_over}
