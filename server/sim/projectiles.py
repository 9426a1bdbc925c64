"""Shots in flight: a weapon's shot travels at its WEAPONS speed and does its damage when it lands.

A homing shot (bullet, tank shell, missile, turret shell) follows its target and hits it on
arrival if it still lives; an artillery shell is lobbed at the ground point where its target
stood when it fired, and splashes what stands within the radius when it lands there, so a unit
that walks away in the meantime is missed. Projectiles are plain data in ``world.projectiles``
(snapshots and the state hash include them). On the wire each shot is one ``shot`` effect when
it is fired (with ``weapon``, ``to`` and ``ticks`` of flight, so the client animates the flight
by itself) and, for splash, one ``explosion`` effect where it lands (docs/WIRE.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import rules as R
from .entities import Building, Unit

if TYPE_CHECKING:
    from .world import World


@dataclass(slots=True)
class Projectile:
    """One shot on its way."""
    weapon: str           # key of rules.WEAPONS
    owner: int            # player who fired (damage is dealt by this player)
    src: int              # id of the shooter (may be dead by the time it lands)
    target: int           # id of the entity aimed at
    x: float              # where the shot is now
    y: float
    tx: float             # where it is going (a homing shot updates this while the target lives)
    ty: float
    damage: float
    splash: float         # radius, tiles (0: hits only its target)


def flight_ticks(weapon: R.WeaponType, sx: float, sy: float, tx: float, ty: float) -> int:
    """Ticks a shot of ``weapon`` takes from (sx, sy) to (tx, ty) (at least one)."""
    return max(1, math.ceil(math.hypot(tx - sx, ty - sy) / weapon.speed - 1e-9))


def fire(w: World, src: Unit | Building, t: Unit | Building) -> None:
    """``src`` shoots at ``t``: a projectile leaves now, and a ``shot`` effect tells the clients."""
    rule = src.rule
    weapon = R.WEAPONS[rule.weapon]
    tx, ty = w.pos(t)
    sx, sy = w.pos(src)
    splash = src.rule.splash if isinstance(src, Unit) else 0.0
    w.projectiles.append(Projectile(rule.weapon, src.owner, src.id, t.id, sx, sy, tx, ty,
                                    float(rule.damage), splash))
    w.effects.append({"kind": "shot", "from": src.id, "x": round(sx, 2), "y": round(sy, 2),
                      "tx": round(tx, 2), "ty": round(ty, 2), "weapon": rule.weapon, "to": t.id,
                      "ticks": flight_ticks(weapon, sx, sy, tx, ty)})


def fly(w: World) -> None:
    """Move every shot one tick along; those that arrive land (in the order they were fired)."""
    if not w.projectiles:
        return
    from .combat import damage  # combat imports this module to fire; keep the import graph acyclic

    still: list[Projectile] = []
    for p in w.projectiles:
        weapon = R.WEAPONS[p.weapon]
        t = w.entity(p.target)
        if weapon.homing and t is not None:
            p.tx, p.ty = w.pos(t)
        dx, dy = p.tx - p.x, p.ty - p.y
        d = math.hypot(dx, dy)
        if d > weapon.speed:
            p.x += dx / d * weapon.speed
            p.y += dy / d * weapon.speed
            still.append(p)
            continue
        p.x, p.y = p.tx, p.ty
        src = w.entity(p.src)
        if p.splash > 0:
            _splash(w, p, src)
        elif weapon.homing and t is not None:
            damage(w, t, p.damage, src, p.owner)
    w.projectiles = still


def _splash(w: World, p: Projectile, src: Unit | Building | None) -> None:
    """An artillery shell lands: every enemy ground unit and building within the radius is hurt."""
    from .combat import damage
    from .spatial import units_near

    tx, ty, r = p.tx, p.ty, p.splash
    r2 = r * r
    # the spatial index is from the start of the tick; units move less than a tile per tick
    for v in list(units_near(w, tx, ty, r + 1.0)):
        if v.alive and v.owner != p.owner and not v.rule.air and (v.x - tx) ** 2 + (v.y - ty) ** 2 <= r2:
            damage(w, v, p.damage, src, p.owner)
    for b in list(w.buildings.values()):
        if b.alive and b.owner != p.owner and b.dist2(tx, ty) <= r2:
            damage(w, b, p.damage, src, p.owner)
    w.effects.append({"kind": "explosion", "from": None, "x": round(tx, 2), "y": round(ty, 2),
                      "tx": round(tx, 2), "ty": round(ty, 2), "weapon": p.weapon})
