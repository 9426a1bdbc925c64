"""From clauses to a plan: sequences, conditions, references and what needs what.

The parser reads each clause of a sentence into actions (:class:`Group`); this module decides how
they run. One step holds what runs together; a new step starts

- after "then" / « puis » / 「然後」「再」 (it waits for the previous step to be done);
- at a condition ("when we have 6 tanks", « quand on aura 5 chars », 「有五輛坦克時」);
- at "them" / « les » / 「他們」: the units an earlier step produced or commanded
  (``{"step": k}``), once that step is done;
- at an "and" whose clause needs a building the current step is building ("build a power
  plant and a barracks": the barracks waits for ``{"built": "power_plant"}``).

A sentence that makes a single unconditional step is no plan: its actions run at once, as
before. Conditions found in the words (:func:`condition_of`) are bounded like the engine's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.sim import orders as O
from server.sim import rules as R

#: ``{"step": THEM}`` in a clause's actions: "them", resolved here to a real step index
THEM = -1
#: actions a plan from words may hold in all (every step's actions, flattened)
MAX_PLAN_ACTIONS = 16


@dataclass
class Group:
    """The actions of one clause and how it joins the one before (``sep``: "", "and" or "then")."""
    actions: list[dict[str, Any]]
    sep: str = ""
    cond: dict[str, Any] | None = None
    ref: bool = False                    # names "them": the units of an earlier step


@dataclass
class Built:
    """What a sentence becomes: every action in order, the plan (None: run at once), or why not."""
    actions: list[dict[str, Any]] = field(default_factory=list)
    plan: dict[str, Any] | None = None
    error: str | None = None             # message key (messages.py): "no_reference", "too_many_steps"


def condition_of(have_unit: str | None, count: int | None, building: str | None,
                 credits: bool) -> dict[str, Any] | None:
    """A CONDITION from what a condition clause named, clamped to the engine's bounds; None if nothing."""
    if credits and count is not None:
        return {"credits": max(0, min(R.PLAN_MAX_CREDITS, int(count)))}
    if building is not None:
        return {"built": building}
    if have_unit is not None:
        return {"have": {"unit_type": have_unit, "count": max(1, min(R.PLAN_MAX_UNITS, int(count or 1)))}}
    return None


def _needs(action: dict[str, Any]) -> set[str]:
    """Building types an action needs standing (besides the HQ)."""
    if action.get("action") == "build_building":
        return set(R.BUILDINGS[action["building_type"]].requires) - {"hq"}
    if action.get("action") == "build_unit":
        return {R.UNITS[action["unit_type"]].produced_by}
    return set()


def _builds(step: dict[str, Any]) -> list[str]:
    return [a["building_type"] for a in step["actions"] if a.get("action") == "build_building"]


def _makes_units(step: dict[str, Any]) -> bool:
    return any(a.get("action") == "build_unit" or "units" in a for a in step["actions"])


def _point_refs(actions: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    out = []
    for a in actions:
        if isinstance(a.get("units"), dict) and a["units"].get("step") == THEM:
            a = {**a, "units": {"step": k}}
        out.append(a)
    return out


def build(groups: list[Group], text: str) -> Built:
    """Steps from clause groups (see the module doc)."""
    steps: list[dict[str, Any]] = []
    for g in groups:
        if not g.actions:
            continue
        new, after = not steps, g.cond
        if steps and (g.cond is not None or g.sep == "then" or g.ref):
            new = True
        elif steps:
            deps = set().union(*(_needs(a) for a in g.actions)) & set(_builds(steps[-1]))
            if deps:
                new = True
                after = {"built": sorted(deps)[0]} if len(deps) == 1 else None
        actions = list(g.actions)
        if g.ref:
            makers = [k for k, s in enumerate(steps) if _makes_units(s)]
            if not makers:
                return Built(error="no_reference")
            actions = _point_refs(actions, makers[-1])
        if new:
            step: dict[str, Any] = {"actions": actions}
            if after is not None:
                step["after"] = after
            steps.append(step)
        else:
            steps[-1]["actions"].extend(actions)
    flat = [a for s in steps for a in s["actions"]]
    if not steps:
        return Built()
    if len(steps) == 1 and "after" not in steps[0]:
        return Built(actions=flat)
    if len(steps) > R.PLAN_MAX_STEPS or len(flat) > MAX_PLAN_ACTIONS:
        return Built(error="too_many_steps")
    plan, err = O.parse_plan({"text": text[:O.MAX_PLAN_TEXT], "steps": steps})
    if plan is None:  # pragma: no cover - the steps above are built valid; say so rather than guess
        return Built(error="not_understood")
    return Built(actions=flat, plan=plan)


def plan_actions(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every action of every step of a PLAN, in order (what ``actions`` shows next to ``plan``)."""
    return [a for s in plan.get("steps", ()) for a in s.get("actions", ())]


def orders_for(actions: list[dict[str, Any]], plan: dict[str, Any] | None) -> list[dict[str, Any]]:
    """What to give the game for a translated sentence: the plan as one order, else its actions."""
    if plan is not None:
        return [{"action": "plan", "text": plan.get("text", ""), "steps": plan["steps"]}]
    return list(actions)


def plan_from_model(actions: list[dict[str, Any]], items: list[tuple[Any, ...]], text: str) -> Built:
    """A plan for the model's actions, from the sentence's own structure words (the model writes a
    flat list): after "then" each action waits for the one before; with "them", an order to "all"
    units after a step that makes units goes to those units; what needs what waits as usual.
    ``items``: the parser's lexer items of ``text``."""
    has_then = any(k == "SEP" and v == "then" for k, v, *_ in items)
    has_ref = any(k == "REF" for k, *_ in items)
    groups: list[Group] = []
    made = False
    for i, a in enumerate(actions):
        units = a.get("units")
        ref = bool(has_ref and made and isinstance(units, dict) and units.get("type") == "all")
        if ref:
            a = {**a, "units": {"step": THEM}}
        groups.append(Group([a], "then" if i and has_then else "and", None, ref))
        made = made or a.get("action") == "build_unit" or "units" in a
    built = build(groups, text)
    return built if built.error is None else Built(actions=list(actions))
