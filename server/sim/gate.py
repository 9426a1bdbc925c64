"""The order gate: every player action is parsed, checked against the rules and either refused or committed.

Each handler checks an :class:`~.orders.Action` for a player and returns a *commit* function, or
raises :class:`Refuse`; handlers change nothing before commit, so ``validate`` (no commit) and
``apply`` (commit) give the same answer. ``info["code"]`` of an answer is stable (WIRE.md).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from . import rules as R
from .economy import HarvesterState
from .entities import Building, QueueItem, Unit
from .movement import clear, send_group
from .orders import DIRECTION_VECTORS, Action, Selection, Target, parse_action
from .pathing import request_path
from .placement import auto_place, placement_error, prereqs_missing
from .superweapon import strike

if TYPE_CHECKING:
    from .world import World

log = logging.getLogger("server.sim.game")  # the name operators already filter on

Commit = Callable[[], dict]


@dataclass(frozen=True, slots=True)
class OrderResult:
    """Answer of :meth:`Game.apply` / :meth:`Game.validate`. ``info["code"]`` is stable."""
    ok: bool
    error: str | None = None
    info: dict | None = None


class Refuse(Exception):
    """An order the rules do not allow: ``code`` for programs, ``msg`` for people."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


def gate(w: World, player: Any, action: Any, commit: bool, log_order: bool = True) -> OrderResult:
    """Check ``action`` for ``player``; with ``commit``, apply it and (``log_order``) log it. Never raises.

    A plan's steps pass through here with ``log_order=False``: the plan order itself is in the
    log, and replaying it runs its steps again, so logging them too would run them twice.
    """
    try:
        if isinstance(player, bool) or not isinstance(player, int) or not 0 <= player < len(w.players):
            return OrderResult(False, "unknown player", {"code": "bad_player"})
        if w.over:
            return OrderResult(False, "the game is over", {"code": "game_over"})
        act, err = parse_action(action)
        if act is None:
            return OrderResult(False, err, {"code": "bad_action"})
        try:
            fn = HANDLERS[act.action](w, player, act)
        except Refuse as r:
            return OrderResult(False, r.msg, {"code": r.code})
        if not commit:
            return OrderResult(True, None, {"code": "ok"})
        info = fn() or {}
        info.setdefault("code", "ok")
        if log_order:
            w.order_log.append((w.tick, player, act.to_dict()))
        return OrderResult(True, None, info)
    except Exception:  # never let an order crash the room
        log.exception("order failed: player=%r action=%r", player, action)
        return OrderResult(False, "internal error", {"code": "internal"})


# ---------------------------------------------------------------------- selections and targets
def select(w: World, p: int, sel: Selection, kind: str) -> list[Unit]:
    """The player's units a selection names (``type: all`` means combat units: harvesters only to harvest).

    ``{"selection": true}`` and ``{"step": k}`` never reach here resolved: the server replaces the
    first by the ids the client sent, a plan replaces the second by the ids of its step's units.
    """
    if sel.selection:
        raise Refuse("no_selection", "no units are selected")
    if sel.step is not None:
        raise Refuse("not_in_plan", "units of a step can only be named inside a plan")
    own = [u for u in w.units.values() if u.owner == p and u.alive]
    if sel.ids is not None:
        want = set(sel.ids)
        chosen = [u for u in own if u.id in want]
        if not chosen:
            raise Refuse("no_units", "none of those units are yours")
    else:
        if sel.type == "all":
            chosen = own if kind == "harvest" else [u for u in own if u.type != "harvester"]
        else:
            chosen = [u for u in own if u.type == sel.type]
        if not chosen:
            what = "units" if sel.type == "all" else sel.type
            raise Refuse("no_units", f"you have no {what}")
        if sel.count is not None and sel.count < len(chosen):
            busy = ("idle", "defend")
            chosen.sort(key=lambda u: (u.order not in busy, u.id))
            chosen = chosen[:sel.count]
            chosen.sort(key=lambda u: u.id)
    return chosen


#: corner place -> (on the right, at the bottom)
CORNERS: dict[str, tuple[bool, bool]] = {"top_left": (False, False), "top_right": (True, False),
                                         "bottom_left": (False, True), "bottom_right": (True, True)}


def centre(w: World, units: list[Unit]) -> tuple[float, float]:
    if not units:
        return w.players[0].start
    return (sum(u.x for u in units) / len(units), sum(u.y for u in units) / len(units))


def nearest_enemy(w: World, p: int, x: float, y: float) -> Unit | Building | None:
    best, bd = None, 1e18
    for u in w.units.values():
        if u.alive and u.owner != p and w.visible_to(p, u):
            d = (u.x - x) ** 2 + (u.y - y) ** 2
            if d < bd:
                best, bd = u, d
    for b in w.buildings.values():
        if b.alive and b.owner != p and w.visible_to(p, b):
            d = b.dist2(x, y)
            if d < bd:
                best, bd = b, d
    return best


def resolve(w: World, p: int, t: Target, units: list[Unit]) -> tuple[tuple[float, float], Unit | Building | None]:
    """TARGET -> (point, entity or None). Raises Refuse."""
    W, H = w.w, w.h
    if t.kind == "point":
        if not (0 <= t.x < W and 0 <= t.y < H):
            raise Refuse("out_of_bounds", f"target ({t.x:g}, {t.y:g}) is outside the {W}x{H} map")
        return (int(t.x) + 0.5, int(t.y) + 0.5), None
    if t.kind == "direction":
        cx, cy = centre(w, units) if units else w.home(p)
        dx, dy = DIRECTION_VECTORS[t.direction]
        x = min(W - 0.5, max(0.5, cx + dx * W * R.DIRECTION_FRACTION))
        y = min(H - 0.5, max(0.5, cy + dy * H * R.DIRECTION_FRACTION))
        return (int(x) + 0.5, int(y) + 0.5), None
    if t.kind == "place":
        if t.place == "center":
            return (W // 2 + 0.5, H // 2 + 0.5), None
        if t.place in CORNERS:
            right, bottom = CORNERS[t.place]
            inset = R.CORNER_INSET
            x = W - 1 - inset if right else inset
            y = H - 1 - inset if bottom else inset
            return (min(W - 1, max(0, x)) + 0.5, min(H - 1, max(0, y)) + 0.5), None
        if t.place == "home":
            hx, hy = w.home(p)
            return (hx, hy), None
        if t.place == "enemy_base":
            pl = w.players[p]
            ex, ey = w.players[1 - p].start
            best, bd = None, 1e18
            for snap in pl.seen.values():
                # the HQ as last seen; else the remembered building nearest the enemy's start
                d = -1.0 if snap["type"] == "hq" else (snap["x"] - ex) ** 2 + (snap["y"] - ey) ** 2
                if d < bd:
                    best, bd = snap, d
            if best is not None:
                return (best["x"] + best["w"] / 2, best["y"] + best["h"] / 2), None
            return (ex, ey), None
        cx, cy = centre(w, units) if units else w.home(p)
        if t.place == "ore":
            best_i, bd = -1, 1e18
            for i in w.ore_tiles:
                if w.ore[i] > 0:
                    d = (i % W + 0.5 - cx) ** 2 + (i // W + 0.5 - cy) ** 2
                    if d < bd:
                        best_i, bd = i, d
            if best_i < 0:
                raise Refuse("no_target", "there is no ore left on the map")
            return (best_i % W + 0.5, best_i // W + 0.5), None
        e = nearest_enemy(w, p, cx, cy)
        if e is None:
            raise Refuse("no_target", "no enemy is visible")
        return w.pos(e), e
    # entity
    e = w.entity(t.entity)
    if e is None:
        raise Refuse("unknown_target", f"there is no entity {t.entity}")
    if e.owner != p and not w.visible_to(p, e):
        if not (isinstance(e, Building) and e.id in w.players[p].seen):
            raise Refuse("not_visible", f"entity {t.entity} is not visible to you")
    return w.pos(e), e


# ---------------------------------------------------------------------- unit orders
def do_move(w: World, p: int, a: Action) -> Commit:
    units = select(w, p, a.units, "move")
    point, _e = resolve(w, p, a.target, units)

    def commit() -> dict:
        send_group(w, units, point, "move")
        return {"units": [u.id for u in units], "x": point[0], "y": point[1]}
    return commit


def do_attack(w: World, p: int, a: Action) -> Commit:
    units = select(w, p, a.units, "attack")
    armed = [u for u in units if u.rule.armed]
    if not armed:
        raise Refuse("unarmed", "none of the selected units can attack")
    point, e = resolve(w, p, a.target, armed)
    if e is not None:
        if e.owner == p:
            raise Refuse("own_target", "you cannot attack your own units or buildings")
        air = isinstance(e, Unit) and e.rule.air
        able = [u for u in armed if (u.rule.hits_air if air else u.rule.hits_ground)]
        if not able:
            raise Refuse("cannot_hit", "none of the selected units can hit that target")
        armed = able

    def commit() -> dict:
        if e is not None:
            for u in armed:
                clear(w, u)
                u.order = "attack"
                u.focus = u.target = e.id
                u.dest = None
                request_path(w, u, w.pos(e), force=True)
            return {"units": [u.id for u in armed], "target": e.id}
        send_group(w, armed, point, "attack")
        return {"units": [u.id for u in armed], "x": point[0], "y": point[1]}
    return commit


def do_stop(w: World, p: int, a: Action) -> Commit:
    units = select(w, p, a.units, "stop")

    def commit() -> dict:
        for u in units:
            clear(w, u)
            u.order = "idle"
            u.guard = (u.x, u.y)
        return {"units": [u.id for u in units]}
    return commit


def do_harvest(w: World, p: int, a: Action) -> Commit:
    units = [u for u in select(w, p, a.units, "harvest") if u.type == "harvester"]
    if not units:
        raise Refuse("cannot_harvest", "only harvesters can harvest")

    def commit() -> dict:
        for u in units:
            clear(w, u)
            u.order = "harvest"
            u.hv = HarvesterState.SEEK
        return {"units": [u.id for u in units]}
    return commit


def do_defend_base(w: World, p: int, a: Action) -> Commit:
    units = select(w, p, a.units, "defend_base")
    if not any(b.owner == p and b.alive for b in w.buildings.values()):
        raise Refuse("no_base", "you have no base to defend")
    home = w.home(p)

    def commit() -> dict:
        send_group(w, units, home, "defend")
        return {"units": [u.id for u in units], "x": home[0], "y": home[1]}
    return commit


# ---------------------------------------------------------------------- production and construction
def producers(w: World, p: int, utype: str) -> list[Building]:
    return [b for b in w.buildings.values()
            if b.owner == p and b.alive and b.built and utype in b.rule.produces]


def do_build_unit(w: World, p: int, a: Action) -> Commit:
    rule = R.UNITS[a.unit_type]
    pl = w.players[p]
    if a.building is not None:
        b = w.buildings.get(a.building)
        if b is None or not b.alive or b.owner != p:
            raise Refuse("not_owner", f"building {a.building} is not yours")
        if a.unit_type not in b.rule.produces:
            raise Refuse("wrong_building", f"a {b.type} cannot train {a.unit_type}")
        if not b.built:
            raise Refuse("not_built", f"the {b.type} is still under construction")
        prods = [b]
    else:
        prods = producers(w, p, a.unit_type)
        if not prods:
            raise Refuse("no_producer", f"you need a completed {rule.produced_by} to build {a.unit_type}")
    free = sum(R.QUEUE_MAX - len(b.queue) for b in prods)
    if free <= 0:
        raise Refuse("queue_full", f"the {rule.produced_by} queue is full ({R.QUEUE_MAX} items)")
    if pl.credits < rule.cost:
        raise Refuse("not_enough_credits",
                     f"not enough credits: a {a.unit_type} costs {rule.cost}, you have {pl.credits}")
    n = min(a.count, free)

    def commit() -> dict:
        used = []
        for _ in range(n):
            b = min(prods, key=lambda b: (len(b.queue), b.id))
            b.queue.append(QueueItem(a.unit_type))
            used.append(b.id)
        return {"queued": n, "requested": a.count, "buildings": sorted(set(used))}
    return commit


def do_build_building(w: World, p: int, a: Action) -> Commit:
    btype = a.building_type
    rule = R.BUILDINGS[btype]
    pl = w.players[p]
    hq = w.hq(p)
    if hq is None or not hq.built:
        raise Refuse("no_hq", "you need a headquarters to build structures")
    missing = prereqs_missing(w, p, btype)
    if missing:
        raise Refuse("missing_prerequisite", f"a {btype} needs a completed {' and '.join(missing)} first")
    if len([s for s in pl.sites if s in w.buildings]) >= R.QUEUE_MAX:
        raise Refuse("queue_full", f"the headquarters already has {R.QUEUE_MAX} structures to build")
    if pl.credits < rule.cost:
        raise Refuse("not_enough_credits",
                     f"not enough credits: a {btype} costs {rule.cost}, you have {pl.credits}")
    if a.position is not None:
        x, y = a.position
        err = placement_error(w, p, btype, x, y)
        if err:
            raise Refuse("blocked", f"cannot place a {btype} at ({x}, {y}): {err}")
    else:
        spot = auto_place(w, p, btype)
        if spot is None:
            raise Refuse("no_space", f"no free spot for a {btype} near your base")
        x, y = spot

    def commit() -> dict:
        pl.credits -= rule.cost
        b = w.add_building(p, btype, x, y, built=False)
        return {"building": b.id, "x": x, "y": y, "position_in_queue": len(pl.sites)}
    return commit


def do_sell(w: World, p: int, a: Action) -> Commit:
    b = w.buildings.get(a.building)
    if b is None or not b.alive or b.owner != p:
        raise Refuse("not_owner", f"building {a.building} is not yours")
    if b.type == "hq":
        raise Refuse("cannot_sell", "the headquarters cannot be sold")

    def commit() -> dict:
        refund = b.rule.cost if not b.built else int(b.rule.cost * R.SELL_REFUND)
        refund += sum(R.UNITS[q.item].cost for q in b.queue if q.paid)
        w.players[p].credits += refund
        b.queue.clear()
        w.remove_building(b, sold=True)
        return {"refund": refund}
    return commit


def do_cancel(w: World, p: int, a: Action) -> Commit:
    b = w.buildings.get(a.building)
    if b is None or not b.alive or b.owner != p:
        raise Refuse("not_owner", f"building {a.building} is not yours")
    pl = w.players[p]
    if not b.built:
        return do_sell(w, p, a)
    if b.type == "hq":
        sites = [s for s in pl.sites if s in w.buildings]
        if not sites:
            raise Refuse("nothing_to_cancel", "the headquarters is not building anything")
        return do_sell(w, p, Action("sell", building=sites[-1]))
    if not b.queue:
        raise Refuse("nothing_to_cancel", f"the {b.type} queue is empty")

    def commit() -> dict:
        item = b.queue.pop()
        refund = R.UNITS[item.item].cost if item.paid else 0
        pl.credits += refund
        return {"cancelled": item.item, "refund": refund}
    return commit


def do_launch_superweapon(w: World, p: int, a: Action) -> Commit:
    hq = w.hq(p)
    pl = w.players[p]
    if hq is None or not hq.built:
        raise Refuse("no_hq", "you need a headquarters to launch the superweapon")
    if pl.charge < R.SUPERWEAPON_CHARGE_TICKS:
        pct = int(100 * pl.charge / R.SUPERWEAPON_CHARGE_TICKS)
        raise Refuse("not_ready", f"the superweapon is not ready ({pct}% charged)")
    (x, y), _e = resolve(w, p, a.target, [])
    tx, ty = int(x), int(y)
    if not (0 <= tx < w.w and 0 <= ty < w.h):
        raise Refuse("out_of_bounds", "target is outside the map")
    if not (pl.explored >> (ty * w.w + tx)) & 1:
        raise Refuse("not_explored", f"tile ({tx}, {ty}) is not explored")

    def commit() -> dict:
        pl.charge = 0
        strike(w, p, x, y)
        return {"x": x, "y": y}
    return commit


def do_plan(w: World, p: int, a: Action) -> Commit:
    from . import plans  # plans.py runs its steps through this gate: imported here to keep imports acyclic
    return plans.submit(w, p, a)


def do_cancel_plan(w: World, p: int, a: Action) -> Commit:
    from . import plans
    return plans.cancel(w, p, a)


#: action name (orders.ALL_ACTION_TYPES + PLAN_ACTION_TYPES) -> its handler
HANDLERS: dict[str, Callable[[World, int, Action], Commit]] = {
    "move": do_move, "attack": do_attack, "stop": do_stop, "harvest": do_harvest,
    "defend_base": do_defend_base, "build_unit": do_build_unit, "build_building": do_build_building,
    "sell": do_sell, "cancel": do_cancel, "launch_superweapon": do_launch_superweapon,
    "plan": do_plan, "cancel_plan": do_cancel_plan,
}
