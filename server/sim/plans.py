"""Plans: orders that wait for what they need (PROTOCOL.md "Plans: orders that wait for what they need").

A plan is an order like any other: ``{"action":"plan","text","steps":[...]}`` passes the gate,
is logged, and a replay of the log rebuilds the same plans. It lives in ``world.plans`` as
plain data (snapshots carry it). Every ``PLAN_PERIOD`` ticks :func:`run_plans` looks at each
active plan, in id order:

- a step may start once every earlier step has started and its condition (``after``) holds
  (default for step k > 0: step k-1 done);
- its actions go through the same gate as clicks (not logged again: the plan order is);
  ``{"step": k}`` is replaced by the living units step k produced or selected;
- a refusal that time can cure (credits while something earns them, a queue full, a
  prerequisite under construction or built by an earlier step) keeps the step waiting; any
  other refusal fails it with the gate's reason, and the rest of the plan is cancelled;
- a step is done when what it started is finished: its buildings completed, its units out of
  training; orders to units (move, attack...) are done once given.

Reasons are English (``reason``) with a stable ``why`` (``{"code", ...}``) that clients
translate. Each change of a plan is an event ``{"kind":"plan","plan":PLAN}`` to its owner.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from . import rules as R
from .entities import QueueItem
from .gate import Refuse, gate
from .orders import Action, Condition, PlanStep, Selection, uses_selection

if TYPE_CHECKING:
    from .world import World

WAITING, RUNNING, DONE, FAILED, CANCELLED = "waiting", "running", "done", "failed", "cancelled"
ACTIVE = "active"
UNIT_ORDERS = ("move", "attack", "stop", "harvest", "defend_base")
#: gate refusals that time may cure (the others fail the step)
_PATIENT = ("not_enough_credits", "queue_full", "not_built", "missing_prerequisite", "no_producer")


@dataclass(slots=True)
class StepState:
    """One step of a plan as it runs: what it started and what came of it."""
    spec: PlanStep
    status: str = WAITING
    reason: str | None = None            # English; ``why`` is the same for programs
    why: dict[str, Any] | None = None
    started: int = 0                     # actions of the step accepted so far
    sites: list[int] = field(default_factory=list)        # buildings it placed
    items: list[tuple[int, QueueItem]] = field(default_factory=list)  # (building, entry) in training
    units: list[int] = field(default_factory=list)        # units it produced or gave orders to
    lost: int = 0                        # queue entries that never became units

    def to_dict(self) -> dict[str, Any]:
        d = self.spec.to_dict()
        d["status"] = self.status
        if self.reason is not None:
            d["reason"] = self.reason
            d["why"] = dict(self.why or {})
        if self.units:
            d["units"] = list(self.units)
        return d


@dataclass(slots=True)
class Plan:
    """A player's plan: its steps and where it stands. ``to_dict()`` is the PLAN of PROTOCOL.md."""
    id: int
    player: int
    text: str
    steps: list[StepState]
    created: int
    status: str = ACTIVE
    reason: str | None = None
    why: dict[str, Any] | None = None
    shown: tuple[Any, ...] | None = None  # signature of the PLAN last announced (an event goes out when it differs)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "player": self.player, "text": self.text, "status": self.status,
                             "created": self.created, "steps": [s.to_dict() for s in self.steps]}
        if self.reason is not None:
            d["reason"] = self.reason
            d["why"] = dict(self.why or {})
        return d


# ---------------------------------------------------------------------- orders: submit, cancel
def active_count(w: World, p: int) -> int:
    return sum(1 for pl in w.plans.values() if pl.player == p and pl.status == ACTIVE)


def submit(w: World, p: int, a: Action) -> Callable[[], dict[str, Any]]:
    """The gate's handler for ``plan``: refuse (Refuse) or return the commit that starts it."""
    if active_count(w, p) >= w.max_plans:
        raise Refuse("too_many_plans",
                     f"you already have {w.max_plans} active plans; cancel one or wait for one to finish")
    if uses_selection(a.to_dict()):
        raise Refuse("no_selection", "no units are selected")
    steps = a.steps or ()

    def commit() -> dict[str, Any]:
        plan = Plan(w.next_plan, p, a.text or "", [StepState(s) for s in steps], w.tick)
        w.next_plan += 1
        w.plans[plan.id] = plan
        advance(w, plan)  # at once: the first step (or why it waits) is in the order's answer
        _prune(w, p)
        return {"plan": plan.to_dict()}
    return commit


def cancel(w: World, p: int, a: Action) -> Callable[[], dict[str, Any]]:
    """The gate's handler for ``cancel_plan``: only the owner's active plans (others look unknown)."""
    plan = w.plans.get(a.plan if a.plan is not None else -1)
    if plan is None or plan.player != p or plan.status != ACTIVE:
        raise Refuse("unknown_plan", f"you have no active plan {a.plan}")

    def commit() -> dict[str, Any]:
        _finish(plan, CANCELLED, "cancelled by the player", {"code": "cancelled"})
        _announce(w, plan)
        return {"plan": plan.to_dict()}
    return commit


def plans_of(w: World, p: int, active_only: bool = True) -> list[dict[str, Any]]:
    """The player's plans (PLAN dicts) in id order."""
    return [pl.to_dict() for pl in w.plans.values() if pl.player == p and (pl.status == ACTIVE or not active_only)]


# ---------------------------------------------------------------------- the executor
def run_plans(w: World) -> None:
    """One look at every active plan, every PLAN_PERIOD ticks (the step's hook)."""
    if not w.plans or w.tick % R.PLAN_PERIOD:
        return
    counts: dict[int, dict[str, int]] = {}
    for plan in list(w.plans.values()):
        if plan.status == ACTIVE:
            advance(w, plan, counts)


def unit_counts(w: World, p: int) -> dict[str, int]:
    """A player's living units by type, and "all" (combat units)."""
    out: dict[str, int] = {"all": 0}
    for u in w.units.values():
        if u.owner == p and u.alive:
            out[u.type] = out.get(u.type, 0) + 1
            if u.type != "harvester":
                out["all"] += 1
    return out


def advance(w: World, plan: Plan, counts: dict[int, dict[str, int]] | None = None) -> None:
    """Follow the running steps, start the steps that may start, and say what changed.
    ``counts``: units by type per player, filled once per look and shared by its plans (units
    only change in production and combat, never during a look)."""
    if counts is None:
        counts = {}
    earlier_waiting = False
    for k, step in enumerate(plan.steps):
        if plan.status != ACTIVE:
            break
        if step.status == RUNNING:
            _track(w, plan, k, step)
        elif step.status == WAITING:
            if earlier_waiting:  # steps start in order: an earlier one has not started yet
                _wait(step, f"waiting for step {k}", {"code": "wait_previous", "step": k - 1})
                continue
            if _condition(w, plan, k, counts) is None:
                _start(w, plan, k, step)
                if step.status == RUNNING:
                    _track(w, plan, k, step)
            earlier_waiting = step.status == WAITING
    if plan.status == ACTIVE and all(s.status == DONE for s in plan.steps):
        plan.status = DONE
    _announce(w, plan)


def _wait(step: StepState, reason: str, why: dict[str, Any]) -> None:
    step.reason, step.why = reason, why


def _fail(plan: Plan, k: int, reason: str, why: dict[str, Any]) -> None:
    step = plan.steps[k]
    step.status, step.reason, step.why = FAILED, reason, why
    _finish(plan, FAILED, f"step {k + 1} failed: {reason}", {"code": "step_failed", "step": k, "cause": why})


def _finish(plan: Plan, status: str, reason: str, why: dict[str, Any]) -> None:
    """End the plan: steps not done (nor the failed one) are cancelled."""
    plan.status, plan.reason, plan.why = status, reason, why
    for s in plan.steps:
        if s.status in (WAITING, RUNNING):
            s.status = CANCELLED
            s.reason, s.why = ("cancelled" if status == CANCELLED else "cancelled: an earlier step failed",
                               {"code": "cancelled" if status == CANCELLED else "plan_failed"})


def _signature(plan: Plan) -> tuple[Any, ...]:
    """What a PLAN dict shows that can change (cheap: compared at every look, the dict is built on change)."""
    return (plan.status, plan.reason, tuple((s.status, s.reason, len(s.units)) for s in plan.steps))


def _announce(w: World, plan: Plan) -> None:
    sig = _signature(plan)
    if sig != plan.shown:
        plan.shown = sig
        w.event("plan", plan.player, plan=plan.to_dict())


def _prune(w: World, p: int) -> None:
    finished = [pl.id for pl in w.plans.values() if pl.player == p and pl.status != ACTIVE]
    for pid in finished[:max(0, len(finished) - R.PLAN_KEEP_FINISHED)]:
        del w.plans[pid]


# ---------------------------------------------------------------------- conditions
def _has(w: World, p: int, btype: str, built: bool) -> bool:
    return any(b.owner == p and b.alive and b.type == btype and (b.built or not built)
               for b in w.buildings.values())


def _planned(plan: Plan, k: int, btype: str) -> bool:
    """An earlier, unfinished step of this plan builds ``btype``."""
    return any(s.status in (WAITING, RUNNING) and any(a.action == "build_building" and a.building_type == btype
                                                       for a in s.spec.actions)
               for s in plan.steps[:k])


def _coming(w: World, plan: Plan, k: int, btype: str) -> bool:
    """A ``btype`` is standing, under construction, or will be built by an earlier step."""
    return _has(w, plan.player, btype, built=False) or _planned(plan, k, btype)


def _condition(w: World, plan: Plan, k: int, counts: dict[int, dict[str, int]]) -> str | None:
    """None when step k may start; else what it waits for (already written on the step).
    Fails the plan when the condition can never hold."""
    step, p = plan.steps[k], plan.player
    cond: Condition | None = step.spec.after
    if cond is None:
        cond = Condition("previous") if k > 0 else None
    if cond is None:
        return None
    if cond.kind == "previous":
        if plan.steps[k - 1].status == DONE:
            return None
        _wait(step, f"waiting for step {k}", {"code": "wait_previous", "step": k - 1})
        return "previous"
    if cond.kind == "built":
        bt = cond.building_type or ""
        if _has(w, p, bt, built=True):
            return None
        if w.hq(p) is None and not _coming(w, plan, k, bt):
            _fail(plan, k, f"no {bt} and no headquarters to build one", {"code": "cannot_build", "building": bt})
            return "impossible"
        _wait(step, f"waiting for a completed {bt}", {"code": "wait_built", "building": bt})
        return "built"
    if cond.kind == "have":
        ut = cond.unit_type or "all"
        if p not in counts:
            counts[p] = unit_counts(w, p)
        n = counts[p].get(ut, 0)
        if n >= cond.count:
            return None
        makers = {R.UNITS[t].produced_by for t in R.UNITS if t == ut or (ut == "all" and t != "harvester")}
        if w.hq(p) is None and not any(_has(w, p, m, built=False) for m in makers):
            _fail(plan, k, f"nothing left that can make {ut}", {"code": "cannot_make", "unit_type": ut})
            return "impossible"
        what = "units" if ut == "all" else ut
        _wait(step, f"waiting for {cond.count} {what} ({n} now)",
              {"code": "wait_have", "unit_type": ut, "count": cond.count, "have": n})
        return "have"
    credits = w.players[p].credits
    if credits >= cond.count:
        return None
    if p not in counts:
        counts[p] = unit_counts(w, p)
    if not _earns(w, plan, k, counts[p].get("harvester", 0) > 0):
        _fail(plan, k, f"waiting for {cond.count} credits, but nothing earns credits (a refinery and a harvester)",
              {"code": "no_income", "credits": cond.count})
        return "impossible"
    _wait(step, f"waiting for {cond.count} credits ({credits} now)",
          {"code": "wait_credits", "credits": cond.count, "have": credits})
    return "credits"


def _earns(w: World, plan: Plan, k: int, harvester: bool | None = None) -> bool:
    """Credits can still come: a refinery on its way (under construction or planned: it comes with
    a harvester), a refinery with a harvester (or a factory to make one), or a harvester and a
    headquarters to build a refinery for it."""
    p = plan.player
    if _planned(plan, k, "refinery") or any(b.owner == p and b.alive and b.type == "refinery" and not b.built
                                             for b in w.buildings.values()):
        return True
    if harvester is None:
        harvester = any(u.owner == p and u.alive and u.type == "harvester" for u in w.units.values())
    if _has(w, p, "refinery", built=True):
        return harvester or _has(w, p, "war_factory", built=True)
    return harvester and w.hq(p) is not None  # the player can still build a refinery for it


# ---------------------------------------------------------------------- starting and following a step
def _resolve(w: World, plan: Plan, a: Action) -> Action | None:
    """``{"step": k}`` -> the ids of that step's living units (None: they are all gone)."""
    if a.units is None or a.units.step is None:
        return a
    k = a.units.step
    alive = [i for i in plan.steps[k].units if (u := w.units.get(i)) is not None and u.alive]
    if not alive:
        return None
    return replace(a, units=Selection(ids=tuple(alive)))


def _patient(w: World, plan: Plan, k: int, a: Action, code: str) -> bool:
    """Whether a refusal is one that time may cure for this plan."""
    if code not in _PATIENT:
        return False
    if code == "not_enough_credits":
        return _earns(w, plan, k)
    if code == "missing_prerequisite" and a.building_type:
        return all(_coming(w, plan, k, req) for req in R.BUILDINGS[a.building_type].requires
                   if not _has(w, plan.player, req, built=True))
    if code == "no_producer" and a.unit_type:
        return _coming(w, plan, k, R.UNITS[a.unit_type].produced_by)
    return True


def _start(w: World, plan: Plan, k: int, step: StepState) -> None:
    """Give the step's actions not yet accepted to the gate, in order."""
    p = plan.player
    actions = step.spec.actions
    while step.started < len(actions):
        a = _resolve(w, plan, actions[step.started])
        if a is None:
            sel = actions[step.started].units
            ref = sel.step if sel is not None and sel.step is not None else 0
            _fail(plan, k, f"the units of step {ref + 1} are all gone", {"code": "units_gone", "step": ref})
            return
        queues = _queue_lengths(w, p) if a.action == "build_unit" else {}
        r = gate(w, p, a.to_dict(), commit=True, log_order=False)
        info = r.info or {}
        code = str(info.get("code", ""))
        if not r.ok:
            if _patient(w, plan, k, a, code):
                _wait(step, f"waiting: {r.error}", {"code": "wait_order", "order": code, "action": a.action})
                return
            _fail(plan, k, r.error or "refused", {"code": "refused", "order": code, "action": a.action})
            return
        step.started += 1
        step.status = RUNNING
        if a.action == "build_building":
            step.sites.append(int(info["building"]))
        elif a.action == "build_unit":
            for bid, before in queues.items():
                b = w.buildings[bid]
                step.items.extend((bid, item) for item in b.queue[before:])
        elif a.action in UNIT_ORDERS:
            step.units.extend(i for i in info.get("units", ()) if i not in step.units)
    step.reason = step.why = None


def _queue_lengths(w: World, p: int) -> dict[int, int]:
    return {b.id: len(b.queue) for b in w.buildings.values() if b.owner == p and b.alive and b.rule.produces}


def _track(w: World, plan: Plan, k: int, step: StepState) -> None:
    """A running step: done when its buildings stand and its units are out; failed if they cannot be."""
    if step.started < len(step.spec.actions):
        _start(w, plan, k, step)
        if plan.status != ACTIVE or step.started < len(step.spec.actions):
            return
    for bid in step.sites:
        b = w.buildings.get(bid)
        if b is None or not b.alive:
            bt = next((a.building_type or "" for a in step.spec.actions if a.action == "build_building"),
                      "building")
            _fail(plan, k, f"the {bt} under construction was destroyed", {"code": "site_destroyed", "building": bt})
            return
    building = [w.buildings[bid] for bid in step.sites if not w.buildings[bid].built]
    if building:
        b = building[0]
        _wait(step, f"building a {b.type}", {"code": "building", "building": b.type})
        return
    still: list[tuple[int, QueueItem]] = []
    for bid, item in step.items:
        if item.unit > 0:
            step.units.append(item.unit)
        elif item.unit < 0:
            step.lost += 1
        else:
            b = w.buildings.get(bid)
            if b is None or not b.alive or not any(q is item for q in b.queue):
                step.lost += 1
            else:
                still.append((bid, item))
    step.items = still
    if still:
        ut = still[0][1].item
        done = sum(1 for i in step.units if (u := w.units.get(i)) is not None and u.type == ut)
        _wait(step, f"training {ut} ({done} of {done + len(still)} out)",
              {"code": "training", "unit_type": ut, "done": done, "count": done + len(still)})
        return
    if step.lost and not step.units:
        ut = next((a.unit_type or "" for a in step.spec.actions if a.action == "build_unit"), "units")
        _fail(plan, k, f"no {ut} came out: training was cancelled or its building was destroyed",
              {"code": "training_lost", "unit_type": ut})
        return
    step.status = DONE
    step.reason = step.why = None
