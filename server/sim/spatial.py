"""The per-tick spatial index of living units (4x4-tile buckets, all and per owner) and its queries."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .entities import Unit
    from .world import World

CELL = 4  # bucket size, tiles


def index(w: World) -> None:
    """Bucket living units by 4x4-tile cell: all of them, and per owner (for target search)."""
    cw = (w.w + CELL - 1) // CELL
    cells: dict[int, list[Unit]] = {}
    by_owner: list[dict[int, list[Unit]]] = [{} for _ in w.players]
    for u in w.units.values():
        if u.alive:
            k = int(u.y) // CELL * cw + int(u.x) // CELL
            lst = cells.get(k)
            if lst is None:
                cells[k] = [u]
            else:
                lst.append(u)
            own = by_owner[u.owner]
            lst = own.get(k)
            if lst is None:
                own[k] = [u]
            else:
                lst.append(u)
    w.cells = cells
    w.cells_by_owner = by_owner
    w.cw = cw


def units_near(w: World, x: float, y: float, r: float) -> Iterable[Unit]:
    """Units in the buckets touching the square of half-side ``r`` around (x, y) (as of the last index)."""
    cw = w.cw
    ch = (w.h + CELL - 1) // CELL
    x0 = max(0, int(x - r) // CELL)
    x1 = min(cw - 1, int(x + r) // CELL)
    y0 = max(0, int(y - r) // CELL)
    y1 = min(ch - 1, int(y + r) // CELL)
    cells = w.cells
    for cy in range(y0, y1 + 1):
        for cx in range(x0, x1 + 1):
            lst = cells.get(cy * cw + cx)
            if lst:
                yield from lst
