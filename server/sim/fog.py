"""Fog of war: what each player sees this tick, has explored, and remembers (enemy buildings, ore amounts)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import rules as R
from .views import building_view

if TYPE_CHECKING:
    from .entities import Player
    from .world import World

_BITS = bytes.maketrans(b"\x00\x01", b"01")
_SPANS: dict[float, list[tuple[int, int]]] = {}   # sight radius -> disc rows (pure, so shared)


def disc_spans(r: float) -> list[tuple[int, int]]:
    """Rows of a disc of radius ``r``: (dy, half-width)."""
    s = _SPANS.get(r)
    if s is None:
        ir = int(math.ceil(r))
        s = []
        for dy in range(-ir, ir + 1):
            half = int(math.floor(math.sqrt(max(0.0, r * r - dy * dy))))
            if r * r - dy * dy >= 0:
                s.append((dy, half))
        _SPANS[r] = s
    return s


def update_fog(w: World) -> None:
    """Recompute every player's visible tiles from its units and buildings; extend what is explored."""
    W, H = w.w, w.h
    ones = b"\x01" * W
    per: list[set[tuple[int, int, float]]] = [set() for _ in w.players]
    for u in w.units.values():
        if u.alive:
            per[u.owner].add((int(u.x), int(u.y), u.rule.sight))
    for b in w.buildings.values():
        if b.alive:
            per[b.owner].add((int(b.cx), int(b.cy), R.BUILDING_SIGHT + max(b.w, b.h) / 2 - 0.5))
    memory = w.tick % R.FOG_MEMORY_PERIOD == 0
    for pl in w.players:
        vis = bytearray(w.npix)
        for cx, cy, r in sorted(per[pl.id]):
            for dy, half in disc_spans(r):
                yy = cy + dy
                if 0 <= yy < H:
                    x0 = cx - half if cx - half > 0 else 0
                    x1 = cx + half + 1 if cx + half + 1 < W else W
                    if x1 > x0:
                        row = yy * W
                        vis[row + x0:row + x1] = ones[:x1 - x0]
        pl.visible = vis
        pl.vis_int = int(vis.translate(_BITS)[::-1], 2) if w.npix else 0
        pl.explored |= pl.vis_int
        if memory:
            remember(w, pl)


def remember(w: World, pl: Player) -> None:
    """Enemy buildings as last seen, and ore amounts as last seen (done every few ticks)."""
    vis = pl.visible
    W = w.w
    for b in w.buildings.values():
        if b.owner != pl.id and b.alive and w.visible_to(pl.id, b):
            pl.seen[b.id] = building_view(w, b, own=False)
    for bid in [bid for bid, s in pl.seen.items() if bid not in w.buildings]:
        s = pl.seen[bid]
        if vis[s["y"] * W + s["x"]]:
            del pl.seen[bid]
    ore, mx, seen_res = w.ore, w.ore_max, pl.seen_res
    for i in w.ore_tiles:
        if vis[i]:
            a = int(ore[i] + 0.5) if ore[i] > 0 else 0
            if a != mx[i]:
                seen_res[i] = a
            elif i in seen_res:
                del seen_res[i]
