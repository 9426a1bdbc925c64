"""The game facade: the one object the server holds per match (apply, validate, step, view, replay).

No I/O, no clocks, no asyncio: the room calls :meth:`Game.apply` for each order and
:meth:`Game.step` 20 times per second. All state lives in one :class:`~.world.World`
(``game.world``); each system is a module of functions over it, run in the order :meth:`Game.step`
spells out. All randomness comes from a seeded ``random.Random``; the same seed and the same order
log give the same :meth:`Game.state_hash`.
"""
from __future__ import annotations

import hashlib
import logging
from operator import attrgetter
from typing import Any, Iterable

from . import mapgen
from . import rules as R
from .combat import combat, remove_dead, turrets
from .economy import harvester, regrow
from .entities import Building, Unit
from .fog import update_fog
from .gate import OrderResult, gate
from .movement import arrive, separate, walk
from .pathing import run_paths
from .plans import plans_of, run_plans
from .production import production, spawn_near, update_power
from .projectiles import fly
from .spatial import index
from .superweapon import charge
from .victory import check_end
from .views import player_state, spectator_view
from .world import NPLAYERS, World
from . import snapshot as snapshots

__all__ = ["Game", "OrderResult", "NPLAYERS"]

log = logging.getLogger(__name__)


def _state(name: str, doc: str) -> property:
    """A read-only attribute of the facade that is the world's own (same object, no copy)."""
    return property(attrgetter("world." + name), doc=doc)


class Game:
    """A two-player game. See docs/SIMULATION.md for the modules and docs/ARCHITECTURE.md for the contract."""

    def __init__(self, seed: int = 1, width: int = R.DEFAULT_WIDTH, height: int = R.DEFAULT_HEIGHT, *,
                 terrain: str | list[str] | None = None,
                 hq_sites: list[tuple[int, int]] | None = None,
                 start: bool = True, max_plans: int = R.MAX_PLANS_PER_PLAYER) -> None:
        """``terrain``: optional hand-made map (rows of ``.~o*`` or one W*H string) for tests.
        ``start=False``: no HQs nor units are placed (tests add them with ``add_unit``/``add_building``).
        ``max_plans``: active plans a player may hold (the MAX_PLANS_PER_PLAYER setting).
        """
        if terrain is not None:
            if isinstance(terrain, str):
                rows = [terrain[i:i + width] for i in range(0, len(terrain), width)]
            else:
                rows = list(terrain)
            height, width = len(rows), len(rows[0])
            tiles = [c for row in rows for c in row]
            if any(len(r) != width for r in rows):
                raise ValueError("terrain rows must have equal lengths")
        else:
            if width < 16 or height < 16:
                raise ValueError("map must be at least 16x16")
            tiles = mapgen.generate(seed, width, height)
        if hq_sites is None:
            hq_sites = [mapgen.hq_site(width, height, 0), mapgen.hq_site(width, height, 1)]
        self.world = w = World(seed, width, height, tiles, hq_sites)
        w.max_plans = max(0, int(max_plans))
        if start:
            for p in range(NPLAYERS):
                hx, hy = w.hq_sites[p]
                hq = w.add_building(p, "hq", hx, hy, built=True)
                for utype, n in R.START_UNITS:
                    for _ in range(n):
                        spawn_near(w, p, utype, hq)
        update_power(w)
        update_fog(w)

    # the world's state, read through the facade (tests, the room, the opponent)
    seed = _state("seed", "map seed")
    w = width = _state("w", "map width, tiles")
    h = height = _state("h", "map height, tiles")
    npix = _state("npix", "tiles on the map")
    terrain = _state("terrain", "one mapgen character per tile")
    tick = _state("tick", "ticks simulated so far")
    winner = _state("winner", "the winning player once over (None: draw or running)")
    over = _state("over", "the game has ended")
    order_log = _state("order_log", "(tick, player, action) of every accepted order")
    effects = _state("effects", "shots, explosions and strikes of the last tick")
    units = _state("units", "id -> Unit")
    buildings = _state("buildings", "id -> Building")
    players = _state("players", "the Player of each seat")
    ore = _state("ore", "ore units left per tile")
    ore_max = _state("ore_max", "ore units a tile holds when full")
    water = _state("water", "1 per water tile")
    bocc = _state("bocc", "building id per tile (-1 = none)")
    grid = _state("grid", "path grid (blocked tiles, components)")

    # ------------------------------------------------------------------ setup and tests
    def add_unit(self, owner: int, utype: str, x: float, y: float) -> Unit:
        """Put a unit on the map (setup and tests; no checks beyond the type)."""
        return self.world.add_unit(owner, utype, x, y)

    def add_building(self, owner: int, btype: str, x: int, y: int, built: bool = True) -> Building:
        """Put a building on the map (setup and tests; no placement checks)."""
        return self.world.add_building(owner, btype, x, y, built)

    # ------------------------------------------------------------------ public API
    def map_info(self) -> dict:
        """``{"width","height","tiles"}``: static terrain at start (WIRE.md)."""
        w = self.world
        return {"width": w.w, "height": w.h, "tiles": w.tiles_str}

    def drain_events(self) -> list[dict]:
        """Events since the last call; each has ``kind``, ``tick`` and ``player`` (None = everyone)."""
        w = self.world
        ev, w.events = w.events, []
        return ev

    def validate(self, player: Any, action: Any) -> OrderResult:
        """Same checks as :meth:`apply`, without effect."""
        return gate(self.world, player, action, commit=False)

    def apply(self, player: Any, action: Any) -> OrderResult:
        """The one gate: validate ``action`` for ``player`` and apply it. Never raises."""
        return gate(self.world, player, action, commit=True)

    def plans(self, player: int, active_only: bool = True) -> list[dict]:
        """The player's plans (PLAN dicts of PROTOCOL.md, in id order); all kept ones if not ``active_only``."""
        return plans_of(self.world, player, active_only)

    def view(self, player: int | None = None) -> dict:
        """The ``state`` body of WIRE.md (without ``"type"``) for ``player``; None = spectator (all)."""
        if player is None:
            return spectator_view(self.world)
        if isinstance(player, bool) or not isinstance(player, int) or not 0 <= player < NPLAYERS:
            raise ValueError(f"unknown player {player!r}")
        return player_state(self.world, player)

    # ------------------------------------------------------------------ simulation step
    def step(self) -> None:
        """Advance one tick (50 ms of game time). A no-op once the game is over. Never raises."""
        w = self.world
        if w.over:
            return
        try:
            self._step(w)
        except Exception:  # pragma: no cover - keep the room alive, but say so loudly
            log.exception("step failed at tick %d", w.tick)
            w.tick += 1

    @staticmethod
    def _step(w: World) -> None:
        """One tick: the systems, in this order (the order is part of the rules: replays depend on it)."""
        w.effects = []
        update_power(w)                     # production.py
        production(w)                       # production.py: construction and training
        charge(w)                           # superweapon.py
        run_plans(w)                        # plans.py: steps whose time has come go through the gate
        index(w)                            # spatial.py
        fly(w)                              # projectiles.py: shots fired earlier move or land
        for u in list(w.units.values()):
            if not u.alive:
                continue
            if u.type == "harvester":
                harvester(w, u)             # economy.py
            elif u.rule.armed:
                combat(w, u)                # combat.py
            else:
                arrive(u)                   # movement.py
        turrets(w)                          # combat.py
        if w.tick % R.SEPARATE_PERIOD == 0:
            separate(w)                     # movement.py
        run_paths(w)                        # pathing.py
        walk(w)                             # movement.py: steps along paths, then spacing
        remove_dead(w)                      # combat.py
        if w.tick % R.REGROW_PERIOD == R.REGROW_PERIOD - 1:
            regrow(w)                       # economy.py
        update_fog(w)                       # fog.py
        check_end(w)                        # victory.py
        w.tick += 1

    # ------------------------------------------------------------------ determinism
    def state_hash(self) -> str:
        """A digest of the whole live state (same seed + same orders -> same hash)."""
        w = self.world
        h = hashlib.blake2b(digest_size=16)
        h.update(repr((w.tick, w.winner, w.over, w.next_id)).encode())
        for pl in w.players:
            h.update(repr((pl.credits, pl.credit_frac, pl.charge, pl.explored, pl.sites, pl.low_power)).encode())
        for u in w.units.values():
            h.update(repr((u.id, u.type, u.owner, u.x, u.y, u.hp, u.order, u.target, u.cargo, u.hv, u.path)).encode())
        for b in w.buildings.values():
            # queue items hashed as [item, progress, paid] lists: the digest predates QueueItem
            queue = [[q.item, q.progress, q.paid] for q in b.queue]
            h.update(repr((b.id, b.type, b.owner, b.x, b.y, b.hp, b.built, b.progress, queue)).encode())
        h.update(repr(w.ore).encode())
        if w.projectiles:  # shots in flight (only then: quiet moments keep their digests)
            h.update(repr([(p.weapon, p.src, p.target, p.x, p.y, p.tx, p.ty) for p in w.projectiles]).encode())
        if w.plans:  # only then: games without plans keep the digests they always had
            h.update(repr([p.to_dict() for p in w.plans.values()]).encode())
        return h.hexdigest()

    def snapshot(self) -> bytes:
        """The whole live state as bytes (snapshot.py): :meth:`restore` gives the same hash and future."""
        return snapshots.snapshot(self)

    @classmethod
    def restore(cls, data: bytes) -> "Game":
        """The game a :meth:`snapshot` was taken of; raises ``snapshot.SnapshotError`` (a ValueError)."""
        return snapshots.restore(data)

    @classmethod
    def replay(cls, seed: int, width: int, height: int, order_log: Iterable[tuple[int, int, dict]],
               ticks: int, **kwargs: Any) -> "Game":
        """Rebuild a game from its seed and order log, stepping ``ticks`` ticks."""
        g = cls(seed=seed, width=width, height=height, **kwargs)
        orders = sorted(order_log, key=lambda e: e[0])  # stable: keeps the order within a tick
        k = 0
        for _ in range(ticks):
            while k < len(orders) and orders[k][0] <= g.tick:
                g.apply(orders[k][1], orders[k][2])
                k += 1
            g.step()
        while k < len(orders) and orders[k][0] <= g.tick:
            g.apply(orders[k][1], orders[k][2])
            k += 1
        return g
