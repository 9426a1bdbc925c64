"""Live state: small mutable objects per unit, building and player (rules stay in rules.py)."""
from __future__ import annotations

from dataclasses import dataclass

from .rules import BuildingType, UnitType


@dataclass(slots=True)
class QueueItem:
    """One entry of a production queue: a unit type being trained."""
    item: str                     # unit type
    progress: float = 0.0         # ticks of training done (slower when power is low)
    paid: bool = False            # its cost is charged when training starts, refunded if cancelled
    unit: int = 0                 # once out: the unit's id (-1: no room to put it); plans follow it


class Unit:
    __slots__ = ("id", "type", "rule", "owner", "x", "y", "hp", "alive", "order", "target", "focus",
                 "dest", "amove", "path", "path_goal", "pending", "next_repath", "cd", "guard",
                 "cargo", "hv", "hv_tile", "hv_wait", "flee_until", "stuck", "field", "queued",
                 "pace", "waited")

    def __init__(self, uid: int, rule: UnitType, owner: int, x: float, y: float) -> None:
        self.id = uid
        self.type = rule.name
        self.rule = rule
        self.owner = owner
        self.x = x
        self.y = y
        self.hp = rule.hp
        self.alive = True
        self.order = "idle"           # idle | move | attack | harvest | return | defend | flee
        self.target: int | None = None  # entity currently engaged
        self.focus: int | None = None   # entity named by an attack order
        self.dest: tuple[float, float] | None = None  # where the order leads
        self.amove = False            # attack-move: engage what is seen on the way
        self.path: list[tuple[float, float]] = []
        self.path_goal: tuple[float, float] | None = None
        self.pending = False          # waiting for a path (A* queue or shared field search)
        self.next_repath = 0
        self.cd = 0.0                 # weapon cooldown, ticks
        self.guard: tuple[float, float] = (x, y)
        self.cargo = 0.0              # harvesters: credits of ore carried
        self.hv = "seek"              # harvester sub-state: seek | to_ore | mine | to_ref | unload
        self.hv_tile = -1
        self.hv_wait = 0
        self.flee_until = 0
        self.stuck = 0
        self.field = -1               # goal tile of the shared field search this unit waits for
        self.queued = False           # has an entry in the A* queue
        self.pace = 0.0               # tiles per tick while on a group order (its slowest member); 0: own speed
        self.waited = 0               # ticks spent waiting behind a friend going the same way (movement.py)


class Building:
    __slots__ = ("id", "type", "rule", "owner", "x", "y", "w", "h", "hp", "max_hp", "alive", "built",
                 "progress", "queue", "cd", "target", "cx", "cy")

    def __init__(self, bid: int, rule: BuildingType, owner: int, x: int, y: int, built: bool) -> None:
        self.id = bid
        self.type = rule.name
        self.rule = rule
        self.owner = owner
        self.x = x
        self.y = y
        self.w = rule.w
        self.h = rule.h
        self.cx = x + rule.w / 2
        self.cy = y + rule.h / 2
        self.max_hp = rule.hp
        self.hp = float(rule.hp)
        self.alive = True
        self.built = built
        self.progress = 0.0           # construction ticks done
        self.queue: list[QueueItem] = []  # production, first item in training
        self.cd = 0.0
        self.target: int | None = None

    def dist2(self, x: float, y: float) -> float:
        """Squared distance from a point to the footprint."""
        dx = self.x - x if x < self.x else (x - self.x - self.w if x > self.x + self.w else 0.0)
        dy = self.y - y if y < self.y else (y - self.y - self.h if y > self.y + self.h else 0.0)
        return dx * dx + dy * dy

    def tiles(self):
        for yy in range(self.y, self.y + self.h):
            for xx in range(self.x, self.x + self.w):
                yield xx, yy


class Player:
    __slots__ = ("id", "credits", "credit_frac", "charge", "explored", "visible", "vis_int", "seen",
                 "seen_res", "last_ua", "low_power", "produced", "used", "sites", "start")

    def __init__(self, pid: int, credits: int, npix: int, start: tuple[float, float]) -> None:
        self.id = pid
        self.credits = credits
        self.credit_frac = 0.0
        self.charge = 0               # superweapon charge, ticks
        self.explored = 0             # bit mask (int), bit i = tile i
        self.visible = bytearray(npix)
        self.vis_int = 0
        self.seen: dict[int, dict] = {}   # enemy building id -> last seen snapshot
        self.seen_res: dict[int, int] = {}  # tile -> last seen ore amount (when not full)
        self.last_ua = -10**9
        self.low_power = False
        self.produced = 0
        self.used = 0
        self.sites: list[int] = []    # construction sites, built one at a time by the HQ
        self.start = start            # centre of the start HQ site
