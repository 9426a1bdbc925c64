"""What the computer opponent knows: the rules table and public map facts.

Everything here is public knowledge a human player also has: the balance table
(``server.sim.rules.rules_table()``, the one sent to clients), the static terrain (``map_info``)
and the decoding of the fog masks of a view.  Nothing here reads the game.
"""
from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

from ..sim.rules import rules_table

# Unit types that fight (the harvester does not).
COMBAT_TYPES = ("infantry", "tank", "artillery", "helicopter")


@dataclass(frozen=True)
class BuildingSpec:
    cost: int
    hp: int
    power: int                       # produced (+) or drawn (-)
    size: tuple[int, int]
    needs: tuple[str, ...]           # completed buildings required first


@dataclass(frozen=True)
class UnitSpec:
    cost: int
    hp: int
    speed: float                     # tiles per second
    range: float
    damage: int
    sight: float
    cooldown_s: float
    produced_by: str
    air: bool
    hits_air: bool


@dataclass
class Rules:
    """The engine's balance table (``server.sim.rules.rules_table()``, the
    table a client gets in ``welcome``) in the shape the opponent reads."""

    buildings: dict[str, BuildingSpec]
    units: dict[str, UnitSpec]
    queue_limit: int
    tick_rate: int
    sw_radius: float
    sw_damage: float

    def cost(self, kind: str) -> int:
        if kind in self.units:
            return self.units[kind].cost
        return self.buildings[kind].cost

    def producer(self, unit_type: str) -> str:
        return self.units[unit_type].produced_by

    def value(self, kind: str) -> float:
        """Rough military/economic worth of an entity type."""
        if kind == "hq":
            return 3000.0
        if kind in self.units:
            return float(self.units[kind].cost)
        if kind in self.buildings:
            return float(self.buildings[kind].cost)
        return 100.0

    def is_air(self, kind: str) -> bool:
        u = self.units.get(kind)
        return u is not None and u.air

    def can_hit(self, attacker: str, target_kind: str) -> bool:
        """Whether a unit of type ``attacker`` can damage an entity of ``target_kind``."""
        u = self.units.get(attacker)
        if not u or not u.damage:
            return False
        if self.is_air(target_kind):
            return u.hits_air
        return True

    def dps(self, kind: str) -> float:
        u = self.units.get(kind)
        if not u or not u.cooldown_s:
            return 0.0
        return float(u.damage) / float(u.cooldown_s)


def load_rules() -> Rules:
    """The engine's rules table, read when the opponent is made (so a test
    that changes the table sees the opponent follow it)."""
    table = rules_table()
    tick_rate = int(table["tick_rate"])
    buildings = {name: BuildingSpec(cost=int(b["cost"]), hp=int(b["hp"]), power=int(b["power"]),
                                    size=(int(b["w"]), int(b["h"])), needs=tuple(b["requires"]))
                 for name, b in table["buildings"].items()}
    units = {name: UnitSpec(cost=int(u["cost"]), hp=int(u["hp"]), speed=float(u["speed_tiles_per_s"]),
                            range=float(u["range"]), damage=int(u["damage"]), sight=float(u["sight"]),
                            cooldown_s=u["cooldown_ticks"] / tick_rate, produced_by=str(u["produced_by"]),
                            air=bool(u["air"]), hits_air=bool(u["hits_air"]))
             for name, u in table["units"].items()}
    return Rules(buildings, units, queue_limit=int(table["construction"]["queue_max"]), tick_rate=tick_rate,
                 sw_radius=float(table["superweapon"]["radius"]),
                 sw_damage=float(table["superweapon"]["unit_damage"]))


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

    def __init__(self, map_info: dict[str, Any] | None):
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
