"""Scouting: one unit walks to the enemy corner through the explored frontier; the exploration step waves share.

Coordinates it targets are explored tiles (the frontier moves as the scout sees more);
when the frontier does not move it falls back to a compass ``direction``.
"""
from __future__ import annotations

from .knowledge import MapKnowledge, Rules
from .levels import Level
from .orders import CommandKey, Orders
from .perception import Bearings, Entity, Frontier, Snapshot, centroid, dist2

DIR_NAMES = {(1, 1): "southeast", (-1, -1): "northwest", (1, -1): "northeast", (-1, 1): "southwest",
             (1, 0): "east", (-1, 0): "west", (0, 1): "south", (0, -1): "north"}

# fastest cheap unit scouts: helicopter > infantry > others
_SCOUT_PREFERENCE = {"helicopter": 0, "infantry": 1, "tank": 2, "artillery": 3}


class Scouting:
    """Which unit scouts, and the walk towards the enemy corner."""

    def __init__(self, level: Level, rules: Rules, land: MapKnowledge, orders: Orders):
        self.level = level
        self.rules = rules
        self.orders = orders
        self.frontier = Frontier(land)
        self.scout_id: int | None = None
        self.stuck = 0                 # times the frontier did not move (alternates the fallback direction)
        self.done = False              # the enemy base was found (or the corner reached)

    def forget_dead(self, snap: Snapshot, units: dict[int, Entity]) -> None:
        if self.scout_id is not None and self.scout_id not in units:
            self.scout_id = None
            if snap.enemy_buildings:
                self.done = True

    def step(self, snap: Snapshot, bearings: Bearings, units: dict[int, Entity], in_wave: set[int]) -> None:
        if self.done or snap.tick < self.level.scout_at_s * self.rules.tick_rate:
            return
        if snap.enemy_buildings:
            # the enemy base is found: the scout goes home and joins the army
            self.done = True
            if self.scout_id in units:
                self.orders.move_to_rally([units[self.scout_id]], bearings.rally, snap)
            self.scout_id = None
            return
        if self.scout_id is None:
            cands = [u for u in units.values() if u["id"] not in in_wave]
            if not cands:
                return
            cands.sort(key=lambda u: (_SCOUT_PREFERENCE.get(u["type"], 9), u["id"]))
            self.scout_id = cands[0]["id"]
        u = units.get(self.scout_id)
        if u is None:
            return
        self.explore_step(snap, bearings, [u], ("scout",))

    def explore_step(self, snap: Snapshot, bearings: Bearings, us: list[Entity], tag: CommandKey) -> None:
        """Move towards the enemy corner through explored tiles only (the frontier)."""
        goal = bearings.enemy_guess
        if not us:
            return
        cx, cy = centroid(us, bearings.home)
        ground = any(not self.rules.is_air(u["type"]) for u in us)
        tgt = self.frontier.toward(snap, goal, ground)
        if tgt is None:
            return
        key = tag + ("pt", tgt)
        last = self.orders.last_command.get(us[0]["id"])
        arrived = dist2(cx, cy, *tgt) < 4.0
        idle = all(u.get("order") == "idle" for u in us)
        if last is not None and last[0] == key and not idle and not arrived:
            return
        if last is not None and last[0] == key and (idle or arrived):
            # the frontier did not move: this way is blocked, try a direction instead
            self.stuck += 1
            dx = 1 if goal[0] > cx + 2 else (-1 if goal[0] < cx - 2 else 0)
            dy = 1 if goal[1] > cy + 2 else (-1 if goal[1] < cy - 2 else 0)
            if (dx, dy) == (0, 0):
                self.done = True
                return
            if self.stuck % 2 == 0:
                dx, dy = (dx, 0) if dx else (0, dy)
            self.orders.remember(us, tag + ("dir", self.stuck), snap.tick)
            self.orders.add({"action": "move", "units": {"ids": [u["id"] for u in us]},
                             "target": {"direction": DIR_NAMES[(dx, dy)]}})
            return
        self.orders.remember(us, key, snap.tick)
        self.orders.add({"action": "move", "units": {"ids": [u["id"] for u in us]},
                         "target": {"x": tgt[0], "y": tgt[1]}})
