"""The ACTION schema as the translator sees it (PROTOCOL.md).

Validation goes through ``server.sim.orders.parse_action`` (the one order
schema of the project). Until that module exists, a local fallback with the
same shape rules is used; ``USING_SIM_ORDERS`` says which one is active.
"""
from __future__ import annotations

import copy
from typing import Any

UNITS = ("infantry", "tank", "artillery", "harvester", "helicopter")
BUILDINGS = ("power_plant", "barracks", "refinery", "war_factory", "defense_turret")
DIRECTIONS = ("north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest")
PLACES = ("enemy_base", "home", "ore", "nearest_enemy")
ACTIONS = ("move", "attack", "stop", "harvest", "defend_base", "build_unit", "build_building",
           "launch_superweapon")
MAX_COUNT = 20
MAX_ACTIONS = 4

try:  # the engine's schema, when it has landed
    from server.sim.orders import parse_action as _sim_parse_action  # type: ignore
    USING_SIM_ORDERS = True
except Exception:  # pragma: no cover - depends on the state of server/sim
    _sim_parse_action = None
    USING_SIM_ORDERS = False


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_sel(sel: Any) -> str | None:
    if not isinstance(sel, dict):
        return "units must be an object"
    if "ids" in sel:
        ids = sel["ids"]
        if set(sel) != {"ids"} or not isinstance(ids, list) or not ids or not all(_is_int(i) for i in ids):
            return "units.ids must be a non-empty list of ints"
        return None
    if set(sel) - {"type", "count"}:
        return "unknown key in units"
    if sel.get("type") not in UNITS + ("all",):
        return "bad units.type"
    if "count" in sel and (not _is_int(sel["count"]) or sel["count"] < 1):
        return "bad units.count"
    return None


def _check_target(t: Any) -> str | None:
    if not isinstance(t, dict) or len(t) == 0:
        return "target must be an object"
    keys = set(t)
    if keys == {"x", "y"}:
        return None if _num(t["x"]) and _num(t["y"]) else "bad target x/y"
    if keys == {"direction"}:
        return None if t["direction"] in DIRECTIONS else "bad direction"
    if keys == {"place"}:
        return None if t["place"] in PLACES else "bad place"
    if keys == {"entity"}:
        return None if _is_int(t["entity"]) else "bad entity"
    return "bad target"


_SHAPES: dict[str, tuple[set[str], set[str]]] = {  # action -> (required keys, optional keys)
    "move": ({"units", "target"}, set()),
    "attack": ({"units", "target"}, set()),
    "stop": ({"units"}, set()),
    "harvest": ({"units"}, set()),
    "defend_base": ({"units"}, set()),
    "build_unit": ({"unit_type", "count"}, set()),
    "build_building": ({"building_type"}, {"position"}),
    "launch_superweapon": ({"target"}, set()),
}


def local_parse_action(obj: Any) -> tuple[dict | None, str | None]:
    """Fallback shape check with the same contract as sim.orders.parse_action."""
    if not isinstance(obj, dict):
        return None, "action must be an object"
    name = obj.get("action")
    if name not in _SHAPES:
        return None, "unknown action"
    req, opt = _SHAPES[name]
    keys = set(obj) - {"action"}
    if not req <= keys:
        return None, f"missing {sorted(req - keys)}"
    if keys - req - opt:
        return None, f"unknown keys {sorted(keys - req - opt)}"
    if "units" in obj and (err := _check_sel(obj["units"])):
        return None, err
    if "target" in obj and (err := _check_target(obj["target"])):
        return None, err
    if name == "build_unit":
        if obj["unit_type"] not in UNITS:
            return None, "bad unit_type"
        if not _is_int(obj["count"]) or not 1 <= obj["count"] <= MAX_COUNT:
            return None, "count must be 1..20"
    if name == "build_building":
        if obj["building_type"] not in BUILDINGS:
            return None, "bad building_type"
        if "position" in obj:
            p = obj["position"]
            if not isinstance(p, dict) or set(p) != {"x", "y"} or not (_num(p["x"]) and _num(p["y"])):
                return None, "bad position"
    return obj, None


def parse_action(obj: Any) -> tuple[Any, str | None]:
    """Validate one ACTION dict: (parsed, None) if valid, else (None, reason)."""
    if _sim_parse_action is not None:
        try:
            parsed, err = _sim_parse_action(obj)
        except Exception as exc:  # never let a schema bug escape
            return None, f"invalid action: {exc}"
        return (parsed, None) if parsed is not None and not err else (None, err or "invalid action")
    return local_parse_action(obj)


def clean_actions(items: Any, limit: int = MAX_ACTIONS) -> list[dict]:
    """Keep the schema-valid ACTION dicts of ``items`` (clamping counts first), at most ``limit``."""
    out: list[dict] = []
    if not isinstance(items, list):
        items = [items] if isinstance(items, dict) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        act = copy.deepcopy(item)
        if act.get("action") == "build_unit":
            c = act.get("count", 1)
            if isinstance(c, str) and c.strip().isdigit():
                c = int(c.strip())
            if not _is_int(c):
                c = 1
            act["count"] = max(1, min(MAX_COUNT, c))
        parsed, err = parse_action(act)
        if parsed is None or err:
            continue
        out.append(act)
        if len(out) >= limit:
            break
    return out
