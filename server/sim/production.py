"""Production and power: the power balance, the low-power rule, HQ construction and unit training."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import rules as R

if TYPE_CHECKING:
    from .entities import Building, Player, Unit
    from .world import World


def power_rate(pl: Player) -> float:
    """The low-power rule: construction, training and turret reloading run at LOW_POWER_RATE
    while a player's buildings use more power than they produce."""
    return R.LOW_POWER_RATE if pl.low_power else 1.0


def update_power(w: World) -> None:
    """Recount each player's power; say ``low_power`` when a player drops into it."""
    for pl in w.players:
        prod = used = 0
        for b in w.buildings.values():
            if b.owner == pl.id and b.alive and b.built:
                if b.rule.power > 0:
                    prod += b.rule.power
                else:
                    used -= b.rule.power
        pl.produced, pl.used = prod, used
        low = used > prod
        if low and not pl.low_power:
            w.event("low_power", pl.id, produced=prod, used=used)
        pl.low_power = low


def production(w: World) -> None:
    """One tick of construction (the HQ builds its sites one at a time) and of every training queue."""
    for pl in w.players:
        rate = power_rate(pl)
        hq = w.hq(pl.id)
        pl.sites = [s for s in pl.sites if s in w.buildings and not w.buildings[s].built]
        if hq is not None and hq.built and pl.sites:
            b = w.buildings[pl.sites[0]]
            b.progress += rate
            b.hp = min(b.max_hp, b.hp + b.max_hp * (1 - R.SITE_START_HP) * rate / b.rule.build_ticks)
            if b.progress >= b.rule.build_ticks:
                b.built = True
                pl.sites.pop(0)
                w.event("building_done", pl.id, building_type=b.type, id=b.id, x=b.x, y=b.y)
                if b.rule.free_unit:
                    spawn_near(w, pl.id, b.rule.free_unit, b)
    for b in w.buildings.values():
        if not b.queue or not b.alive or not b.built:
            continue
        pl = w.players[b.owner]
        item = b.queue[0]
        rule = R.UNITS[item.item]
        if not item.paid:
            if pl.credits < rule.cost:
                continue  # waits for credits
            pl.credits -= rule.cost
            item.paid = True
        item.progress += power_rate(pl)
        if item.progress >= rule.build_ticks:
            b.queue.pop(0)
            u = spawn_near(w, b.owner, item.item, b)
            item.unit = u.id if u else -1
            w.event("unit_ready", b.owner, unit_type=item.item, id=u.id if u else None, building=b.id)


def spawn_near(w: World, p: int, utype: str, b: Building) -> Unit | None:
    """A new unit on the free tile nearest to ``b`` (towards the map centre); None if no room."""
    rule = R.UNITS[utype]
    W, H = w.w, w.h
    occupied = {(int(u.x), int(u.y)) for u in w.units.values() if u.alive}
    best = None
    blocked = w.grid.blocked
    for r in range(1, 12):
        ring = []
        for y in range(b.y - r, b.y + b.h + r):
            for x in range(b.x - r, b.x + b.w + r):
                if b.x - r < x < b.x + b.w + r - 1 and b.y - r < y < b.y + b.h + r - 1:
                    continue
                if 0 <= x < W and 0 <= y < H and (rule.air or not blocked[y * W + x]):
                    dc = (x + 0.5 - W / 2) ** 2 + (y + 0.5 - H / 2) ** 2
                    ring.append((0 if (x, y) not in occupied else 1, dc, y, x))
        # prefer free tiles, then below/right of the building (towards the map centre for p0)
        if ring:
            ring.sort()
            if ring[0][0] == 0 or r >= 2:
                best = ring[0]
                break
    if best is None:
        return None
    return w.add_unit(p, utype, best[3] + 0.5, best[2] + 0.5)
