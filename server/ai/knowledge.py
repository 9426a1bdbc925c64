"""What the computer opponent knows: the rules table and public map facts.

Everything here is public knowledge a human player also has: the balance table
(GAME.md, mirrored by ``server.sim.rules``), the static terrain (``map_info``)
and the decoding of the fog masks of a view.  Nothing here reads the game.
"""
from __future__ import annotations

import base64
import math
from dataclasses import dataclass

TICK_RATE = 20

# Fallback copy of GAME.md's tables, used when server.sim.rules cannot be read
# (or lacks a field).  The engine's table wins where it exists.
_FALLBACK_BUILDINGS: dict[str, dict] = {
    "hq": {"cost": 0, "build_s": 0, "hp": 1500, "power": 50, "size": (3, 3), "needs": ()},
    "power_plant": {"cost": 300, "build_s": 8, "hp": 400, "power": 100, "size": (2, 2), "needs": ("hq",)},
    "barracks": {"cost": 500, "build_s": 10, "hp": 500, "power": -20, "size": (2, 2),
                 "needs": ("power_plant",)},
    "refinery": {"cost": 600, "build_s": 12, "hp": 600, "power": -30, "size": (3, 2),
                 "needs": ("power_plant",)},
    "war_factory": {"cost": 800, "build_s": 15, "hp": 800, "power": -40, "size": (3, 3),
                    "needs": ("barracks", "refinery")},
    "defense_turret": {"cost": 400, "build_s": 8, "hp": 400, "power": -20, "size": (1, 1),
                       "needs": ("barracks",)},
}
_FALLBACK_UNITS: dict[str, dict] = {
    "infantry": {"cost": 100, "build_s": 5, "hp": 100, "speed": 1.5, "range": 3, "damage": 10,
                 "cooldown_s": 1.0, "sight": 5, "from": "barracks", "hits_air": True},
    "tank": {"cost": 500, "build_s": 10, "hp": 300, "speed": 2.0, "range": 4, "damage": 40,
             "cooldown_s": 1.5, "sight": 6, "from": "war_factory"},
    "artillery": {"cost": 600, "build_s": 12, "hp": 150, "speed": 1.2, "range": 8, "damage": 70,
                  "cooldown_s": 3.0, "sight": 7, "from": "war_factory"},
    "harvester": {"cost": 200, "build_s": 8, "hp": 250, "speed": 1.5, "range": 0, "damage": 0,
                  "cooldown_s": 0, "sight": 4, "from": "war_factory"},
    "helicopter": {"cost": 800, "build_s": 14, "hp": 200, "speed": 3.5, "range": 5, "damage": 30,
                   "cooldown_s": 1.0, "sight": 8, "from": "war_factory", "air": True,
                   "hits_air": True},
}
QUEUE_LIMIT = 10
SUPERWEAPON_RADIUS = 3.0
SUPERWEAPON_DAMAGE = 400
COMBAT_TYPES = ("infantry", "tank", "artillery", "helicopter")


def _get(obj, *names, default=None):
    """Read the first of ``names`` from a dict or an object."""
    for n in names:
        if isinstance(obj, dict):
            if n in obj:
                return obj[n]
        elif hasattr(obj, n):
            return getattr(obj, n)
    return default


@dataclass
class Rules:
    buildings: dict[str, dict]
    units: dict[str, dict]
    queue_limit: int = QUEUE_LIMIT
    tick_rate: int = TICK_RATE
    sw_radius: float = SUPERWEAPON_RADIUS
    sw_damage: float = SUPERWEAPON_DAMAGE

    def cost(self, kind: str) -> int:
        if kind in self.units:
            return int(self.units[kind]["cost"])
        return int(self.buildings[kind]["cost"])

    def producer(self, unit_type: str) -> str:
        return self.units[unit_type]["from"]

    def value(self, kind: str) -> float:
        """Rough military/economic worth of an entity type."""
        if kind == "hq":
            return 3000.0
        if kind in self.units:
            return float(self.units[kind]["cost"])
        if kind in self.buildings:
            return float(self.buildings[kind]["cost"])
        return 100.0

    def is_air(self, kind: str) -> bool:
        return bool(self.units.get(kind, {}).get("air"))

    def can_hit(self, attacker: str, target_kind: str) -> bool:
        """Whether a unit of type ``attacker`` can damage an entity of ``target_kind``."""
        u = self.units.get(attacker)
        if not u or not u.get("damage"):
            return False
        if self.is_air(target_kind):
            return bool(u.get("hits_air"))
        return True

    def dps(self, kind: str) -> float:
        u = self.units.get(kind)
        if not u or not u.get("cooldown_s"):
            return 0.0
        return float(u["damage"]) / float(u["cooldown_s"])


def load_rules() -> Rules:
    """The engine's rules table when it can be read, else GAME.md's numbers."""
    buildings = {k: dict(v) for k, v in _FALLBACK_BUILDINGS.items()}
    units = {k: dict(v) for k, v in _FALLBACK_UNITS.items()}
    rules = Rules(buildings, units)
    try:  # pragma: no cover - depends on the engine being present
        from server.sim import rules as sim_rules  # type: ignore
    except Exception:
        return rules
    try:
        _merge_engine_rules(rules, sim_rules)
    except Exception:  # a table we cannot read is not fatal: keep the fallback
        pass
    return rules


def _merge_engine_rules(rules: Rules, mod) -> None:
    """Read server.sim.rules (UnitType / BuildingType tables) over the fallback."""
    rules.tick_rate = int(getattr(mod, "TICK_RATE", rules.tick_rate))
    rules.queue_limit = int(getattr(mod, "QUEUE_MAX", rules.queue_limit))
    rules.sw_radius = float(getattr(mod, "SUPERWEAPON_RADIUS", rules.sw_radius))
    rules.sw_damage = float(getattr(mod, "SUPERWEAPON_UNIT_DAMAGE", rules.sw_damage))
    tr = rules.tick_rate
    for name, spec in dict(getattr(mod, "BUILDINGS", {})).items():
        b = rules.buildings.setdefault(name, dict(_FALLBACK_BUILDINGS.get(name, {})))
        b["cost"] = int(_get(spec, "cost", default=b.get("cost", 0)))
        b["power"] = int(_get(spec, "power", default=b.get("power", 0)))
        b["hp"] = int(_get(spec, "hp", default=b.get("hp", 1)))
        b["needs"] = tuple(_get(spec, "requires", "needs", default=b.get("needs", ())))
        w, h = _get(spec, "w", default=None), _get(spec, "h", default=None)
        if w and h:
            b["size"] = (int(w), int(h))
    for name, spec in dict(getattr(mod, "UNITS", {})).items():
        u = rules.units.setdefault(name, dict(_FALLBACK_UNITS.get(name, {})))
        for key, alt in (("cost", "cost"), ("hp", "hp"), ("range", "range"), ("damage", "damage"),
                         ("sight", "sight")):
            val = _get(spec, alt, default=None)
            if isinstance(val, (int, float)):
                u[key] = val
        speed = _get(spec, "speed", default=None)
        if isinstance(speed, (int, float)):
            u["speed"] = float(speed) * tr          # engine: tiles per tick
        cd = _get(spec, "cooldown_ticks", default=None)
        if isinstance(cd, (int, float)) and cd > 0:
            u["cooldown_s"] = float(cd) / tr
        src = _get(spec, "produced_by", "from", default=None)
        if isinstance(src, str):
            u["from"] = src
        u["air"] = bool(_get(spec, "air", default=name == "helicopter"))
        u["hits_air"] = bool(_get(spec, "hits_air", default=name in ("infantry", "helicopter")))


class Mask:
    """A decoded fog mask (WIRE.md: base64, W*H bits, row-major, LSB first)."""

    __slots__ = ("_src", "bits", "h", "w")

    def __init__(self, encoded: str | bytes | None, w: int, h: int):
        self.w, self.h = w, h
        self._src = encoded
        if isinstance(encoded, str):
            try:
                self.bits = base64.b64decode(encoded)
            except Exception:
                self.bits = b""
        elif isinstance(encoded, (bytes, bytearray)):
            self.bits = bytes(encoded)
        else:
            self.bits = b""

    def get(self, x: float, y: float) -> bool:
        tx, ty = int(math.floor(x)), int(math.floor(y))
        if not (0 <= tx < self.w and 0 <= ty < self.h):
            return False
        i = ty * self.w + tx
        byte = i >> 3
        if byte >= len(self.bits):
            return False
        return bool((self.bits[byte] >> (i & 7)) & 1)

    def count(self) -> int:
        return sum(bin(b).count("1") for b in self.bits)


def encode_mask(bits: list[bool] | list[int], w: int, h: int) -> str:
    """Inverse of Mask (used by tests to build views)."""
    out = bytearray((w * h + 7) // 8)
    for i, v in enumerate(bits):
        if v:
            out[i >> 3] |= 1 << (i & 7)
    return base64.b64encode(bytes(out)).decode()


class MapKnowledge:
    """Static terrain from ``map_info`` (public, like a printed map)."""

    def __init__(self, map_info: dict | None):
        map_info = map_info or {}
        self.w = int(map_info.get("width", 64))
        self.h = int(map_info.get("height", 48))
        tiles = map_info.get("tiles") or ""
        if isinstance(tiles, list):
            tiles = "".join(tiles)
        if len(tiles) != self.w * self.h:
            tiles = "." * (self.w * self.h)
        self.tiles = tiles
        self.ore_tiles = [(i % self.w, i // self.w) for i, c in enumerate(tiles) if c in "o*"]

    def passable(self, x: float, y: float) -> bool:
        tx, ty = int(x), int(y)
        if not (0 <= tx < self.w and 0 <= ty < self.h):
            return False
        return self.tiles[ty * self.w + tx] != "~"

    def clamp(self, x: float, y: float) -> tuple[float, float]:
        return (min(max(x, 0.5), self.w - 0.5), min(max(y, 0.5), self.h - 0.5))

    def mirror(self, x: float, y: float) -> tuple[float, float]:
        """The point on the other side of the map (bases sit in opposite corners)."""
        return (self.w - x, self.h - y)

    def ore_near(self, x: float, y: float, radius: float) -> int:
        r2 = radius * radius
        return sum(1 for (ox, oy) in self.ore_tiles if (ox - x) ** 2 + (oy - y) ** 2 <= r2)
