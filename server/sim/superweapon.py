"""Superweapon: each player's charge (while a completed HQ stands) and the strike."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import rules as R
from .combat import damage

if TYPE_CHECKING:
    from .world import World


def charge(w: World) -> None:
    """One tick of charging; ``superweapon_ready`` when full."""
    for pl in w.players:
        if pl.charge >= R.SUPERWEAPON_CHARGE_TICKS:
            continue
        hq = w.hq(pl.id)
        if hq is not None and hq.built:
            pl.charge += 1
            if pl.charge >= R.SUPERWEAPON_CHARGE_TICKS:
                w.event("superweapon_ready", pl.id)


def strike(w: World, p: int, x: float, y: float) -> None:
    """Player ``p``'s strike at (x, y): everything within the radius is hurt, friend or foe."""
    r2 = R.SUPERWEAPON_RADIUS ** 2
    w.effects.append({"kind": "strike", "from": None, "x": x, "y": y, "tx": x, "ty": y})
    w.event("superweapon_launched", None, by=p, x=x, y=y)
    for u in list(w.units.values()):
        if u.alive and (u.x - x) ** 2 + (u.y - y) ** 2 <= r2:
            damage(w, u, R.SUPERWEAPON_UNIT_DAMAGE, None, p)
    for b in list(w.buildings.values()):
        if b.alive and b.dist2(x, y) <= r2:
            damage(w, b, R.SUPERWEAPON_UNIT_DAMAGE * R.SUPERWEAPON_BUILDING_FACTOR, None, p)
