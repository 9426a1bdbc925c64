"""Every balance number of the game, as data.

Fixed rules live here (read-only type tables); live state lives in
``server.sim.game``. Times are written in seconds, as in GAME.md, and converted
to ticks once, here, with :func:`ticks`.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

TICK_RATE = 20  # ticks per second (50 ms per tick)
DT = 1.0 / TICK_RATE


def ticks(seconds: float) -> int:
    """Seconds -> whole ticks (at least 1 for a positive duration)."""
    if seconds <= 0:
        return 0
    return max(1, int(round(seconds * TICK_RATE)))


@dataclass(frozen=True, slots=True)
class UnitType:
    name: str
    cost: int
    build_ticks: int
    hp: int
    speed: float          # tiles per tick
    range: float          # tiles (0 = unarmed)
    min_range: float
    damage: int
    cooldown_ticks: int
    splash: float         # radius in tiles (0 = single target)
    sight: float          # tiles
    produced_by: str      # building type that trains it
    air: bool = False     # flies over water and buildings
    hits_air: bool = False
    hits_ground: bool = True
    weapon: str = ""      # key of WEAPONS: what its shots are ("" = unarmed)

    @property
    def armed(self) -> bool:
        return self.damage > 0 and self.range > 0


@dataclass(frozen=True, slots=True)
class WeaponType:
    """How a shot travels: speed, and whether it follows its target or lands on a point."""
    name: str
    speed: float          # tiles per tick
    homing: bool          # follows the target and hits it on arrival (if it still lives)
    arc: bool = False     # lobbed at the ground point the target stood on: splash where it lands


def _weapon(name: str, speed_tps: float, *, homing: bool, arc: bool = False) -> WeaponType:
    return WeaponType(name=name, speed=speed_tps / TICK_RATE, homing=homing, arc=arc)


#: Shots in flight (server/sim/projectiles.py). Bullets are all but instant; an artillery shell
#: flies 1.3 s at full range, long enough for a unit on the move to leave its splash.
WEAPONS: Mapping[str, WeaponType] = MappingProxyType({
    "bullet": _weapon("bullet", 30.0, homing=True),
    "shell": _weapon("shell", 14.0, homing=True),
    "artillery": _weapon("artillery", 6.0, homing=False, arc=True),
    "missile": _weapon("missile", 11.0, homing=True),
})


@dataclass(frozen=True, slots=True)
class BuildingType:
    name: str
    cost: int             # 0 = cannot be built (the HQ)
    build_ticks: int
    hp: int
    power: int            # + produces, - consumes
    w: int
    h: int
    requires: tuple[str, ...]
    produces: tuple[str, ...] = ()      # unit types it trains
    sight: float = 5.0
    range: float = 0.0
    min_range: float = 0.0
    damage: int = 0
    cooldown_ticks: int = 0
    hits_air: bool = False
    hits_ground: bool = False
    free_unit: str | None = None        # unit delivered when construction completes
    weapon: str = ""                    # key of WEAPONS ("" = unarmed)

    @property
    def armed(self) -> bool:
        return self.damage > 0 and self.range > 0


def _u(name: str, cost: int, build_s: float, hp: int, speed_tps: float, rng: float, dmg: int,
       every_s: float, sight: float, frm: str, *, min_range: float = 0.0, splash: float = 0.0,
       air: bool = False, hits_air: bool = False, hits_ground: bool = True, weapon: str = "") -> UnitType:
    return UnitType(name=name, cost=cost, build_ticks=ticks(build_s), hp=hp, speed=speed_tps / TICK_RATE,
                    range=rng, min_range=min_range, damage=dmg, cooldown_ticks=ticks(every_s),
                    splash=splash, sight=sight, produced_by=frm, air=air, hits_air=hits_air,
                    hits_ground=hits_ground and dmg > 0, weapon=weapon)


#: The unit table of GAME.md.  "hits_air": only turrets, infantry and helicopters hit helicopters.
UNITS: Mapping[str, UnitType] = MappingProxyType({
    "infantry": _u("infantry", 100, 5, 100, 1.5, 3, 10, 1.0, 5, "barracks", hits_air=True, weapon="bullet"),
    "tank": _u("tank", 500, 10, 300, 2.0, 4, 40, 1.5, 6, "war_factory", weapon="shell"),
    "artillery": _u("artillery", 600, 12, 150, 1.2, 8, 70, 3.0, 7, "war_factory", min_range=2, splash=1.0,
                    weapon="artillery"),
    "harvester": _u("harvester", 200, 8, 250, 1.5, 0, 0, 0, 4, "war_factory"),
    "helicopter": _u("helicopter", 800, 14, 200, 3.5, 5, 30, 1.0, 8, "war_factory", air=True, hits_air=True,
                     weapon="missile"),
})

#: The building table of GAME.md.
BUILDINGS: Mapping[str, BuildingType] = MappingProxyType({
    "hq": BuildingType("hq", 0, 0, 1500, 50, 3, 3, ()),
    "power_plant": BuildingType("power_plant", 300, ticks(8), 400, 100, 2, 2, ("hq",)),
    "barracks": BuildingType("barracks", 500, ticks(10), 500, -20, 2, 2, ("power_plant",),
                             produces=("infantry",)),
    "refinery": BuildingType("refinery", 600, ticks(12), 600, -30, 3, 2, ("power_plant",),
                             free_unit="harvester"),
    "war_factory": BuildingType("war_factory", 800, ticks(15), 800, -40, 3, 3, ("barracks", "refinery"),
                                produces=("tank", "artillery", "harvester", "helicopter")),
    "defense_turret": BuildingType("defense_turret", 400, ticks(8), 400, -20, 1, 1, ("barracks",),
                                   range=6, damage=30, cooldown_ticks=ticks(1.0), hits_air=True,
                                   hits_ground=True, weapon="shell"),
})

# --- players --------------------------------------------------------------
START_CREDITS = 5000
START_UNITS: tuple[tuple[str, int], ...] = (("harvester", 1), ("infantry", 2))

# --- construction and production ------------------------------------------
QUEUE_MAX = 10                 # entries per production queue (and pending structures per HQ)
BUILD_RADIUS = 8               # a new building must be within this many tiles of an own building
SELL_REFUND = 0.5              # fraction of the cost returned when selling
SITE_START_HP = 0.1            # fraction of max hp a fresh construction site has
LOW_POWER_RATE = 0.5           # production, construction and turret fire speed when power is low

# --- economy --------------------------------------------------------------
HARVEST_CAPACITY = 500         # credits of ore a harvester carries
HARVEST_RATE = 25.0 / TICK_RATE   # ore units mined per tick (25 per second)
UNLOAD_RATE = 100.0 / TICK_RATE   # credits unloaded per tick at a refinery
ORE_PER_TILE = 300             # ore units on a fresh ore tile (1 credit each)
GEMS_PER_TILE = 200            # ore units on a fresh gem tile
ORE_VALUE = 1                  # credits per unit of ore
GEMS_VALUE = 2                 # gems are worth double
REGROW_PERIOD = ticks(10)      # every 10 s ...
REGROW_AMOUNT = 20             # ... each growing tile gains this many units (see SIMULATION.md)
HARVESTER_FLEE_TICKS = ticks(4)   # a harvester under fire runs home this long

# --- superweapon ------------------------------------------------------------
SUPERWEAPON_CHARGE_TICKS = ticks(180)
SUPERWEAPON_RADIUS = 3.0
SUPERWEAPON_UNIT_DAMAGE = 400
SUPERWEAPON_BUILDING_FACTOR = 0.5

# --- movement: spacing and queueing (movement.py) -----------------------------
UNIT_SPACING = 0.7             # ground units (and helicopters among themselves) keep this far apart, tiles
SPACING_PUSH = 0.5             # share of an overlap undone per tick (soft: a crowd squeezes, never jams)
YIELD_TICKS = 8                # a unit waits at most this long behind a friend going its way
WAYPOINT_NEAR = 0.6            # a waypoint on the way counts as passed this close (if the next is in sight)

# --- fog, combat, AI-ish unit behaviour ----------------------------------------
BUILDING_SIGHT = 5.0
UNDER_ATTACK_INTERVAL = ticks(10)   # under_attack events, at most one per player per 10 s
DEFEND_RADIUS = 10.0           # defend_base: engage enemies this close to the HQ
LEASH = 8.0                    # idle units chasing an attacker give up this far from their post
SEPARATE_PERIOD = 10           # idle units stacked on one spot spread out, checked every N ticks
SCAN_PERIOD = 4                # idle units look for targets every N ticks (staggered by id)
REPATH_TICKS = ticks(1.0)      # a chasing unit recomputes its path at most this often
PATH_BUDGET = 600              # path search expansions per tick, over all searches
ASTAR_CAP = 300                # longer single searches become resumable shared (field) searches
FOG_MEMORY_PERIOD = 5          # enemy buildings / ore amounts "as last seen" refreshed every N ticks
DIRECTION_FRACTION = 1.0 / 3.0  # a direction target lies this fraction of the map away
CORNER_INSET = 4               # a corner place lies this many tiles in from both edges

# --- plans (orders that wait for what they need; see server/sim/plans.py) ----------
MAX_PLANS_PER_PLAYER = 8       # active plans per player (default of the MAX_PLANS_PER_PLAYER setting)
PLAN_MAX_STEPS = 10            # steps in one plan
PLAN_MAX_STEP_ACTIONS = 8      # actions in one step
PLAN_MAX_UNITS = 200           # largest count a "have N units" condition may name
PLAN_MAX_CREDITS = 100_000     # largest amount a "credits" condition may name
PLAN_PERIOD = 5                # plans are looked at every N ticks (4 times a second)
PLAN_KEEP_FINISHED = 8         # finished plans kept per player (for the page), oldest dropped first

DEFAULT_WIDTH = 64
DEFAULT_HEIGHT = 48


# --- the table on the wire ----------------------------------------------------
def _unit_entry(u: UnitType) -> dict:
    return {"cost": u.cost, "build_ticks": u.build_ticks, "hp": u.hp,
            "speed": u.speed, "speed_tiles_per_s": round(u.speed * TICK_RATE, 6),
            "range": u.range, "min_range": u.min_range, "damage": u.damage,
            "cooldown_ticks": u.cooldown_ticks, "splash": u.splash, "sight": u.sight,
            "produced_by": u.produced_by, "requires": [u.produced_by],
            "air": u.air, "hits_air": u.hits_air, "hits_ground": u.hits_ground, "armed": u.armed,
            "weapon": u.weapon or None}


def _building_entry(b: BuildingType) -> dict:
    return {"cost": b.cost, "build_ticks": b.build_ticks, "hp": b.hp, "power": b.power,
            "w": b.w, "h": b.h, "size": [b.w, b.h], "requires": list(b.requires),
            "produces": list(b.produces), "buildable": b.cost > 0, "sight": b.sight,
            "range": b.range, "min_range": b.min_range, "damage": b.damage,
            "cooldown_ticks": b.cooldown_ticks, "hits_air": b.hits_air, "hits_ground": b.hits_ground,
            "armed": b.armed, "free_unit": b.free_unit, "weapon": b.weapon or None}


def rules_table() -> dict:
    """The balance table as plain JSON data (PROTOCOL.md "Rules on the wire"); key names are stable,
    listed in docs/SIMULATION.md. Built from the tables above on each call (a fresh, mutable copy)."""
    return {
        "version": 1,
        "tick_rate": TICK_RATE,
        "units": {name: _unit_entry(u) for name, u in UNITS.items()},
        "buildings": {name: _building_entry(b) for name, b in BUILDINGS.items()},
        "players": {"start_credits": START_CREDITS,
                    "start_units": {utype: n for utype, n in START_UNITS}},
        "construction": {"queue_max": QUEUE_MAX, "build_radius": BUILD_RADIUS, "sell_refund": SELL_REFUND,
                         "site_start_hp": SITE_START_HP, "low_power_rate": LOW_POWER_RATE},
        "economy": {"harvest_capacity": HARVEST_CAPACITY, "harvest_per_tick": HARVEST_RATE,
                    "unload_per_tick": UNLOAD_RATE, "ore_per_tile": ORE_PER_TILE,
                    "gems_per_tile": GEMS_PER_TILE, "ore_value": ORE_VALUE, "gems_value": GEMS_VALUE,
                    "regrow_period_ticks": REGROW_PERIOD, "regrow_amount": REGROW_AMOUNT,
                    "harvester_flee_ticks": HARVESTER_FLEE_TICKS},
        "superweapon": {"charge_ticks": SUPERWEAPON_CHARGE_TICKS, "radius": SUPERWEAPON_RADIUS,
                        "unit_damage": SUPERWEAPON_UNIT_DAMAGE,
                        "building_damage": SUPERWEAPON_UNIT_DAMAGE * SUPERWEAPON_BUILDING_FACTOR,
                        "building_factor": SUPERWEAPON_BUILDING_FACTOR},
        "combat": {"building_sight": BUILDING_SIGHT, "defend_radius": DEFEND_RADIUS, "leash": LEASH,
                   "under_attack_interval_ticks": UNDER_ATTACK_INTERVAL},
        "map": {"default_width": DEFAULT_WIDTH, "default_height": DEFAULT_HEIGHT},
        "weapons": {name: {"speed": wt.speed, "speed_tiles_per_s": round(wt.speed * TICK_RATE, 6),
                           "homing": wt.homing, "arc": wt.arc} for name, wt in WEAPONS.items()},
        "movement": {"unit_spacing": UNIT_SPACING},
    }
