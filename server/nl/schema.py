"""The ACTION schema as the translator sees it (PROTOCOL.md).

Enums and shape checks come from ``server.sim.orders`` (the one order schema of the
project). The translator is stricter than the engine: only PROTOCOL.md's eight
actions (no engine extensions such as ``sell``) and no unknown keys.
"""
from __future__ import annotations

import copy
from typing import Any

from server.sim import orders as _orders

UNITS: tuple[str, ...] = _orders.UNIT_TYPES
BUILDINGS: tuple[str, ...] = _orders.BUILDING_TYPES
DIRECTIONS: tuple[str, ...] = _orders.DIRECTIONS
PLACES: tuple[str, ...] = _orders.PLACES
ACTIONS: tuple[str, ...] = _orders.ACTION_TYPES  # PROTOCOL.md's eight, no engine extensions
MAX_COUNT: int = _orders.MAX_COUNT
MAX_ACTIONS = 4


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)

_KEYS: dict[str, set[str]] = {  # action -> keys it may carry (besides "action")
    "move": {"units", "target"},
    "attack": {"units", "target"},
    "stop": {"units"},
    "harvest": {"units"},
    "defend_base": {"units"},
    "build_unit": {"unit_type", "count"},
    "build_building": {"building_type", "position"},
    "launch_superweapon": {"target"},
}
_SEL_KEYS = ({"ids"}, {"type"}, {"type", "count"}, {"selection"}, {"step"})
_TARGET_KEYS = ({"x", "y"}, {"direction"}, {"place"}, {"entity"})


def _strict_keys(obj: dict) -> str | None:
    extra = set(obj) - {"action"} - _KEYS.get(str(obj.get("action")), set())
    if extra:
        return f"unknown keys {sorted(extra)}"
    if isinstance(obj.get("units"), dict) and set(obj["units"]) not in _SEL_KEYS:
        return "unknown keys in units"
    if isinstance(obj.get("target"), dict) and set(obj["target"]) not in _TARGET_KEYS:
        return "unknown keys in target"
    return None


def parse_action(obj: Any) -> tuple[Any, str | None]:
    """Validate one ACTION dict: (parsed, None) if valid, else (None, reason). Never raises."""
    parsed, err = _orders.parse_action(obj, allow_extensions=False)
    if parsed is None or err:
        return None, err or "invalid action"
    err = _strict_keys(obj)
    return (None, err) if err else (parsed, None)


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
