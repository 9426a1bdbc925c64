"""The army each think: threats and home defence, the rally point, the scout, when waves go and who joins.

Defence: enemy units visible within ``defend_radius`` of a building, or near a harvester close
to home, are threats; every home unit attacks them, and a running wave is called back when
the threat outweighs the defenders.
"""
from __future__ import annotations

from .knowledge import COMBAT_TYPES, MapKnowledge, Rules
from .levels import Level
from .orders import Orders
from .perception import Bearings, EnemyMemory, Entity, Snapshot, center, centroid, dist2, near_any
from .scouting import Scouting
from .waves import Attack


def threats(snap: Snapshot, bearings: Bearings, defend_radius: float) -> list[Entity]:
    """Visible enemy units near our buildings or our harvesters."""
    if not snap.enemy_units:
        return []
    r2 = defend_radius ** 2
    anchors = [center(b) for b in snap.my_buildings]
    home = bearings.home
    for u in snap.my_units:
        if u["type"] == "harvester" and dist2(u["x"], u["y"], *home) < 40 ** 2:
            anchors.append((u["x"], u["y"]))
    out = []
    for e in snap.enemy_units:
        ex, ey = e["x"], e["y"]
        if any(dist2(ex, ey, ax, ay) <= r2 for ax, ay in anchors):
            out.append(e)
    return out


class Army:
    """Combat units: defend, gather at the rally point, scout, attack in waves."""

    def __init__(self, level: Level, rules: Rules, land: MapKnowledge, orders: Orders,
                 enemies: EnemyMemory, stats: dict[str, int]):
        self.level = level
        self.rules = rules
        self.orders = orders
        self.enemies = enemies
        self.stats = stats
        self.scouting = Scouting(level, rules, land, orders)
        self.attack = Attack(level, rules, land, orders, self.scouting, stats)

    def think(self, snap: Snapshot, bearings: Bearings, threats: list[Entity]) -> None:
        lv = self.level
        tr = self.rules.tick_rate
        attack = self.attack
        units = {u["id"]: u for u in snap.my_units if u["type"] in COMBAT_TYPES}
        # forget the dead
        self.scouting.forget_dead(snap, units)
        attack.forget_dead(units)
        self.orders.forget_units(units)
        in_wave = attack.members
        home_ids = [uid for uid in units if uid not in in_wave and uid != self.scouting.scout_id]

        # 1. defence: enemies near our buildings / harvesters
        if threats:
            self.stats["defenses"] += 1
            self._defend(snap, bearings, threats, units, home_ids)
        else:
            self._gather(snap, bearings, [units[i] for i in home_ids])

        # 2. scouting
        self.scouting.step(snap, bearings, units, attack.members)

        # 3. waves
        all_in = snap.tick >= lv.all_in_s * tr
        late = snap.tick >= (lv.all_in_s + 300) * tr     # 5 min into all-in: a game must end
        ready = [units[i] for i in home_ids if i in units]
        if attack.wave is None and not threats:
            # all-in: small groups go; later still, any unit goes
            need = (1 if late else 4) if all_in else attack.wave_size
            go = snap.tick >= attack.next_wave_tick and len(ready) >= need
            if go and lv.strength_ratio > 0 and not all_in:
                # do not walk into a stronger army we have seen: wait for more, up to a point
                mine = sum(self.rules.value(u["type"]) for u in ready)
                go = mine >= lv.strength_ratio * self.enemies.army_value() or len(ready) >= 2 * need
            if go:
                attack.launch(snap, bearings, ready, all_in)
        elif attack.wave is not None:
            # reinforcements: fresh units at home join a running wave
            join = 1 if late else (3 if all_in else lv.reinforce_size)
            if not threats and ready and len(ready) >= join:
                attack.reinforce(ready)
            attack.run(snap, bearings, units, all_in)

    def _defend(self, snap: Snapshot, bearings: Bearings, threats: list[Entity], units: dict[int, Entity],
                home_ids: list[int]) -> None:
        """Every home unit attacks the threats; a wave is pulled back when the threat outweighs them.

        ``home_ids`` grows by the wave's units when the wave is pulled back.
        """
        lv = self.level
        wave = self.attack.wave
        threat_value = sum(self.rules.value(e["type"]) for e in threats)
        home_value = sum(self.rules.value(units[i]["type"]) for i in home_ids)
        if wave is not None and not wave.all_in and threat_value > 0.6 * home_value:
            wx, wy = centroid([units[i] for i in wave.ids], bearings.home)
            if dist2(wx, wy, *bearings.home) > 15 ** 2:
                home_ids.extend(wave.ids)          # pull the army back
                self.attack.wave = None
        defenders = [units[i] for i in home_ids]
        if lv.name == "easy":
            defenders = [u for u in defenders if near_any(u, threats, 15)]
        self.orders.engage(defenders, threats, snap, focus=lv.focus_fire)

    def _gather(self, snap: Snapshot, bearings: Bearings, home: list[Entity]) -> None:
        rx, ry = bearings.rally
        far = [u for u in home if u.get("order") in ("idle", None) and dist2(u["x"], u["y"], rx, ry) > 16]
        if far:
            self.orders.move_to_rally(far, bearings.rally, snap)
