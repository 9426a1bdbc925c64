"""Fixed system prompts of the model tasks (translation, analysis).

They go first in every request of their task, so the worker can cache their
evaluated state. The few-shot examples are generic orders in the three
languages, written for the prompt (not taken from any evaluation set).
"""
from __future__ import annotations

import json

from .compact import to_compact
from .schema import BUILDINGS, DIRECTIONS, PLACES, UNITS

_SHOTS: list[tuple[str, list[dict]]] = [
    ("produce four infantry", [{"action": "build_unit", "unit_type": "infantry", "count": 4}]),
    ("put up a refinery, then a war factory",
     [{"action": "build_building", "building_type": "refinery"},
      {"action": "build_building", "building_type": "war_factory"}]),
    ("choppers, hit the closest enemy",
     [{"action": "attack", "units": {"type": "helicopter"}, "target": {"place": "nearest_enemy"}}]),
    ("send two artillery southwest",
     [{"action": "move", "units": {"type": "artillery", "count": 2}, "target": {"direction": "southwest"}}]),
    ("everybody pull back", [{"action": "move", "units": {"type": "all"}, "target": {"place": "home"}}]),
    ("fabrique deux collecteurs", [{"action": "build_unit", "unit_type": "harvester", "count": 2}]),
    ("les soldats protègent la base", [{"action": "defend_base", "units": {"type": "infantry"}}]),
    ("immobilisez les chars", [{"action": "stop", "units": {"type": "tank"}}]),
    ("蓋一座精煉廠", [{"action": "build_building", "building_type": "refinery"}]),
    ("所有直升機往東南飛", [{"action": "move", "units": {"type": "helicopter"}, "target": {"direction": "southeast"}}]),
    ("對敵人基地使用超級武器", [{"action": "launch_superweapon", "target": {"place": "enemy_base"}}]),
]


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


# The user turn is the order alone: no "Hints:" line of the lexer's words (the grammar,
# grammar.compact_grammar_for, already narrows every answer to the sentence's words) and no
# "Order:" label; every user-part token is paid on every order (~37 ms each for the production
# model on 2 cores). Accuracy unchanged, model-path p50 ~0.55 -> ~0.27 s: docs/NL.md "Second round".
def translate_user(text: str) -> str:
    return text.strip()


def _shot(text: str, acts: list[dict]) -> str:
    return f"Order: {text}\nActions: {to_compact(acts)}"


# The model answers with compact action lines (server.nl.compact), a few tokens each.
TRANSLATE_SYSTEM = (
    "Turn a player's order for a strategy game (English, French or Chinese) into action lines "
    'separated by "; ".\n'
    "Lines: build UNIT COUNT | build BUILDING | move UNITS TARGET | attack UNITS TARGET | stop UNITS | "
    "harvest UNITS | defend UNITS | launch TARGET.\n"
    f"UNIT: {', '.join(UNITS)}. BUILDING: {', '.join(BUILDINGS)}. "
    "UNITS: a UNIT or all, with ,N for only N of them. "
    f"TARGET: a direction ({', '.join(DIRECTIONS)}) or a place ({', '.join(PLACES)}).\n"
    "Examples:\n"
    + "\n".join(_shot(text, acts) for text, acts in _SHOTS if acts)
)


_ANALYSIS_LANG = {
    "en": "Answer in English.",
    "fr": "Réponds en français.",
    "zh-TW": "請用繁體中文回答。",
}

ANALYSIS_SYSTEM = (
    "You are the tactical advisor of a player in a real-time strategy game (base building, ore "
    "economy, power, tanks, infantry, artillery, helicopters, a superweapon). Read the situation and "
    "the key points, then give the player 2 to 4 short sentences of advice: the biggest threat first, "
    "then what to build or do next."
)


def analysis_user(summary: str, lang: str, key_points: str = "") -> str:
    parts = [f"Situation: {summary}"]
    if key_points:
        parts.append(f"Key points: {key_points}")
    parts.append(_ANALYSIS_LANG.get(lang, _ANALYSIS_LANG["en"]))
    parts.append("Your advice:")
    return "\n".join(parts)
