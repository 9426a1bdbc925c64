"""Rooms: one game each, ticking at a fixed 20 Hz.

A room owns a `sim.Game`, an optional computer opponent, the connected clients
and a queue of orders. Orders are applied at the next tick (never the moment
they arrive), so the simulation stays deterministic and replayable. Each
client has its own sender task fed through a latest-state slot and a bounded
control queue, so a slow client can never slow the tick or the others.

The room knows nothing about HTTP or WebSockets: a client is anything with
async `send(bytes)` and `close(code, reason)` (see `Transport`). The web layer
uses the Room API (`RoomAPI` below: `tick`, `game_over`, `view_for`,
`authorise`, `seat_kind`, `seated_languages`, `submit`, `submit_many`,
`broadcast`) and never reaches into `room.game` or `room.seats`. The rooms of
a server are created, found and reclaimed by `server.room_manager.RoomManager`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from . import protocol
from .connection import PERSPECTIVE_SPECTATOR, Connection, Transport
from .ai import Opponent
from .sim import Game, OrderResult
from .sim.rules import MAX_PLANS_PER_PLAYER, TICK_RATE, rules_table
from .stats import STAT_EVENTS

log = logging.getLogger("room")

TICK_S = 1.0 / TICK_RATE
DIFFICULTIES = ("easy", "normal", "hard")
# Lateness beyond which a room stops trying to catch up (e.g. after the
# process was suspended) and restarts its schedule from now.
RESYNC_AFTER_S = 1.0


class Bot(Protocol):
    """The room <-> computer opponent boundary (server.ai.Opponent implements it)."""

    player: int

    def wants_view(self, tick: int) -> bool:
        """Whether it thinks at this tick (no view is built otherwise)."""
        ...

    def decide(self, view: dict[str, Any], tick: int) -> list[dict[str, Any]]: ...

    def feedback(self, action: dict[str, Any], result: OrderResult) -> None:
        """The gate's answer to one of its actions."""
        ...


class Recorder(Protocol):
    """The room -> game log boundary (server.storage.recorder.GameRecorder). Called between ticks, never
    blocks; `ticked` after each step (accepted orders are in `game.order_log`); `closed(shutdown=True)`:
    the server stops and the game goes on at the next start."""

    def started(self, game: Game, difficulty: str, seats: list[dict[str, Any]], *, restored: bool = False) -> None: ...
    def ticked(self, game: Game) -> None: ...
    def seats_changed(self, tick: int, seats: list[dict[str, Any]]) -> None: ...
    def note(self, tick: int, player: int | None, kind: str, body: dict[str, Any]) -> None: ...
    def closed(self, game: Game, *, shutdown: bool) -> None: ...


class RoomAPI(Protocol):
    """The web <-> room boundary: everything outside rooms.py may use of a room."""

    id: str
    difficulty: str
    map_info: dict[str, Any]
    closed: bool

    @property
    def tick(self) -> int: ...
    @property
    def game_over(self) -> bool: ...
    def view_for(self, player: int | None) -> dict[str, Any]: ...
    def seat_kind(self, player: int) -> str: ...
    def seat_token(self, player: int) -> str | None: ...
    def authorise(self, player: int, token: object) -> bool: ...
    def seated_languages(self, player: int) -> set[str]: ...
    def submit(self, player: int, action: Any, on_result: Callable[[OrderResult], None] | None = None) -> None: ...
    def submit_many(self, player: int, actions: list[Any]) -> Awaitable[list[OrderResult]]: ...
    def broadcast(self, message: dict[str, Any], player: int | None | str = "all") -> None: ...
    def plans_for(self, player: int) -> list[dict[str, Any]]: ...


class RoomFull(Exception):
    """No room for one more (server room limit or spectator limit)."""


@dataclass
class Order:
    player: int
    action: Any
    on_result: Callable[[OrderResult], None] | None = None


@dataclass
class Seat:
    kind: str  # "human" | "ai" | "open"
    token: str = ""
    clients: int = 0


class Room:
    def __init__(
        self,
        room_id: str,
        *,
        seed: int,
        difficulty: str = "normal",
        width: int = 64,
        height: int = 48,
        max_spectators: int = 250,
        join_window_s: float = 120.0,
        control_limit: int = 256,
        metrics: Any = None,
        game: Game | None = None,
        seats: list[Seat] | None = None,
        restored: bool = False,
        max_plans: int = MAX_PLANS_PER_PLAYER,
    ) -> None:
        """`game`, `seats`, `restored`: a room rebuilt from its game log (server.storage.restore)."""
        if difficulty not in DIFFICULTIES:
            raise ValueError(f"difficulty must be one of {', '.join(DIFFICULTIES)}")
        self.id = room_id
        self.seed = seed
        self.difficulty = difficulty
        self.game = game if game is not None else Game(seed=seed, width=width, height=height, max_plans=max_plans)
        self.map_info = self.game.map_info()
        self.seats = seats if seats is not None else [Seat("open"), Seat("ai")]
        ai = next((i for i, s in enumerate(self.seats) if s.kind == "ai"), None)
        self.bot: Bot | None = None if ai is None else Opponent(player=ai, difficulty=difficulty, seed=seed,
                                                                map_info=self.map_info)
        self.restored = restored
        self.recorder: Recorder | None = None
        self.clients: set[Connection] = set()
        self.orders: deque[Order] = deque()
        self.max_spectators = max_spectators
        self.join_window_ticks = int(join_window_s * TICK_RATE)
        self.control_limit = control_limit
        self.metrics = metrics
        self.created = time.monotonic()
        self.empty_since: float | None = time.monotonic()
        self.task: asyncio.Task[None] | None = None
        self.closed = False
        self.tick_durations: deque[float] = deque(maxlen=1200)
        self.tick_lateness: deque[float] = deque(maxlen=1200)
        self.errors = 0
        self.bot_orders = 0
        self.bot_refused = 0
        self._prev_views: dict[int | str, dict[str, Any]] = {}
        # Per-player tallies for the game-over screen, counted from the game's events.
        self.tallies = [dict.fromkeys(STAT_EVENTS.values(), 0) for _ in range(2)]
        # Seats held without a connection (server.mcp) hear their events here.
        self.event_listeners: list[tuple[int, Callable[[dict[str, Any]], None]]] = []

    # --- the Room API (what the web layer may use) ----------------------------

    @property
    def tick(self) -> int:
        """Ticks stepped so far."""
        return int(self.game.tick)

    @property
    def game_over(self) -> bool:
        return bool(self.game.over)

    @property
    def winner(self) -> int | None:
        winner = self.game.winner
        return None if winner is None else int(winner)

    def plans_for(self, player: int) -> list[dict[str, Any]]:
        """That player's plans (PROTOCOL.md PLAN), active and recently finished, in id order."""
        return self.game.plans(player, active_only=False)

    def view_for(self, player: int | None) -> dict[str, Any]:
        """What `player` may see now (None: the spectators' view), the `state` body of WIRE.md."""
        return self.game.view(player)

    def seat_kind(self, player: int) -> str:
        """"human", "ai" or "open" (nobody yet)."""
        return self.seats[player].kind

    def seat_token(self, player: int) -> str | None:
        """The token that holds a human seat (None for the computer's or an open seat)."""
        seat = self.seats[player]
        return seat.token if seat.kind == "human" else None

    def authorise(self, player: int, token: object) -> bool:
        """Whether `token` holds `player`'s seat: the one token check of the
        server, in constant time, True only for a human seat."""
        if player not in (0, 1) or not isinstance(token, str) or not token:
            return False
        seat = self.seats[player]
        # compare_digest runs even for a seat without a token, so timing says nothing.
        same = secrets.compare_digest(seat.token.encode(), token.encode())
        return same and seat.kind in ("human", "agent")

    def seated_languages(self, player: int) -> set[str]:
        """The languages of the clients connected as `player`."""
        return {c.lang for c in self.clients if c.player == player and not c.closed}

    # --- seats held without a connection (scripts and agents: server.mcp) -----

    def seat_remote(self, player: int) -> str:
        """Seat a script or agent as `player` and return its token. The seat
        ("agent") is held by the token alone: no connection without it gets
        it. Player 1 replaces the computer."""
        seat = self.seats[player]
        if seat.kind == "ai":
            self.bot = None
            self.broadcast({"type": "event", "kind": "player_joined", "player": player, "tick": self.game.tick})
        seat.kind, seat.token = "agent", secrets.token_urlsafe(16)
        self._seats_changed()
        return seat.token

    def hand_to_computer(self, player: int) -> None:
        """An agent that went quiet: the computer plays its seat from now on
        (its token no longer acts)."""
        seat = self.seats[player]
        if seat.kind != "agent":
            return
        seat.kind, seat.token = "ai", ""
        self.bot = Opponent(player=player, difficulty=self.difficulty, seed=self.seed, map_info=self.map_info)
        self._seats_changed()
        self.event_listeners = [(p, cb) for p, cb in self.event_listeners if p != player]
        self.broadcast({"type": "event", "kind": "player_left", "player": player, "tick": self.game.tick})

    def add_event_listener(self, player: int, listener: Callable[[dict[str, Any]], None]) -> None:
        """`listener(event)` for each game event addressed to `player` or to all."""
        self.event_listeners.append((player, listener))

    def mark_first_game(self) -> None:
        """The page says this is the player's first game: the computer's first attack comes later
        (Level.first_game_extra_s). Only before that attack, and only for the built-in opponent."""
        if isinstance(self.bot, Opponent):
            self.bot.set_first_game()

    def keep_alive(self) -> None:
        """A remote seat is in use: an empty room counts as idle from now."""
        if not self.clients:
            self.empty_since = time.monotonic()

    # --- the game log (server.storage) ----------------------------------------
    def record_with(self, recorder: Recorder) -> None:
        """Log this room's game from now on (a new game from tick 0, a restored one where it resumes)."""
        self.recorder = recorder
        recorder.started(self.game, self.difficulty, self._seat_records(), restored=self.restored)

    def record_words(self, player: int, body: dict[str, Any]) -> None:
        """Words a player typed and what they became (`text`, `actions`, `results`): the replay's timeline."""
        if self.recorder is not None:
            self.recorder.note(self.game.tick, player, "nl", body)

    def _seat_records(self) -> list[dict[str, Any]]:
        return [{"kind": s.kind, "token": s.token} if s.token else {"kind": s.kind} for s in self.seats]

    def _seats_changed(self) -> None:
        if self.recorder is not None:
            self.recorder.seats_changed(self.game.tick, self._seat_records())

    # --- seats and clients ---------------------------------------------------

    def seat_for(self, want: str, token: str | None) -> int | None:
        """Which player a new connection gets. A valid seat token always gets
        its seat back (reconnect); otherwise the first free human seat; a
        second human may replace the computer only early in the game.
        Returns None for a spectator seat."""
        if want == "spectator":
            return None
        if token:
            for i in range(len(self.seats)):
                if self.authorise(i, token):
                    return i
        if self.seats[0].kind == "open":
            return 0
        if self.seats[1].kind == "ai" and self.game.tick <= self.join_window_ticks and not self.game.over:
            return 1
        # A reload without its token: give back a human seat nobody holds now.
        for i, seat in enumerate(self.seats):
            if seat.kind == "human" and seat.clients == 0:
                return i
        return None

    def join(self, transport: Transport, want: str = "player", token: str | None = None,
             lang: str = "en") -> tuple[Connection, str | None]:
        """Seat a connection; returns the client and its seat token (None for
        spectators). Raises RoomFull."""
        player = self.seat_for(want, token)
        if player is None and sum(1 for c in self.clients if c.player is None) >= self.max_spectators:
            raise RoomFull("this room has no room for more spectators")
        seat_token = None
        if player is not None:
            seat = self.seats[player]
            if seat.kind not in ("human", "agent"):
                if seat.kind == "ai":
                    self.bot = None
                    log.info("room %s: a second human replaces the computer", self.id)
                    self.broadcast({"type": "event", "kind": "player_joined", "player": player,
                                    "tick": self.game.tick})
                seat.kind, seat.token = "human", secrets.token_urlsafe(16)
                self._seats_changed()
            seat.clients += 1
            seat_token = seat.token
        client = Connection(transport, player, lang=lang, control_limit=self.control_limit)
        self.clients.add(client)
        self.empty_since = None
        client.sender = asyncio.get_running_loop().create_task(client.run_sender(), name=f"sender-{client.id}")
        return client, seat_token

    def leave(self, client: Connection) -> None:
        if client not in self.clients:
            return
        self.clients.discard(client)
        client.closed = True
        client.wake.set()
        if client.player is not None:
            seat = self.seats[client.player]
            seat.clients = max(0, seat.clients - 1)
        if not self.clients:
            self.empty_since = time.monotonic()

    def players_info(self) -> list[dict[str, Any]]:
        return [{"id": i, "kind": "ai" if s.kind == "ai" else "human", "connected": s.clients > 0}
                for i, s in enumerate(self.seats)]

    def welcome(self, client: Connection, token: str | None) -> dict[str, Any]:
        return {"type": "welcome", "room": self.id, "player": client.player,
                "role": "spectator" if client.player is None else "player",
                "token": token, "map": self.map_info, "lang": client.lang,
                "difficulty": self.difficulty, "tick_rate": TICK_RATE, "rules": rules_table(),
                "tick": self.game.tick, "players": self.players_info(),
                "plans": self.game.plans(client.player) if client.player is not None else [],
                **({"restored": True} if self.restored else {}),
                **({"replay": f"/replays/{self.id}"} if self.recorder is not None else {})}

    def broadcast(self, message: dict[str, Any], player: int | None | str = "all") -> None:
        """Send a message to every client ("all") or to the clients seated as `player`."""
        data = protocol.encode(message)
        for c in self.clients:
            if player == "all" or c.player == player:
                c.push(data)

    # --- orders --------------------------------------------------------------

    def submit(self, player: int, action: Any,
               on_result: Callable[[OrderResult], None] | None = None) -> None:
        """Queue an order; it is applied at the next tick and `on_result`
        gets the gate's OrderResult."""
        self.orders.append(Order(player, action, on_result))

    def submit_many(self, player: int, actions: list[Any]) -> Awaitable[list[OrderResult]]:
        """Queue several orders; the future resolves with their results after the tick."""
        fut: asyncio.Future[list[OrderResult]] = asyncio.get_running_loop().create_future()
        results: list[OrderResult] = [OrderResult(False, "not applied")] * len(actions)
        left = [len(actions)]
        if not actions:
            fut.set_result([])
            return fut

        def collect(i: int) -> Callable[[OrderResult], None]:
            def done(result: OrderResult) -> None:
                results[i] = result
                left[0] -= 1
                if left[0] == 0 and not fut.done():
                    fut.set_result(results)
            return done

        for i, action in enumerate(actions):
            self.submit(player, action, collect(i))
        return fut

    # --- the loop ------------------------------------------------------------

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run(), name=f"room-{self.id}")

    async def advance(self, ticks: int) -> None:
        """Fast-forward (operators and tests): `ticks` ticks now, as the loop runs them, yielding
        now and then so clients are sent their states; the loop goes on at its pace afterwards."""
        for i in range(ticks):
            if self.closed or self.game.over:
                return
            self.tick_once()
            if i % 10 == 9:
                await asyncio.sleep(0)

    async def run(self) -> None:
        """Fixed-rate loop: tick n is due at t0 + n * 50 ms, so time spent in a
        tick never accumulates as drift."""
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        n = 0
        while not self.closed:
            n += 1
            due = t0 + n * TICK_S
            # Even a late tick yields once, so senders run between two ticks.
            await asyncio.sleep(max(0.0, due - loop.time()))
            lateness = loop.time() - due
            if lateness > RESYNC_AFTER_S:
                log.warning("room %s: %.2f s behind, resynchronising", self.id, lateness)
                t0, n = loop.time(), 0
            started = time.perf_counter()
            try:
                self.tick_once()
            except Exception:
                self.errors += 1
                log.exception("room %s: tick %d failed; the room goes on", self.id, self.game.tick)
            duration = time.perf_counter() - started
            self.tick_durations.append(duration)
            self.tick_lateness.append(max(0.0, lateness))
            if self.metrics is not None:
                self.metrics.observe_tick(duration, max(0.0, lateness))

    def tick_once(self) -> None:
        game = self.game
        while self.orders:
            order = self.orders.popleft()
            result = game.apply(order.player, order.action)
            if order.on_result is not None:
                try:
                    order.on_result(result)
                except Exception:
                    log.exception("room %s: order callback failed", self.id)
        if self.bot is not None and not game.over:
            self._run_bot()
        game.step()
        if self.recorder is not None:
            try:
                self.recorder.ticked(game)
            except Exception:  # logging must never stop the game
                log.exception("room %s: recording tick %d failed", self.id, game.tick)
        for ev in game.drain_events():
            target = ev.get("player")
            for who, listener in self.event_listeners:
                if target is None or target == who:
                    listener(ev)
            stat = STAT_EVENTS.get(ev.get("kind", ""))
            if stat is not None and target in (0, 1):
                self.tallies[target][stat] += 1
            msg = {"type": "event", **ev}
            if target is None:
                msg.pop("player", None)
            elif ev.get("kind") == "plan":  # a plan changed: PROTOCOL's own message, not an event
                msg = {"type": "plan", "plan": ev["plan"]}
            data = protocol.encode(msg)
            for c in self.clients:
                if target is None or c.player == target or c.player is None:
                    c.push(data)
        self._publish()

    def _run_bot(self) -> None:
        bot = self.bot
        assert bot is not None
        if not bot.wants_view(self.game.tick):  # it thinks every few ticks: no view otherwise
            return
        for action in bot.decide(self.game.view(bot.player), self.game.tick) or ():
            result = self.game.apply(bot.player, action)
            self.bot_orders += 1
            self.bot_refused += not result.ok
            bot.feedback(action, result)

    def _publish(self) -> None:
        """One view, one full encoding and one delta per perspective, shared by
        every client of that perspective."""
        if not self.clients:
            self._prev_views.clear()
            return
        tick = self.game.tick
        perspectives = {c.perspective for c in self.clients if not c.closed}
        for p in perspectives:
            view = self.game.view(None if p == PERSPECTIVE_SPECTATOR else p)  # type: ignore[arg-type]
            if view.get("game_over"):  # the final tallies are public once the game is over
                view["game_over"] = {**view["game_over"], "stats": self.tallies, "ticks": self.game.tick}
            prev = self._prev_views.get(p)
            delta = protocol.encode(protocol.make_delta(prev, view)) if prev is not None else None
            self._prev_views[p] = view
            full_cache: list[bytes] = []

            def full(view: dict[str, Any] = view, cache: list[bytes] = full_cache) -> bytes:
                if not cache:
                    cache.append(protocol.encode({"type": "state", **view}))
                return cache[0]

            for c in self.clients:
                if c.perspective == p:
                    c.offer_state(tick, full, delta)
        for p in list(self._prev_views):
            if p not in perspectives:
                del self._prev_views[p]

    # --- figures and shutdown --------------------------------------------------

    def stats(self) -> dict[str, Any]:
        d = sorted(self.tick_durations)
        late = sorted(self.tick_lateness)

        def pct(xs: list[float], q: float) -> float:
            return round(1000 * xs[min(len(xs) - 1, int(q * len(xs)))], 3) if xs else 0.0

        return {"id": self.id, "tick": self.game.tick, "clients": len(self.clients),
                "players": self.players_info(), "difficulty": self.difficulty,
                "tick_ms": {"p50": pct(d, 0.5), "p99": pct(d, 0.99), "max": pct(d, 1.0)},
                "lateness_ms": {"p50": pct(late, 0.5), "p99": pct(late, 0.99), "max": pct(late, 1.0)},
                "errors": self.errors, "bot_orders": self.bot_orders, "bot_refused": self.bot_refused,
                "sent_bytes": sum(c.sent_bytes for c in self.clients),
                "states_skipped": sum(c.skipped_states for c in self.clients),
                "game_over": self.game.over, "winner": self.game.winner}

    async def close(self, code: int = 1001, reason: str = "room closed", *, shutdown: bool = False) -> None:
        """`shutdown`: the server is stopping; a recorded game stays live and is restored at the next start."""
        self.closed = True
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        clients = list(self.clients)
        for c in clients:
            self.leave(c)
        await asyncio.gather(*(c.transport.close(code, reason) for c in clients), return_exceptions=True)
        senders = [c.sender for c in clients if c.sender is not None]
        for s in senders:
            s.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
        if self.recorder is not None:
            try:
                self.recorder.closed(self.game, shutdown=shutdown)
            except Exception:
                log.exception("room %s: closing its game log failed", self.id)


def _room_implements_room_api(room: Room) -> RoomAPI:
    return room  # mypy checks here that Room keeps the declared API
