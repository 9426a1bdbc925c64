"""The compact observation an agent reads (`get_state`).

Built only from the player's own fogged view (`Room` view for that player,
the WebSocket `state` body), so it cannot show anything the fog hides: enemy
units appear only while seen, enemy buildings as seen or as last remembered
(`"stale": true`). Positions are whole tiles, hit points are percentages and
each list is capped, so a mid-game state fits in a small model's context
(about 1-3 kB of JSON).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

#: Most entries listed per unit type (the count is always exact).
MAX_PER_TYPE = 25
#: Most enemy buildings listed.
MAX_ENEMY_BUILDINGS = 20


def _pct(hp: Any, max_hp: Any) -> int:
    return int(round(100 * hp / max_hp)) if max_hp else 0


def _at(e: dict[str, Any]) -> list[int]:
    return [int(e["x"]), int(e["y"])]


def _group_units(units: list[dict[str, Any]], own: bool) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in units:
        entry: dict[str, Any] = {"id": u["id"], "at": _at(u), "hp": _pct(u["hp"], u["max_hp"])}
        if own:
            entry["order"] = u.get("order", "idle")
            if u["type"] == "harvester":
                entry["cargo"] = u.get("cargo", 0)
        groups[u["type"]].append(entry)
    out: dict[str, dict[str, Any]] = {}
    for kind in sorted(groups):
        items = groups[kind]
        group: dict[str, Any] = {"count": len(items), "units": items[:MAX_PER_TYPE]}
        if own:
            group["idle"] = sum(1 for i in items if i["order"] == "idle")
        out[kind] = group
    return out


def compact_state(view: dict[str, Any], *, room: str, player: int, events: list[dict[str, Any]],
                  map_size: tuple[int, int]) -> dict[str, Any]:
    me = view.get("player") or {}
    own_units = [u for u in view.get("units", []) if u.get("owner") == player]
    enemy_units = [u for u in view.get("units", []) if u.get("owner") != player]
    own_b, enemy_b = [], []
    production = []
    for b in view.get("buildings", []):
        if b.get("owner") == player:
            entry = {"id": b["id"], "type": b["type"], "at": _at(b), "hp": _pct(b["hp"], b["max_hp"])}
            if b.get("built", 1.0) < 1.0:
                entry["built"] = b["built"]
            own_b.append(entry)
            for q in b.get("queue") or []:
                production.append({"building": b["id"], "item": q["item"], "progress": q["progress"]})
        else:
            seen = {"id": b["id"], "type": b["type"], "at": _at(b), "hp": _pct(b["hp"], b["max_hp"])}
            if b.get("stale"):
                seen["stale"] = True  # remembered from when it was last seen
            enemy_b.append(seen)
    power = me.get("power") or {}
    over = view.get("game_over")
    return {
        "room": room, "player": player, "tick": view.get("tick", 0),
        "map": {"width": map_size[0], "height": map_size[1]},
        "credits": me.get("credits", 0),
        "power": {"produced": power.get("produced", 0), "used": power.get("used", 0),
                  "low": bool(me.get("low_power", False))},
        "superweapon": me.get("superweapon") or {"charge": 0, "ready": False},
        "units": _group_units(own_units, own=True),
        "buildings": own_b,
        "production": production,
        "enemy": {"units": _group_units(enemy_units, own=False), "buildings": enemy_b[:MAX_ENEMY_BUILDINGS]},
        "events": events,
        "game_over": None if not over else {"winner": over.get("winner"), "you_won": over.get("winner") == player},
    }
