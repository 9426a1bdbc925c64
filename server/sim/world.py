"""The one world-state object: map, ore, entities, players, tick, rng, ids, events, order log and indexes.

Systems (production, economy, movement, combat, fog, ...) are modules of functions over a
:class:`World`; :class:`server.sim.game.Game` is the facade the rest of the server calls. The
World itself only holds state and answers the small queries every system shares (whose HQ,
where is home, is it visible, which entity has this id); it never runs a rule of the game,
except that adding or removing a building keeps the map, the path grid and power in step.
"""
from __future__ import annotations

import random
from collections import deque
from typing import TYPE_CHECKING, Any

from . import mapgen
from . import rules as R
from .entities import Building, Player, Unit
from .path import FieldJob, Grid
from .production import update_power

if TYPE_CHECKING:
    from .plans import Plan
    from .projectiles import Projectile

NPLAYERS = 2


class World:
    """Every piece of live state of one game (rules stay in rules.py)."""

    __slots__ = (
        "seed", "w", "h", "npix", "terrain", "tiles_str", "rng", "tick", "winner", "over", "order_log",
        "events", "effects", "ore_max", "ore", "ore_tiles", "claims", "water", "bocc", "grid",
        "grid_dirty", "grid_changes", "units", "buildings", "next_id", "path_queue", "placement_cache",
        "fields", "field_wait", "hq_sites", "players", "cells", "cells_by_owner", "cw",
        "plans", "next_plan", "max_plans",
        "projectiles",
    )

    def __init__(self, seed: int, width: int, height: int, tiles: list[str],
                 hq_sites: list[tuple[int, int]]) -> None:
        self.seed = seed
        self.w = width
        self.h = height
        self.npix = width * height
        self.terrain = tiles                       # one char per tile, mapgen's alphabet
        self.tiles_str = "".join(tiles)
        self.rng = random.Random(seed)
        self.tick = 0
        self.winner: int | None = None
        self.over = False
        self.order_log: list[tuple[int, int, dict]] = []
        self.events: list[dict] = []               # drained by Game.drain_events
        self.effects: list[dict] = []              # shots and explosions of the current tick
        # ore
        self.ore_max = [0] * self.npix
        for i, c in enumerate(tiles):
            if c == mapgen.ORE:
                self.ore_max[i] = R.ORE_PER_TILE
            elif c == mapgen.GEMS:
                self.ore_max[i] = R.GEMS_PER_TILE
        self.ore = [float(v) for v in self.ore_max]
        self.ore_tiles = [i for i in range(self.npix) if self.ore_max[i]]
        self.claims: dict[int, int] = {}           # ore tile -> harvester id mining it
        # passability
        self.water = bytearray(1 if c == mapgen.WATER else 0 for c in tiles)
        self.bocc = [-1] * self.npix               # building id on each tile
        self.grid = Grid(width, height, bytearray(self.water))
        self.grid_dirty = False                    # components need a relabel before the next search
        self.grid_changes: list[tuple[int, int, int, int]] = []
        # entities
        self.units: dict[int, Unit] = {}
        self.buildings: dict[int, Building] = {}
        self.next_id = 1
        # path requests (see pathing.py)
        self.path_queue: deque[int] = deque()
        self.fields: dict[int, FieldJob] = {}      # goal tile -> shared search (LRU by insertion)
        self.field_wait: dict[int, list[int]] = {}  # goal tile -> unit ids waiting for it
        self.placement_cache: tuple | None = None  # see placement.ground_units_near
        # spatial index of living units, rebuilt each tick (see combat.index)
        self.cells: dict[int, list[Unit]] = {}
        self.cells_by_owner: list[dict[int, list[Unit]]] = [{} for _ in range(NPLAYERS)]
        self.cw = 0
        self.hq_sites = [tuple(s) for s in hq_sites]
        self.projectiles: list[Projectile] = []    # shots in flight (projectiles.py), in firing order
        # plans (see plans.py): id -> Plan, active and recently finished, in id order
        self.plans: dict[int, Plan] = {}
        self.next_plan = 1
        self.max_plans = R.MAX_PLANS_PER_PLAYER
        self.players = [Player(p, R.START_CREDITS, self.npix,
                               (self.hq_sites[p][0] + 1.5, self.hq_sites[p][1] + 1.5)) for p in range(NPLAYERS)]

    # ------------------------------------------------------------------ ids, events, entities
    def new_id(self) -> int:
        i = self.next_id
        self.next_id += 1
        return i

    def event(self, kind: str, player: int | None, **details: Any) -> None:
        ev = {"kind": kind, "tick": self.tick, "player": player}
        ev.update(details)
        self.events.append(ev)

    def add_unit(self, owner: int, utype: str, x: float, y: float) -> Unit:
        """Put a unit on the map (no checks beyond the type)."""
        u = Unit(self.new_id(), R.UNITS[utype], owner, float(x), float(y))
        self.units[u.id] = u
        if utype == "harvester":
            u.order = "harvest"
        return u

    def add_building(self, owner: int, btype: str, x: int, y: int, built: bool = True) -> Building:
        """Put a building on the map (no placement checks); an unbuilt one joins its owner's sites."""
        b = Building(self.new_id(), R.BUILDINGS[btype], owner, x, y, built)
        if not built:
            b.hp = b.max_hp * R.SITE_START_HP
        self.buildings[b.id] = b
        for tx, ty in b.tiles():
            i = ty * self.w + tx
            self.bocc[i] = b.id
            self.grid.blocked[i] = 1
        self.grid_dirty = True
        self.grid_changes.append((b.x, b.y, b.x + b.w - 1, b.y + b.h - 1))
        if not built:
            self.players[owner].sites.append(b.id)
        return b

    def remove_building(self, b: Building, sold: bool = False) -> None:
        """Take a building off the map (destroyed or sold); power is recounted at once."""
        b.alive = False
        self.buildings.pop(b.id, None)
        W = self.w
        for tx, ty in b.tiles():
            i = ty * W + tx
            self.bocc[i] = -1
            self.grid.blocked[i] = self.water[i]
        self.grid_dirty = True
        self.grid_changes.append((b.x, b.y, b.x + b.w - 1, b.y + b.h - 1))
        pl = self.players[b.owner]
        if b.id in pl.sites:
            pl.sites.remove(b.id)
        for other in self.players:
            if b.id in other.seen and self.visible_to(other.id, b):
                del other.seen[b.id]
        if not sold:
            self.event("building_lost", b.owner, building_type=b.type, id=b.id, x=b.x, y=b.y)
            self.effects.append({"kind": "explosion", "from": None, "x": b.cx, "y": b.cy, "tx": b.cx, "ty": b.cy})
        update_power(self)

    def entity(self, eid: int) -> Unit | Building | None:
        """The living unit or building with this id."""
        e = self.units.get(eid)
        if e is not None and e.alive:
            return e
        b = self.buildings.get(eid)
        if b is not None and b.alive:
            return b
        return None

    @staticmethod
    def pos(e: Unit | Building) -> tuple[float, float]:
        if isinstance(e, Unit):
            return (e.x, e.y)
        return (e.cx, e.cy)

    def hq(self, p: int) -> Building | None:
        for b in self.buildings.values():
            if b.owner == p and b.type == "hq" and b.alive:
                return b
        return None

    def hq_ready(self, p: int) -> bool:
        hq = self.hq(p)
        return hq is not None and hq.built

    def home(self, p: int) -> tuple[float, float]:
        """The HQ's centre; else any own building's; else the start."""
        hq = self.hq(p)
        if hq is not None:
            return (hq.cx, hq.cy)
        for b in self.buildings.values():
            if b.owner == p and b.alive:
                return (b.cx, b.cy)
        return self.players[p].start

    def visible_to(self, p: int, e: Unit | Building) -> bool:
        vis = self.players[p].visible
        if isinstance(e, Unit):
            tx, ty = int(e.x), int(e.y)
            return 0 <= tx < self.w and 0 <= ty < self.h and bool(vis[ty * self.w + tx])
        for tx, ty in e.tiles():
            if vis[ty * self.w + tx]:
                return True
        return False

    def tile_of(self, pt: tuple[float, float]) -> int:
        """Index of the tile under a point, clamped onto the map."""
        x = min(self.w - 1, max(0, int(pt[0])))
        y = min(self.h - 1, max(0, int(pt[1])))
        return y * self.w + x

    def relabel(self) -> None:
        """Bring the path grid's connected components up to date with the buildings."""
        self.grid.relabel(self.grid_changes)
        self.grid_changes = []
        self.grid_dirty = False
