"""Views: the WIRE.md ``state`` body a player (or a spectator) sees, built from the world and its fog."""
from __future__ import annotations

import base64
import math
from typing import TYPE_CHECKING

from . import rules as R

if TYPE_CHECKING:
    from .entities import Building, Player, Unit
    from .world import World

# Views round what changes a little every tick (progress bars, charge, cargo):
# finer steps cannot be seen on screen but would put the entity in every delta.
VIEW_PROGRESS_DIGITS = 2
VIEW_CARGO_STEP = 25


def building_view(w: World, b: Building, own: bool) -> dict:
    """A building as its owner (``own``: with its queue) or an enemy sees it."""
    d = {"id": b.id, "type": b.type, "owner": b.owner, "x": b.x, "y": b.y, "w": b.w, "h": b.h,
         "hp": int(math.ceil(b.hp)), "max_hp": b.max_hp,
         "built": 1.0 if b.built else round(min(1.0, b.progress / b.rule.build_ticks), VIEW_PROGRESS_DIGITS),
         "queue": [], "stale": False}
    if own:
        if b.type == "hq":
            pl = w.players[b.owner]
            q = []
            for sid in (s for s in pl.sites if s in w.buildings):
                sb = w.buildings[sid]
                q.append({"item": sb.type, "progress": round(min(1.0, sb.progress / sb.rule.build_ticks),
                                                                VIEW_PROGRESS_DIGITS),
                          "building": sid})
            d["queue"] = q
        else:
            d["queue"] = [{"item": it.item,
                           "progress": round(min(1.0, it.progress / R.UNITS[it.item].build_ticks),
                                             VIEW_PROGRESS_DIGITS)}
                          for it in b.queue]
    return d


def unit_view(u: Unit) -> dict:
    d = {"id": u.id, "type": u.type, "owner": u.owner, "x": round(u.x, 2), "y": round(u.y, 2),
         "hp": int(math.ceil(u.hp)), "max_hp": u.rule.hp, "order": u.order, "target": u.target}
    if u.type == "harvester":
        d["cargo"] = int(u.cargo // VIEW_CARGO_STEP * VIEW_CARGO_STEP)
    return d


def player_view(w: World, pl: Player) -> dict:
    return {"id": pl.id, "credits": pl.credits, "power": {"produced": pl.produced, "used": pl.used},
            "low_power": pl.low_power,
            "superweapon": {"charge": round(pl.charge / R.SUPERWEAPON_CHARGE_TICKS, VIEW_PROGRESS_DIGITS + 1),
                            # Ready means launchable: a full charge needs a standing HQ to fire.
                            "ready": pl.charge >= R.SUPERWEAPON_CHARGE_TICKS and w.hq_ready(pl.id)}}


def mask(w: World, m: int) -> str:
    """A tile bit mask as base64 (WIRE.md ``explored``/``visible``)."""
    return base64.b64encode(m.to_bytes((w.npix + 7) // 8, "little")).decode("ascii")


def spectator_view(w: World) -> dict:
    units = [unit_view(u) for u in w.units.values() if u.alive]
    buildings = [building_view(w, b, True) for b in w.buildings.values() if b.alive]
    allmask = (1 << w.npix) - 1
    res = {}
    for i in w.ore_tiles:
        a = int(w.ore[i] + 0.5) if w.ore[i] > 0 else 0
        if a != w.ore_max[i]:
            res[str(i)] = a
    return {"tick": w.tick, "player": None, "players": [player_view(w, p) for p in w.players],
            "units": units, "buildings": buildings, "explored": mask(w, allmask),
            "visible": mask(w, allmask), "resources": res, "effects": list(w.effects),
            "game_over": {"winner": w.winner} if w.over else None}


def player_state(w: World, player: int) -> dict:
    """What ``player`` sees: own things, enemies in sight, remembered buildings (stale), seen effects."""
    W, H = w.w, w.h
    pl = w.players[player]
    vis = pl.visible
    units = []
    for u in w.units.values():
        if not u.alive:
            continue
        if u.owner == player or vis[int(u.y) * W + int(u.x)]:
            units.append(unit_view(u))
    buildings = []
    for b in w.buildings.values():
        if b.alive and b.owner == player:
            buildings.append(building_view(w, b, True))
    shown = set()
    for b in w.buildings.values():
        if b.alive and b.owner != player and w.visible_to(player, b):
            buildings.append(building_view(w, b, False))
            shown.add(b.id)
    for bid, snap in pl.seen.items():
        if bid not in shown:
            s = dict(snap)
            s["stale"] = True
            buildings.append(s)
    effects = []
    for e in w.effects:
        if e["kind"] == "strike":
            effects.append(e)
            continue
        tx, ty = int(e["tx"]), int(e["ty"])
        sx, sy = int(e["x"]), int(e["y"])
        src_seen = 0 <= sx < W and 0 <= sy < H and vis[sy * W + sx]
        dst_seen = 0 <= tx < W and 0 <= ty < H and vis[ty * W + tx]
        if src_seen:
            effects.append(e)
        elif dst_seen:
            # a shot out of the fog: show where it lands, not who fired from where
            # (weapon and flight time stay: the client shows the landing when it comes)
            hidden = dict(e)
            hidden.update({"from": None, "x": e["tx"], "y": e["ty"]})
            effects.append(hidden)
    return {"tick": w.tick, "player": player_view(w, pl),
            "units": units, "buildings": buildings,
            "explored": mask(w, pl.explored), "visible": mask(w, pl.vis_int),
            "resources": {str(i): a for i, a in pl.seen_res.items()},
            "effects": effects,
            "game_over": {"winner": w.winner} if w.over else None}
