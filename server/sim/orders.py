"""The ACTION schema of PROTOCOL.md as pure data, and its shape checks.

``parse_action(obj)`` answers ``(Action, None)`` for a well-formed action or
``(None, reason)``; it never raises. It checks shape only (types, enums,
bounds); the rules (credits, ownership, placement...) are checked by
``Game.apply``. Unknown keys are ignored.

Extension actions (documented in docs/SIMULATION.md):
``{"action":"sell","building":id}`` and ``{"action":"cancel","building":id}``;
``build_unit`` also accepts an optional ``"building": id`` (which producer).

Plans (PROTOCOL.md "Plans"): ``{"action":"plan","text","steps":[STEP...]}`` and
``{"action":"cancel_plan","plan":id}`` are orders too (so they are logged and replayed like
clicks); :func:`parse_plan` checks the PLAN a translator returns. SEL also takes
``{"selection": true}`` (the client's selection, replaced by ids before it reaches the game,
see :func:`with_selection`) and ``{"step": k}`` (inside a plan: the units step k produced or
selected). :func:`prerequisite_chain` lists what must be built before something can be made.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

from . import rules as R

UNIT_TYPES: tuple[str, ...] = ("infantry", "tank", "artillery", "harvester", "helicopter")
BUILDING_TYPES: tuple[str, ...] = ("power_plant", "barracks", "refinery", "war_factory", "defense_turret")
DIRECTIONS: tuple[str, ...] = ("north", "south", "east", "west", "northeast", "northwest",
                               "southeast", "southwest")
PLACES: tuple[str, ...] = ("enemy_base", "home", "ore", "nearest_enemy",
                           "center", "top_left", "top_right", "bottom_left", "bottom_right")
ACTION_TYPES: tuple[str, ...] = ("move", "attack", "stop", "harvest", "defend_base", "build_unit",
                                 "build_building", "launch_superweapon")
EXTENSION_ACTION_TYPES: tuple[str, ...] = ("sell", "cancel")
ALL_ACTION_TYPES: tuple[str, ...] = ACTION_TYPES + EXTENSION_ACTION_TYPES
#: orders about plans: accepted by the game's gate, never inside a plan nor from a translator
PLAN_ACTION_TYPES: tuple[str, ...] = ("plan", "cancel_plan")
CONDITION_KINDS: tuple[str, ...] = ("previous", "built", "have", "credits")

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
MAX_PLAN_TEXT = 500     # characters of a plan's text (the sentence it came from)

NEEDS_UNITS = ("move", "attack", "stop", "harvest", "defend_base")
NEEDS_TARGET = ("move", "attack", "launch_superweapon")


@dataclass(frozen=True, slots=True)
class Selection:
    """``{"ids":[...]}`` (ids set), ``{"type": UNIT|"all", "count"?}`` (type set),
    ``{"selection": true}`` (selection set) or ``{"step": k}`` (step set)."""
    ids: tuple[int, ...] | None = None
    type: str | None = None
    count: int | None = None
    selection: bool = False
    step: int | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.ids is not None:
            return {"ids": list(self.ids)}
        if self.selection:
            return {"selection": True}
        if self.step is not None:
            return {"step": self.step}
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
    text: str | None = None                       # plan: the sentence it came from
    steps: tuple[PlanStep, ...] | None = None     # plan
    plan: int | None = None                       # cancel_plan: which plan

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"action": self.action}
        if self.action == "plan":
            d["text"] = self.text or ""
            d["steps"] = [s.to_dict() for s in self.steps or ()]
            return d
        if self.action == "cancel_plan":
            d["plan"] = self.plan
            return d
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


@dataclass(frozen=True, slots=True)
class Condition:
    """CONDITION: ``previous`` (step k-1 done), ``built`` (one completed building_type),
    ``have`` (count units of unit_type, "all" = combat units) or ``credits`` (count credits)."""
    kind: str
    building_type: str | None = None
    unit_type: str | None = None
    count: int = 0

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "previous":
            return {"previous": "done"}
        if self.kind == "built":
            return {"built": self.building_type}
        if self.kind == "have":
            return {"have": {"unit_type": self.unit_type, "count": self.count}}
        return {"credits": self.count}


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One STEP of a plan as ordered: its actions and when they may run (None: at once)."""
    actions: tuple[Action, ...]
    after: Condition | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"actions": [a.to_dict() for a in self.actions]}
        if self.after is not None:
            d["after"] = self.after.to_dict()
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
    if "selection" in d:
        if d["selection"] is not True:
            raise _Bad("units.selection must be true")
        return Selection(selection=True)
    if "step" in d:
        return Selection(step=_int(d["step"], "units.step", 0, R.PLAN_MAX_STEPS - 1))
    raise _Bad('units must be {"ids":[...]}, {"type":...}, {"selection":true} or {"step":k}')


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


def _parse(obj: Any, allow_extensions: bool, allow_plans: bool = True) -> Action:
    d = _dict(obj, "action")
    allowed = ALL_ACTION_TYPES if allow_extensions else ACTION_TYPES
    if allow_extensions and allow_plans:
        allowed = allowed + PLAN_ACTION_TYPES
    kind = _enum(d.get("action"), "action", allowed)
    if kind == "plan":
        return _plan_only(d, allow_extensions)
    if kind == "cancel_plan":
        return Action(kind, plan=_int(d.get("plan"), "plan", 0, MAX_ID))
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


def parse_condition(obj: Any) -> Condition:
    d = _dict(obj, "after")
    if len(d) != 1 or next(iter(d)) not in CONDITION_KINDS:
        raise _Bad("after must be one of {previous}, {built}, {have}, {credits}")
    if "previous" in d:
        if d["previous"] != "done":
            raise _Bad('after.previous must be "done"')
        return Condition("previous")
    if "built" in d:
        return Condition("built", building_type=_enum(d["built"], "after.built", BUILDING_TYPES))
    if "have" in d:
        h = _dict(d["have"], "after.have")
        ut = _enum(h.get("unit_type"), "after.have.unit_type", UNIT_TYPES + ("all",))
        return Condition("have", unit_type=ut, count=_int(h.get("count"), "after.have.count", 1, R.PLAN_MAX_UNITS))
    return Condition("credits", count=_int(d["credits"], "after.credits", 0, R.PLAN_MAX_CREDITS))


def _makes_units(step: PlanStep) -> bool:
    return any(a.action == "build_unit" or a.units is not None for a in step.actions)


def _steps(obj: Any, allow_extensions: bool) -> tuple[PlanStep, ...]:
    if not isinstance(obj, list) or not obj:
        raise _Bad("plan.steps must be a non-empty list")
    if len(obj) > R.PLAN_MAX_STEPS:
        raise _Bad(f"a plan has at most {R.PLAN_MAX_STEPS} steps")
    steps: list[PlanStep] = []
    for k, raw in enumerate(obj):
        sd = _dict(raw, f"step {k + 1}")
        acts = sd.get("actions")
        if not isinstance(acts, list) or not acts:
            raise _Bad(f"step {k + 1} needs a non-empty list of actions")
        if len(acts) > R.PLAN_MAX_STEP_ACTIONS:
            raise _Bad(f"a step has at most {R.PLAN_MAX_STEP_ACTIONS} actions")
        actions = tuple(_parse(a, allow_extensions, allow_plans=False) for a in acts)
        for a in actions:
            ref = a.units.step if a.units is not None else None
            if ref is not None and (ref >= k or not _makes_units(steps[ref])):
                raise _Bad(f"step {k + 1} refers to units of a step that comes later or makes none")
        after = parse_condition(sd["after"]) if sd.get("after") is not None else None
        if after is not None and after.kind == "previous" and k == 0:
            raise _Bad("the first step has no previous step to wait for")
        steps.append(PlanStep(actions, after))
    return tuple(steps)


def parse_plan(obj: Any, *, allow_extensions: bool = False) -> tuple[dict | None, str | None]:
    """Shape-check a PLAN (``{"text"?, "steps":[...]}``; runtime fields such as ``id`` and
    ``status`` are ignored). Returns ``({"text","steps"}, None)`` normalized, or ``(None, reason)``."""
    try:
        act = _plan_only(_dict(obj, "plan"), allow_extensions)
        return {"text": act.text or "", "steps": [s.to_dict() for s in act.steps or ()]}, None
    except _Bad as e:
        return None, str(e)
    except (TypeError, ValueError, RecursionError) as e:  # pragma: no cover - garbage must never escape
        return None, f"malformed plan ({type(e).__name__})"


def _plan_only(d: dict, allow_extensions: bool) -> Action:
    text = d.get("text", "")
    if not isinstance(text, str) or len(text) > MAX_PLAN_TEXT:
        raise _Bad(f"plan.text must be a string of at most {MAX_PLAN_TEXT} characters")
    return Action("plan", text=text, steps=_steps(d.get("steps"), allow_extensions))


def with_selection(obj: Any, ids: Iterable[int]) -> Any:
    """A copy of an ACTION, a PLAN or a list of them where ``{"selection": true}`` is ``{"ids": ids}``."""
    chosen = [i for i in ids]
    if isinstance(obj, list):
        return [with_selection(v, chosen) for v in obj]
    if isinstance(obj, dict):
        if obj.get("selection") is True and len(obj) == 1:
            return {"ids": list(chosen)}
        return {k: with_selection(v, chosen) for k, v in obj.items()}
    return obj


def uses_selection(obj: Any) -> bool:
    """Whether an ACTION, PLAN or list of them names ``{"selection": true}``."""
    if isinstance(obj, list):
        return any(uses_selection(v) for v in obj)
    if isinstance(obj, dict):
        if obj.get("selection") is True and len(obj) == 1:
            return True
        return any(uses_selection(v) for v in obj.values())
    return False


def prerequisite_chain(owned: Iterable[str], want: str) -> list[str] | None:
    """Building types to build, in an order that works, before ``want`` (a unit or building type)
    can be made by a player whose completed (or planned) buildings are ``owned``. None: impossible
    (no headquarters, or ``want`` is not something a player builds)."""
    have = set(owned)
    if "hq" not in have:
        return None
    if want in R.UNITS:
        need = [R.UNITS[want].produced_by]
    elif want in R.BUILDINGS and R.BUILDINGS[want].cost > 0:
        need = list(R.BUILDINGS[want].requires)
    else:
        return None
    chain: list[str] = []

    def visit(bt: str) -> None:
        if bt in have or bt in chain:
            return
        for req in R.BUILDINGS[bt].requires:
            visit(req)
        chain.append(bt)

    for bt in need:
        visit(bt)
    return chain


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
