"""Movement: formations (group slots, slowest pace), walking along paths, spacing and queueing, un-stacking."""
from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

from . import rules as R
from .pathing import request_path, wait_field
from .spatial import units_near

if TYPE_CHECKING:
    from .entities import Unit
    from .world import World


def clear(w: World, u: Unit) -> None:
    """Forget the unit's current order state (targets, path, pending search, claimed ore tile)."""
    u.target = u.focus = None
    u.dest = None
    u.amove = False
    u.path = []
    u.path_goal = None
    u.field = -1
    u.pending = False
    u.pace = 0.0
    u.waited = 0
    if u.hv_tile >= 0:
        w.claims.pop(u.hv_tile, None)
        u.hv_tile = -1


def send_group(w: World, units: list[Unit], point: tuple[float, float], order: str) -> None:
    """Spread a group into a formation around ``point`` and send each unit to its slot."""
    ground = [u for u in units if not u.rule.air]
    air = [u for u in units if u.rule.air]
    for group, is_air in ((ground, False), (air, True)):
        if not group:
            continue
        slots = formation_slots(w, point, len(group), is_air, group[0])
        # ordered together, they walk together: at the pace of the slowest
        pace = min(u.rule.speed for u in group) if len(group) > 1 else 0.0
        left = list(group)
        for sx, sy in slots:
            if not left:
                break
            k = min(range(len(left)), key=lambda k: ((left[k].x - sx) ** 2 + (left[k].y - sy) ** 2, left[k].id))
            u = left.pop(k)
            clear(w, u)
            u.order = order
            u.dest = (sx, sy)
            u.guard = (sx, sy)
            u.amove = order == "attack"
            u.pace = pace
            if u.type == "harvester" and order != "move":
                u.order = "move"
            if is_air or len(group) < 3:
                request_path(w, u, (sx, sy), force=True)
            else:
                wait_field(w, u, (sx, sy), w.tile_of(point))


def formation_slots(w: World, point: tuple[float, float], n: int, air: bool, sample: Unit
                    ) -> list[tuple[float, float]]:
    """``n`` tile centres around ``point`` (reachable from ``sample`` for ground units), nearest first."""
    W, H = w.w, w.h
    gx = min(W - 1, max(0, int(point[0])))
    gy = min(H - 1, max(0, int(point[1])))
    g = gy * W + gx
    if not air:
        if w.grid_dirty:
            w.relabel()
        st = int(sample.y) * W + int(sample.x)
        if 0 <= st < w.npix and not w.grid.blocked[st]:
            r = w.grid.nearest_reachable(st, g)
            if r is not None:
                g = r
        blocked = w.grid.blocked
        ok = (lambda j: not blocked[j])
    else:
        ok = (lambda j: True)
    if n == 1:
        if g % W == gx and g // W == gy:
            return [point]
        return [(g % W + 0.5, g // W + 0.5)]
    out = [g]
    seen = {g}
    dq = deque([g])
    while dq and len(out) < n:
        i = dq.popleft()
        x, y = i % W, i // W
        for nx, ny in ((x + 1, y), (x, y + 1), (x - 1, y), (x, y - 1)):
            if 0 <= nx < W and 0 <= ny < H:
                j = ny * W + nx
                if j not in seen and ok(j):
                    seen.add(j)
                    dq.append(j)
                    out.append(j)
    while len(out) < n:
        out.append(g)
    return [(j % W + 0.5, j // W + 0.5) for j in out[:n]]


def arrive(u: Unit) -> None:
    """A unit whose walk is over: a move/attack ends (idle), defend stays; its post is where it stands."""
    if u.order in ("move", "attack", "defend") and not u.path and not u.pending:
        if u.order != "defend":
            u.order = "idle"
        u.guard = (u.x, u.y)


def move(w: World, u: Unit, near: dict[int, list[Unit]] | None = None) -> None:
    """Advance a unit along its path by its speed (re-asking for a path if a building now blocks it).

    On a group order it walks at the group's pace (unless engaging), and right behind a friend
    going the same way it waits for it, at most YIELD_TICKS in a row, so a file forms at a narrow
    passage instead of a shoving crowd (and a jam cannot last). A unit chasing a target does not wait.
    """
    step = u.rule.speed if u.pace <= 0 or u.target is not None else u.pace
    W = w.w
    blocked = w.grid.blocked
    air = u.rule.air
    if not air and len(u.path) > 1:
        # a crowd may keep a unit off a waypoint it shares with others: close is enough
        tx, ty = u.path[0]
        if (tx - u.x) ** 2 + (ty - u.y) ** 2 < R.WAYPOINT_NEAR ** 2 and w.grid.segment_clear(u.x, u.y, *u.path[1]):
            u.path.pop(0)
    if not air and u.pace > 0 and u.target is None and near is not None and u.path and _blocked_ahead(w, u, near):
        u.waited += 1
        if u.waited <= R.YIELD_TICKS:
            return
    u.waited = 0
    while step > 1e-9 and u.path:
        tx, ty = u.path[0]
        dx, dy = tx - u.x, ty - u.y
        d = math.hypot(dx, dy)
        if d <= step:
            nx, ny = tx, ty
        else:
            nx, ny = u.x + dx / d * step, u.y + dy / d * step
        if not air:
            i = int(ny) * W + int(nx)
            if blocked[i]:
                # something was built on the way: find another way
                u.path = []
                goal = u.path_goal
                if goal is not None:
                    u.stuck += 1
                    if u.stuck < 20:
                        request_path(w, u, goal, force=True)
                return
        u.x, u.y = nx, ny
        if d <= step:
            step -= d
            u.path.pop(0)
            if not air and len(u.path) > 1 and w.grid.segment_clear(u.x, u.y, *u.path[1]):
                u.path.pop(0)
        else:
            step = 0
    u.stuck = 0


def separate(w: World) -> None:
    """Idle ground units stacked on one spot step to a free tile next to it (no clumps)."""
    W, H = w.w, w.h
    blocked = w.grid.blocked
    # tiles that moving units are heading for are taken already
    reserved = set()
    for v in w.units.values():
        if v.alive and not v.rule.air:
            if v.path:
                reserved.add(w.tile_of(v.path[-1]))
            elif v.pending and v.path_goal is not None:
                reserved.add(w.tile_of(v.path_goal))
    for u in w.units.values():
        if (not u.alive or u.rule.air or u.path or u.pending or u.target is not None
                or u.order not in ("idle", "defend")):
            continue
        crowd = False
        for v in units_near(w, u.x, u.y, 0.5):
            if (v is not u and v.alive and not v.rule.air and not v.path and not v.pending
                    and abs(v.x - u.x) < 0.4 and abs(v.y - u.y) < 0.4):
                crowd = True
                break
        if not crowd:
            continue
        cx, cy = int(u.x), int(u.y)
        for dx, dy in ((0, 0), (1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)):
            x, y = cx + dx, cy + dy
            if not (0 <= x < W and 0 <= y < H) or blocked[y * W + x] or y * W + x in reserved:
                continue
            px, py = x + 0.5, y + 0.5
            if all(v is u or not v.alive or v.rule.air or abs(v.x - px) >= 0.4 or abs(v.y - py) >= 0.4
                   for v in units_near(w, px, py, 0.5)):
                if w.grid.segment_clear(u.x, u.y, px, py):
                    reserved.add(y * W + x)
                    u.path = [(px, py)]
                    u.path_goal = (px, py)
                    u.guard = (px, py)
                    if u.order == "defend":
                        u.dest = (px, py)
                break


def walk(w: World) -> None:
    """Every unit with a path takes its step, then nobody overlaps (ground among ground, air among air).

    Units are bucketed by tile once (key ``tile * 2 + air``); the steps are at most a fifth of a
    tile, so the buckets stay good enough for the spacing that follows in the same tick (every
    tick: pushing every other tick, even harder, let passing units come much closer).
    """
    W = w.w
    near: dict[int, list[Unit]] = {}
    for u in w.units.values():
        if u.alive:
            key = (int(u.y) * W + int(u.x)) * 2 + (1 if u.rule.air else 0)
            lst = near.get(key)
            if lst is None:
                near[key] = [u]
            else:
                lst.append(u)
    for u in w.units.values():
        if u.alive and u.path and not u.pending:
            move(w, u, near)
    keep_spacing(w, near)


def _blocked_ahead(w: World, u: Unit, near: dict[int, list[Unit]]) -> bool:
    """A ground friend closer than UNIT_SPACING ahead of ``u``, itself walking roughly the same way."""
    tx, ty = u.path[0]
    dx, dy = tx - u.x, ty - u.y
    d = math.hypot(dx, dy)
    if d < 1e-9:
        return False
    dx, dy = dx / d, dy / d
    S = R.UNIT_SPACING
    s2 = S * S
    W, H = w.w, w.h
    # the tile it stands on and the one a spacing ahead: a friend just off that line is left
    # to keep_spacing
    k0 = (int(u.y) * W + int(u.x)) * 2
    x, y = int(u.x + dx * S), int(u.y + dy * S)
    k1 = (y * W + x) * 2 if 0 <= x < W and 0 <= y < H else k0
    for key in ((k0,) if k1 == k0 else (k0, k1)):
        lst = near.get(key)
        if not lst:
            continue
        for v in lst:
            if v is u or not v.path or v.pending or v.owner != u.owner or not v.alive:
                continue
            ox, oy = v.x - u.x, v.y - u.y
            if ox * ox + oy * oy >= s2 or ox * dx + oy * dy <= 0.05:
                continue
            vx, vy = v.path[0][0] - v.x, v.path[0][1] - v.y
            if vx * dx + vy * dy > 0 and v.waited <= R.YIELD_TICKS:
                return True
    return False


#: bucket offsets visited from each bucket: itself and the four "later" neighbours, so each pair
#: of neighbouring buckets is looked at once
_FORWARD = ((0, 0), (1, 0), (-1, 1), (0, 1), (1, 1))
_SLACK = 0.02   # overlaps smaller than this are left alone (the soft push converges; no busy-work)


def keep_spacing(w: World, near: dict[int, list[Unit]]) -> None:
    """Units closer than UNIT_SPACING push each other apart (ground among ground, air among air).

    Soft: each overlapping pair undoes SPACING_PUSH of its overlap per tick, shared equally (a
    working harvester, mining or unloading, stands firm and the other yields all of it); a push
    never puts a ground unit on water or a building. Buckets and pairs are visited in a fixed
    order (insertion order of the buckets, ids within), so it is deterministic.
    """
    S = R.UNIT_SPACING
    s2 = (S - _SLACK) ** 2
    k = R.SPACING_PUSH * 0.5
    W, H = w.w, w.h
    blocked = w.grid.blocked
    for key, lst in near.items():
        air = key & 1
        tile = key >> 1
        cx, cy = tile % W, tile // W
        for ox, oy in _FORWARD:
            nx, ny = cx + ox, cy + oy
            if nx < 0 or nx >= W or ny >= H:
                continue
            other: list[Unit] | None = lst if ox == 0 and oy == 0 else near.get(((ny * W + nx) << 1) | air)
            if not other:
                continue
            same = other is lst
            for a, u in enumerate(lst):
                for v in (lst[a + 1:] if same else other):
                    dx, dy = v.x - u.x, v.y - u.y
                    d2 = dx * dx + dy * dy
                    if d2 >= s2:
                        continue
                    if d2 < 1e-12:
                        # exactly stacked: a fixed direction from the ids (no randomness needed)
                        ang = (u.id * 7 + v.id * 3) % 8 * (math.pi / 4)
                        dx, dy, d = math.cos(ang), math.sin(ang), 0.0
                    else:
                        d = math.sqrt(d2)
                        dx, dy = dx / d, dy / d
                    if u.path or v.path:
                        # someone is walking: turn the push 45 degrees so both step to their
                        # right and slide past each other (a straight push can balance a walk)
                        dx, dy = (dx - dy) * _R45, (dx + dy) * _R45
                    push = (S - d) * k
                    fu = u.type == "harvester" and _firm(u)
                    fv = v.type == "harvester" and _firm(v)
                    if fu and fv:
                        continue
                    pu = 0.0 if fu else (2 * push if fv else push)
                    pv = 0.0 if fv else (2 * push if fu else push)
                    if pu:
                        nx_, ny_ = u.x - dx * pu, u.y - dy * pu
                        if 0 < nx_ < W and 0 < ny_ < H and (air or not blocked[int(ny_) * W + int(nx_)]):
                            u.x, u.y = nx_, ny_
                    if pv:
                        nx_, ny_ = v.x + dx * pv, v.y + dy * pv
                        if 0 < nx_ < W and 0 < ny_ < H and (air or not blocked[int(ny_) * W + int(nx_)]):
                            v.x, v.y = nx_, ny_


_R45 = math.sqrt(0.5)


def _firm(u: Unit) -> bool:
    """A harvester at work (mining or unloading) is not pushed."""
    return u.type == "harvester" and u.hv in ("mine", "unload") and u.order in ("harvest", "return")
