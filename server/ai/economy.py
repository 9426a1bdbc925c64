"""The opponent's economy: the build plan, power, harvesters, unit production, selling when broke.

It spends through ``Orders`` (credits of this think, back-offs of refused kinds) and checks
what the gate checks before ordering: prerequisites (completed buildings only), the HQ's
queue, power, and credits minus unit-queue items not yet paid.
"""
from __future__ import annotations

from .knowledge import COMBAT_TYPES, MapKnowledge, Rules
from .levels import Level
from .orders import Orders
from .perception import BaseCounts, Bearings, Entity, Snapshot, is_built


class Economy:
    """Buildings, harvesters and units to buy, by the level's plan and mix."""

    def __init__(self, level: Level, rules: Rules, land: MapKnowledge, orders: Orders, stats: dict[str, int]):
        self.level = level
        self.rules = rules
        self.land = land
        self.orders = orders
        self.stats = stats
        self.tr = rules.tick_rate
        self.last_unit_order_tick = -10**9

    # ------------------------------------------------------------ buildings
    def build(self, snap: Snapshot, counts: BaseCounts, threats: list[Entity]) -> int:
        """Order the next building if it is due and affordable; the credits to save for it otherwise."""
        lv = self.level
        done, total = counts.done, counts.total
        if done.get("hq", 0) == 0:
            return 0                                      # no HQ: nothing can be built
        hq = next(b for b in snap.my_buildings if b["type"] == "hq" and is_built(b))
        if len(hq.get("queue") or ()) >= self.rules.queue_limit:
            return 0
        if counts.pending >= lv.max_parallel_builds:
            return 0
        # power first: what we draw, what pending buildings will draw
        draw_pending = 0
        for b in snap.my_buildings:
            if not is_built(b):
                draw_pending += -min(0, self._power(b["type"]))
        want = self._next_building(total, done)
        want_draw = -min(0, self._power(want)) if want else 0
        pp_pending = total.get("power_plant", 0) - done.get("power_plant", 0)
        if (snap.power_used + draw_pending + want_draw > snap.power_produced and pp_pending == 0
                and want != "power_plant"):
            want = "power_plant"
        if want is None:
            # late game: money piles up -> one more turret/war factory keeps things moving
            want = self._luxury_building(total)
            if want is None:
                return 0
        if not self._can_build(want, done):
            return 0
        if self.orders.cooling("b:" + want, snap.tick):
            return 0
        cost = self.rules.cost(want)
        if cost > self.orders.credits:
            idx = self._plan_index(total, want)
            if idx is not None and idx < lv.core_len and not threats:
                return cost                              # save for a core building
            return 0
        self.orders.add({"action": "build_building", "building_type": want})
        self.orders.credits -= cost
        return 0

    def _power(self, kind: str) -> int:
        spec = self.rules.buildings.get(kind)
        return spec.power if spec else 0

    def _can_build(self, kind: str, done: dict[str, int]) -> bool:
        spec = self.rules.buildings.get(kind)
        if not spec or spec.cost <= 0:
            return False
        return all(done.get(n, 0) > 0 for n in spec.needs)

    def _plan_index(self, total: dict[str, int], want: str) -> int | None:
        seen: dict[str, int] = {}
        for i, kind in enumerate(self.level.build_plan):
            seen[kind] = seen.get(kind, 0) + 1
            if kind == want and total.get(kind, 0) < seen[kind]:
                return i
        return None

    def _next_building(self, total: dict[str, int], done: dict[str, int]) -> str | None:
        """First buildable entry of the plan not met yet (lost buildings count as missing: rebuilt)."""
        seen: dict[str, int] = {}
        for kind in self.level.build_plan:
            seen[kind] = seen.get(kind, 0) + 1
            if total.get(kind, 0) < seen[kind] and self._can_build(kind, done):
                return kind
        return None

    def _luxury_building(self, total: dict[str, int]) -> str | None:
        if self.level.name == "easy" or self.orders.credits < 2500:
            return None
        if total.get("war_factory", 0) < 2 + (self.level.name == "hard"):
            return "war_factory"
        if total.get("defense_turret", 0) < 4:
            return "defense_turret"
        return None

    # ------------------------------------------------------------ bankrupt
    def sell_when_stuck(self, snap: Snapshot, counts: BaseCounts) -> None:
        """Broke and stuck (no harvester, or no army late in the game): sell a spare building.

        Without it two bankrupt bases can stare at each other until the time limit.
        """
        if snap.tick < 8 * 60 * self.tr or self.orders.cooling("sell", snap.tick):
            return
        done = counts.done
        harvesters = counts.have("harvester")
        army = sum(counts.have(t) for t in COMBAT_TYPES)
        need = 0
        if harvesters == 0 and done.get("refinery") and done.get("war_factory"):
            need = self.rules.cost("harvester")
        elif army == 0 and snap.tick >= self.level.all_in_s * self.tr and \
                (done.get("barracks") or done.get("war_factory")):
            need = self.rules.cost("infantry")
        if need == 0 or self.orders.credits >= need or counts.pending:
            return
        spare = self._spare_building(snap)
        if spare is None:
            return
        self.orders.add({"action": "sell", "building": spare["id"]})
        self.orders.cooldown["sell"] = snap.tick + 20 * self.tr
        self.stats["sold"] += 1

    def _spare_building(self, snap: Snapshot) -> Entity | None:
        mine = [b for b in snap.my_buildings if is_built(b)]
        surplus = snap.power_produced - snap.power_used
        keep: int
        for kind, kept in (("defense_turret", 0), ("power_plant", None), ("refinery", 1),
                           ("war_factory", 1), ("barracks", 1)):
            cands = [b for b in mine if b["type"] == kind]
            if kind == "power_plant":
                if surplus < self.rules.buildings["power_plant"].power:
                    continue
                keep = 0
            else:
                keep = kept or 0
            if len(cands) > keep:
                return min(cands, key=lambda b: b.get("hp", 0))
        return None

    # ------------------------------------------------------------ harvesters
    def _harvest_target(self, done: dict[str, int], bearings: Bearings) -> int:
        lv = self.level
        refs = done.get("refinery", 0)
        if refs == 0:
            return 0
        ore = self.land.ore_near(*bearings.home, 22)
        ore_cap = max(2, ore // 4) if self.land.ore_tiles else lv.max_harvesters
        return min(lv.max_harvesters, int(round(refs * lv.harvesters_per_refinery)), ore_cap)

    def send_idle_harvesters(self, snap: Snapshot, counts: BaseCounts) -> None:
        if counts.done.get("refinery", 0) == 0:
            return
        idle = [u["id"] for u in snap.my_units
                if u["type"] == "harvester" and u.get("order") == "idle"]
        if idle:
            self.orders.add({"action": "harvest", "units": {"ids": idle}})

    # ------------------------------------------------------------ production
    def produce(self, snap: Snapshot, counts: BaseCounts, bearings: Bearings, threats: list[Entity],
                saving: int) -> None:
        """Keep the production queues filled: harvesters first, then the combat type most
        below the level's mix (by value); ``saving`` credits stay for a core building."""
        lv = self.level
        if lv.production_pause_s and snap.tick - self.last_unit_order_tick < lv.production_pause_s * self.tr \
                and not threats:
            return
        # free queue slots per producer type
        slots: dict[str, int] = {}
        for b in snap.my_buildings:
            if not is_built(b):
                continue
            if b["type"] in ("barracks", "war_factory"):
                free = min(lv.queue_depth, self.rules.queue_limit) - len(b.get("queue") or ())
                slots[b["type"]] = slots.get(b["type"], 0) + max(0, free)
        if not slots:
            return
        reserve = 0 if threats else saving
        # harvesters first
        want_h = self._harvest_target(counts.done, bearings)
        ordered_any = False
        if counts.have("harvester") < want_h and slots.get("war_factory", 0) > 0 and not threats:
            if self._try_unit("harvester", reserve=0):
                slots["war_factory"] -= 1
                ordered_any = True
        # combat units by deficit against the wanted mix
        # the army's worth per type (credits), counting what is queued
        army = {t: counts.have(t) * self.rules.cost(t) for t in COMBAT_TYPES}
        total = sum(army.values())
        for _ in range(4):
            options = []
            for t, share in lv.unit_mix.items():
                if share <= 0 or self.orders.cooling("u:" + t, snap.tick):
                    continue
                deficit = share * (total + self.rules.cost(t)) - army.get(t, 0)
                options.append((deficit / self.rules.cost(t), t))
            if not options:
                break
            options.sort(reverse=True)
            placed = False
            for rank, (deficit, t) in enumerate(options):
                if slots.get(self.rules.producer(t), 0) <= 0:
                    continue
                # a type we have enough of is only built when money piles up
                if deficit < 0 and rank > 0 and self.orders.credits < 1500:
                    break
                if self._try_unit(t, reserve):
                    slots[self.rules.producer(t)] -= 1
                    army[t] = army.get(t, 0) + self.rules.cost(t)
                    total += self.rules.cost(t)
                    placed = ordered_any = True
                break          # placed, or cannot afford the most wanted type: save for it
            if not placed:
                break
        if ordered_any:
            self.last_unit_order_tick = snap.tick

    def _try_unit(self, t: str, reserve: int) -> bool:
        cost = self.rules.cost(t)
        if self.orders.credits - cost < reserve:
            return False
        self.orders.add({"action": "build_unit", "unit_type": t, "count": 1})
        self.orders.credits -= cost
        return True
