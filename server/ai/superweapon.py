"""The superweapon: when it is ready, strike the explored spot where the most enemy value meets the least of its own."""
from __future__ import annotations

from .levels import Level
from .knowledge import Rules
from .orders import Orders
from .perception import Point, Snapshot, center, dist2, is_built


class Superweapon:
    """Launches the strike from the HQ; waits for a target worth it, less choosy after a minute."""

    def __init__(self, level: Level, rules: Rules, orders: Orders, stats: dict[str, int]):
        self.level = level
        self.rules = rules
        self.orders = orders
        self.stats = stats
        self.ready_since: int | None = None

    def think(self, snap: Snapshot) -> None:
        has_hq = any(b["type"] == "hq" and is_built(b) for b in snap.my_buildings)
        if not snap.sw_ready or not has_hq:          # the HQ launches it: no HQ, no strike
            self.ready_since = None
            return
        if self.orders.cooling("sw", snap.tick):
            return
        if self.ready_since is None:
            self.ready_since = snap.tick
        waited_s = (snap.tick - self.ready_since) / self.rules.tick_rate
        r2 = self.rules.sw_radius ** 2
        dmg = self.rules.sw_damage
        targets: list[tuple[float, float, float]] = []
        for e in snap.enemy_units:
            hp = max(1, e.get("hp", 1))
            targets.append((e["x"], e["y"], self.rules.value(e["type"]) * min(1.0, dmg / hp)))
        for b in snap.enemy_buildings:
            hp = max(1, b.get("hp", 1))
            bx, by = center(b)
            w = 0.6 if b.get("stale") else 1.0
            targets.append((bx, by, w * self.rules.value(b["type"]) * min(1.0, 0.5 * dmg / hp)))
        if not targets:
            return
        mine = [(u["x"], u["y"], self.rules.value(u["type"])) for u in snap.my_units]
        best: Point | None = None
        best_s = 0.0
        for (px, py, _v) in targets:
            if not snap.explored.get(px, py):
                continue
            s = sum(v for (x, y, v) in targets if dist2(x, y, px, py) <= r2)
            s -= 1.5 * sum(v for (x, y, v) in mine if dist2(x, y, px, py) <= (r2 + 2))
            if s > best_s:
                best, best_s = (px, py), s
        threshold = self.level.superweapon_min_score * (0.5 if waited_s > 60 else 1.0)
        if best is not None and best_s >= threshold:
            self.orders.add({"action": "launch_superweapon",
                             "target": {"x": round(best[0], 2), "y": round(best[1], 2)}})
            self.stats["superweapons"] += 1
            self.orders.cooldown["sw"] = snap.tick + 5 * self.rules.tick_rate
