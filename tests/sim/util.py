"""Helpers for the simulation tests: small hand-made maps."""
from __future__ import annotations

from server.sim import Game


def grass(w: int, h: int) -> list[str]:
    return ["." * w for _ in range(h)]


def make(rows: list[str], *, start: bool = False, explore: bool = True, seed: int = 1) -> Game:
    """A game on a hand-made map; with ``explore`` every tile is explored by both players."""
    g = Game(seed=seed, terrain=rows, start=start)
    if explore:
        full = (1 << (g.w * g.h)) - 1
        for pl in g.players:
            pl.explored = full
    return g


def run(g: Game, ticks: int) -> list[dict]:
    ev: list[dict] = []
    for _ in range(ticks):
        g.step()
        ev.extend(g.drain_events())
    return ev


def in_water_or_building(g: Game) -> list[int]:
    bad = []
    for u in g.units.values():
        if u.alive and not u.rule.air:
            i = int(u.y) * g.w + int(u.x)
            if g.water[i] or g.bocc[i] >= 0:
                bad.append(u.id)
    return bad
