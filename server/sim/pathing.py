"""Path requests: how a unit asks for a path and gets one, within a per-tick search budget.

The protocol, in one place (the unit fields it uses: ``path_goal``, ``pending``, ``queued``,
``field``, ``next_repath``, ``path``):

1. **request** (:func:`request_path`): a unit wants to reach a point. Air units get a straight
   line at once. A ground unit is marked ``pending`` and joins ``world.path_queue`` (once:
   ``queued``). Requests are rate-limited to one per ``REPATH_TICKS`` unless ``force``.
2. **field** (:func:`wait_field`): a group of three or more, or a single search too long for
   A*, shares one resumable search towards a goal tile (a :class:`~.path.FieldJob` in
   ``world.fields``); the unit waits in ``world.field_wait[goal]`` with ``field = goal``.
3. **compute** (:func:`run_paths`, each tick): finish shared searches and hand their waiters a
   path (:func:`path_from_field`), then run queued A* searches (:func:`compute_path`), until
   ``PATH_BUDGET`` expansions are spent; the rest waits for the next tick.

Invariant (tests/sim/test_properties.py): a ``pending`` unit is either ``queued`` with
``field < 0`` or listed in ``world.field_wait[field]``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import rules as R
from .path import INF, FieldJob, prune

if TYPE_CHECKING:
    from .entities import Unit
    from .world import World

MAX_FIELDS = 24   # shared searches kept (oldest dropped first)


def request_path(w: World, u: Unit, goal: tuple[float, float], force: bool = False) -> None:
    """Ask for a path to ``goal`` (at most once per REPATH_TICKS unless ``force``)."""
    if not force and w.tick < u.next_repath:
        return
    u.next_repath = w.tick + R.REPATH_TICKS
    u.path_goal = goal
    u.field = -1
    if u.rule.air:
        u.path = [goal]
        u.pending = False
        return
    u.pending = True
    if not u.queued:
        u.queued = True
        w.path_queue.append(u.id)


def wait_field(w: World, u: Unit, goal: tuple[float, float], field_goal: int) -> None:
    """Path ``u`` to ``goal`` along the shared search towards ``field_goal`` (one search per group)."""
    u.path_goal = goal
    u.path = []
    u.next_repath = w.tick + R.REPATH_TICKS
    if w.grid_dirty:
        w.relabel()
    if w.grid.segment_clear(u.x, u.y, goal[0], goal[1]):
        u.path = [goal]
        u.pending = False
        u.field = -1
        return
    st = int(u.y) * w.w + int(u.x)
    fg = None if w.grid.blocked[st] else w.grid.nearest_reachable(st, field_goal)
    if fg is None:
        u.pending = False
        u.field = -1
        return
    u.pending = True
    u.field = fg
    job = w.fields.get(fg)
    if job is not None and job.version != w.grid.version:
        job = None
        del w.fields[fg]
    if job is None:
        w.fields[fg] = FieldJob(w.grid, fg)
        while len(w.fields) > MAX_FIELDS:
            del w.fields[next(iter(w.fields))]
    w.field_wait.setdefault(fg, []).append(u.id)


def path_from_field(w: World, u: Unit, job: FieldJob) -> int:
    """Walk the finished shared search down to its goal, then on to the unit's own slot.

    Returns a cost in the units of the path budget."""
    u.pending = False
    u.field = -1
    W = w.w
    goal = u.path_goal
    if goal is None:
        u.path = []
        return 1
    st = int(u.y) * W + int(u.x)
    tiles = job.descend(st)
    if tiles is None:
        u.path = []
        return 1
    gt = w.tile_of(goal)
    if gt != job.goal:
        leg = job.descend(gt)
        if leg is None or job.dist[gt] == INF:
            end = (job.goal % W + 0.5, job.goal // W + 0.5)
        else:
            back = [gt] + leg[:-1]
            back.reverse()
            # leave the shared route where the slot is in plain sight
            cut = len(tiles)
            for k in range(len(tiles) - 1, max(-1, len(tiles) - 8), -1):
                t = tiles[k]
                if w.grid.segment_clear(t % W + 0.5, t // W + 0.5, goal[0], goal[1]):
                    cut = k + 1
                    back = []
            tiles = tiles[:cut] + back
            end = goal
    else:
        end = goal
    tiles = prune(tiles, W)
    pts = [(t % W + 0.5, t // W + 0.5) for t in tiles]
    if pts and w.tile_of(pts[-1]) == w.tile_of(end):
        pts[-1] = end
    else:
        pts.append(end)
    u.path = pts
    return 5 + len(tiles) // 2


def compute_path(w: World, u: Unit) -> int:
    """Fill u.path from u.path_goal; returns A* expansions spent."""
    u.pending = False
    goal = u.path_goal
    if goal is None:
        u.path = []
        return 0
    if w.grid_dirty:
        w.relabel()
    W = w.w
    g = w.grid
    sx, sy = int(u.x), int(u.y)
    start = sy * W + sx
    if g.blocked[start]:
        u.path = []
        return 0
    gx = min(W - 1, max(0, int(goal[0])))
    gy = min(w.h - 1, max(0, int(goal[1])))
    gt = g.nearest_reachable(start, gy * W + gx)
    if gt is None:
        u.path = []
        return 0
    end = goal if gt == gy * W + gx else (gt % W + 0.5, gt // W + 0.5)
    if g.segment_clear(u.x, u.y, end[0], end[1]):
        u.path = [end]
        return 1
    tiles, n = g.astar(start, gt, R.ASTAR_CAP)
    if tiles is None:
        # a long or winding search: hand it to a resumable shared search instead
        wait_field(w, u, goal, gt)
        return n
    tiles = prune(tiles, W)
    pts = [(t % W + 0.5, t // W + 0.5) for t in tiles]
    if pts:
        pts[-1] = end
    u.path = pts
    return n


def run_paths(w: World) -> None:
    """This tick's share of path searching: shared searches and their waiters first, then A*."""
    budget = R.PATH_BUDGET
    if w.grid_dirty and (w.field_wait or w.path_queue):
        w.relabel()
    for fg in list(w.field_wait):
        if budget <= 0:
            break
        job = w.fields.get(fg)
        if job is None or job.version != w.grid.version:
            job = w.fields[fg] = FieldJob(w.grid, fg)
        if not job.done:
            budget -= job.run(budget)
        if job.done:
            waiters = w.field_wait[fg]
            k = 0
            while k < len(waiters) and budget > 0:
                u = w.units.get(waiters[k])
                k += 1
                if u is not None and u.alive and u.pending and u.field == fg:
                    budget -= path_from_field(w, u, job)
            del waiters[:k]
            if not waiters:
                del w.field_wait[fg]
    q = w.path_queue
    while q and budget > 0:
        u = w.units.get(q.popleft())
        if u is None:
            continue
        u.queued = False
        if not u.alive or not u.pending or u.field >= 0:
            continue  # cancelled, or now waiting for a shared search instead
        budget -= compute_path(w, u) + 20
