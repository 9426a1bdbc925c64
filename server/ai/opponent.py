"""The computer opponent: reads its player's view, emits ACTION dicts.

It plays by the same rules and the same fog as a human.  It sees only the view
it is given (WIRE.md state body) and the static ``map_info`` terrain; every
entity it targets is in that view, every coordinate it targets is an explored
tile of that view (``_fog_ok`` checks each action before it leaves).

Cost: ``decide`` returns at once on most ticks; it thinks every
``level.think_every`` ticks (staggered by player and seed) and a think is
linear in the entities of the view plus one bounded scan of a coarse grid of
the map when a scout or a wave needs a new exploration target.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import random
from dataclasses import dataclass, field

from ..sim import OrderResult
from .knowledge import COMBAT_TYPES, MapKnowledge, Mask, Rules, load_rules
from .levels import Level, get_level

log = logging.getLogger(__name__)

_DIR_NAMES = {(1, 1): "southeast", (-1, -1): "northwest", (1, -1): "northeast", (-1, 1): "southwest",
              (1, 0): "east", (-1, 0): "west", (0, 1): "south", (0, -1): "north"}


def _dist2(ax: float, ay: float, bx: float, by: float) -> float:
    return (ax - bx) ** 2 + (ay - by) ** 2


def _center(e: dict) -> tuple[float, float]:
    """Centre of a unit (its position) or of a building (top-left + half footprint)."""
    if "w" in e:
        return (e["x"] + e.get("w", 1) / 2.0, e["y"] + e.get("h", 1) / 2.0)
    return (float(e["x"]), float(e["y"]))


@dataclass
class Snapshot:
    """One view, sorted into what the opponent needs."""
    tick: int
    credits: int
    power_produced: int
    power_used: int
    sw_ready: bool
    my_units: list[dict]
    my_buildings: list[dict]
    enemy_units: list[dict]
    enemy_buildings: list[dict]        # visible and remembered (stale)
    ids: set[int]
    explored: Mask
    visible: Mask
    game_over: object = None


@dataclass
class Wave:
    ids: set[int]
    launched: int                      # tick
    start_value: float
    all_in: bool = False
    target_key: object = None          # what the wave walks towards
    waypoint: tuple | None = None      # regrouping point, when the wave is strung out
    waypoint_tick: int = -10**9
    last_cmd: dict[int, tuple] = field(default_factory=dict)


class Opponent:
    """A computer player.  See docs/AI.md."""

    MEMORY_S = 90.0          # how long an enemy unit seen is remembered

    def __init__(self, player: int, difficulty: str = "normal", seed: int = 0,
                 map_info: dict | None = None, rules: Rules | None = None,
                 overrides: dict | None = None):
        self.player = int(player)
        self.level: Level = get_level(difficulty)
        if overrides:                       # tuning / tests: replace some knobs of the level
            self.level = dataclasses.replace(self.level, **overrides)
        self.difficulty = self.level.name
        self.seed = seed
        self.rng = random.Random((seed or 0) * 7919 + self.player * 104729 + 17)
        self.rules = rules or load_rules()
        self.map = MapKnowledge(map_info)
        self.tr = self.rules.tick_rate
        # staggered thinking: rooms and players do not all think on the same tick
        self._offset = (self.player * 5 + (seed or 0) * 3) % self.level.think_every
        self._first = True
        # long-lived memory (only from past views)
        self.home: tuple[float, float] | None = None
        self.enemy_guess: tuple[float, float] | None = None
        self.rally: tuple[float, float] | None = None
        self.scout_id: int | None = None
        self.scout_target: tuple[float, float] | None = None
        self.scout_stuck = 0
        self.scouting_done = False
        self.sweep_target: tuple[float, float] | None = None
        self.swept: set[tuple[float, float]] = set()
        self._frontier_cache: dict[tuple, list] = {}
        self.wave: Wave | None = None
        self.next_wave_tick = int(self.level.first_wave_s * self.tr)
        self.wave_size = self.level.wave_size
        self.waves_launched = 0
        self.cooldown: dict[str, int] = {}      # order kind -> tick before which we do not retry
        self.last_unit_order_tick = -10**9
        self.sw_ready_since: int | None = None
        self.cmd_memory: dict[int, tuple] = {}  # unit id -> (key, tick) of the last order
        self.enemy_seen: dict[int, tuple] = {}  # enemy unit id -> (type, x, y, tick last seen)
        # statistics
        self.stats = {"thinks": 0, "orders": 0, "refused": 0, "dropped_fog": 0, "errors": 0,
                      "waves": 0, "superweapons": 0, "defenses": 0}
        self.refusals: dict[str, int] = {}
        self.last_actions: list[dict] = []
        self._now = 0            # tick of the current decide()
        self._reserve = 0        # credits saved for a core building

    # ------------------------------------------------------------------ API
    def thinks_at(self, tick: int) -> bool:
        """Whether ``decide`` would think at this tick (a host may skip the view otherwise)."""
        return self._first or (tick + self._offset) % self.level.think_every == 0

    wants_view = thinks_at          # the name the room asks (server/rooms.py)

    def decide(self, view: dict, tick: int) -> list[dict]:
        if not self.thinks_at(tick) or not view:
            return []
        self._first = False
        if view.get("game_over"):
            return []
        try:
            return self._think(view, tick)
        except Exception:  # a bad view must never take the room down: skip this think
            self.stats["errors"] += 1
            if self.stats["errors"] == 1:
                log.exception("opponent %d (%s): think failed at tick %d", self.player, self.difficulty, tick)
            return []

    def _think(self, view: dict, tick: int) -> list[dict]:
        snap = self._snapshot(view, tick)
        self.stats["thinks"] += 1
        self._actions: list[dict] = []
        self._credits = self._available_credits(snap)
        if self.home is None:
            self._init_geometry(snap)
        if not snap.my_buildings and not snap.my_units:
            return []
        self._remember(snap)
        threats = self._threats(snap)
        self._desperation(snap)
        self._economy(snap, threats)
        self._harvesters(snap)
        self._production(snap, threats)
        self._army(snap, threats)
        if self.level.use_superweapon:
            self._superweapon(snap)
        out = [a for a in self._actions if self._fog_ok(a, snap)]
        self.stats["dropped_fog"] += len(self._actions) - len(out)
        self.stats["orders"] += len(out)
        self.last_actions = out
        return out

    def feedback(self, action: dict, result: OrderResult) -> None:
        """The gate's answer to one of its actions (the room <-> bot boundary, rooms.Bot)."""
        if result.ok:
            return
        self.stats["refused"] += 1
        code = (result.info or {}).get("code") or str(result.error)
        key = f"{action.get('action')}:{code}"
        self.refusals[key] = self.refusals.get(key, 0) + 1
        kind = action.get("action")
        now = self._now
        # do not hammer the gate with an order it refused: back off that kind
        if kind == "build_building":
            self.cooldown["b:" + str(action.get("building_type"))] = now + 15 * self.tr
        elif kind == "build_unit":
            self.cooldown["u:" + str(action.get("unit_type"))] = now + 5 * self.tr
        elif kind == "launch_superweapon":
            self.cooldown["sw"] = now + 10 * self.tr
        elif kind in ("move", "attack"):
            for uid in (action.get("units") or {}).get("ids", []):
                self.cmd_memory.pop(uid, None)

    # ------------------------------------------------------------ parsing
    def _snapshot(self, view: dict, tick: int) -> Snapshot:
        self._now = tick
        p = view.get("player") or {}
        power = p.get("power") or {}
        sw = p.get("superweapon") or {}
        me = self.player
        my_units, enemy_units, my_b, enemy_b = [], [], [], []
        ids = set()
        for u in view.get("units") or ():
            ids.add(u["id"])
            (my_units if u.get("owner") == me else enemy_units).append(u)
        for b in view.get("buildings") or ():
            ids.add(b["id"])
            (my_b if b.get("owner") == me else enemy_b).append(b)
        return Snapshot(
            tick=tick, credits=int(p.get("credits", 0)),
            power_produced=int(power.get("produced", 0)), power_used=int(power.get("used", 0)),
            sw_ready=bool(sw.get("ready")) or float(sw.get("charge", 0) or 0) >= 1.0,
            my_units=my_units, my_buildings=my_b, enemy_units=enemy_units, enemy_buildings=enemy_b,
            ids=ids, explored=Mask(view.get("explored"), self.map.w, self.map.h),
            visible=Mask(view.get("visible"), self.map.w, self.map.h),
            game_over=view.get("game_over"))

    def _init_geometry(self, snap: Snapshot) -> None:
        hq = next((b for b in snap.my_buildings if b["type"] == "hq"), None)
        if hq is not None:
            self.home = _center(hq)
        elif snap.my_buildings:
            self.home = _center(snap.my_buildings[0])
        elif snap.my_units:
            u = snap.my_units[0]
            self.home = (u["x"], u["y"])
        else:
            self.home = (self.map.w / 2, self.map.h / 2)
        # bases sit in opposite corners of a mirror-symmetric map (public map knowledge)
        self.enemy_guess = self.map.mirror(*self.home)
        hx, hy = self.home
        cx, cy = self.map.w / 2, self.map.h / 2
        d = math.hypot(cx - hx, cy - hy) or 1.0
        want = (hx + (cx - hx) / d * 6, hy + (cy - hy) / d * 6)
        self.rally = self._nearest_explored(snap, want, ground=True) or (hx, hy)

    def _available_credits(self, snap: Snapshot) -> int:
        """Credits minus what queued-but-not-started items will take."""
        committed = 0
        for b in snap.my_buildings:
            if b["type"] == "hq":
                continue                   # structures are paid when they are placed
            for item in b.get("queue") or ():
                if float(item.get("progress", 0) or 0) <= 0.0:
                    name = item.get("item")
                    if name in self.rules.units or name in self.rules.buildings:
                        committed += self.rules.cost(name)
        return snap.credits - committed

    def _remember(self, snap: Snapshot) -> None:
        """Enemy units seen lately (what a player remembers): id -> (type, x, y, tick)."""
        mem = self.enemy_seen
        for e in snap.enemy_units:
            mem[e["id"]] = (e["type"], e["x"], e["y"], snap.tick)
        horizon = snap.tick - int(self.MEMORY_S * self.tr)
        visible_ids = {e["id"] for e in snap.enemy_units}
        for eid in list(mem):
            t, x, y, seen = mem[eid]
            # gone from a place we still see (dead or moved on), or too old: forget
            if seen < horizon or (eid not in visible_ids and snap.visible.get(x, y)):
                del mem[eid]

    def enemy_army_value(self) -> float:
        return sum(self.rules.value(t) for (t, _x, _y, _s) in self.enemy_seen.values() if t in COMBAT_TYPES)

    # ------------------------------------------------------------- economy
    def _counts(self, snap: Snapshot) -> tuple[dict[str, int], dict[str, int], int]:
        """(complete buildings, complete + pending buildings, pending count)."""
        done: dict[str, int] = {}
        total: dict[str, int] = {}
        pending = 0
        for b in snap.my_buildings:
            t = b["type"]
            total[t] = total.get(t, 0) + 1
            if float(b.get("built", 1)) >= 1.0:
                done[t] = done.get(t, 0) + 1
            else:
                pending += 1              # a construction site (the HQ's queue lists the same sites)
        return done, total, pending

    def _unit_counts(self, snap: Snapshot) -> dict[str, int]:
        counts: dict[str, int] = {}
        for u in snap.my_units:
            counts[u["type"]] = counts.get(u["type"], 0) + 1
        return counts

    def _queued_units(self, snap: Snapshot) -> dict[str, int]:
        q: dict[str, int] = {}
        for b in snap.my_buildings:
            if b["type"] == "hq":
                continue
            for item in b.get("queue") or ():
                name = item.get("item")
                q[name] = q.get(name, 0) + 1
        return q

    def _can_build(self, kind: str, done: dict[str, int]) -> bool:
        spec = self.rules.buildings.get(kind)
        if not spec or spec["cost"] <= 0:
            return False
        return all(done.get(n, 0) > 0 for n in spec["needs"])

    def _order(self, action: dict) -> None:
        self._actions.append(action)

    def _economy(self, snap: Snapshot, threats: list[dict]) -> None:
        lv = self.level
        self._reserve = 0
        done, total, pending = self._counts(snap)
        if done.get("hq", 0) == 0:
            return                                        # no HQ: nothing can be built
        hq = next(b for b in snap.my_buildings if b["type"] == "hq" and float(b.get("built", 1)) >= 1)
        if len(hq.get("queue") or ()) >= self.rules.queue_limit:
            return
        if pending >= lv.max_parallel_builds:
            return
        # power first: what we draw, what pending buildings will draw
        draw_pending = 0
        for b in snap.my_buildings:
            if float(b.get("built", 1)) < 1.0:
                draw_pending += -min(0, self.rules.buildings.get(b["type"], {}).get("power", 0))
        want = self._next_building(total, done)
        want_draw = -min(0, self.rules.buildings.get(want, {}).get("power", 0)) if want else 0
        pp_pending = total.get("power_plant", 0) - done.get("power_plant", 0)
        if (snap.power_used + draw_pending + want_draw > snap.power_produced and pp_pending == 0
                and want != "power_plant"):
            want = "power_plant"
        if want is None:
            # late game: money piles up -> one more turret/war factory keeps things moving
            want = self._luxury_building(snap, total, done)
            if want is None:
                return
        if not self._can_build(want, done):
            return
        if self.cooldown.get("b:" + want, -1) > snap.tick:
            return
        cost = self.rules.cost(want)
        if cost > self._credits:
            idx = self._plan_index(total, want)
            if idx is not None and idx < lv.core_len and not threats:
                self._reserve = cost                     # save for a core building
            return
        self._order({"action": "build_building", "building_type": want})
        self._credits -= cost

    def _plan_index(self, total: dict[str, int], want: str) -> int | None:
        seen: dict[str, int] = {}
        for i, kind in enumerate(self.level.build_plan):
            seen[kind] = seen.get(kind, 0) + 1
            if kind == want and total.get(kind, 0) < seen[kind]:
                return i
        return None

    def _next_building(self, total: dict[str, int], done: dict[str, int]) -> str | None:
        """First entry of the plan not met yet (lost buildings count as missing: rebuilt)."""
        seen: dict[str, int] = {}
        for kind in self.level.build_plan:
            seen[kind] = seen.get(kind, 0) + 1
            if total.get(kind, 0) < seen[kind]:
                if self._can_build(kind, done):
                    return kind
                # prerequisites not done yet: keep looking for something buildable now
                # only if it is a prerequisite-free step (power) -- otherwise wait
                continue
        return None

    def _luxury_building(self, snap: Snapshot, total: dict[str, int], done: dict[str, int]) -> str | None:
        if self.difficulty == "easy" or self._credits < 2500:
            return None
        if total.get("war_factory", 0) < 2 + (self.difficulty == "hard"):
            return "war_factory"
        if total.get("defense_turret", 0) < 4:
            return "defense_turret"
        return None

    def _desperation(self, snap: Snapshot) -> None:
        """Broke and stuck (no harvester, or no army late in the game): sell a spare building.

        Without it two bankrupt bases can stare at each other until the time limit.
        """
        if snap.tick < 8 * 60 * self.tr or self.cooldown.get("sell", -1) > snap.tick:
            return
        done, _total, pending = self._counts(snap)
        counts = self._unit_counts(snap)
        queued = self._queued_units(snap)
        harvesters = counts.get("harvester", 0) + queued.get("harvester", 0)
        army = sum(counts.get(t, 0) + queued.get(t, 0) for t in COMBAT_TYPES)
        need = 0
        if harvesters == 0 and done.get("refinery") and done.get("war_factory"):
            need = self.rules.cost("harvester")
        elif army == 0 and snap.tick >= self.level.all_in_s * self.tr and \
                (done.get("barracks") or done.get("war_factory")):
            need = self.rules.cost("infantry")
        if need == 0 or self._credits >= need or pending:
            return
        spare = self._spare_building(snap, done)
        if spare is None:
            return
        self._order({"action": "sell", "building": spare["id"]})
        self.cooldown["sell"] = snap.tick + 20 * self.tr
        self.stats["sold"] = self.stats.get("sold", 0) + 1

    def _spare_building(self, snap: Snapshot, done: dict[str, int]) -> dict | None:
        mine = [b for b in snap.my_buildings if float(b.get("built", 1)) >= 1.0]
        surplus = snap.power_produced - snap.power_used
        for kind, keep in (("defense_turret", 0), ("power_plant", None), ("refinery", 1),
                           ("war_factory", 1), ("barracks", 1)):
            cands = [b for b in mine if b["type"] == kind]
            if kind == "power_plant":
                if surplus < self.rules.buildings["power_plant"]["power"]:
                    continue
                keep = 0
            if len(cands) > keep:
                return min(cands, key=lambda b: b.get("hp", 0))
        return None

    # ------------------------------------------------------------ harvesters
    def _harvest_target(self, done: dict[str, int]) -> int:
        lv = self.level
        refs = done.get("refinery", 0)
        if refs == 0:
            return 0
        ore = self.map.ore_near(*(self.home or (0, 0)), 22) if self.home else 0
        ore_cap = max(2, ore // 4) if self.map.ore_tiles else lv.max_harvesters
        return min(lv.max_harvesters, int(round(refs * lv.harvesters_per_refinery)), ore_cap)

    def _harvesters(self, snap: Snapshot) -> None:
        done, _total, _ = self._counts(snap)
        if done.get("refinery", 0) == 0:
            return
        idle = [u["id"] for u in snap.my_units
                if u["type"] == "harvester" and u.get("order") == "idle"]
        if idle:
            self._order({"action": "harvest", "units": {"ids": idle}})

    # ------------------------------------------------------------ production
    def _production(self, snap: Snapshot, threats: list[dict]) -> None:
        lv = self.level
        if lv.production_pause_s and snap.tick - self.last_unit_order_tick < lv.production_pause_s * self.tr \
                and not threats:
            return
        done, _total, _ = self._counts(snap)
        counts = self._unit_counts(snap)
        queued = self._queued_units(snap)
        # free queue slots per producer type
        slots: dict[str, int] = {}
        for b in snap.my_buildings:
            if float(b.get("built", 1)) < 1.0:
                continue
            if b["type"] in ("barracks", "war_factory"):
                free = min(lv.queue_depth, self.rules.queue_limit) - len(b.get("queue") or ())
                slots[b["type"]] = slots.get(b["type"], 0) + max(0, free)
        if not slots:
            return
        reserve = 0 if threats else self._reserve
        # harvesters first
        want_h = self._harvest_target(done)
        have_h = counts.get("harvester", 0) + queued.get("harvester", 0)
        ordered_any = False
        if have_h < want_h and slots.get("war_factory", 0) > 0 and not threats:
            if self._try_unit("harvester", snap, reserve=0):
                slots["war_factory"] -= 1
                ordered_any = True
        # combat units by deficit against the wanted mix
        # the army's worth per type (credits), counting what is queued
        army = {t: (counts.get(t, 0) + queued.get(t, 0)) * self.rules.cost(t) for t in COMBAT_TYPES}
        total = sum(army.values())
        for _ in range(4):
            options = []
            for t, share in lv.unit_mix.items():
                if share <= 0 or self.cooldown.get("u:" + t, -1) > snap.tick:
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
                if deficit < 0 and rank > 0 and self._credits < 1500:
                    break
                if self._try_unit(t, snap, reserve):
                    slots[self.rules.producer(t)] -= 1
                    army[t] = army.get(t, 0) + self.rules.cost(t)
                    total += self.rules.cost(t)
                    placed = ordered_any = True
                    break
                break          # cannot afford the most wanted type: save for it
            if not placed:
                break
        if ordered_any:
            self.last_unit_order_tick = snap.tick

    def _try_unit(self, t: str, snap: Snapshot, reserve: int) -> bool:
        cost = self.rules.cost(t)
        if self._credits - cost < reserve:
            return False
        self._order({"action": "build_unit", "unit_type": t, "count": 1})
        self._credits -= cost
        return True

    # ------------------------------------------------------------------ army
    def _threats(self, snap: Snapshot) -> list[dict]:
        """Visible enemy units near our buildings or our harvesters."""
        if not snap.enemy_units:
            return []
        r2 = self.level.defend_radius ** 2
        anchors = [_center(b) for b in snap.my_buildings]
        home = self.home or (0, 0)
        for u in snap.my_units:
            if u["type"] == "harvester" and _dist2(u["x"], u["y"], *home) < 40 ** 2:
                anchors.append((u["x"], u["y"]))
        out = []
        for e in snap.enemy_units:
            ex, ey = e["x"], e["y"]
            if any(_dist2(ex, ey, ax, ay) <= r2 for ax, ay in anchors):
                out.append(e)
        return out

    def _army(self, snap: Snapshot, threats: list[dict]) -> None:
        lv = self.level
        units = {u["id"]: u for u in snap.my_units if u["type"] in COMBAT_TYPES}
        # forget the dead
        if self.scout_id is not None and self.scout_id not in units:
            self.scout_id = None
            if snap.enemy_buildings:
                self.scouting_done = True
        if self.wave is not None:
            self.wave.ids &= set(units)
            if not self.wave.ids:
                self.wave = None
        for uid in list(self.cmd_memory):
            if uid not in units:
                del self.cmd_memory[uid]
        in_wave = self.wave.ids if self.wave else set()
        home_ids = [uid for uid in units if uid not in in_wave and uid != self.scout_id]

        # 1. defence: enemies near our buildings / harvesters
        if threats:
            self.stats["defenses"] += 1
            threat_value = sum(self.rules.value(e["type"]) for e in threats)
            home_value = sum(self.rules.value(units[i]["type"]) for i in home_ids)
            if self.wave is not None and not self.wave.all_in and threat_value > 0.6 * home_value:
                wx, wy = self._centroid([units[i] for i in self.wave.ids])
                if _dist2(wx, wy, *self.home) > 15 ** 2:
                    home_ids.extend(self.wave.ids)          # pull the army back
                    self.wave = None
            defenders = [units[i] for i in home_ids]
            if lv.name == "easy":
                defenders = [u for u in defenders if self._near_any(u, threats, 15)]
            self._engage(defenders, threats, snap, focus=lv.focus_fire)
        else:
            self._gather(snap, [units[i] for i in home_ids])

        # 2. scouting
        self._scout(snap, units)

        # 3. waves
        all_in = snap.tick >= lv.all_in_s * self.tr
        late = snap.tick >= (lv.all_in_s + 300) * self.tr     # 5 min into all-in: a game must end
        if self.wave is None and not threats:
            # all-in: small groups go; later still, any unit goes
            need = (1 if late else 4) if all_in else self.wave_size
            ready = [units[i] for i in home_ids if i in units]
            go = snap.tick >= self.next_wave_tick and len(ready) >= need
            if go and lv.strength_ratio > 0 and not all_in:
                # do not walk into a stronger army we have seen: wait for more, up to a point
                mine = sum(self.rules.value(u["type"]) for u in ready)
                go = mine >= lv.strength_ratio * self.enemy_army_value() or len(ready) >= 2 * need
            if go:
                self._launch_wave(snap, ready, all_in)
        elif self.wave is not None:
            # reinforcements: fresh units at home join a running wave
            ready = [units[i] for i in home_ids if i in units]
            join = 1 if late else (3 if all_in else lv.reinforce_size)
            if not threats and ready and len(ready) >= join:
                for u in ready:
                    self.wave.ids.add(u["id"])
                self.wave.start_value += sum(self.rules.value(u["type"]) for u in ready)
            self._run_wave(snap, units, all_in)

    def _centroid(self, us: list[dict]) -> tuple[float, float]:
        if not us:
            return self.home or (0.0, 0.0)
        return (sum(u["x"] for u in us) / len(us), sum(u["y"] for u in us) / len(us))

    @staticmethod
    def _near_any(u: dict, es: list[dict], r: float) -> bool:
        r2 = r * r
        return any(_dist2(u["x"], u["y"], *_center(e)) <= r2 for e in es)

    def _command(self, units: list[dict], action: str, target: dict, key, snap: Snapshot,
                 refresh_s: float = 6.0) -> None:
        """Order ``units`` unless they already follow the same order (keeps traffic low)."""
        ids = []
        for u in units:
            last = self.cmd_memory.get(u["id"])
            if last is not None and last[0] == key:
                if u.get("order") != "idle" and snap.tick - last[1] < refresh_s * self.tr * 10:
                    continue
                if u.get("order") == "idle" and snap.tick - last[1] < refresh_s * self.tr:
                    continue
            ids.append(u["id"])
        if not ids:
            return
        for uid in ids:
            self.cmd_memory[uid] = (key, snap.tick)
        self._order({"action": action, "units": {"ids": ids}, "target": target})

    def _gather(self, snap: Snapshot, home: list[dict]) -> None:
        if not home or self.rally is None:
            return
        rx, ry = self.rally
        far = [u for u in home if u.get("order") in ("idle", None) and _dist2(u["x"], u["y"], rx, ry) > 16]
        if far:
            self._command(far, "move", {"x": round(rx, 1), "y": round(ry, 1)}, ("rally",), snap)

    def _pick_target(self, u: dict, enemies: list[dict], focus: bool) -> dict | None:
        best, best_s = None, None
        for e in enemies:
            if not self.rules.can_hit(u["type"], e["type"]):
                continue
            ex, ey = _center(e)
            d = math.sqrt(_dist2(u["x"], u["y"], ex, ey))
            if focus:
                # weak, dangerous and close targets first
                s = e.get("hp", 100) + 12.0 * d - 0.1 * self.rules.dps(e["type"]) * 10
            else:
                s = d
            if best_s is None or s < best_s:
                best, best_s = e, s
        return best

    def _engage(self, fighters: list[dict], enemies: list[dict], snap: Snapshot, focus: bool) -> None:
        """Attack visible enemies: group fighters by chosen target, one action per target."""
        by_target: dict[int, list[dict]] = {}
        for u in fighters:
            # already shooting at a valid visible enemy: leave it (unless focusing)
            cur = u.get("target")
            if not focus and u.get("order") == "attack" and cur is not None and \
                    any(e["id"] == cur for e in enemies):
                continue
            t = self._pick_target(u, enemies, focus)
            if t is None:
                continue
            if u.get("order") == "attack" and cur == t["id"]:
                continue
            by_target.setdefault(t["id"], []).append(u)
        for tid, us in by_target.items():
            for u in us:
                self.cmd_memory[u["id"]] = (("ent", tid), snap.tick)
            self._order({"action": "attack", "units": {"ids": [u["id"] for u in us]},
                         "target": {"entity": tid}})

    # -------------------------------------------------------------- scouting
    def _scout(self, snap: Snapshot, units: dict[int, dict]) -> None:
        lv = self.level
        if self.scouting_done or snap.tick < lv.scout_at_s * self.tr:
            return
        if snap.enemy_buildings:
            # the enemy base is found: the scout goes home and joins the army
            self.scouting_done = True
            if self.scout_id in units:
                u = units[self.scout_id]
                self._command([u], "move", {"x": round(self.rally[0], 1), "y": round(self.rally[1], 1)},
                              ("rally",), snap)
            self.scout_id = None
            return
        if self.scout_id is None:
            in_wave = self.wave.ids if self.wave else set()
            cands = [u for u in units.values() if u["id"] not in in_wave]
            if not cands:
                return
            # fastest cheap unit: helicopter > infantry > others
            order = {"helicopter": 0, "infantry": 1, "tank": 2, "artillery": 3}
            cands.sort(key=lambda u: (order.get(u["type"], 9), u["id"]))
            self.scout_id = cands[0]["id"]
            self.scout_target = None
        u = units.get(self.scout_id)
        if u is None:
            return
        self._explore_step(snap, [u], ("scout",))

    def _explore_step(self, snap: Snapshot, us: list[dict], tag) -> None:
        """Move towards the enemy corner through explored tiles only (the frontier)."""
        goal = self.enemy_guess
        if goal is None or not us:
            return
        cx, cy = self._centroid(us)
        ground = any(not self.rules.is_air(u["type"]) for u in us)
        tgt = self._frontier_toward(snap, goal, ground)
        if tgt is None:
            return
        key = tag + ("pt", tgt)
        last = self.cmd_memory.get(us[0]["id"])
        arrived = _dist2(cx, cy, *tgt) < 4.0
        idle = all(u.get("order") == "idle" for u in us)
        if last is not None and last[0] == key and not idle and not arrived:
            return
        if last is not None and last[0] == key and (idle or arrived):
            # the frontier did not move: this way is blocked, try a direction instead
            self.scout_stuck += 1
            dx = 1 if goal[0] > cx + 2 else (-1 if goal[0] < cx - 2 else 0)
            dy = 1 if goal[1] > cy + 2 else (-1 if goal[1] < cy - 2 else 0)
            if (dx, dy) == (0, 0):
                self.scouting_done = True
                return
            if self.scout_stuck % 2 == 0:
                dx, dy = (dx, 0) if dx else (0, dy)
            for u in us:
                self.cmd_memory[u["id"]] = (tag + ("dir", self.scout_stuck), snap.tick)
            self._order({"action": "move", "units": {"ids": [u["id"] for u in us]},
                         "target": {"direction": _DIR_NAMES[(dx, dy)]}})
            return
        for u in us:
            self.cmd_memory[u["id"]] = (key, snap.tick)
        self._order({"action": "move", "units": {"ids": [u["id"] for u in us]},
                     "target": {"x": tgt[0], "y": tgt[1]}})

    def _frontier_toward(self, snap: Snapshot, goal: tuple[float, float], ground: bool):
        """The explored (passable) tile closest to ``goal``, on a coarse grid.

        The grid tiles are sorted by distance to the goal once (the goal is fixed), so a
        call stops at the first explored one: a few hundred bit tests at most.
        """
        key = (goal, ground)
        order = self._frontier_cache.get(key)
        if order is None:
            gx, gy = goal
            cells = []
            for ty in range(0, self.map.h, 2):
                for tx in range(0, self.map.w, 2):
                    if ground and not self.map.passable(tx, ty):
                        continue
                    cells.append((_dist2(tx + 0.5, ty + 0.5, gx, gy), ty * self.map.w + tx, tx, ty))
            cells.sort()
            order = [(i, tx, ty) for (_d, i, tx, ty) in cells]
            self._frontier_cache[key] = order
        bits = snap.explored.bits
        n = len(bits)
        for i, tx, ty in order:
            b = i >> 3
            if b < n and (bits[b] >> (i & 7)) & 1:
                return (tx + 0.5, ty + 0.5)
        return None

    def _nearest_explored(self, snap: Snapshot, p: tuple[float, float], ground: bool):
        px, py = p
        best, best_d = None, None
        for ty in range(max(0, int(py) - 8), min(self.map.h, int(py) + 9)):
            for tx in range(max(0, int(px) - 8), min(self.map.w, int(px) + 9)):
                if not snap.explored.get(tx, ty) or (ground and not self.map.passable(tx, ty)):
                    continue
                d = _dist2(tx + 0.5, ty + 0.5, px, py)
                if best_d is None or d < best_d:
                    best, best_d = (tx + 0.5, ty + 0.5), d
        return best

    # ----------------------------------------------------------------- waves
    def _launch_wave(self, snap: Snapshot, ready: list[dict], all_in: bool) -> None:
        lv = self.level
        self.wave = Wave(ids={u["id"] for u in ready}, launched=snap.tick,
                         start_value=sum(self.rules.value(u["type"]) for u in ready), all_in=all_in)
        self.waves_launched += 1
        self.stats["waves"] += 1
        self.wave_size += lv.wave_growth
        self.next_wave_tick = snap.tick + int((30.0 if all_in else lv.wave_interval_s) * self.tr)
        units = {u["id"]: u for u in snap.my_units}
        self._run_wave(snap, units, all_in)

    def _run_wave(self, snap: Snapshot, units: dict[int, dict], all_in: bool) -> None:
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
            rx, ry = self.rally
            self._command(members, "move", {"x": round(rx, 1), "y": round(ry, 1)}, ("rally",), snap,
                          refresh_s=0)
            self.wave = None
            self.next_wave_tick = max(self.next_wave_tick, snap.tick + int(lv.wave_interval_s / 2 * self.tr))
            return
        cx, cy = self._centroid(members)
        if not w.all_in and lv.local_retreat_ratio > 0:
            local = sum(self.rules.value(e["type"]) for e in snap.enemy_units
                        if e["type"] in COMBAT_TYPES and _dist2(e["x"], e["y"], cx, cy) <= 12 ** 2)
            local += sum(400.0 for b in snap.enemy_buildings if b["type"] == "defense_turret"
                         and not b.get("stale") and _dist2(*_center(b), cx, cy) <= 12 ** 2)
            if local > lv.local_retreat_ratio * value:
                rx, ry = self.rally
                self._command(members, "move", {"x": round(rx, 1), "y": round(ry, 1)}, ("rally",), snap,
                              refresh_s=0)
                self.wave = None
                self.next_wave_tick = max(self.next_wave_tick, snap.tick + int(30 * self.tr))
                return
        # 1. enemies near the wave: fight them
        if lv.micro:
            near = [e for e in snap.enemy_units if _dist2(e["x"], e["y"], cx, cy) <= 10 ** 2]
            near += [b for b in snap.enemy_buildings
                     if not b.get("stale") and b["type"] == "defense_turret"
                     and _dist2(*_center(b), cx, cy) <= 10 ** 2]
            if near:
                self._engage(members, near, snap, focus=lv.focus_fire)
                return
        else:
            idle = [u for u in members if u.get("order") == "idle"]
            near = [e for e in snap.enemy_units if _dist2(e["x"], e["y"], cx, cy) <= 8 ** 2]
            if idle and near:
                self._engage(idle, near, snap, focus=False)
                return
        # 2. a known enemy building: go for it
        tgt = self._wave_building_target(snap, cx, cy)
        if tgt is not None:
            if not tgt.get("stale"):
                bx, by = _center(tgt)
                close = [u for u in members if _dist2(u["x"], u["y"], bx, by) <= 12 ** 2]
                far = [u for u in members if _dist2(u["x"], u["y"], bx, by) > 12 ** 2]
                if close:
                    hitters = [u for u in close if self.rules.can_hit(u["type"], tgt["type"])]
                    self._command(hitters, "attack", {"entity": tgt["id"]}, ("ent", tgt["id"]), snap,
                                  refresh_s=3)
                if far:
                    self._command(far, "attack", {"entity": tgt["id"]}, ("ent", tgt["id"]), snap,
                                  refresh_s=3)
            else:
                # remembered building: walk to an explored tile of (or next to) where it was seen
                p = self._explored_tile_of(snap, tgt, cx, cy)
                if p is not None:
                    if lv.regroup:
                        p = self._waypoint(snap, w, members, p)
                    self._command(members, "attack", {"x": p[0], "y": p[1]}, ("pt", p), snap, refresh_s=4)
                else:
                    self._command(members, "attack", {"entity": tgt["id"]}, ("ent", tgt["id"]), snap,
                                  refresh_s=4)
            return
        # 3. nothing known: explore towards the enemy corner, then sweep the explored map
        if not self._enemy_corner_explored(snap):
            self._explore_step(snap, members, ("wave",))
        else:
            self._sweep(snap, members, cx, cy)

    def _enemy_corner_explored(self, snap: Snapshot) -> bool:
        gx, gy = self.enemy_guess
        return all(snap.explored.get(*self.map.clamp(gx + dx, gy + dy))
                   for dx in (-4, 0, 4) for dy in (-4, 0, 4))

    def _sweep(self, snap: Snapshot, members: list[dict], cx: float, cy: float) -> None:
        """Visit explored tiles not seen lately, nearest first (a hidden building is somewhere)."""
        step = 6
        cur = self.sweep_target
        if cur is not None and _dist2(cx, cy, *cur) < 16:
            self.swept.add(cur)
            cur = None
        if cur is None:
            best, best_d = None, None
            for ty in range(step // 2, self.map.h, step):
                for tx in range(step // 2, self.map.w, step):
                    p = (tx + 0.5, ty + 0.5)
                    if p in self.swept or not snap.explored.get(tx, ty) or not self.map.passable(tx, ty):
                        continue
                    if snap.visible.get(tx, ty):
                        continue
                    d = _dist2(p[0], p[1], cx, cy)
                    if best_d is None or d < best_d:
                        best, best_d = p, d
            if best is None:
                self.swept.clear()
                return
            cur = best
        self.sweep_target = cur
        self._command(members, "attack", {"x": cur[0], "y": cur[1]}, ("pt", cur), snap, refresh_s=4)

    def _waypoint(self, snap: Snapshot, w: Wave, members: list[dict], dest: tuple[float, float]):
        """Keep a strung-out wave together: lead it to a point a little ahead of its last unit."""
        if w.waypoint is not None and snap.tick - w.waypoint_tick < 4 * self.tr:
            return w.waypoint
        dists = [math.sqrt(_dist2(u["x"], u["y"], *dest)) for u in members]
        back, front = max(dists), min(dists)
        out = dest
        if back > 14 and back - front > 8:
            last = members[dists.index(back)]
            fx, fy = last["x"], last["y"]
            wx, wy = fx + (dest[0] - fx) / back * 6, fy + (dest[1] - fy) / back * 6
            out = self._nearest_explored(snap, (wx, wy), ground=True) or dest
        w.waypoint, w.waypoint_tick = out, snap.tick
        return out

    @staticmethod
    def _explored_tile_of(snap: Snapshot, b: dict, cx: float, cy: float):
        best, best_d = None, None
        for ty in range(b["y"] - 1, b["y"] + b.get("h", 1) + 1):
            for tx in range(b["x"] - 1, b["x"] + b.get("w", 1) + 1):
                if snap.explored.get(tx, ty):
                    d = _dist2(tx + 0.5, ty + 0.5, cx, cy)
                    if best_d is None or d < best_d:
                        best, best_d = (tx + 0.5, ty + 0.5), d
        return best

    def _wave_building_target(self, snap: Snapshot, cx: float, cy: float) -> dict | None:
        best, best_d = None, None
        for b in snap.enemy_buildings:
            bx, by = _center(b)
            d = _dist2(bx, by, cx, cy)
            if b["type"] == "defense_turret":
                d *= 0.7                       # the turret that shoots at us first
            if best_d is None or d < best_d:
                best, best_d = b, d
        return best

    # ----------------------------------------------------------- superweapon
    def _superweapon(self, snap: Snapshot) -> None:
        has_hq = any(b["type"] == "hq" and float(b.get("built", 1)) >= 1 for b in snap.my_buildings)
        if not snap.sw_ready or not has_hq:          # the HQ launches it: no HQ, no strike
            self.sw_ready_since = None
            return
        if self.cooldown.get("sw", -1) > snap.tick:
            return
        if self.sw_ready_since is None:
            self.sw_ready_since = snap.tick
        waited_s = (snap.tick - self.sw_ready_since) / self.tr
        r2 = self.rules.sw_radius ** 2
        dmg = self.rules.sw_damage
        targets = []
        for e in snap.enemy_units:
            hp = max(1, e.get("hp", 1))
            targets.append((e["x"], e["y"], self.rules.value(e["type"]) * min(1.0, dmg / hp)))
        for b in snap.enemy_buildings:
            hp = max(1, b.get("hp", 1))
            bx, by = _center(b)
            w = 0.6 if b.get("stale") else 1.0
            targets.append((bx, by, w * self.rules.value(b["type"]) * min(1.0, 0.5 * dmg / hp)))
        if not targets:
            return
        mine = [(u["x"], u["y"], self.rules.value(u["type"])) for u in snap.my_units]
        best, best_s = None, 0.0
        for (px, py, _v) in targets:
            if not snap.explored.get(px, py):
                continue
            s = sum(v for (x, y, v) in targets if _dist2(x, y, px, py) <= r2)
            s -= 1.5 * sum(v for (x, y, v) in mine if _dist2(x, y, px, py) <= (r2 + 2))
            if s > best_s:
                best, best_s = (px, py), s
        threshold = self.level.superweapon_min_score * (0.5 if waited_s > 60 else 1.0)
        if best is not None and best_s >= threshold:
            self._order({"action": "launch_superweapon",
                         "target": {"x": round(best[0], 2), "y": round(best[1], 2)}})
            self.stats["superweapons"] += 1
            self.cooldown["sw"] = snap.tick + 5 * self.tr

    # ------------------------------------------------------------------ fog
    def _fog_ok(self, action: dict, snap: Snapshot) -> bool:
        """No order through the fog: entity targets in the view, coordinates explored."""
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
