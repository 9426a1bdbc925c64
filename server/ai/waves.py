"""Attack waves: launch, reinforce, fight near the wave, march on known buildings, explore, sweep, retreat.

A wave targets only what its view shows: visible enemies, visible or remembered buildings
(a remembered one is approached through an explored tile of its footprint), explored tiles.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .knowledge import COMBAT_TYPES, MapKnowledge, Rules
from .levels import Level
from .orders import Orders
from .perception import (Bearings, Entity, Point, Snapshot, center, centroid, dist2, explored_tile_of,
                         nearest_explored)
from .scouting import Scouting


@dataclass
class Wave:
    ids: set[int]
    launched: int                      # tick
    start_value: float
    all_in: bool = False
    waypoint: Point | None = None      # regrouping point, when the wave is strung out
    waypoint_tick: int = -10**9


@dataclass
class Attack:
    """The running wave, if any, and when the next one may go."""
    level: Level
    rules: Rules
    land: MapKnowledge
    orders: Orders
    scouting: Scouting                 # a wave with nothing known explores the way the scout does
    stats: dict[str, int]
    wave: Wave | None = None
    next_wave_tick: int = 0
    wave_size: int = 0
    sweep_target: Point | None = None
    swept: set[Point] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.next_wave_tick = int(self.level.first_wave_s * self.rules.tick_rate)
        self.wave_size = self.level.wave_size

    @property
    def members(self) -> set[int]:
        return self.wave.ids if self.wave else set()

    def delay_first_wave(self, seconds: float) -> None:
        """The first wave waits ``seconds`` longer (no effect once a wave has gone)."""
        if self.stats["waves"] == 0:
            self.next_wave_tick += int(seconds * self.rules.tick_rate)

    def forget_dead(self, units: dict[int, Entity]) -> None:
        if self.wave is not None:
            self.wave.ids &= set(units)
            if not self.wave.ids:
                self.wave = None

    def launch(self, snap: Snapshot, bearings: Bearings, ready: list[Entity], all_in: bool) -> None:
        lv = self.level
        self.wave = Wave(ids={u["id"] for u in ready}, launched=snap.tick,
                         start_value=sum(self.rules.value(u["type"]) for u in ready), all_in=all_in)
        self.stats["waves"] += 1
        self.wave_size += lv.wave_growth
        self.next_wave_tick = snap.tick + int((30.0 if all_in else lv.wave_interval_s) * self.rules.tick_rate)
        units = {u["id"]: u for u in snap.my_units}
        self.run(snap, bearings, units, all_in)

    def reinforce(self, ready: list[Entity]) -> None:
        if self.wave is None:
            return
        for u in ready:
            self.wave.ids.add(u["id"])
        self.wave.start_value += sum(self.rules.value(u["type"]) for u in ready)

    def _fall_back(self, snap: Snapshot, bearings: Bearings, members: list[Entity], pause_s: float) -> None:
        self.orders.move_to_rally(members, bearings.rally, snap, refresh_s=0)
        self.wave = None
        self.next_wave_tick = max(self.next_wave_tick, snap.tick + int(pause_s * self.rules.tick_rate))

    def run(self, snap: Snapshot, bearings: Bearings, units: dict[int, Entity], all_in: bool) -> None:
        lv = self.level
        w = self.wave
        if w is None:
            return
        members = [units[i] for i in w.ids if i in units]
        if not members:
            self.wave = None
            return
        w.all_in = w.all_in or all_in
        value = sum(self.rules.value(u["type"]) for u in members)
        if not w.all_in and lv.retreat_fraction > 0 and value < lv.retreat_fraction * w.start_value:
            self._fall_back(snap, bearings, members, lv.wave_interval_s / 2)
            return
        cx, cy = centroid(members, bearings.home)
        if not w.all_in and lv.local_retreat_ratio > 0:
            local = sum(self.rules.value(e["type"]) for e in snap.enemy_units
                        if e["type"] in COMBAT_TYPES and dist2(e["x"], e["y"], cx, cy) <= 12 ** 2)
            local += sum(400.0 for b in snap.enemy_buildings if b["type"] == "defense_turret"
                         and not b.get("stale") and dist2(*center(b), cx, cy) <= 12 ** 2)
            if local > lv.local_retreat_ratio * value:
                self._fall_back(snap, bearings, members, 30)
                return
        # 1. enemies near the wave: fight them
        if lv.micro:
            near = [e for e in snap.enemy_units if dist2(e["x"], e["y"], cx, cy) <= 10 ** 2]
            near += [b for b in snap.enemy_buildings
                     if not b.get("stale") and b["type"] == "defense_turret"
                     and dist2(*center(b), cx, cy) <= 10 ** 2]
            if near:
                self.orders.engage(members, near, snap, focus=lv.focus_fire)
                return
        else:
            idle = [u for u in members if u.get("order") == "idle"]
            near = [e for e in snap.enemy_units if dist2(e["x"], e["y"], cx, cy) <= 8 ** 2]
            if idle and near:
                self.orders.engage(idle, near, snap, focus=False)
                return
        # 2. a known enemy building: go for it
        tgt = self._building_target(snap, cx, cy)
        if tgt is not None:
            self._march_on(snap, w, members, tgt, cx, cy)
            return
        # 3. nothing known: explore towards the enemy corner, then sweep the explored map
        if not self._enemy_corner_explored(snap, bearings):
            self.scouting.explore_step(snap, bearings, members, ("wave",))
        else:
            self._sweep(snap, members, cx, cy)

    def _march_on(self, snap: Snapshot, w: Wave, members: list[Entity], tgt: Entity, cx: float, cy: float) -> None:
        key = ("ent", tgt["id"])
        if not tgt.get("stale"):
            bx, by = center(tgt)
            close = [u for u in members if dist2(u["x"], u["y"], bx, by) <= 12 ** 2]
            far = [u for u in members if dist2(u["x"], u["y"], bx, by) > 12 ** 2]
            if close:
                hitters = [u for u in close if self.rules.can_hit(u["type"], tgt["type"])]
                self.orders.command(hitters, "attack", {"entity": tgt["id"]}, key, snap, refresh_s=3)
            if far:
                self.orders.command(far, "attack", {"entity": tgt["id"]}, key, snap, refresh_s=3)
            return
        # remembered building: walk to an explored tile of (or next to) where it was seen
        p = explored_tile_of(snap, tgt, cx, cy)
        if p is None:
            self.orders.command(members, "attack", {"entity": tgt["id"]}, key, snap, refresh_s=4)
            return
        if self.level.regroup:
            p = self._waypoint(snap, w, members, p)
        self.orders.command(members, "attack", {"x": p[0], "y": p[1]}, ("pt", p), snap, refresh_s=4)

    def _enemy_corner_explored(self, snap: Snapshot, bearings: Bearings) -> bool:
        gx, gy = bearings.enemy_guess
        return all(snap.explored.get(*self.land.clamp(gx + dx, gy + dy))
                   for dx in (-4, 0, 4) for dy in (-4, 0, 4))

    def _sweep(self, snap: Snapshot, members: list[Entity], cx: float, cy: float) -> None:
        """Visit explored tiles not seen lately, nearest first (a hidden building is somewhere)."""
        step = 6
        cur = self.sweep_target
        if cur is not None and dist2(cx, cy, *cur) < 16:
            self.swept.add(cur)
            cur = None
        if cur is None:
            best: Point | None = None
            best_d = 0.0
            for ty in range(step // 2, self.land.h, step):
                for tx in range(step // 2, self.land.w, step):
                    p = (tx + 0.5, ty + 0.5)
                    if p in self.swept or not snap.explored.get(tx, ty) or not self.land.passable(tx, ty):
                        continue
                    if snap.visible.get(tx, ty):
                        continue
                    d = dist2(p[0], p[1], cx, cy)
                    if best is None or d < best_d:
                        best, best_d = p, d
            if best is None:
                self.swept.clear()
                return
            cur = best
        self.sweep_target = cur
        self.orders.command(members, "attack", {"x": cur[0], "y": cur[1]}, ("pt", cur), snap, refresh_s=4)

    def _waypoint(self, snap: Snapshot, w: Wave, members: list[Entity], dest: Point) -> Point:
        """Keep a strung-out wave together: lead it to a point a little ahead of its last unit."""
        if w.waypoint is not None and snap.tick - w.waypoint_tick < 4 * self.rules.tick_rate:
            return w.waypoint
        dists = [math.sqrt(dist2(u["x"], u["y"], *dest)) for u in members]
        back, front = max(dists), min(dists)
        out = dest
        if back > 14 and back - front > 8:
            last = members[dists.index(back)]
            fx, fy = last["x"], last["y"]
            wx, wy = fx + (dest[0] - fx) / back * 6, fy + (dest[1] - fy) / back * 6
            out = nearest_explored(snap, self.land, (wx, wy), ground=True) or dest
        w.waypoint, w.waypoint_tick = out, snap.tick
        return out

    @staticmethod
    def _building_target(snap: Snapshot, cx: float, cy: float) -> Entity | None:
        """The nearest known enemy building; a turret counts as nearer (it shoots at us first)."""
        best: Entity | None = None
        best_d = 0.0
        for b in snap.enemy_buildings:
            bx, by = center(b)
            d = dist2(bx, by, cx, cy)
            if b["type"] == "defense_turret":
                d *= 0.7
            if best is None or d < best_d:
                best, best_d = b, d
        return best
