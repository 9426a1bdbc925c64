"""The ACTION schema of PROTOCOL.md as pure data, and its shape checks.

``parse_action(obj)`` answers ``(Action, None)`` for a well-formed action or
``(None, reason)``; it never raises. It checks shape only (types, enums,
bounds); the rules (credits, ownership, placement...) are checked by
``Game.apply``. Unknown keys are ignored.

Extension actions (documented in docs/SIMULATION.md):
``{"action":"sell","building":id}`` and ``{"action":"cancel","building":id}``;
``build_unit`` also accepts an optional ``"building": id`` (which producer).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

UNIT_TYPES: tuple[str, ...] = ("infantry", "tank", "artillery", "harvester", "helicopter")
BUILDING_TYPES: tuple[str, ...] = ("power_plant", "barracks", "refinery", "war_factory", "defense_turret")
DIRECTIONS: tuple[str, ...] = ("north", "south", "east", "west", "northeast", "northwest",
                               "southeast", "southwest")
PLACES: tuple[str, ...] = ("enemy_base", "home", "ore", "nearest_enemy")
ACTION_TYPES: tuple[str, ...] = ("move", "attack", "stop", "harvest", "defend_base", "build_unit",
                                 "build_building", "launch_superweapon")
EXTENSION_ACTION_TYPES: tuple[str, ...] = ("sell", "cancel")
ALL_ACTION_TYPES: tuple[str, ...] = ACTION_TYPES + EXTENSION_ACTION_TYPES

#: unit vector (dx, dy) of each direction; y grows southwards
DIRECTION_VECTORS: dict[str, tuple[int, int]] = {
    "north": (0, -1), "south": (0, 1), "east": (1, 0), "west": (-1, 0),
    "northeast": (1, -1), "northwest": (-1, -1), "southeast": (1, 1), "southwest": (-1, 1),
}

MAX_COUNT = 20          # build_unit count
MAX_SEL_COUNT = 1000    # selection count
MAX_IDS = 500           # ids in one selection
MAX_ID = 2**31 - 1
MAX_COORD = 100_000.0   # shape bound; the map bound is a rule checked by the game

NEEDS_UNITS = ("move", "attack", "stop", "harvest", "defend_base")
NEEDS_TARGET = ("move", "attack", "launch_superweapon")


@dataclass(frozen=True, slots=True)
class Selection:
    """``{"ids":[...]}`` (ids set) or ``{"type": UNIT|"all", "count"?}`` (type set)."""
    ids: tuple[int, ...] | None = None
    type: str | None = None
    count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.ids is not None:
            return {"ids": list(self.ids)}
        d: dict[str, Any] = {"type": self.type}
        if self.count is not None:
            d["count"] = self.count
        return d


@dataclass(frozen=True, slots=True)
class Target:
    """kind is "point" (x, y), "direction", "place" or "entity"."""
    kind: str
    x: float | None = None
    y: float | None = None
    direction: str | None = None
    place: str | None = None
    entity: int | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "point":
            return {"x": self.x, "y": self.y}
        if self.kind == "direction":
            return {"direction": self.direction}
        if self.kind == "place":
            return {"place": self.place}
        return {"entity": self.entity}


@dataclass(frozen=True, slots=True)
class Action:
    """A shape-checked action. ``to_dict()`` gives back the normalized ACTION dict."""
    action: str
    units: Selection | None = None
    target: Target | None = None
    unit_type: str | None = None
    count: int = 1
    building_type: str | None = None
    position: tuple[int, int] | None = None
    building: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"action": self.action}
        if self.units is not None:
            d["units"] = self.units.to_dict()
        if self.target is not None:
            d["target"] = self.target.to_dict()
        if self.action == "build_unit":
            d["unit_type"] = self.unit_type
            d["count"] = self.count
        if self.building_type is not None:
            d["building_type"] = self.building_type
        if self.position is not None:
            d["position"] = {"x": self.position[0], "y": self.position[1]}
        if self.building is not None:
            d["building"] = self.building
        return d


class _Bad(Exception):
    pass


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _int(v: Any, what: str, lo: int, hi: int) -> int:
    if not _is_int(v):
        raise _Bad(f"{what} must be an integer")
    if v < lo or v > hi:
        raise _Bad(f"{what} must be between {lo} and {hi}")
    return int(v)


def _num(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Bad(f"{what} must be a number")
    if isinstance(v, int):
        if abs(v) > MAX_COORD:
            raise _Bad(f"{what} is out of range")
        return float(v)
    if not math.isfinite(v) or abs(v) > MAX_COORD:
        raise _Bad(f"{what} must be a finite number in range")
    return float(v)


def _enum(v: Any, what: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(v, str) or v not in allowed:
        raise _Bad(f"{what} must be one of: {', '.join(allowed)}")
    return v


def _dict(v: Any, what: str) -> dict:
    if not isinstance(v, dict):
        raise _Bad(f"{what} must be an object")
    return v


def parse_selection(obj: Any) -> Selection:
    d = _dict(obj, "units")
    if "ids" in d:
        ids = d["ids"]
        if not isinstance(ids, list) or not ids:
            raise _Bad("units.ids must be a non-empty list of ids")
        if len(ids) > MAX_IDS:
            raise _Bad(f"units.ids may hold at most {MAX_IDS} ids")
        out: list[int] = []
        for v in ids:
            out.append(_int(v, "unit id", 0, MAX_ID))
        return Selection(ids=tuple(dict.fromkeys(out)))
    if "type" in d:
        t = _enum(d["type"], "units.type", UNIT_TYPES + ("all",))
        count = None
        if "count" in d and d["count"] is not None:
            count = _int(d["count"], "units.count", 1, MAX_SEL_COUNT)
        return Selection(type=t, count=count)
    raise _Bad('units must be {"ids":[...]} or {"type":...}')


def parse_target(obj: Any) -> Target:
    d = _dict(obj, "target")
    forms = [k for k in ("direction", "place", "entity") if k in d]
    if "x" in d or "y" in d:
        forms.append("x/y")
    if len(forms) != 1:
        raise _Bad("target must be exactly one of {x,y}, {direction}, {place}, {entity}")
    form = forms[0]
    if form == "x/y":
        if "x" not in d or "y" not in d:
            raise _Bad("target needs both x and y")
        return Target("point", x=_num(d["x"], "target.x"), y=_num(d["y"], "target.y"))
    if form == "direction":
        return Target("direction", direction=_enum(d["direction"], "target.direction", DIRECTIONS))
    if form == "place":
        return Target("place", place=_enum(d["place"], "target.place", PLACES))
    return Target("entity", entity=_int(d["entity"], "target.entity", 0, MAX_ID))


def _parse(obj: Any, allow_extensions: bool) -> Action:
    d = _dict(obj, "action")
    kind = _enum(d.get("action"), "action", ALL_ACTION_TYPES if allow_extensions else ACTION_TYPES)
    if kind in NEEDS_UNITS:
        if "units" not in d:
            raise _Bad(f"{kind} needs units")
        units = parse_selection(d["units"])
        target = None
        if kind in NEEDS_TARGET:
            if "target" not in d:
                raise _Bad(f"{kind} needs a target")
            target = parse_target(d["target"])
        return Action(kind, units=units, target=target)
    if kind == "launch_superweapon":
        if "target" not in d:
            raise _Bad("launch_superweapon needs a target")
        return Action(kind, target=parse_target(d["target"]))
    if kind == "build_unit":
        ut = _enum(d.get("unit_type"), "unit_type", UNIT_TYPES)
        count = 1
        if "count" in d and d["count"] is not None:
            count = _int(d["count"], "count", 1, MAX_COUNT)
        building = None
        if d.get("building") is not None:
            building = _int(d["building"], "building", 0, MAX_ID)
        return Action(kind, unit_type=ut, count=count, building=building)
    if kind == "build_building":
        bt = _enum(d.get("building_type"), "building_type", BUILDING_TYPES)
        pos = None
        if d.get("position") is not None:
            p = _dict(d["position"], "position")
            if "x" not in p or "y" not in p:
                raise _Bad("position needs x and y")
            x, y = _num(p["x"], "position.x"), _num(p["y"], "position.y")
            pos = (int(math.floor(x)), int(math.floor(y)))
        return Action(kind, building_type=bt, position=pos)
    # sell / cancel
    if "building" not in d:
        raise _Bad(f"{kind} needs a building id")
    return Action(kind, building=_int(d["building"], "building", 0, MAX_ID))


def parse_action(obj: Any, *, allow_extensions: bool = True) -> tuple[Action | None, str | None]:
    """Shape-check one ACTION. Returns ``(action, None)`` or ``(None, reason)``; never raises.

    ``allow_extensions=False`` accepts only PROTOCOL.md's eight actions (no ``sell``/``cancel``):
    what a natural-language translator may produce.
    """
    try:
        return _parse(obj, allow_extensions), None
    except _Bad as e:
        return None, str(e)
    except Exception as e:  # pragma: no cover - belt and braces: garbage must never escape
        return None, f"malformed action ({type(e).__name__})"
