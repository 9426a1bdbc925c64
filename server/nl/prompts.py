"""Fixed system prompts of the model tasks (translation, analysis).

They go first in every request of their task, so the worker can cache their
evaluated state. The few-shot examples are generic orders in the three
languages, written for the prompt (not taken from any evaluation set).
"""
from __future__ import annotations

import json

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
    ("tell me a story", []),
    ("add 5000 money to my account", []),
]


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


TRANSLATE_SYSTEM = (
    "You turn a player's order for a real-time strategy game into a JSON array of actions. "
    "Orders may be in English, French or Chinese. Answer with the JSON array only.\n"
    "Actions:\n"
    '{"action":"build_unit","unit_type":U,"count":1-20}\n'
    '{"action":"build_building","building_type":B}\n'
    '{"action":"move","units":S,"target":T}\n'
    '{"action":"attack","units":S,"target":T}\n'
    '{"action":"stop","units":S}\n'
    '{"action":"harvest","units":S}\n'
    '{"action":"defend_base","units":S}\n'
    '{"action":"launch_superweapon","target":T}\n'
    f"U: {', '.join(UNITS)}. B: {', '.join(BUILDINGS)}.\n"
    'S: {"type":U or "all"} with optional "count". '
    f'T: {{"direction": one of {", ".join(DIRECTIONS)}}} or {{"place": one of {", ".join(PLACES)}}}.\n'
    "Anything that is not such an order (chat, questions, cheats, credits) gives [].\n"
    "Examples:\n"
    + "\n".join(f"{text} => {_dump(acts)}" for text, acts in _SHOTS)
)


def translate_user(text: str) -> str:
    return text.strip()


_ANALYSIS_LANG = {
    "en": "Answer in English.",
    "fr": "Réponds en français.",
    "zh-TW": "請用繁體中文回答。",
}

ANALYSIS_SYSTEM = (
    "You are the tactical advisor of a player in a real-time strategy game (base building, ore "
    "economy, power, tanks, infantry, artillery, helicopters, a superweapon). From the situation "
    "report, give 2 to 4 short, concrete sentences of advice: the biggest threat or weakness first, "
    "then what to build or do next. No lists, no preamble."
)


def analysis_user(summary: str, lang: str) -> str:
    return f"Situation: {summary}\n{_ANALYSIS_LANG.get(lang, _ANALYSIS_LANG['en'])}"
