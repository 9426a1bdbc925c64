"""Facts about a player's situation, computed from what that player can see (a WIRE.md view).

One function, ``facts_of(view)``, used by everything the advisor says: the heuristic text,
the list of facts the model is given to choose from and phrase, and the checker that
verifies the model's sentences (fact_check.py). What requires what, what earns credits
and what gives power come from the rules table (server.sim.rules), never from a copy.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from server.sim import rules as R

THREAT_RADIUS = 12.0
COMBAT = tuple(u for u in R.UNITS if R.UNITS[u].armed)          # infantry, tank, artillery, helicopter
PRODUCERS = tuple(b for b in R.BUILDINGS if R.BUILDINGS[b].produces)  # barracks, war_factory
STRONGER = 1.5   # army value ratio at which one side is said to be stronger


def _num(v: Any, default: float = 0.0) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else default


def direction_of(dx: float, dy: float) -> str:
    """Compass name of the vector (dx, dy); y grows southwards."""
    ang = math.degrees(math.atan2(-dy, dx)) % 360  # 0 = east, 90 = north
    names = ["east", "northeast", "north", "northwest", "west", "southwest", "south", "southeast"]
    return names[int((ang + 22.5) // 45) % 8]


def army_value(units: list[dict]) -> float:
    """Cost-weighted strength of the combat units, scaled by their health."""
    total = 0.0
    for u in units:
        kind = str(u.get("type"))
        if kind in COMBAT:
            total += R.UNITS[kind].cost * _num(u.get("hp"), 1) / max(1.0, _num(u.get("max_hp"), 1))
    return total


# ------------------------------------------------------------------ rules, as the advisor needs them
def producer_of(unit: str) -> str | None:
    """The building that trains ``unit`` (rules table)."""
    ut = R.UNITS.get(unit)
    return ut.produced_by if ut is not None else None


def chain_to(target: str) -> list[str]:
    """Every building needed before ``target`` (a unit or building) can be had, nearest last."""
    need: list[str] = []

    def visit(b: str) -> None:
        bt = R.BUILDINGS.get(b)
        if bt is None:
            return
        for r in bt.requires:
            visit(r)
            if r not in need:
                need.append(r)

    if target in R.UNITS:
        producer = producer_of(target)
        if producer:
            visit(producer)
            need.append(producer)
    else:
        visit(target)
    return need


def earns_credits() -> tuple[str, ...]:
    """What turns ore into credits: the building harvesters unload at, and the harvester."""
    refineries = tuple(b for b, bt in R.BUILDINGS.items() if bt.free_unit == "harvester")
    return refineries + ("harvester",)


def gives_power() -> tuple[str, ...]:
    return tuple(b for b, bt in R.BUILDINGS.items() if bt.power > 0)


# ------------------------------------------------------------------ the facts
@dataclass(frozen=True)
class Facts:
    me: int | None
    spectator: bool
    credits: int = 0
    power_produced: int = 0
    power_used: int = 0
    superweapon_ready: bool = False
    superweapon_charge: float = 0.0
    my_units: dict[str, int] = field(default_factory=dict)        # by type
    my_buildings: dict[str, int] = field(default_factory=dict)    # by type, finished or not
    my_finished: dict[str, int] = field(default_factory=dict)     # by type, finished
    enemy_units: dict[str, int] = field(default_factory=dict)     # in sight, by type
    enemy_buildings: dict[str, int] = field(default_factory=dict)  # seen (remembered), by type
    my_army: int = 0            # combat units
    enemy_army: int = 0         # combat units in sight
    my_value: float = 0.0
    enemy_value: float = 0.0
    threats: dict[str, int] = field(default_factory=dict)         # enemy units near my buildings, by type
    idle_producers: tuple[str, ...] = ()
    enemy_direction: str | None = None
    base: tuple[float, float] | None = None
    game_over: bool = False
    players: dict[int, tuple[int, int]] = field(default_factory=dict)  # spectator: units, buildings per player

    # derived facts ------------------------------------------------
    @property
    def low_power(self) -> bool:
        return self.power_used > self.power_produced

    @property
    def harvesters(self) -> int:
        return self.my_units.get("harvester", 0)

    @property
    def threat_count(self) -> int:
        return sum(self.threats.values())

    @property
    def balance(self) -> str:
        """stronger | weaker | even | no_enemy_seen (combat strength of what is in sight)."""
        if self.enemy_army == 0:
            return "no_enemy_seen"
        if self.my_value >= STRONGER * self.enemy_value:
            return "stronger"
        if self.enemy_value >= STRONGER * self.my_value:
            return "weaker"
        return "even"

    def has(self, building: str) -> bool:
        return self.my_buildings.get(building, 0) > 0

    def can_train(self, unit: str) -> bool:
        producer = producer_of(unit)
        return producer is not None and self.my_finished.get(producer, 0) > 0

    def missing_for(self, target: str) -> list[str]:
        """Buildings still missing before ``target`` can be had (in build order)."""
        return [b for b in chain_to(target) if not self.has(b)]

    def earns_income(self) -> bool:
        return self.has("refinery") and self.harvesters > 0


def facts_of(view: Any) -> Facts:
    """The facts of a WIRE.md view (a player's, or a spectator's with ``player`` None)."""
    if not isinstance(view, dict):
        view = {}
    player = view.get("player") if isinstance(view.get("player"), dict) else None
    me = player.get("id") if player else None
    units = [u for u in view.get("units") or [] if isinstance(u, dict)]
    buildings = [b for b in view.get("buildings") or [] if isinstance(b, dict)]
    if player is None:
        players = {}
        for pid in (0, 1):
            players[pid] = (sum(1 for u in units if u.get("owner") == pid),
                            sum(1 for b in buildings if b.get("owner") == pid))
        return Facts(me=None, spectator=True, players=players, game_over=bool(view.get("game_over")))
    my_units = [u for u in units if u.get("owner") == me]
    en_units = [u for u in units if u.get("owner") != me]
    my_b = [b for b in buildings if b.get("owner") == me]
    en_b = [b for b in buildings if b.get("owner") != me]
    done_b = [b for b in my_b if _num(b.get("built"), 1.0) >= 1.0]
    centres = [(_num(b.get("x")) + _num(b.get("w"), 1) / 2, _num(b.get("y")) + _num(b.get("h"), 1) / 2)
               for b in my_b]
    base = (sum(c[0] for c in centres) / len(centres), sum(c[1] for c in centres) / len(centres)) if centres else None
    threats: Counter[str] = Counter()
    if centres:
        r2 = THREAT_RADIUS * THREAT_RADIUS
        x0 = min(c[0] for c in centres) - THREAT_RADIUS  # a box around the base first: most units are far
        x1 = max(c[0] for c in centres) + THREAT_RADIUS
        y0 = min(c[1] for c in centres) - THREAT_RADIUS
        y1 = max(c[1] for c in centres) + THREAT_RADIUS
        for u in en_units:
            ux, uy = _num(u.get("x")), _num(u.get("y"))
            if x0 <= ux <= x1 and y0 <= uy <= y1 and \
                    any((ux - bx) ** 2 + (uy - by) ** 2 <= r2 for bx, by in centres):
                threats[str(u.get("type"))] += 1
    enemy_dir = None
    if en_b and base is not None:
        ex = sum(_num(b.get("x")) for b in en_b) / len(en_b)
        ey = sum(_num(b.get("y")) for b in en_b) / len(en_b)
        enemy_dir = direction_of(ex - base[0], ey - base[1])
    power = player.get("power") or {}
    sw = player.get("superweapon") or {}
    return Facts(
        me=me, spectator=False,
        credits=int(_num(player.get("credits"))),
        power_produced=int(_num(power.get("produced"))), power_used=int(_num(power.get("used"))),
        superweapon_ready=bool(sw.get("ready")) or _num(sw.get("charge")) >= 1.0,
        superweapon_charge=_num(sw.get("charge")),
        my_units=dict(Counter(str(u.get("type")) for u in my_units)),
        my_buildings=dict(Counter(str(b.get("type")) for b in my_b)),
        my_finished=dict(Counter(str(b.get("type")) for b in done_b)),
        enemy_units=dict(Counter(str(u.get("type")) for u in en_units)),
        enemy_buildings=dict(Counter(str(b.get("type")) for b in en_b)),
        my_army=sum(1 for u in my_units if u.get("type") in COMBAT),
        enemy_army=sum(1 for u in en_units if u.get("type") in COMBAT),
        my_value=army_value(my_units), enemy_value=army_value(en_units),
        threats=dict(threats),
        idle_producers=tuple(str(b.get("type")) for b in done_b
                             if b.get("type") in PRODUCERS and not b.get("queue")),
        enemy_direction=enemy_dir, base=base, game_over=bool(view.get("game_over")),
    )
