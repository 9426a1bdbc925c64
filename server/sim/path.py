"""Grid pathfinding for ground units: A* (8-connected, octile, no corner cutting).

``blocked`` is a bytearray of W*H (1 = water or building). Connected
components are labelled once per change of the blocked grid so that an
unreachable goal is replaced by the nearest reachable tile *before* searching
(no search ever floods the map in vain). See docs/SIMULATION.md for why A* with
a per-tick budget was chosen over flow fields.
"""
from __future__ import annotations

import heapq

SQRT2 = 1.4142135623730951
INF = float("inf")


class Grid:
    def __init__(self, width: int, height: int, blocked: bytearray) -> None:
        self.w = width
        self.h = height
        self.blocked = blocked
        self.comp: list[int] = []
        self.nb: list[tuple[tuple[int, float], ...]] = []
        self.version = 0
        self.relabel()

    def relabel(self, changed: list[tuple[int, int, int, int]] | None = None) -> None:
        """Refresh neighbour lists (all, or around the ``changed`` rectangles) and components.

        Components are 4-connected: with no corner cutting, every diagonal step can
        be replaced by two straight ones, so 4- and 8-connectivity agree.
        """
        W, H, b = self.w, self.h, self.blocked
        if changed is None or not self.nb:
            self.nb = [tuple(self.neighbours(i)) if not b[i] else () for i in range(W * H)]
        else:
            nb = self.nb
            for x0, y0, x1, y1 in changed:
                for y in range(max(0, y0 - 1), min(H, y1 + 2)):
                    for x in range(max(0, x0 - 1), min(W, x1 + 2)):
                        i = y * W + x
                        nb[i] = tuple(self.neighbours(i)) if not b[i] else ()
        comp = [-1] * (W * H)
        label = 0
        for s in range(W * H):
            if b[s] or comp[s] >= 0:
                continue
            comp[s] = label
            stack = [s]
            pop, push = stack.pop, stack.append
            while stack:
                i = pop()
                x = i % W
                if x > 0 and comp[i - 1] < 0 and not b[i - 1]:
                    comp[i - 1] = label
                    push(i - 1)
                if x < W - 1 and comp[i + 1] < 0 and not b[i + 1]:
                    comp[i + 1] = label
                    push(i + 1)
                if i >= W and comp[i - W] < 0 and not b[i - W]:
                    comp[i - W] = label
                    push(i - W)
                if i + W < W * H and comp[i + W] < 0 and not b[i + W]:
                    comp[i + W] = label
                    push(i + W)
            label += 1
        self.comp = comp
        self.version += 1

    def neighbours(self, i: int):
        W, H, b = self.w, self.h, self.blocked
        x, y = i % W, i // W
        out = []
        l = x > 0 and not b[i - 1]
        r = x < W - 1 and not b[i + 1]
        u = y > 0 and not b[i - W]
        d = y < H - 1 and not b[i + W]
        if l:
            out.append((i - 1, 1.0))
        if r:
            out.append((i + 1, 1.0))
        if u:
            out.append((i - W, 1.0))
        if d:
            out.append((i + W, 1.0))
        if l and u and not b[i - W - 1]:
            out.append((i - W - 1, SQRT2))
        if r and u and not b[i - W + 1]:
            out.append((i - W + 1, SQRT2))
        if l and d and not b[i + W - 1]:
            out.append((i + W - 1, SQRT2))
        if r and d and not b[i + W + 1]:
            out.append((i + W + 1, SQRT2))
        return out

    def passable(self, x: int, y: int) -> bool:
        return 0 <= x < self.w and 0 <= y < self.h and not self.blocked[y * self.w + x]

    def nearest_reachable(self, start: int, goal: int, max_r: int = 64) -> int | None:
        """The tile nearest ``goal`` (rings, then distance) in ``start``'s component."""
        W, H = self.w, self.h
        c = self.comp[start]
        if c < 0:
            return None
        if self.comp[goal] == c:
            return goal
        gx, gy = goal % W, goal // W
        for r in range(1, max_r):
            best = None
            bd = 1e18
            for dy in range(-r, r + 1):
                y = gy + dy
                if y < 0 or y >= H:
                    continue
                if abs(dy) == r:
                    xs = range(gx - r, gx + r + 1)
                else:
                    xs = (gx - r, gx + r)
                for x in xs:
                    if 0 <= x < W:
                        j = y * W + x
                        if self.comp[j] == c:
                            d = (x - gx) ** 2 + dy * dy
                            if d < bd:
                                bd, best = d, j
            if best is not None:
                return best
        return None

    def astar(self, start: int, goal: int, max_expand: int = 100_000) -> tuple[list[int] | None, int]:
        """Tile indices from start (excluded) to goal (included); (path|None, expansions)."""
        if start == goal:
            return [], 0
        W = self.w
        nb = self.nb
        gx, gy = goal % W, goal // W
        openh: list[tuple[float, int]] = [(0.0, start)]
        g = {start: 0.0}
        came: dict[int, int] = {}
        closed = bytearray(W * self.h)
        n = 0
        push, pop = heapq.heappush, heapq.heappop
        while openh:
            _f, i = pop(openh)
            if closed[i]:
                continue
            if i == goal:
                path = [i]
                while i in came:
                    i = came[i]
                    path.append(i)
                path.pop()
                path.reverse()
                return path, n
            closed[i] = 1
            n += 1
            if n > max_expand:
                return None, n
            gi = g[i]
            for j, c in nb[i]:
                if closed[j]:
                    continue
                ng = gi + c
                if ng < g.get(j, 1e18):
                    g[j] = ng
                    came[j] = i
                    dx = abs(j % W - gx)
                    dy = abs(j // W - gy)
                    h = (dx + dy) + (SQRT2 - 2) * (dx if dx < dy else dy)
                    push(openh, (ng + h * 1.001, j))
        return None, n

    def segment_clear(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """True when the straight segment crosses only passable tiles (touching corners counts)."""
        W, H, b = self.w, self.h, self.blocked
        tx, ty = int(x0), int(y0)
        ex, ey = int(x1), int(y1)
        if not (0 <= tx < W and 0 <= ty < H and 0 <= ex < W and 0 <= ey < H):
            return False
        if b[ty * W + tx]:
            return False
        dx, dy = x1 - x0, y1 - y0
        inf = float("inf")
        sx = 1 if dx > 0 else -1
        sy = 1 if dy > 0 else -1
        tdx = abs(1.0 / dx) if dx else inf
        tdy = abs(1.0 / dy) if dy else inf
        tmx = ((tx + 1 - x0) if dx > 0 else (x0 - tx)) * tdx if dx else inf
        tmy = ((ty + 1 - y0) if dy > 0 else (y0 - ty)) * tdy if dy else inf
        for _ in range(abs(ex - tx) + abs(ey - ty) + 2):
            if tx == ex and ty == ey:
                return True
            if abs(tmx - tmy) < 1e-9:
                # passing through a corner: both side tiles must be free
                if not (0 <= tx + sx < W and 0 <= ty + sy < H):
                    return False
                if b[ty * W + tx + sx] or b[(ty + sy) * W + tx]:
                    return False
                tx += sx
                ty += sy
                tmx += tdx
                tmy += tdy
            elif tmx < tmy:
                tx += sx
                tmx += tdx
            else:
                ty += sy
                tmy += tdy
            if not (0 <= tx < W and 0 <= ty < H) or b[ty * W + tx]:
                return False
        return tx == ex and ty == ey


class FieldJob:
    """A resumable reverse Dijkstra from one goal tile: one search shared by a whole group.

    ``run(budget)`` expands at most ``budget`` tiles and may be resumed next tick;
    once ``done``, ``descend(start)`` walks downhill to the goal in O(path length).
    """
    __slots__ = ("grid", "goal", "dist", "heap", "done", "version")

    def __init__(self, grid: Grid, goal: int) -> None:
        self.grid = grid
        self.goal = goal
        self.dist = [INF] * (grid.w * grid.h)
        self.dist[goal] = 0.0
        self.heap: list[tuple[float, int]] = [(0.0, goal)]
        self.done = False
        self.version = grid.version

    def run(self, budget: int) -> int:
        dist, heap, nb = self.dist, self.heap, self.grid.nb
        pop, push = heapq.heappop, heapq.heappush
        n = 0
        while heap and n < budget:
            d, i = pop(heap)
            if d > dist[i]:
                continue
            n += 1
            for j, c in nb[i]:
                nd = d + c
                if nd < dist[j]:
                    dist[j] = nd
                    push(heap, (nd, j))
        if not heap:
            self.done = True
        return n

    def descend(self, start: int) -> list[int] | None:
        """Tiles from ``start`` (excluded) down to the goal (included); None if unreachable."""
        dist, nb = self.dist, self.grid.nb
        if dist[start] == INF:
            return None
        out = []
        i = start
        for _ in range(len(dist)):
            if i == self.goal:
                return out
            best, bd = -1, INF
            for j, c in nb[i]:
                v = dist[j] + c
                if v < bd:
                    best, bd = j, v
            if best < 0 or dist[best] >= dist[i]:
                return None
            out.append(best)
            i = best
        return None



def prune(path: list[int], W: int) -> list[int]:
    """Drop the middle points of straight runs."""
    if len(path) < 3:
        return path
    out = [path[0]]
    for k in range(1, len(path) - 1):
        a, m, c = path[k - 1], path[k], path[k + 1]
        if (m % W - a % W, m // W - a // W) != (c % W - m % W, c // W - m // W):
            out.append(m)
    out.append(path[-1])
    return out
