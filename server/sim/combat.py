"""Combat: target search, armed units' engage/chase logic, turrets, damage, and deaths (shots fly in projectiles.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import rules as R
from .economy import flee
from .entities import Building, Unit
from .movement import arrive
from .pathing import request_path
from .production import power_rate
from .projectiles import fire
from .spatial import CELL

if TYPE_CHECKING:
    from .world import World


def find_target(w: World, p: int, x: float, y: float, r: float, hits_air: bool, hits_ground: bool,
                min_r: float = 0.0, buildings: bool = True) -> Unit | Building | None:
    """The nearest enemy of ``p`` visible to ``p`` within ``r`` (units first, then buildings)."""
    vis = w.players[p].visible
    W = w.w
    best, bd = None, r * r + 1e-9
    mr2 = min_r * min_r
    cw = w.cw
    x0 = max(0, int(x - r) // CELL)
    x1 = min(cw - 1, int(x + r) // CELL)
    y0 = max(0, int(y - r) // CELL)
    y1 = min((w.h + CELL - 1) // CELL - 1, int(y + r) // CELL)
    for q in range(len(w.players)):
        if q == p:
            continue
        cells = w.cells_by_owner[q]
        for cy in range(y0, y1 + 1):
            for cx in range(x0, x1 + 1):
                lst = cells.get(cy * cw + cx)
                if not lst:
                    continue
                for u in lst:
                    if not u.alive:
                        continue
                    if u.rule.air:
                        if not hits_air:
                            continue
                    elif not hits_ground:
                        continue
                    d = (u.x - x) ** 2 + (u.y - y) ** 2
                    if mr2 <= d < bd and vis[int(u.y) * W + int(u.x)]:
                        best, bd = u, d
    if best is not None or not buildings or not hits_ground:
        return best
    for b in w.buildings.values():
        if b.owner != p and b.alive and b.x - r <= x <= b.x + b.w + r and b.y - r <= y <= b.y + b.h + r:
            d = b.dist2(x, y)
            if mr2 <= d < bd and w.visible_to(p, b):
                best, bd = b, d
    return best


def in_range(u: Unit, e: Unit | Building) -> tuple[bool, float]:
    d2 = (e.x - u.x) ** 2 + (e.y - u.y) ** 2 if isinstance(e, Unit) else e.dist2(u.x, u.y)
    rr = u.rule.range
    return d2 <= rr * rr and d2 >= u.rule.min_range ** 2, d2


def combat(w: World, u: Unit) -> None:
    """One tick of an armed unit: keep or drop its target, look for one, fire or chase."""
    if u.cd > 0:
        u.cd -= 1
    rule = u.rule
    t = w.entity(u.target) if u.target is not None else None
    if t is not None and t.owner == u.owner:
        t = None
    if t is not None and not w.visible_to(u.owner, t) and not (
            u.focus == t.id and isinstance(t, Building)):
        if u.focus == t.id and (u.path or u.pending):
            return  # out of sight: keep walking to where it was last seen
        t = None
    if t is None and u.target is not None:
        # target gone: explicit attack ends, attack-move/defend resume, idle units go back
        was_focus = u.focus is not None
        u.target = u.focus = None
        u.path = []
        if u.order == "attack" and (was_focus or u.dest is None):
            if u.dest is None:
                u.order = "idle"
                u.guard = (u.x, u.y)
        if u.dest is not None and u.order in ("attack", "defend"):
            request_path(w, u, u.dest, force=True)
        elif u.order == "idle":
            if (u.x - u.guard[0]) ** 2 + (u.y - u.guard[1]) ** 2 > 1.0:
                request_path(w, u, u.guard, force=True)
    if t is None and (w.tick + u.id) % R.SCAN_PERIOD == 0 and u.order in ("idle", "attack", "defend"):
        if u.order == "defend":
            hx, hy = w.home(u.owner)
            cand = find_target(w, u.owner, hx, hy, R.DEFEND_RADIUS, rule.hits_air, rule.hits_ground)
            if cand is None:
                cand = find_target(w, u.owner, u.x, u.y, rule.range, rule.hits_air, rule.hits_ground,
                                   rule.min_range)
        elif u.order == "attack":
            cand = find_target(w, u.owner, u.x, u.y, max(rule.sight, rule.range), rule.hits_air,
                               rule.hits_ground, rule.min_range)
        else:
            cand = find_target(w, u.owner, u.x, u.y, rule.range, rule.hits_air, rule.hits_ground,
                               rule.min_range)
        if cand is not None:
            t = cand
            u.target = cand.id
    if t is None:
        arrive(u)
        return
    ok, d2 = in_range(u, t)
    if ok:
        u.path = []
        if u.cd <= 0:
            fire(w, u, t)
            u.cd = rule.cooldown_ticks
        return
    if d2 < rule.min_range ** 2:
        if u.focus != t.id:
            u.target = None
        return
    # out of range: chase, unless an idle unit strays too far from its post
    if u.order == "idle":
        gx, gy = u.guard
        if (u.x - gx) ** 2 + (u.y - gy) ** 2 > R.LEASH ** 2:
            u.target = None
            request_path(w, u, u.guard, force=True)
            return
    if u.order == "defend":
        hx, hy = w.home(u.owner)
        tx, ty = w.pos(t)
        if (tx - hx) ** 2 + (ty - hy) ** 2 > (R.DEFEND_RADIUS + 4) ** 2:
            u.target = None
            if u.dest:
                request_path(w, u, u.dest, force=True)
            return
    tx, ty = w.pos(t)
    standing = not u.path and not u.pending
    pg = u.path_goal
    if pg is None or (pg[0] - tx) ** 2 + (pg[1] - ty) ** 2 > 2.0:
        # the target is somewhere new: a standing unit asks at once, a moving one at most once a second
        request_path(w, u, (tx, ty), force=standing)
    elif standing:
        # got there and still out of range (e.g. across water): retry, at most once a second
        request_path(w, u, (tx, ty))


def turrets(w: World) -> None:
    """One tick of every armed building: reload (slower on low power), keep or find a target, fire."""
    for b in w.buildings.values():
        if not b.alive or not b.built or not b.rule.armed:
            continue
        if b.cd > 0:
            b.cd -= power_rate(w.players[b.owner])
        rule = b.rule
        t = w.entity(b.target) if b.target is not None else None
        if t is not None:
            if t.owner == b.owner or not isinstance(t, Unit) or t.x is None:
                t = None
            elif (t.x - b.cx) ** 2 + (t.y - b.cy) ** 2 > rule.range ** 2 or not w.visible_to(b.owner, t):
                t = None
        if t is None:
            b.target = None
            if (w.tick + b.id) % 2 == 0:
                t = find_target(w, b.owner, b.cx, b.cy, rule.range, rule.hits_air, rule.hits_ground,
                                buildings=False)
                if t is not None:
                    b.target = t.id
        if t is not None and b.cd <= 0:
            fire(w, b, t)
            b.cd = rule.cooldown_ticks


def damage(w: World, e: Unit | Building, dmg: float, src: Unit | Building | None, by: int) -> None:
    """Hurt ``e`` (dealt by player ``by``): under_attack events, death, harvesters flee, units hit back."""
    if not e.alive:
        return
    e.hp -= dmg
    if by != e.owner:
        pl = w.players[e.owner]
        if w.tick - pl.last_ua >= R.UNDER_ATTACK_INTERVAL:
            pl.last_ua = w.tick
            x, y = w.pos(e)
            w.event("under_attack", e.owner, x=round(x, 2), y=round(y, 2),
                    unit_type=e.type if isinstance(e, Unit) else None,
                    building_type=e.type if isinstance(e, Building) else None)
    if e.hp <= 0:
        e.hp = 0
        e.alive = False
        return
    if isinstance(e, Unit) and src is not None and by != e.owner:
        if e.type == "harvester":
            if e.order != "flee" and e.order != "move":
                flee(w, e)
        elif e.rule.armed and e.target is None and e.order in ("idle", "defend", "attack"):
            air = isinstance(src, Unit) and src.rule.air
            if e.rule.hits_air if air else e.rule.hits_ground:
                e.target = src.id


def remove_dead(w: World) -> None:
    """Take dead units and buildings off the map, with unit_lost/building_lost events and explosions."""
    dead = [u for u in w.units.values() if not u.alive]
    for u in dead:
        del w.units[u.id]
        if u.hv_tile >= 0 and w.claims.get(u.hv_tile) == u.id:
            del w.claims[u.hv_tile]
        w.event("unit_lost", u.owner, unit_type=u.type, id=u.id, x=round(u.x, 2), y=round(u.y, 2))
        w.effects.append({"kind": "explosion", "from": None, "x": round(u.x, 2), "y": round(u.y, 2),
                          "tx": round(u.x, 2), "ty": round(u.y, 2)})
    for b in [b for b in w.buildings.values() if not b.alive or b.hp <= 0]:
        w.remove_building(b)
