"""Victory: a player with no building left has lost; the game ends when one (or both) has."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .world import World


def check_end(w: World) -> None:
    alive = [False] * len(w.players)
    for b in w.buildings.values():
        if b.alive:
            alive[b.owner] = True
    if all(alive):
        return
    w.over = True
    standing = [p for p in range(len(w.players)) if alive[p]]
    w.winner = standing[0] if len(standing) == 1 else None
    w.event("game_over", None, winner=w.winner)
