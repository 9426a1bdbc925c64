"""What the opponent perceives: one view sorted into a Snapshot, its memory of enemies, fog checks.

Everything here reads only the view it is given (WIRE.md state body) and the static map:
entity targets must be ids of that view, coordinate targets explored tiles of it
(``fog_ok``). The scans of the explored mask (``frontier_toward``, ``nearest_explored``)
are the only loops over map tiles.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .knowledge import COMBAT_TYPES, MapKnowledge, Mask, Rules

# A unit or building of a view, an ACTION: JSON objects (WIRE.md, PROTOCOL.md).
Entity = dict[str, Any]
Action = dict[str, Any]
Point = tuple[float, float]


def dist2(ax: float, ay: float, bx: float, by: float) -> float:
    return (ax - bx) ** 2 + (ay - by) ** 2


def center(e: Entity) -> Point:
    """Centre of a unit (its position) or of a building (top-left + half footprint)."""
    if "w" in e:
        return (e["x"] + e.get("w", 1) / 2.0, e["y"] + e.get("h", 1) / 2.0)
    return (float(e["x"]), float(e["y"]))


def centroid(us: list[Entity], default: Point) -> Point:
    if not us:
        return default
    return (sum(u["x"] for u in us) / len(us), sum(u["y"] for u in us) / len(us))


def near_any(u: Entity, es: list[Entity], r: float) -> bool:
    r2 = r * r
    return any(dist2(u["x"], u["y"], *center(e)) <= r2 for e in es)


def is_built(b: Entity) -> bool:
    return float(b.get("built", 1)) >= 1.0


@dataclass
class Snapshot:
    """One view, sorted into what the opponent needs."""
    tick: int
    credits: int
    power_produced: int
    power_used: int
    sw_ready: bool
    my_units: list[Entity]
    my_buildings: list[Entity]
    enemy_units: list[Entity]
    enemy_buildings: list[Entity]      # visible and remembered (stale)
    ids: set[int]
    explored: Mask
    visible: Mask


def read_view(view: dict[str, Any], tick: int, player: int, land: MapKnowledge) -> Snapshot:
    p = view.get("player") or {}
    power = p.get("power") or {}
    sw = p.get("superweapon") or {}
    my_units: list[Entity] = []
    enemy_units: list[Entity] = []
    my_b: list[Entity] = []
    enemy_b: list[Entity] = []
    ids: set[int] = set()
    for u in view.get("units") or ():
        ids.add(u["id"])
        (my_units if u.get("owner") == player else enemy_units).append(u)
    for b in view.get("buildings") or ():
        ids.add(b["id"])
        (my_b if b.get("owner") == player else enemy_b).append(b)
    return Snapshot(
        tick=tick, credits=int(p.get("credits", 0)),
        power_produced=int(power.get("produced", 0)), power_used=int(power.get("used", 0)),
        sw_ready=bool(sw.get("ready")) or float(sw.get("charge", 0) or 0) >= 1.0,
        my_units=my_units, my_buildings=my_b, enemy_units=enemy_units, enemy_buildings=enemy_b,
        ids=ids, explored=Mask(view.get("explored"), land.w, land.h),
        visible=Mask(view.get("visible"), land.w, land.h))


def available_credits(snap: Snapshot, rules: Rules) -> int:
    """Credits minus what queued-but-not-started items will take."""
    committed = 0
    for b in snap.my_buildings:
        if b["type"] == "hq":
            continue                   # structures are paid when they are placed
        for item in b.get("queue") or ():
            if float(item.get("progress", 0) or 0) <= 0.0:
                name = item.get("item")
                if name in rules.units or name in rules.buildings:
                    committed += rules.cost(name)
    return snap.credits - committed


@dataclass(frozen=True)
class BaseCounts:
    """Own buildings and units by type: complete, complete + pending, queued."""
    done: dict[str, int]          # completed buildings
    total: dict[str, int]         # completed + construction sites
    pending: int                  # construction sites (the HQ's queue lists the same sites)
    units: dict[str, int]         # units on the map
    queued: dict[str, int]        # units in production queues

    @staticmethod
    def of(snap: Snapshot) -> BaseCounts:
        done: dict[str, int] = {}
        total: dict[str, int] = {}
        pending = 0
        for b in snap.my_buildings:
            t = b["type"]
            total[t] = total.get(t, 0) + 1
            if is_built(b):
                done[t] = done.get(t, 0) + 1
            else:
                pending += 1
        units: dict[str, int] = {}
        for u in snap.my_units:
            units[u["type"]] = units.get(u["type"], 0) + 1
        queued: dict[str, int] = {}
        for b in snap.my_buildings:
            if b["type"] == "hq":
                continue
            for item in b.get("queue") or ():
                name = item.get("item")
                queued[name] = queued.get(name, 0) + 1
        return BaseCounts(done, total, pending, units, queued)

    def have(self, unit_type: str) -> int:
        """Units of a type on the map or queued."""
        return self.units.get(unit_type, 0) + self.queued.get(unit_type, 0)


@dataclass(frozen=True)
class Bearings:
    """Where things are, fixed at the first think: its HQ, the mirrored enemy corner, the rally point."""
    home: Point
    enemy_guess: Point
    rally: Point

    @staticmethod
    def of(snap: Snapshot, land: MapKnowledge) -> Bearings:
        hq = next((b for b in snap.my_buildings if b["type"] == "hq"), None)
        home: Point
        if hq is not None:
            home = center(hq)
        elif snap.my_buildings:
            home = center(snap.my_buildings[0])
        elif snap.my_units:
            u = snap.my_units[0]
            home = (u["x"], u["y"])
        else:
            home = (land.w / 2, land.h / 2)
        hx, hy = home
        cx, cy = land.w / 2, land.h / 2
        d = math.hypot(cx - hx, cy - hy) or 1.0
        want = (hx + (cx - hx) / d * 6, hy + (cy - hy) / d * 6)
        rally = nearest_explored(snap, land, want, ground=True) or (hx, hy)
        # bases sit in opposite corners of a mirror-symmetric map (public map knowledge)
        return Bearings(home=home, enemy_guess=land.mirror(*home), rally=rally)


class EnemyMemory:
    """Enemy units seen lately (what a player remembers): id -> (type, x, y, tick last seen)."""

    MEMORY_S = 90.0          # how long an enemy unit seen is remembered

    def __init__(self, rules: Rules):
        self.rules = rules
        self.seen: dict[int, tuple[str, float, float, int]] = {}

    def remember(self, snap: Snapshot) -> None:
        mem = self.seen
        for e in snap.enemy_units:
            mem[e["id"]] = (e["type"], e["x"], e["y"], snap.tick)
        horizon = snap.tick - int(self.MEMORY_S * self.rules.tick_rate)
        visible_ids = {e["id"] for e in snap.enemy_units}
        for eid in list(mem):
            _t, x, y, seen = mem[eid]
            # gone from a place we still see (dead or moved on), or too old: forget
            if seen < horizon or (eid not in visible_ids and snap.visible.get(x, y)):
                del mem[eid]

    def army_value(self) -> float:
        return sum(self.rules.value(t) for (t, _x, _y, _s) in self.seen.values() if t in COMBAT_TYPES)


def nearest_explored(snap: Snapshot, land: MapKnowledge, p: Point, ground: bool) -> Point | None:
    """The explored (and, for ground units, passable) tile centre nearest ``p``, within 8 tiles."""
    px, py = p
    best: Point | None = None
    best_d = 0.0
    for ty in range(max(0, int(py) - 8), min(land.h, int(py) + 9)):
        for tx in range(max(0, int(px) - 8), min(land.w, int(px) + 9)):
            if not snap.explored.get(tx, ty) or (ground and not land.passable(tx, ty)):
                continue
            d = dist2(tx + 0.5, ty + 0.5, px, py)
            if best is None or d < best_d:
                best, best_d = (tx + 0.5, ty + 0.5), d
    return best


def explored_tile_of(snap: Snapshot, b: Entity, cx: float, cy: float) -> Point | None:
    """The explored tile of (or next to) a building's footprint nearest (cx, cy)."""
    best: Point | None = None
    best_d = 0.0
    for ty in range(b["y"] - 1, b["y"] + b.get("h", 1) + 1):
        for tx in range(b["x"] - 1, b["x"] + b.get("w", 1) + 1):
            if snap.explored.get(tx, ty):
                d = dist2(tx + 0.5, ty + 0.5, cx, cy)
                if best is None or d < best_d:
                    best, best_d = (tx + 0.5, ty + 0.5), d
    return best


class Frontier:
    """The explored (passable) tile closest to a goal, on a coarse grid.

    The grid tiles are sorted by distance to the goal once per goal, so a call stops
    at the first explored one: a few hundred bit tests at most.
    """

    def __init__(self, land: MapKnowledge):
        self.land = land
        self._order: dict[tuple[Point, bool], list[tuple[int, int, int]]] = {}

    def toward(self, snap: Snapshot, goal: Point, ground: bool) -> Point | None:
        key = (goal, ground)
        order = self._order.get(key)
        if order is None:
            gx, gy = goal
            land = self.land
            cells = []
            for ty in range(0, land.h, 2):
                for tx in range(0, land.w, 2):
                    if ground and not land.passable(tx, ty):
                        continue
                    cells.append((dist2(tx + 0.5, ty + 0.5, gx, gy), ty * land.w + tx, tx, ty))
            cells.sort()
            order = [(i, tx, ty) for (_d, i, tx, ty) in cells]
            self._order[key] = order
        bits = snap.explored.bits
        n = len(bits)
        for i, tx, ty in order:
            b = i >> 3
            if b < n and (bits[b] >> (i & 7)) & 1:
                return (tx + 0.5, ty + 0.5)
        return None


def fog_ok(action: Action, snap: Snapshot) -> bool:
    """No order through the fog: entity targets in the view, coordinates explored, own units only."""
    tgt = action.get("target")
    if isinstance(tgt, dict):
        if "entity" in tgt and tgt["entity"] not in snap.ids:
            return False
        if "x" in tgt and not snap.explored.get(tgt["x"], tgt["y"]):
            return False
    sel = action.get("units")
    if isinstance(sel, dict) and "ids" in sel:
        mine = {u["id"] for u in snap.my_units}
        if not sel["ids"] or any(i not in mine for i in sel["ids"]):
            return False
    return True
