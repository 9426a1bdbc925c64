"""Compact answers: one short line per action, written by the model, expanded here.

The translator's model answers under :func:`server.nl.grammar.compact_grammar_for`::

    build tank 3; move tank,2 north; attack all nearest_enemy

which this module turns into ACTION dicts (PROTOCOL.md shape). The result is
not trusted: the translator re-validates every action with the order schema
(:func:`server.nl.schema.clean_actions`). ``to_compact`` writes the same form
from ACTION dicts (the prompt's few-shot examples, tests).
"""
from __future__ import annotations

import re
from typing import Any

from .grammar import COMPACT_SEP, COMPACT_VERB
from .schema import BUILDINGS, DIRECTIONS, PLACES, UNITS

_SEL = re.compile(r"^([a-z_]+)(?:,(\d{1,2}))?$")


_XY = re.compile(r"^(\d{1,3}),(\d{1,3})$")


def _target(word: str) -> dict[str, Any] | None:
    if word in DIRECTIONS:
        return {"direction": word}
    if word in PLACES:
        return {"place": word}
    m = _XY.match(word)  # map coordinates "14,33"
    if m:
        return {"x": int(m.group(1)), "y": int(m.group(2))}
    return None


def _selection(word: str) -> dict[str, Any] | None:
    if word == "selection":  # "these units": the player's selection
        return {"selection": True}
    m = _SEL.match(word)
    if not m or (m.group(1) not in UNITS and m.group(1) != "all"):
        return None
    sel: dict[str, Any] = {"type": m.group(1)}
    if m.group(2):
        sel["count"] = int(m.group(2))
    return sel


def parse_line(line: str) -> dict[str, Any] | None:
    """One compact action line -> an ACTION dict, or None when it is not one."""
    words = line.strip().split()
    if not words:
        return None
    verb, args = words[0], words[1:]
    if verb == "build":
        if len(args) == 2 and args[0] in UNITS and args[1].isdigit():
            return {"action": "build_unit", "unit_type": args[0], "count": int(args[1])}
        if len(args) == 1 and args[0] in UNITS:
            return {"action": "build_unit", "unit_type": args[0], "count": 1}
        if len(args) == 1 and args[0] in BUILDINGS:
            return {"action": "build_building", "building_type": args[0]}
        m = _XY.match(args[1]) if len(args) == 2 and args[0] in BUILDINGS else None
        if m:  # "build defense_turret 20,14": placed where the player said
            return {"action": "build_building", "building_type": args[0],
                    "position": {"x": int(m.group(1)), "y": int(m.group(2))}}
        return None
    if verb in ("move", "attack") and len(args) == 2:
        sel, tgt = _selection(args[0]), _target(args[1])
        if sel is None or tgt is None:
            return None
        return {"action": verb, "units": sel, "target": tgt}
    if verb in ("stop", "harvest", "defend") and len(args) == 1:
        sel = _selection(args[0])
        if sel is None:
            return None
        return {"action": "defend_base" if verb == "defend" else verb, "units": sel}
    if verb == "launch" and len(args) == 1:
        tgt = _target(args[0])
        return None if tgt is None else {"action": "launch_superweapon", "target": tgt}
    return None


def parse_compact(text: str) -> list[dict[str, Any]]:
    """Every action line of ``text`` (separated by ";" or new lines) that parses; others are dropped."""
    out = []
    for line in re.split(r"[;\n]", text or ""):
        act = parse_line(line)
        if act is not None:
            out.append(act)
    return out


def action_line(action: dict[str, Any]) -> str:
    """The compact line of one ACTION dict (selection by type, target by direction or place)."""
    kind = action["action"]
    verb = COMPACT_VERB[kind]
    if kind == "build_unit":
        return f"{verb} {action['unit_type']} {action.get('count', 1)}"
    if kind == "build_building":
        pos = action.get("position")
        return f"{verb} {action['building_type']}" + (f" {pos['x']},{pos['y']}" if isinstance(pos, dict) else "")
    parts = [verb]
    if "units" in action:
        sel = action["units"]
        if sel.get("selection"):
            parts.append("selection")
        else:
            parts.append(sel["type"] + (f",{sel['count']}" if "count" in sel else ""))
    if "target" in action:
        tgt = action["target"]
        parts.append(f"{tgt['x']},{tgt['y']}" if "x" in tgt else next(iter(tgt.values())))
    return " ".join(parts)


def to_compact(actions: list[dict[str, Any]]) -> str:
    """The compact answer for a list of ACTION dicts."""
    return COMPACT_SEP.join(action_line(a) for a in actions)
