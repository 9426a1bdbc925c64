"""Clarification instead of a guess (PROTOCOL.md): the question object, and the one this package
asks itself: an order that needs buildings the player does not have.

``make_clarify(question, options, lang)`` builds the ``clarify`` object of an answer (the web
layer gives it an id and an expiry, server/web/clarify.py). ``missing_chain(...)`` looks at
what an order (or a plan) needs against the buildings a player owns and, when something is
missing, returns the plan that builds the chain first, with its cost and time for the label.
``is_yes(text)`` recognises a typed "yes" that answers the open question.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from typing import Any

from server.sim import orders as O
from server.sim import rules as R

from .sequences import plan_actions

NONE_LABEL = {"en": "None of these", "fr": "Aucune de ces options", "zh-TW": "都不是"}

_YES = {
    "en": "yes|y|yeah|yep|yup|ok|okay|sure|do it|go ahead|confirm|yes please|ok do it|sounds good|fine",
    "fr": "oui|ouais|d accord|dac|ok|vas y|allez y|c est bon|confirme|oui s il te plait|oui svp|bien sur",
    "zh-TW": "好|好的|是|是的|確定|可以|對|行|沒問題|好啊|執行|確認",
}
YES_WORDS = frozenset(w for words in _YES.values() for w in words.split("|"))

BUILDING_NAMES = {
    "en": {"power_plant": "power plant", "barracks": "barracks", "refinery": "refinery",
           "war_factory": "war factory", "defense_turret": "defense turret"},
    "fr": {"power_plant": "centrale", "barracks": "caserne", "refinery": "raffinerie",
           "war_factory": "usine", "defense_turret": "tourelle"},
    "zh-TW": {"power_plant": "發電廠", "barracks": "兵營", "refinery": "精煉廠", "war_factory": "戰車工廠",
              "defense_turret": "防禦砲塔"},
}
UNIT_NAMES = {
    "en": {"infantry": "infantry", "tank": "tank", "artillery": "artillery", "harvester": "harvester",
           "helicopter": "helicopter"},
    "fr": {"infantry": "fantassin", "tank": "char", "artillery": "artillerie", "harvester": "collecteur",
           "helicopter": "hélicoptère"},
    "zh-TW": {"infantry": "步兵", "tank": "坦克", "artillery": "火炮", "harvester": "採礦車", "helicopter": "直升機"},
}
_QUESTION = {
    "en": "That needs: {need}. Build what is missing first, then do it?",
    "fr": "Il faut d'abord : {need}. Construire ce qui manque, puis exécuter l'ordre ?",
    "zh-TW": "需要先有{need}。先建造缺少的建築再執行嗎？",
}
_LABEL = {
    "en": "{chain}, ${cost:,}, about {secs} s",
    "fr": "{chain}, {cost} $, environ {secs} s",
    "zh-TW": "{chain}，${cost:,}，約 {secs} 秒",
}
_AND = {"en": " and ", "fr": " et ", "zh-TW": "和"}


def _lang(lang: str) -> str:
    return lang if lang in NONE_LABEL else "en"


def make_clarify(question: str, options: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """The ``clarify`` object (without ``id``): the options given, then "none of these"."""
    opts = [{"label": str(o["label"]), "actions": list(o.get("actions", ())),
             **({"plan": o["plan"]} if o.get("plan") else {})} for o in options]
    opts.append({"label": NONE_LABEL[_lang(lang)], "actions": [], "none": True})
    return {"question": question, "options": opts}


def is_yes(text: str) -> bool:
    """A typed "yes" (« oui », 「好」...): the whole text, punctuation and case aside."""
    t = unicodedata.normalize("NFKC", text).lower().replace("'", " ").replace("’", " ")
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    t = " ".join("".join(c if c.isalnum() or c.isspace() else " " for c in t).split())
    return bool(t) and t in YES_WORDS


def _made(action: dict[str, Any]) -> str | None:
    if action.get("action") == "build_unit":
        return str(action["unit_type"])
    if action.get("action") == "build_building":
        return str(action["building_type"])
    return None


def missing_chain(actions: list[dict[str, Any]], plan: dict[str, Any] | None,
                  owned: Iterable[str]) -> list[str] | None:
    """Buildings to build first (in order) so that every build in ``actions``/``plan`` can run, for a
    player owning ``owned`` (completed or under construction); [] when nothing is missing, None when
    impossible (no headquarters)."""
    have = set(owned)
    if "hq" not in have:
        return None
    chain: list[str] = []
    for a in plan_actions(plan) if plan else actions:
        want = _made(a)
        if want is None:
            continue
        need = O.prerequisite_chain(have | set(chain), want)
        if need is None:
            return None
        chain.extend(b for b in need if b not in chain)
        if a.get("action") == "build_building":
            have.add(want)
    return chain


def chain_plan(chain: list[str], actions: list[dict[str, Any]], plan: dict[str, Any] | None,
               text: str) -> dict[str, Any]:
    """The plan that builds ``chain`` one by one, then runs the order (its own steps if it was a plan)."""
    steps: list[dict[str, Any]] = [{"actions": [{"action": "build_building", "building_type": b}]} for b in chain]
    base = len(steps)
    if plan:
        for s in plan["steps"]:
            step = {"actions": [_shift(a, base) for a in s["actions"]]}
            if "after" in s:
                step["after"] = s["after"]
            steps.append(step)
    else:
        steps.append({"actions": list(actions)})
    return {"text": text[:O.MAX_PLAN_TEXT], "steps": steps}


def _shift(action: dict[str, Any], by: int) -> dict[str, Any]:
    units = action.get("units")
    if isinstance(units, dict) and "step" in units:
        return {**action, "units": {"step": units["step"] + by}}
    return action


def cost_and_time(chain: list[str], actions: list[dict[str, Any]]) -> tuple[int, int]:
    """Credits and seconds (one structure at a time, then the units) of building ``chain`` and the order."""
    cost = sum(R.BUILDINGS[b].cost for b in chain)
    ticks = sum(R.BUILDINGS[b].build_ticks for b in chain)
    for a in actions:
        if a.get("action") == "build_unit":
            u = R.UNITS[a["unit_type"]]
            cost += u.cost * int(a.get("count", 1))
            ticks += u.build_ticks * int(a.get("count", 1))
        elif a.get("action") == "build_building":
            cost += R.BUILDINGS[a["building_type"]].cost
            ticks += R.BUILDINGS[a["building_type"]].build_ticks
    return cost, math.ceil(ticks / R.TICK_RATE)


def chain_clarify(chain: list[str], actions: list[dict[str, Any]], plan: dict[str, Any] | None,
                  text: str, lang: str) -> dict[str, Any]:
    """The question for a missing prerequisite: first option, the plan that builds the chain."""
    lang = _lang(lang)
    names = BUILDING_NAMES[lang]
    made = [_made(a) for a in (plan_actions(plan) if plan else actions)]
    what = [names.get(m, UNIT_NAMES[lang].get(m or "", m or "")) for m in made if m]
    arrow = " → ".join([names[b] for b in chain] + what[:2])
    full = chain_plan(chain, actions, plan, text)
    cost, secs = cost_and_time(chain, plan_actions(plan) if plan else actions)
    label = _LABEL[lang].format(chain=arrow, cost=cost, secs=secs)
    need = [names[b] for b in chain]
    listed = need[0] if len(need) == 1 else (", " if lang != "zh-TW" else "、").join(need[:-1]) + _AND[lang] + need[-1]
    question = _QUESTION[lang].format(need=listed)
    return make_clarify(question, [{"label": label, "actions": plan_actions(full), "plan": full}], lang)


def for_order(actions: list[dict[str, Any]], plan: dict[str, Any] | None, owned: Iterable[str],
              text: str, lang: str) -> dict[str, Any] | None:
    """The question to ask instead of running an order whose builds miss a prerequisite the player
    does not own (completed or under construction) and the order does not build; None: run it."""
    chain = missing_chain(actions, plan, owned)
    if not chain:
        return None
    return chain_clarify(chain, actions, plan, text, lang)
