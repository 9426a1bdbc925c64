"""Seeded, point-symmetric map generation.

Tiles: ``.`` grass, ``~`` water, ``o`` ore, ``*`` gems (WIRE.md). Player 0's
base site is the top-left corner, player 1's the bottom-right one; tile
(x, y) mirrors to (W-1-x, H-1-y). A river runs along the anti-diagonal between
the bases with a few fords; lakes, ore fields near each base and in the middle,
and a few gem patches are added symmetrically. Ground regions that cannot be
reached from the bases are turned to water, so every ore tile is reachable.
"""
from __future__ import annotations

import random
from collections import deque

GRASS, WATER, ORE, GEMS = ".", "~", "o", "*"


def hq_site(width: int, height: int, player: int) -> tuple[int, int]:
    """Top-left tile of a player's HQ (3x3)."""
    m = max(2, min(width, height) // 16)
    if player == 0:
        return (m, m)
    return (width - m - 3, height - m - 3)


def generate(seed: int, width: int, height: int) -> list[str]:
    """Return the terrain as a row-major list of W*H characters."""
    rng = random.Random(f"map:{seed}:{width}x{height}")
    W, H = width, height
    t = [GRASS] * (W * H)

    def setp(x: int, y: int, c: str) -> None:
        if 0 <= x < W and 0 <= y < H:
            t[y * W + x] = c
            t[(H - 1 - y) * W + (W - 1 - x)] = c

    def get(x: int, y: int) -> str:
        return t[y * W + x]

    hx, hy = hq_site(W, H, 0)
    base_c = (hx + 1.5, hy + 1.5)
    keep_r = max(6.0, min(W, H) / 6)

    def near_base(x: int, y: int, r: float) -> bool:
        for (bx, by) in (base_c, (W - base_c[0], H - base_c[1])):
            if (x + 0.5 - bx) ** 2 + (y + 0.5 - by) ** 2 < r * r:
                return True
        return False

    # river along the anti-diagonal (top-right -> centre), mirrored to the bottom-left
    if W >= 24 and H >= 24:
        steps = 4 * (W + H)
        wob = 0.0
        for i in range(steps + 1):
            f = i / steps
            cx = (W - 1) + (W / 2 - (W - 1)) * f
            cy = 0 + (H / 2) * f
            wob += rng.uniform(-0.15, 0.15)
            wob = max(-3.0, min(3.0, wob))
            w = wob * (1 - f * f)  # meet the centre exactly
            px, py = cx + w, cy - w
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    x, y = int(px + dx * 0.8), int(py + dy * 0.8)
                    if not near_base(x, y, keep_r):
                        setp(x, y, WATER)
        # fords: the centre, and one on each half
        def ford(fx: float, fy: float, r: int) -> None:
            for dy in range(-r, r + 1):
                for dx in range(-r, r + 1):
                    setp(int(fx) + dx, int(fy) + dy, GRASS)
        ford(W / 2 - 1, H / 2 - 1, 2)
        ford(W / 2, H / 2, 2)
        f = rng.uniform(0.35, 0.6)
        ford((W - 1) + (W / 2 - (W - 1)) * f, (H / 2) * f, 1)

    # lakes
    for _ in range(rng.randint(2, 4)):
        for _try in range(20):
            cx, cy = rng.randrange(W), rng.randrange(H)
            if not near_base(cx, cy, keep_r + 4):
                break
        else:
            continue
        r = rng.uniform(1.5, 3.2)
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                x, y = cx + dx, cy + dy
                if 0 <= x < W and 0 <= y < H and dx * dx + dy * dy <= (r + rng.uniform(-0.6, 0.6)) ** 2:
                    if not near_base(x, y, keep_r):
                        setp(x, y, WATER)

    def field(cx: int, cy: int, r: float, kind: str, density: float = 0.85) -> None:
        ir = int(r) + 1
        for dy in range(-ir, ir + 1):
            for dx in range(-ir, ir + 1):
                x, y = cx + dx, cy + dy
                if 0 <= x < W and 0 <= y < H and dx * dx + dy * dy <= r * r and get(x, y) != WATER:
                    if rng.random() < density:
                        setp(x, y, kind)

    # ore near each base (mirrored), in the middle, and gems
    ang_off = rng.choice([(1, 0), (0, 1)])
    bx, by = int(base_c[0]), int(base_c[1])
    dist = max(5, int(keep_r) + 1)
    if ang_off == (1, 0):
        field(bx + dist, by + 1, 2.6, ORE)
    else:
        field(bx + 1, by + dist, 2.6, ORE)
    field(bx + dist - 1, by + dist - 1, 1.6, ORE)
    mx, my = W // 2, H // 2
    off = max(3, min(W, H) // 8)
    field(mx - off - 1, my + off - 2, 2.8, ORE)
    field(mx - off - 1, my + off - 2, 1.0, GEMS, 1.0)
    field(mx - off * 2, my - off + 1, 2.0, ORE)
    field(mx - off * 2 + 1, my - off + 1, 0.8, GEMS, 1.0)
    # bigger maps get more fields (the default 64x48 gets none extra)
    for _ in range(max(0, (W * H) // 1500 - 2)):
        for _try in range(30):
            fx, fy = rng.randrange(2, W - 2), rng.randrange(2, H - 2)
            if not near_base(fx, fy, keep_r + 3) and get(fx, fy) == GRASS:
                field(fx, fy, rng.uniform(1.6, 2.6), ORE)
                break
    # keep the HQ footprints and their surroundings clear
    for (px, py) in (hq_site(W, H, 0), hq_site(W, H, 1)):
        for y in range(py - 1, py + 4):
            for x in range(px - 1, px + 4):
                if 0 <= x < W and 0 <= y < H:
                    t[y * W + x] = GRASS

    _fill_unreachable(t, W, H, hq_site(W, H, 0))
    return t


def _fill_unreachable(t: list[str], W: int, H: int, start: tuple[int, int]) -> None:
    """Turn ground tiles that cannot be walked to from ``start`` into water (keeps symmetry)."""
    seen = bytearray(W * H)
    s = start[1] * W + start[0]
    seen[s] = 1
    dq = deque([s])
    while dq:
        i = dq.popleft()
        x, y = i % W, i // W
        for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if 0 <= nx < W and 0 <= ny < H:
                j = ny * W + nx
                if not seen[j] and t[j] != WATER:
                    seen[j] = 1
                    dq.append(j)
    other = (H - 1 - start[1]) * W + (W - 1 - start[0])
    if not seen[other]:
        # carve a straight corridor between the bases through the centre (symmetric by construction)
        x0, y0 = start
        x1, y1 = W - 1 - x0, H - 1 - y0
        n = max(abs(x1 - x0), abs(y1 - y0))
        for k in range(n + 1):
            x = round(x0 + (x1 - x0) * k / n)
            y = round(y0 + (y1 - y0) * k / n)
            for dx in (0, 1):
                for dy in (0, 1):
                    if 0 <= x + dx < W and 0 <= y + dy < H and t[(y + dy) * W + x + dx] == WATER:
                        t[(y + dy) * W + x + dx] = GRASS
                        t[(H - 1 - y - dy) * W + (W - 1 - x - dx)] = GRASS
        _fill_unreachable(t, W, H, start)
        return
    for i in range(W * H):
        if not seen[i] and t[i] != WATER:
            t[i] = WATER
