"""Placement: where a building may stand (explored, dry, free, near the base) and the automatic spot choice."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import rules as R

if TYPE_CHECKING:
    from .entities import Unit
    from .world import World


def prereqs_missing(w: World, p: int, btype: str) -> list[str]:
    have = {b.type for b in w.buildings.values() if b.owner == p and b.alive and b.built}
    return [r for r in R.BUILDINGS[btype].requires if r not in have]


def placement_error(w: World, p: int, btype: str, x: int, y: int, margin: int = 0) -> str | None:
    """Why ``btype`` cannot stand at (x, y) for ``p`` (None = it can); ``margin``: keep that many tiles free around."""
    rule = R.BUILDINGS[btype]
    W, H = w.w, w.h
    if x < 0 or y < 0 or x + rule.w > W or y + rule.h > H:
        return "the building would stick out of the map"
    explored = w.players[p].explored
    for ty in range(y, y + rule.h):
        for tx in range(x, x + rule.w):
            i = ty * W + tx
            if w.water[i]:
                return f"tile ({tx}, {ty}) is water"
            if w.bocc[i] >= 0:
                return f"tile ({tx}, {ty}) is taken by another building"
            if w.ore[i] > 0:
                return f"tile ({tx}, {ty}) holds ore"
            if not (explored >> i) & 1:
                return f"tile ({tx}, {ty}) is not explored"
    if margin:
        for ty in range(y - margin, y + rule.h + margin):
            for tx in range(x - margin, x + rule.w + margin):
                if 0 <= tx < W and 0 <= ty < H and w.bocc[ty * W + tx] >= 0:
                    return "too close to another building"
    for u in ground_units_near(w, x - 1, y - 1, x + rule.w + 1, y + rule.h + 1):
        if u.alive and x - 0.3 <= u.x < x + rule.w + 0.3 and y - 0.3 <= u.y < y + rule.h + 0.3:
            return "units are standing there"
    near = False
    for b in w.buildings.values():
        if b.owner == p and b.alive:
            gx = max(b.x - (x + rule.w), x - (b.x + b.w), 0)
            gy = max(b.y - (y + rule.h), y - (b.y + b.h), 0)
            if max(gx, gy) <= R.BUILD_RADIUS:
                near = True
                break
    if not near:
        return f"too far from your base (must be within {R.BUILD_RADIUS} tiles of your buildings)"
    return None


def ground_units_near(w: World, x0: float, y0: float, x1: float, y1: float) -> list[Unit]:
    """Living ground units in a rectangle (a per-call bucket index, cached for the current state)."""
    key = (w.tick, len(w.units), w.next_id)
    if w.placement_cache is None or w.placement_cache[0] != key:
        buckets: dict[tuple[int, int], list[Unit]] = {}
        for u in w.units.values():
            if u.alive and not u.rule.air:
                buckets.setdefault((int(u.x) // 4, int(u.y) // 4), []).append(u)
        w.placement_cache = (key, buckets)
    buckets = w.placement_cache[1]
    out: list[Unit] = []
    for by in range(int(y0) // 4, int(y1) // 4 + 1):
        for bx in range(int(x0) // 4, int(x1) // 4 + 1):
            out.extend(buckets.get((bx, by), ()))
    return out


def auto_place(w: World, p: int, btype: str) -> tuple[int, int] | None:
    """The free spot nearest to home (a little towards the map centre; turrets further out), or None."""
    rule = R.BUILDINGS[btype]
    hx, hy = w.home(p)
    mx, my = w.w / 2, w.h / 2
    d = math.hypot(mx - hx, my - hy) or 1.0
    # turrets towards the middle of the map, where attacks come from; the rest a little that way,
    # which keeps the base off the map edge
    push = 5 if btype == "defense_turret" else 3
    hx, hy = hx + (mx - hx) / d * push, hy + (my - hy) / d * push
    cands = []
    rad = R.BUILD_RADIUS + 4
    for y in range(int(hy) - rad, int(hy) + rad + 1):
        for x in range(int(hx) - rad, int(hx) + rad + 1):
            d = (x + rule.w / 2 - hx) ** 2 + (y + rule.h / 2 - hy) ** 2
            cands.append((d, y, x))
    cands.sort()
    for margin in (1, 0):
        for _d, y, x in cands:
            if placement_error(w, p, btype, x, y, margin) is None:
                return (x, y)
    return None
