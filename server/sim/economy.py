"""Economy: the harvester state machine (find ore, mine, return, unload at a refinery, flee) and ore regrowth.

A harvester's ``order`` says what it was told (``harvest``/``return`` while working, ``flee``
when shot at, ``move``/``idle`` when the player took it off the job); while working, its
``hv`` field is one of :class:`HarvesterState`::

    SEEK --ore found--> TO_ORE --arrived--> MINE --full / tile empty--> TO_REF --docked--> UNLOAD
      ^                   |  (didn't get there: SEEK again)                                  |
      +-----------------------------------------------------------------------empty--------+

Unloading credits the owner UNLOAD_RATE per tick; under fire a harvester flees home for
HARVESTER_FLEE_TICKS, then returns to TO_REF (at least half full) or SEEK.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from . import mapgen
from . import rules as R
from .pathing import request_path

if TYPE_CHECKING:
    from .entities import Building, Unit
    from .world import World


class HarvesterState:
    """Names of a working harvester's sub-states (plain strings: they are hashed and shown as-is)."""
    SEEK = "seek"        # looking for an unclaimed ore tile it can reach
    TO_ORE = "to_ore"    # walking to its claimed tile
    MINE = "mine"        # mining HARVEST_RATE per tick into its cargo
    TO_REF = "to_ref"    # walking to the dock of the nearest own refinery
    UNLOAD = "unload"    # turning cargo into credits at the refinery


S = HarvesterState


def harvester(w: World, u: Unit) -> None:
    """One tick of a harvester."""
    if u.order == "flee":
        if w.tick >= u.flee_until:
            u.order = "harvest"
            u.hv = S.TO_REF if u.cargo >= R.HARVEST_CAPACITY * 0.5 else S.SEEK
            u.path = []
        return
    if u.order in ("move", "idle"):
        if u.order == "move" and not u.path and not u.pending:
            u.order = "idle"
        return
    if u.order == "return" and u.hv not in (S.TO_REF, S.UNLOAD):
        u.hv = S.TO_REF
    _STATES[u.hv](w, u)


def _seek(w: World, u: Unit) -> None:
    if u.cargo >= R.HARVEST_CAPACITY - 1e-6:
        u.hv = S.TO_REF
    elif w.tick >= u.hv_wait:
        tile = find_ore(w, u)
        if tile < 0:
            u.hv_wait = w.tick + R.ticks(2)
            if u.cargo > 0:
                u.hv = S.TO_REF
            return
        u.hv_tile = tile
        w.claims[tile] = u.id
        u.hv = S.TO_ORE
        u.order = "harvest"
        W = w.w
        request_path(w, u, (tile % W + 0.5, tile // W + 0.5), force=True)


def _to_ore(w: World, u: Unit) -> None:
    if u.pending or u.path:
        return
    i = u.hv_tile
    W = w.w
    if i >= 0 and abs(u.x - (i % W + 0.5)) < 0.6 and abs(u.y - (i // W + 0.5)) < 0.6:
        u.hv = S.MINE
    else:
        release(w, u)
        u.hv = S.SEEK
        u.hv_wait = w.tick + R.ticks(1)


def _mine(w: World, u: Unit) -> None:
    i = u.hv_tile
    value = R.GEMS_VALUE if w.terrain[i] == mapgen.GEMS else R.ORE_VALUE
    amt = min(R.HARVEST_RATE, w.ore[i], (R.HARVEST_CAPACITY - u.cargo) / value)
    if amt > 0:
        w.ore[i] -= amt
        if w.ore[i] < 1e-6:
            w.ore[i] = 0.0
        u.cargo += amt * value
    if u.cargo >= R.HARVEST_CAPACITY - 1e-6:
        u.cargo = float(R.HARVEST_CAPACITY)
        release(w, u)
        u.hv = S.TO_REF
    elif w.ore[i] <= 0:
        release(w, u)
        u.hv = S.SEEK


def _to_ref(w: World, u: Unit) -> None:
    u.order = "return"
    if u.pending or u.path:
        return
    ref = nearest_refinery(w, u)
    if ref is None:
        u.hv_wait = w.tick + R.ticks(2)
        return
    if ref.dist2(u.x, u.y) <= 1.0:
        u.hv = S.UNLOAD
    elif w.tick >= u.hv_wait:
        u.hv_wait = w.tick + R.ticks(1)
        spot = dock(w, ref, u)
        if spot is not None:
            request_path(w, u, spot, force=True)


def _unload(w: World, u: Unit) -> None:
    ref = nearest_refinery(w, u)
    if ref is None or ref.dist2(u.x, u.y) > 1.5:
        u.hv = S.TO_REF
        return
    pl = w.players[u.owner]
    amt = min(R.UNLOAD_RATE, u.cargo)
    u.cargo -= amt
    pl.credit_frac += amt
    whole = int(pl.credit_frac)
    pl.credits += whole
    pl.credit_frac -= whole
    if u.cargo <= 1e-6:
        u.cargo = 0.0
        u.hv = S.SEEK
        u.order = "harvest"


_STATES: dict[str, Callable[[World, Unit], None]] = {
    S.SEEK: _seek, S.TO_ORE: _to_ore, S.MINE: _mine, S.TO_REF: _to_ref, S.UNLOAD: _unload,
}


def flee(w: World, u: Unit) -> None:
    """A harvester under fire drops its ore tile and runs home for a while."""
    if u.hv_tile >= 0:
        w.claims.pop(u.hv_tile, None)
        u.hv_tile = -1
    u.order = "flee"
    u.flee_until = w.tick + R.HARVESTER_FLEE_TICKS
    request_path(w, u, w.home(u.owner), force=True)


def dock(w: World, ref: Building, u: Unit) -> tuple[float, float] | None:
    """Where the harvester should go at ``ref``: a free door tile, else a place in the queue.

    The door is the row below the refinery (any side if that row cannot be reached). A tile is
    taken while another of the owner's harvesters unloads on it or is heading for it, so
    harvesters never share a tile there: the ones that find every door tile taken wait one row
    further out (``_to_ref`` asks again every second) and move up when a door tile frees.
    """
    if w.grid_dirty:
        w.relabel()
    W, H = w.w, w.h
    comp = w.grid.comp
    c = comp[int(u.y) * W + int(u.x)]
    if c < 0:
        return None
    taken = set()
    for v in w.units.values():
        if v is not u and v.alive and v.owner == u.owner and v.type == "harvester":
            if v.hv == S.UNLOAD:
                taken.add(int(v.y) * W + int(v.x))
            elif v.hv == S.TO_REF and v.path_goal is not None:
                taken.add(w.tile_of(v.path_goal))

    def free(x: int, y: int) -> bool:
        return 0 <= x < W and 0 <= y < H and comp[y * W + x] == c

    def nearest(cands: list[tuple[int, int]]) -> tuple[float, float] | None:
        best, bd = None, 1e18
        for x, y in cands:
            d = (x + 0.5 - u.x) ** 2 + (y + 0.5 - u.y) ** 2
            if d < bd:
                best, bd = (x + 0.5, y + 0.5), d
        return best

    door = [(x, ref.y + ref.h) for x in range(ref.x, ref.x + ref.w) if free(x, ref.y + ref.h)]
    if not door:
        door = [(x, y) for y in range(ref.y - 1, ref.y + ref.h + 1) for x in range(ref.x - 1, ref.x + ref.w + 1)
                if free(x, y) and (x < ref.x or x >= ref.x + ref.w or y < ref.y or y >= ref.y + ref.h)]
    if not door:
        return None
    spot = nearest([(x, y) for x, y in door if y * W + x not in taken])
    if spot is not None:
        return spot
    # every door tile is taken: queue one or two rows further out
    dx0, dy0 = door[0]
    out_y = 1 if dy0 >= ref.y + ref.h else (-1 if dy0 < ref.y else 0)
    queue = []
    for k in (2, 3):
        for x, y in door:
            qx, qy = (x, y + out_y * (k - 1)) if out_y else (x + (k - 1) * (1 if x >= ref.x + ref.w else -1), y)
            if free(qx, qy) and qy * W + qx not in taken:
                queue.append((qx, qy))
        if queue:
            break
    return nearest(queue)


def release(w: World, u: Unit) -> None:
    """Give up the claimed ore tile."""
    if u.hv_tile >= 0 and w.claims.get(u.hv_tile) == u.id:
        del w.claims[u.hv_tile]
    u.hv_tile = -1


def find_ore(w: World, u: Unit) -> int:
    """The nearest unclaimed ore tile reachable from the harvester, or -1."""
    if w.grid_dirty:
        w.relabel()
    W = w.w
    comp = w.grid.comp
    c = comp[int(u.y) * W + int(u.x)]
    ore, claims = w.ore, w.claims
    best, bd = -1, 1e18
    for i in w.ore_tiles:
        if ore[i] > 0 and comp[i] == c and i not in claims:
            d = (i % W + 0.5 - u.x) ** 2 + (i // W + 0.5 - u.y) ** 2
            if d < bd:
                best, bd = i, d
    return best


def nearest_refinery(w: World, u: Unit) -> Building | None:
    best, bd = None, 1e18
    for b in w.buildings.values():
        if b.owner == u.owner and b.alive and b.built and b.type == "refinery":
            d = b.dist2(u.x, u.y)
            if d < bd:
                best, bd = b, d
    return best


def regrow(w: World) -> None:
    """Ore tiles that are partly mined, or empty next to ore, grow back REGROW_AMOUNT (not under buildings)."""
    W, H = w.w, w.h
    ore, mx = w.ore, w.ore_max
    grow = []
    for i in w.ore_tiles:
        if ore[i] < mx[i] and w.bocc[i] < 0:
            if ore[i] > 0:
                grow.append(i)
            else:
                x, y = i % W, i // W
                for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                    if 0 <= nx < W and 0 <= ny < H and ore[ny * W + nx] > 0:
                        grow.append(i)
                        break
    for i in grow:
        ore[i] = min(float(mx[i]), ore[i] + R.REGROW_AMOUNT)
