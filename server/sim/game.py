"""The game: one pure, deterministic simulation of GAME.md.

No I/O, no clocks, no asyncio: the room calls :meth:`Game.apply` for each
order and :meth:`Game.step` 20 times per second. All randomness comes from a
seeded ``random.Random``; the same seed and the same order log give the same
:meth:`Game.state_hash`.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import math
import random
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from . import mapgen
from . import rules as R
from .entities import Building, Player, Unit
from .orders import DIRECTION_VECTORS, Action, Selection, Target, parse_action
from .path import INF, FieldJob, Grid, prune

log = logging.getLogger(__name__)

NPLAYERS = 2
_BITS = bytes.maketrans(b"\x00\x01", b"01")
_CELL = 4  # spatial hash cell size, tiles


# Views round what changes a little every tick (progress bars, charge, cargo):
# finer steps cannot be seen on screen but would put the entity in every delta.
VIEW_PROGRESS_DIGITS = 2
VIEW_CARGO_STEP = 25


@dataclass(frozen=True, slots=True)
class OrderResult:
    """Answer of :meth:`Game.apply` / :meth:`Game.validate`. ``info["code"]`` is stable."""
    ok: bool
    error: str | None = None
    info: dict | None = None


class _Refuse(Exception):
    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


def _disc_spans(r: float) -> list[tuple[int, int]]:
    ir = int(math.ceil(r))
    out = []
    for dy in range(-ir, ir + 1):
        half = int(math.floor(math.sqrt(max(0.0, r * r - dy * dy))))
        if r * r - dy * dy >= 0:
            out.append((dy, half))
    return out


class Game:
    """A two-player game. See docs/ARCHITECTURE.md (server.sim) for the API contract."""

    def __init__(self, seed: int = 1, width: int = R.DEFAULT_WIDTH, height: int = R.DEFAULT_HEIGHT, *,
                 terrain: str | list[str] | None = None,
                 hq_sites: list[tuple[int, int]] | None = None,
                 start: bool = True) -> None:
        """``terrain``: optional hand-made map (rows of ``.~o*`` or one W*H string) for tests.
        ``start=False``: no HQs nor units are placed (tests add them with ``add_unit``/``add_building``).
        """
        self.seed = seed
        if terrain is not None:
            if isinstance(terrain, str):
                rows = [terrain[i:i + width] for i in range(0, len(terrain), width)]
            else:
                rows = list(terrain)
            height, width = len(rows), len(rows[0])
            tiles = [c for row in rows for c in row]
            if any(len(r) != width for r in rows):
                raise ValueError("terrain rows must have equal lengths")
        else:
            if width < 16 or height < 16:
                raise ValueError("map must be at least 16x16")
            tiles = mapgen.generate(seed, width, height)
        self.w = self.width = width
        self.h = self.height = height
        self.npix = width * height
        self.terrain = tiles
        self._tiles_str = "".join(tiles)
        self.rng = random.Random(seed)
        self.tick = 0
        self.winner: int | None = None
        self.over = False
        self.order_log: list[tuple[int, int, dict]] = []
        self._events: list[dict] = []
        self.effects: list[dict] = []
        # ore
        self.ore_max = [0] * self.npix
        for i, c in enumerate(tiles):
            if c == mapgen.ORE:
                self.ore_max[i] = R.ORE_PER_TILE
            elif c == mapgen.GEMS:
                self.ore_max[i] = R.GEMS_PER_TILE
        self.ore = [float(v) for v in self.ore_max]
        self.ore_tiles = [i for i in range(self.npix) if self.ore_max[i]]
        self.claims: dict[int, int] = {}
        # passability
        self.water = bytearray(1 if c == mapgen.WATER else 0 for c in tiles)
        self.bocc = [-1] * self.npix          # building id on each tile
        self.grid = Grid(width, height, bytearray(self.water))
        self._grid_dirty = False
        self._grid_changes: list[tuple[int, int, int, int]] = []
        # entities
        self.units: dict[int, Unit] = {}
        self.buildings: dict[int, Building] = {}
        self._next_id = 1
        self._path_queue: deque[int] = deque()
        self._placement_cache: tuple | None = None
        self._fields: dict[int, FieldJob] = {}        # goal tile -> shared search (LRU by insertion)
        self._field_wait: dict[int, list[int]] = {}   # goal tile -> unit ids waiting for it
        self._spans: dict[float, list[tuple[int, int]]] = {}
        if hq_sites is None:
            hq_sites = [mapgen.hq_site(width, height, 0), mapgen.hq_site(width, height, 1)]
        self.hq_sites = [tuple(s) for s in hq_sites]
        self.players = [Player(p, R.START_CREDITS, self.npix,
                               (self.hq_sites[p][0] + 1.5, self.hq_sites[p][1] + 1.5)) for p in range(NPLAYERS)]
        if start:
            for p in range(NPLAYERS):
                hx, hy = self.hq_sites[p]
                hq = self.add_building(p, "hq", hx, hy, built=True)
                for utype, n in R.START_UNITS:
                    for _ in range(n):
                        self._spawn_near(p, utype, hq)
        self._update_power()
        self._update_fog()

    # ------------------------------------------------------------------ helpers for setup/tests
    def _new_id(self) -> int:
        i = self._next_id
        self._next_id += 1
        return i

    def add_unit(self, owner: int, utype: str, x: float, y: float) -> Unit:
        """Put a unit on the map (setup and tests; no checks beyond the type)."""
        u = Unit(self._new_id(), R.UNITS[utype], owner, float(x), float(y))
        self.units[u.id] = u
        if utype == "harvester":
            u.order = "harvest"
        return u

    def add_building(self, owner: int, btype: str, x: int, y: int, built: bool = True) -> Building:
        """Put a building on the map (setup and tests; no placement checks)."""
        b = Building(self._new_id(), R.BUILDINGS[btype], owner, x, y, built)
        if not built:
            b.hp = b.max_hp * R.SITE_START_HP
        self.buildings[b.id] = b
        for tx, ty in b.tiles():
            i = ty * self.w + tx
            self.bocc[i] = b.id
            self.grid.blocked[i] = 1
        self._grid_dirty = True
        self._grid_changes.append((b.x, b.y, b.x + b.w - 1, b.y + b.h - 1))
        if not built:
            self.players[owner].sites.append(b.id)
        return b

    # ------------------------------------------------------------------ public API
    def map_info(self) -> dict:
        """``{"width","height","tiles"}``: static terrain at start (WIRE.md)."""
        return {"width": self.w, "height": self.h, "tiles": self._tiles_str}

    def drain_events(self) -> list[dict]:
        """Events since the last call; each has ``kind``, ``tick`` and ``player`` (None = everyone)."""
        ev, self._events = self._events, []
        return ev

    def validate(self, player: Any, action: Any) -> OrderResult:
        """Same checks as :meth:`apply`, without effect."""
        return self._gate(player, action, commit=False)

    def apply(self, player: Any, action: Any) -> OrderResult:
        """The one gate: validate ``action`` for ``player`` and apply it. Never raises."""
        return self._gate(player, action, commit=True)

    def _gate(self, player: Any, action: Any, commit: bool) -> OrderResult:
        try:
            if isinstance(player, bool) or not isinstance(player, int) or not 0 <= player < NPLAYERS:
                return OrderResult(False, "unknown player", {"code": "bad_player"})
            if self.over:
                return OrderResult(False, "the game is over", {"code": "game_over"})
            act, err = parse_action(action)
            if act is None:
                return OrderResult(False, err, {"code": "bad_action"})
            handler = getattr(self, "_do_" + act.action)
            try:
                fn = handler(player, act)
            except _Refuse as r:
                return OrderResult(False, r.msg, {"code": r.code})
            if not commit:
                return OrderResult(True, None, {"code": "ok"})
            info = fn() or {}
            info.setdefault("code", "ok")
            self.order_log.append((self.tick, player, act.to_dict()))
            return OrderResult(True, None, info)
        except Exception:  # never let an order crash the room
            log.exception("order failed: player=%r action=%r", player, action)
            return OrderResult(False, "internal error", {"code": "internal"})

    # ------------------------------------------------------------------ selections and targets
    def _select(self, p: int, sel: Selection, kind: str) -> list[Unit]:
        own = [u for u in self.units.values() if u.owner == p and u.alive]
        if sel.ids is not None:
            want = set(sel.ids)
            chosen = [u for u in own if u.id in want]
            if not chosen:
                raise _Refuse("no_units", "none of those units are yours")
        else:
            if sel.type == "all":
                chosen = own if kind in ("harvest", "stop") else [u for u in own if u.type != "harvester"]
            else:
                chosen = [u for u in own if u.type == sel.type]
            if not chosen:
                what = "units" if sel.type == "all" else sel.type
                raise _Refuse("no_units", f"you have no {what}")
            if sel.count is not None and sel.count < len(chosen):
                busy = ("idle", "defend")
                chosen.sort(key=lambda u: (u.order not in busy, u.id))
                chosen = chosen[:sel.count]
                chosen.sort(key=lambda u: u.id)
        return chosen

    def _centre(self, units: list[Unit]) -> tuple[float, float]:
        if not units:
            return self.players[0].start
        return (sum(u.x for u in units) / len(units), sum(u.y for u in units) / len(units))

    def _hq(self, p: int) -> Building | None:
        for b in self.buildings.values():
            if b.owner == p and b.type == "hq" and b.alive:
                return b
        return None

    def _home(self, p: int) -> tuple[float, float]:
        hq = self._hq(p)
        if hq is not None:
            return (hq.cx, hq.cy)
        for b in self.buildings.values():
            if b.owner == p and b.alive:
                return (b.cx, b.cy)
        return self.players[p].start

    def _visible_to(self, p: int, e: Unit | Building) -> bool:
        vis = self.players[p].visible
        if isinstance(e, Unit):
            tx, ty = int(e.x), int(e.y)
            return 0 <= tx < self.w and 0 <= ty < self.h and bool(vis[ty * self.w + tx])
        for tx, ty in e.tiles():
            if vis[ty * self.w + tx]:
                return True
        return False

    def _entity(self, eid: int) -> Unit | Building | None:
        e = self.units.get(eid)
        if e is not None and e.alive:
            return e
        b = self.buildings.get(eid)
        if b is not None and b.alive:
            return b
        return None

    def _nearest_enemy(self, p: int, x: float, y: float) -> Unit | Building | None:
        best, bd = None, 1e18
        for u in self.units.values():
            if u.alive and u.owner != p and self._visible_to(p, u):
                d = (u.x - x) ** 2 + (u.y - y) ** 2
                if d < bd:
                    best, bd = u, d
        for b in self.buildings.values():
            if b.alive and b.owner != p and self._visible_to(p, b):
                d = b.dist2(x, y)
                if d < bd:
                    best, bd = b, d
        return best

    def _resolve(self, p: int, t: Target, units: list[Unit], purpose: str
                 ) -> tuple[tuple[float, float], Unit | Building | None]:
        """TARGET -> (point, entity or None). Raises _Refuse."""
        W, H = self.w, self.h
        if t.kind == "point":
            if not (0 <= t.x < W and 0 <= t.y < H):
                raise _Refuse("out_of_bounds", f"target ({t.x:g}, {t.y:g}) is outside the {W}x{H} map")
            return (int(t.x) + 0.5, int(t.y) + 0.5), None
        if t.kind == "direction":
            cx, cy = self._centre(units) if units else self._home(p)
            dx, dy = DIRECTION_VECTORS[t.direction]
            x = min(W - 0.5, max(0.5, cx + dx * W * R.DIRECTION_FRACTION))
            y = min(H - 0.5, max(0.5, cy + dy * H * R.DIRECTION_FRACTION))
            return (int(x) + 0.5, int(y) + 0.5), None
        if t.kind == "place":
            if t.place == "home":
                hx, hy = self._home(p)
                return (hx, hy), None
            if t.place == "enemy_base":
                pl = self.players[p]
                ex, ey = self.players[1 - p].start
                best, bd = None, 1e18
                for snap in pl.seen.values():
                    # the HQ as last seen; else the remembered building nearest the enemy's start
                    d = -1.0 if snap["type"] == "hq" else (snap["x"] - ex) ** 2 + (snap["y"] - ey) ** 2
                    if d < bd:
                        best, bd = snap, d
                if best is not None:
                    return (best["x"] + best["w"] / 2, best["y"] + best["h"] / 2), None
                return (ex, ey), None
            cx, cy = self._centre(units) if units else self._home(p)
            if t.place == "ore":
                best, bd = -1, 1e18
                for i in self.ore_tiles:
                    if self.ore[i] > 0:
                        d = (i % W + 0.5 - cx) ** 2 + (i // W + 0.5 - cy) ** 2
                        if d < bd:
                            best, bd = i, d
                if best < 0:
                    raise _Refuse("no_target", "there is no ore left on the map")
                return (best % W + 0.5, best // W + 0.5), None
            e = self._nearest_enemy(p, cx, cy)
            if e is None:
                raise _Refuse("no_target", "no enemy is visible")
            return self._pos(e), e
        # entity
        e = self._entity(t.entity)
        if e is None:
            raise _Refuse("unknown_target", f"there is no entity {t.entity}")
        if e.owner != p and not self._visible_to(p, e):
            if not (isinstance(e, Building) and e.id in self.players[p].seen):
                raise _Refuse("not_visible", f"entity {t.entity} is not visible to you")
        return self._pos(e), e

    @staticmethod
    def _pos(e: Unit | Building) -> tuple[float, float]:
        if isinstance(e, Unit):
            return (e.x, e.y)
        return (e.cx, e.cy)

    # ------------------------------------------------------------------ order handlers
    # Each returns a commit function, or raises _Refuse. They must not mutate before commit.
    def _do_move(self, p: int, a: Action) -> Callable[[], dict]:
        units = self._select(p, a.units, "move")
        point, _e = self._resolve(p, a.target, units, "move")

        def commit() -> dict:
            self._send_group(units, point, "move")
            return {"units": [u.id for u in units], "x": point[0], "y": point[1]}
        return commit

    def _do_attack(self, p: int, a: Action) -> Callable[[], dict]:
        units = self._select(p, a.units, "attack")
        armed = [u for u in units if u.rule.armed]
        if not armed:
            raise _Refuse("unarmed", "none of the selected units can attack")
        point, e = self._resolve(p, a.target, armed, "attack")
        if e is not None:
            if e.owner == p:
                raise _Refuse("own_target", "you cannot attack your own units or buildings")
            air = isinstance(e, Unit) and e.rule.air
            able = [u for u in armed if (u.rule.hits_air if air else u.rule.hits_ground)]
            if not able:
                raise _Refuse("cannot_hit", "none of the selected units can hit that target")
            armed = able

        def commit() -> dict:
            if e is not None:
                for u in armed:
                    self._clear(u)
                    u.order = "attack"
                    u.focus = u.target = e.id
                    u.dest = None
                    self._request_path(u, self._pos(e), force=True)
                return {"units": [u.id for u in armed], "target": e.id}
            self._send_group(armed, point, "attack")
            return {"units": [u.id for u in armed], "x": point[0], "y": point[1]}
        return commit

    def _do_stop(self, p: int, a: Action) -> Callable[[], dict]:
        units = self._select(p, a.units, "stop")

        def commit() -> dict:
            for u in units:
                self._clear(u)
                u.order = "idle"
                u.guard = (u.x, u.y)
            return {"units": [u.id for u in units]}
        return commit

    def _do_harvest(self, p: int, a: Action) -> Callable[[], dict]:
        units = [u for u in self._select(p, a.units, "harvest") if u.type == "harvester"]
        if not units:
            raise _Refuse("cannot_harvest", "only harvesters can harvest")

        def commit() -> dict:
            for u in units:
                self._clear(u)
                u.order = "harvest"
                u.hv = "seek"
            return {"units": [u.id for u in units]}
        return commit

    def _do_defend_base(self, p: int, a: Action) -> Callable[[], dict]:
        units = self._select(p, a.units, "defend_base")
        if not any(b.owner == p and b.alive for b in self.buildings.values()):
            raise _Refuse("no_base", "you have no base to defend")
        home = self._home(p)

        def commit() -> dict:
            self._send_group(units, home, "defend")
            return {"units": [u.id for u in units], "x": home[0], "y": home[1]}
        return commit

    def _producers(self, p: int, utype: str) -> list[Building]:
        return [b for b in self.buildings.values()
                if b.owner == p and b.alive and b.built and utype in b.rule.produces]

    def _do_build_unit(self, p: int, a: Action) -> Callable[[], dict]:
        rule = R.UNITS[a.unit_type]
        pl = self.players[p]
        if a.building is not None:
            b = self.buildings.get(a.building)
            if b is None or not b.alive or b.owner != p:
                raise _Refuse("not_owner", f"building {a.building} is not yours")
            if a.unit_type not in b.rule.produces:
                raise _Refuse("wrong_building", f"a {b.type} cannot train {a.unit_type}")
            if not b.built:
                raise _Refuse("not_built", f"the {b.type} is still under construction")
            prods = [b]
        else:
            prods = self._producers(p, a.unit_type)
            if not prods:
                raise _Refuse("no_producer", f"you need a completed {rule.produced_by} to build {a.unit_type}")
        free = sum(R.QUEUE_MAX - len(b.queue) for b in prods)
        if free <= 0:
            raise _Refuse("queue_full", f"the {rule.produced_by} queue is full ({R.QUEUE_MAX} items)")
        if pl.credits < rule.cost:
            raise _Refuse("not_enough_credits",
                          f"not enough credits: a {a.unit_type} costs {rule.cost}, you have {pl.credits}")
        n = min(a.count, free)

        def commit() -> dict:
            used = []
            for _ in range(n):
                b = min(prods, key=lambda b: (len(b.queue), b.id))
                b.queue.append([a.unit_type, 0.0, False])
                used.append(b.id)
            return {"queued": n, "requested": a.count, "buildings": sorted(set(used))}
        return commit

    def _prereqs_missing(self, p: int, btype: str) -> list[str]:
        have = {b.type for b in self.buildings.values() if b.owner == p and b.alive and b.built}
        return [r for r in R.BUILDINGS[btype].requires if r not in have]

    def _placement_error(self, p: int, btype: str, x: int, y: int, margin: int = 0) -> str | None:
        rule = R.BUILDINGS[btype]
        W, H = self.w, self.h
        if x < 0 or y < 0 or x + rule.w > W or y + rule.h > H:
            return "the building would stick out of the map"
        explored = self.players[p].explored
        for ty in range(y, y + rule.h):
            for tx in range(x, x + rule.w):
                i = ty * W + tx
                if self.water[i]:
                    return f"tile ({tx}, {ty}) is water"
                if self.bocc[i] >= 0:
                    return f"tile ({tx}, {ty}) is taken by another building"
                if self.ore[i] > 0:
                    return f"tile ({tx}, {ty}) holds ore"
                if not (explored >> i) & 1:
                    return f"tile ({tx}, {ty}) is not explored"
        if margin:
            for ty in range(y - margin, y + rule.h + margin):
                for tx in range(x - margin, x + rule.w + margin):
                    if 0 <= tx < W and 0 <= ty < H and self.bocc[ty * W + tx] >= 0:
                        return "too close to another building"
        for u in self._ground_units_near(x - 1, y - 1, x + rule.w + 1, y + rule.h + 1):
            if u.alive and x - 0.3 <= u.x < x + rule.w + 0.3 and y - 0.3 <= u.y < y + rule.h + 0.3:
                return "units are standing there"
        near = False
        for b in self.buildings.values():
            if b.owner == p and b.alive:
                gx = max(b.x - (x + rule.w), x - (b.x + b.w), 0)
                gy = max(b.y - (y + rule.h), y - (b.y + b.h), 0)
                if max(gx, gy) <= R.BUILD_RADIUS:
                    near = True
                    break
        if not near:
            return f"too far from your base (must be within {R.BUILD_RADIUS} tiles of your buildings)"
        return None

    def _ground_units_near(self, x0: float, y0: float, x1: float, y1: float) -> list[Unit]:
        """Living ground units in a rectangle (a per-call bucket index, cached for the current state)."""
        key = (self.tick, len(self.units), self._next_id)
        if self._placement_cache is None or self._placement_cache[0] != key:
            buckets: dict[tuple[int, int], list[Unit]] = {}
            for u in self.units.values():
                if u.alive and not u.rule.air:
                    buckets.setdefault((int(u.x) // 4, int(u.y) // 4), []).append(u)
            self._placement_cache = (key, buckets)
        buckets = self._placement_cache[1]
        out: list[Unit] = []
        for by in range(int(y0) // 4, int(y1) // 4 + 1):
            for bx in range(int(x0) // 4, int(x1) // 4 + 1):
                out.extend(buckets.get((bx, by), ()))
        return out

    def _auto_place(self, p: int, btype: str) -> tuple[int, int] | None:
        rule = R.BUILDINGS[btype]
        hx, hy = self._home(p)
        if btype == "defense_turret":
            # towards the middle of the map: that is where attacks come from
            mx, my = self.w / 2, self.h / 2
            d = math.hypot(mx - hx, my - hy) or 1.0
            hx, hy = hx + (mx - hx) / d * 5, hy + (my - hy) / d * 5
        else:
            # a little towards the middle: keeps the base off the map edge
            mx, my = self.w / 2, self.h / 2
            d = math.hypot(mx - hx, my - hy) or 1.0
            hx, hy = hx + (mx - hx) / d * 3, hy + (my - hy) / d * 3
        cands = []
        rad = R.BUILD_RADIUS + 4
        for y in range(int(hy) - rad, int(hy) + rad + 1):
            for x in range(int(hx) - rad, int(hx) + rad + 1):
                d = (x + rule.w / 2 - hx) ** 2 + (y + rule.h / 2 - hy) ** 2
                cands.append((d, y, x))
        cands.sort()
        for margin in (1, 0):
            for _d, y, x in cands:
                if self._placement_error(p, btype, x, y, margin) is None:
                    return (x, y)
        return None

    def _do_build_building(self, p: int, a: Action) -> Callable[[], dict]:
        btype = a.building_type
        rule = R.BUILDINGS[btype]
        pl = self.players[p]
        hq = self._hq(p)
        if hq is None or not hq.built:
            raise _Refuse("no_hq", "you need a headquarters to build structures")
        missing = self._prereqs_missing(p, btype)
        if missing:
            raise _Refuse("missing_prerequisite", f"a {btype} needs a completed {' and '.join(missing)} first")
        if len([s for s in pl.sites if s in self.buildings]) >= R.QUEUE_MAX:
            raise _Refuse("queue_full", f"the headquarters already has {R.QUEUE_MAX} structures to build")
        if pl.credits < rule.cost:
            raise _Refuse("not_enough_credits",
                          f"not enough credits: a {btype} costs {rule.cost}, you have {pl.credits}")
        if a.position is not None:
            x, y = a.position
            err = self._placement_error(p, btype, x, y)
            if err:
                raise _Refuse("blocked", f"cannot place a {btype} at ({x}, {y}): {err}")
        else:
            spot = self._auto_place(p, btype)
            if spot is None:
                raise _Refuse("no_space", f"no free spot for a {btype} near your base")
            x, y = spot

        def commit() -> dict:
            pl.credits -= rule.cost
            b = self.add_building(p, btype, x, y, built=False)
            return {"building": b.id, "x": x, "y": y, "position_in_queue": len(pl.sites)}
        return commit

    def _do_sell(self, p: int, a: Action) -> Callable[[], dict]:
        b = self.buildings.get(a.building)
        if b is None or not b.alive or b.owner != p:
            raise _Refuse("not_owner", f"building {a.building} is not yours")
        if b.type == "hq":
            raise _Refuse("cannot_sell", "the headquarters cannot be sold")

        def commit() -> dict:
            refund = b.rule.cost if not b.built else int(b.rule.cost * R.SELL_REFUND)
            refund += sum(R.UNITS[q[0]].cost for q in b.queue if q[2])
            self.players[p].credits += refund
            b.queue.clear()
            self._remove_building(b, sold=True)
            return {"refund": refund}
        return commit

    def _do_cancel(self, p: int, a: Action) -> Callable[[], dict]:
        b = self.buildings.get(a.building)
        if b is None or not b.alive or b.owner != p:
            raise _Refuse("not_owner", f"building {a.building} is not yours")
        pl = self.players[p]
        if not b.built:
            return self._do_sell(p, a)
        if b.type == "hq":
            sites = [s for s in pl.sites if s in self.buildings]
            if not sites:
                raise _Refuse("nothing_to_cancel", "the headquarters is not building anything")
            return self._do_sell(p, Action("sell", building=sites[-1]))
        if not b.queue:
            raise _Refuse("nothing_to_cancel", f"the {b.type} queue is empty")

        def commit() -> dict:
            item = b.queue.pop()
            refund = R.UNITS[item[0]].cost if item[2] else 0
            pl.credits += refund
            return {"cancelled": item[0], "refund": refund}
        return commit

    def _hq_ready(self, p: int) -> bool:
        hq = self._hq(p)
        return hq is not None and hq.built

    def _do_launch_superweapon(self, p: int, a: Action) -> Callable[[], dict]:
        hq = self._hq(p)
        pl = self.players[p]
        if hq is None or not hq.built:
            raise _Refuse("no_hq", "you need a headquarters to launch the superweapon")
        if pl.charge < R.SUPERWEAPON_CHARGE_TICKS:
            pct = int(100 * pl.charge / R.SUPERWEAPON_CHARGE_TICKS)
            raise _Refuse("not_ready", f"the superweapon is not ready ({pct}% charged)")
        (x, y), _e = self._resolve(p, a.target, [], "superweapon")
        tx, ty = int(x), int(y)
        if not (0 <= tx < self.w and 0 <= ty < self.h):
            raise _Refuse("out_of_bounds", "target is outside the map")
        if not (pl.explored >> (ty * self.w + tx)) & 1:
            raise _Refuse("not_explored", f"tile ({tx}, {ty}) is not explored")

        def commit() -> dict:
            pl.charge = 0
            self._strike(p, x, y)
            return {"x": x, "y": y}
        return commit

    # ------------------------------------------------------------------ order plumbing
    def _clear(self, u: Unit) -> None:
        u.target = u.focus = None
        u.dest = None
        u.amove = False
        u.path = []
        u.path_goal = None
        u.field = -1
        u.pending = False
        if u.hv_tile >= 0:
            self.claims.pop(u.hv_tile, None)
            u.hv_tile = -1

    def _send_group(self, units: list[Unit], point: tuple[float, float], order: str) -> None:
        """Spread a group into a formation around ``point`` and send each unit to its slot."""
        ground = [u for u in units if not u.rule.air]
        air = [u for u in units if u.rule.air]
        for group, is_air in ((ground, False), (air, True)):
            if not group:
                continue
            slots = self._slots(point, len(group), is_air, group[0])
            left = list(group)
            for sx, sy in slots:
                if not left:
                    break
                k = min(range(len(left)), key=lambda k: ((left[k].x - sx) ** 2 + (left[k].y - sy) ** 2, left[k].id))
                u = left.pop(k)
                self._clear(u)
                u.order = order
                u.dest = (sx, sy)
                u.guard = (sx, sy)
                u.amove = order == "attack"
                if u.type == "harvester" and order != "move":
                    u.order = "move"
                if is_air or len(group) < 3:
                    self._request_path(u, (sx, sy), force=True)
                else:
                    self._wait_field(u, (sx, sy), self._tile_of(point))

    def _slots(self, point: tuple[float, float], n: int, air: bool, sample: Unit) -> list[tuple[float, float]]:
        W, H = self.w, self.h
        gx = min(W - 1, max(0, int(point[0])))
        gy = min(H - 1, max(0, int(point[1])))
        g = gy * W + gx
        if not air:
            if self._grid_dirty:
                self._relabel()
            st = int(sample.y) * W + int(sample.x)
            if 0 <= st < self.npix and not self.grid.blocked[st]:
                r = self.grid.nearest_reachable(st, g)
                if r is not None:
                    g = r
            ok = (lambda j: not self.grid.blocked[j])
        else:
            ok = (lambda j: True)
        if n == 1:
            if g % W == gx and g // W == gy:
                return [point]
            return [(g % W + 0.5, g // W + 0.5)]
        out = [g]
        seen = {g}
        dq = deque([g])
        while dq and len(out) < n:
            i = dq.popleft()
            x, y = i % W, i // W
            for nx, ny in ((x + 1, y), (x, y + 1), (x - 1, y), (x, y - 1)):
                if 0 <= nx < W and 0 <= ny < H:
                    j = ny * W + nx
                    if j not in seen and ok(j):
                        seen.add(j)
                        dq.append(j)
                        out.append(j)
        while len(out) < n:
            out.append(g)
        return [(j % W + 0.5, j // W + 0.5) for j in out[:n]]

    def _tile_of(self, pt: tuple[float, float]) -> int:
        x = min(self.w - 1, max(0, int(pt[0])))
        y = min(self.h - 1, max(0, int(pt[1])))
        return y * self.w + x

    def _wait_field(self, u: Unit, goal: tuple[float, float], field_goal: int) -> None:
        """Path ``u`` to ``goal`` along the shared search towards ``field_goal`` (one search per group)."""
        u.path_goal = goal
        u.path = []
        u.next_repath = self.tick + R.REPATH_TICKS
        if self._grid_dirty:
            self._relabel()
        if self.grid.segment_clear(u.x, u.y, goal[0], goal[1]):
            u.path = [goal]
            u.pending = False
            u.field = -1
            return
        st = int(u.y) * self.w + int(u.x)
        fg = None if self.grid.blocked[st] else self.grid.nearest_reachable(st, field_goal)
        if fg is None:
            u.pending = False
            u.field = -1
            return
        u.pending = True
        u.field = fg
        job = self._fields.get(fg)
        if job is not None and job.version != self.grid.version:
            job = None
            del self._fields[fg]
        if job is None:
            self._fields[fg] = FieldJob(self.grid, fg)
            while len(self._fields) > 24:
                del self._fields[next(iter(self._fields))]
        self._field_wait.setdefault(fg, []).append(u.id)

    def _path_from_field(self, u: Unit, job: FieldJob) -> int:
        """Walk the finished shared search down to its goal, then on to the unit's own slot.

        Returns a cost in the units of the path budget."""
        u.pending = False
        u.field = -1
        W = self.w
        goal = u.path_goal
        if goal is None:
            u.path = []
            return 1
        st = int(u.y) * W + int(u.x)
        tiles = job.descend(st)
        if tiles is None:
            u.path = []
            return 1
        gt = self._tile_of(goal)
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
                    if self.grid.segment_clear(t % W + 0.5, t // W + 0.5, goal[0], goal[1]):
                        cut = k + 1
                        back = []
                tiles = tiles[:cut] + back
                end = goal
        else:
            end = goal
        tiles = prune(tiles, W)
        pts = [(t % W + 0.5, t // W + 0.5) for t in tiles]
        if pts and self._tile_of(pts[-1]) == self._tile_of(end):
            pts[-1] = end
        else:
            pts.append(end)
        u.path = pts
        return 5 + len(tiles) // 2

    def _request_path(self, u: Unit, goal: tuple[float, float], force: bool = False) -> None:
        if not force and self.tick < u.next_repath:
            return
        u.next_repath = self.tick + R.REPATH_TICKS
        u.path_goal = goal
        u.field = -1
        if u.rule.air:
            u.path = [goal]
            u.pending = False
            return
        u.pending = True
        if not u.queued:
            u.queued = True
            self._path_queue.append(u.id)

    def _relabel(self) -> None:
        self.grid.relabel(self._grid_changes)
        self._grid_changes = []
        self._grid_dirty = False

    def _compute_path(self, u: Unit) -> int:
        """Fill u.path from u.path_goal; returns A* expansions spent."""
        u.pending = False
        goal = u.path_goal
        if goal is None:
            u.path = []
            return 0
        if self._grid_dirty:
            self._relabel()
        W = self.w
        g = self.grid
        sx, sy = int(u.x), int(u.y)
        start = sy * W + sx
        if g.blocked[start]:
            u.path = []
            return 0
        gx = min(W - 1, max(0, int(goal[0])))
        gy = min(self.h - 1, max(0, int(goal[1])))
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
            self._wait_field(u, goal, gt)
            return n
        tiles = prune(tiles, W)
        pts = [(t % W + 0.5, t // W + 0.5) for t in tiles]
        if pts:
            pts[-1] = end
        u.path = pts
        return n

    # ------------------------------------------------------------------ simulation step
    def step(self) -> None:
        """Advance one tick (50 ms of game time). A no-op once the game is over. Never raises."""
        if self.over:
            return
        try:
            self._step()
        except Exception:  # pragma: no cover - keep the room alive, but say so loudly
            log.exception("step failed at tick %d", self.tick)
            self.tick += 1

    def _step(self) -> None:
        self.effects = []
        self._update_power()
        self._production()
        self._superweapon_charge()
        self._index()
        for u in list(self.units.values()):
            if not u.alive:
                continue
            if u.type == "harvester":
                self._harvester(u)
            elif u.rule.armed:
                self._combat(u)
            else:
                self._arrive(u)
        self._turrets()
        if self.tick % R.SEPARATE_PERIOD == 0:
            self._separate()
        self._paths()
        for u in self.units.values():
            if u.alive and u.path and not u.pending:
                self._move(u)
        self._cleanup()
        if self.tick % R.REGROW_PERIOD == R.REGROW_PERIOD - 1:
            self._regrow()
        self._update_fog()
        self._check_end()
        self.tick += 1

    # --- economy of power and production
    def _update_power(self) -> None:
        for pl in self.players:
            prod = used = 0
            for b in self.buildings.values():
                if b.owner == pl.id and b.alive and b.built:
                    if b.rule.power > 0:
                        prod += b.rule.power
                    else:
                        used -= b.rule.power
            pl.produced, pl.used = prod, used
            low = used > prod
            if low and not pl.low_power:
                self._event("low_power", pl.id, produced=prod, used=used)
            pl.low_power = low

    def _production(self) -> None:
        for pl in self.players:
            rate = R.LOW_POWER_RATE if pl.low_power else 1.0
            # construction: the HQ builds one structure at a time, in order
            hq = self._hq(pl.id)
            pl.sites = [s for s in pl.sites if s in self.buildings and not self.buildings[s].built]
            if hq is not None and hq.built and pl.sites:
                b = self.buildings[pl.sites[0]]
                b.progress += rate
                b.hp = min(b.max_hp, b.hp + b.max_hp * (1 - R.SITE_START_HP) * rate / b.rule.build_ticks)
                if b.progress >= b.rule.build_ticks:
                    b.built = True
                    pl.sites.pop(0)
                    self._event("building_done", pl.id, building_type=b.type, id=b.id, x=b.x, y=b.y)
                    if b.rule.free_unit:
                        self._spawn_near(pl.id, b.rule.free_unit, b)
        for b in self.buildings.values():
            if not b.queue or not b.alive or not b.built:
                continue
            pl = self.players[b.owner]
            item = b.queue[0]
            rule = R.UNITS[item[0]]
            if not item[2]:
                if pl.credits < rule.cost:
                    continue  # waits for credits
                pl.credits -= rule.cost
                item[2] = True
            item[1] += R.LOW_POWER_RATE if pl.low_power else 1.0
            if item[1] >= rule.build_ticks:
                b.queue.pop(0)
                u = self._spawn_near(b.owner, item[0], b)
                self._event("unit_ready", b.owner, unit_type=item[0], id=u.id if u else None,
                            building=b.id)

    def _spawn_near(self, p: int, utype: str, b: Building) -> Unit | None:
        rule = R.UNITS[utype]
        W, H = self.w, self.h
        occupied = {(int(u.x), int(u.y)) for u in self.units.values() if u.alive}
        best = None
        for r in range(1, 12):
            ring = []
            for y in range(b.y - r, b.y + b.h + r):
                for x in range(b.x - r, b.x + b.w + r):
                    if b.x - r < x < b.x + b.w + r - 1 and b.y - r < y < b.y + b.h + r - 1:
                        continue
                    if 0 <= x < W and 0 <= y < H and (rule.air or not self.grid.blocked[y * W + x]):
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
        u = self.add_unit(p, utype, best[3] + 0.5, best[2] + 0.5)
        return u

    def _superweapon_charge(self) -> None:
        for pl in self.players:
            if pl.charge >= R.SUPERWEAPON_CHARGE_TICKS:
                continue
            hq = self._hq(pl.id)
            if hq is not None and hq.built:
                pl.charge += 1
                if pl.charge >= R.SUPERWEAPON_CHARGE_TICKS:
                    self._event("superweapon_ready", pl.id)

    def _strike(self, p: int, x: float, y: float) -> None:
        r2 = R.SUPERWEAPON_RADIUS ** 2
        self.effects.append({"kind": "strike", "from": None, "x": x, "y": y, "tx": x, "ty": y})
        self._event("superweapon_launched", None, by=p, x=x, y=y)
        for u in list(self.units.values()):
            if u.alive and (u.x - x) ** 2 + (u.y - y) ** 2 <= r2:
                self._damage(u, R.SUPERWEAPON_UNIT_DAMAGE, None, p)
        for b in list(self.buildings.values()):
            if b.alive and b.dist2(x, y) <= r2:
                self._damage(b, R.SUPERWEAPON_UNIT_DAMAGE * R.SUPERWEAPON_BUILDING_FACTOR, None, p)

    # --- spatial index
    def _index(self) -> None:
        """Bucket living units by 4x4-tile cell: all of them, and per owner (for target search)."""
        cw = (self.w + _CELL - 1) // _CELL
        cells: dict[int, list[Unit]] = {}
        by_owner: list[dict[int, list[Unit]]] = [{} for _ in range(NPLAYERS)]
        for u in self.units.values():
            if u.alive:
                k = int(u.y) // _CELL * cw + int(u.x) // _CELL
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
        self._cells = cells
        self._cells_by_owner = by_owner
        self._cw = cw

    def _separate(self) -> None:
        """Idle ground units stacked on one spot step to a free tile next to it (no clumps)."""
        W, H = self.w, self.h
        blocked = self.grid.blocked
        # tiles that moving units are heading for are taken already
        reserved = set()
        for v in self.units.values():
            if v.alive and not v.rule.air:
                if v.path:
                    reserved.add(self._tile_of(v.path[-1]))
                elif v.pending and v.path_goal is not None:
                    reserved.add(self._tile_of(v.path_goal))
        for u in self.units.values():
            if (not u.alive or u.rule.air or u.path or u.pending or u.target is not None
                    or u.order not in ("idle", "defend")):
                continue
            crowd = False
            for v in self._units_near(u.x, u.y, 0.5):
                if (v is not u and v.alive and not v.rule.air and not v.path and not v.pending
                        and abs(v.x - u.x) < 0.4 and abs(v.y - u.y) < 0.4):
                    crowd = True
                    break
            if not crowd:
                continue
            cx, cy = int(u.x), int(u.y)
            for dx, dy in ((0, 0), (1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)):
                x, y = cx + dx, cy + dy
                if not (0 <= x < W and 0 <= y < H) or blocked[y * W + x] or y * W + x in reserved:
                    continue
                px, py = x + 0.5, y + 0.5
                if all(v is u or not v.alive or v.rule.air or abs(v.x - px) >= 0.4 or abs(v.y - py) >= 0.4
                       for v in self._units_near(px, py, 0.5)):
                    if self.grid.segment_clear(u.x, u.y, px, py):
                        reserved.add(y * W + x)
                        u.path = [(px, py)]
                        u.path_goal = (px, py)
                        u.guard = (px, py)
                        if u.order == "defend":
                            u.dest = (px, py)
                    break

    def _units_near(self, x: float, y: float, r: float) -> Iterable[Unit]:
        cw = self._cw
        ch = (self.h + _CELL - 1) // _CELL
        x0 = max(0, int(x - r) // _CELL)
        x1 = min(cw - 1, int(x + r) // _CELL)
        y0 = max(0, int(y - r) // _CELL)
        y1 = min(ch - 1, int(y + r) // _CELL)
        cells = self._cells
        for cy in range(y0, y1 + 1):
            for cx in range(x0, x1 + 1):
                lst = cells.get(cy * cw + cx)
                if lst:
                    yield from lst

    def _find_target(self, p: int, x: float, y: float, r: float, hits_air: bool, hits_ground: bool,
                     min_r: float = 0.0, buildings: bool = True) -> Unit | Building | None:
        vis = self.players[p].visible
        W = self.w
        best, bd = None, r * r + 1e-9
        mr2 = min_r * min_r
        cw = self._cw
        x0 = max(0, int(x - r) // _CELL)
        x1 = min(cw - 1, int(x + r) // _CELL)
        y0 = max(0, int(y - r) // _CELL)
        y1 = min((self.h + _CELL - 1) // _CELL - 1, int(y + r) // _CELL)
        for q in range(NPLAYERS):
            if q == p:
                continue
            cells = self._cells_by_owner[q]
            for cy in range(y0, y1 + 1):
                for cx in range(x0, x1 + 1):
                    lst = cells.get(cy * cw + cx)
                    if not lst:
                        continue
                    for u in lst:
                        if not u.alive:
                            continue
                        if u.rule.air:
                            if not hits_air:
                                continue
                        elif not hits_ground:
                            continue
                        d = (u.x - x) ** 2 + (u.y - y) ** 2
                        if mr2 <= d < bd and vis[int(u.y) * W + int(u.x)]:
                            best, bd = u, d
        if best is not None or not buildings or not hits_ground:
            return best
        for b in self.buildings.values():
            if b.owner != p and b.alive and b.x - r <= x <= b.x + b.w + r and b.y - r <= y <= b.y + b.h + r:
                d = b.dist2(x, y)
                if mr2 <= d < bd and self._visible_to(p, b):
                    best, bd = b, d
        return best

    # --- units
    def _arrive(self, u: Unit) -> None:
        if u.order in ("move", "attack", "defend") and not u.path and not u.pending:
            if u.order != "defend":
                u.order = "idle"
            u.guard = (u.x, u.y)

    def _in_range(self, u: Unit, e: Unit | Building) -> tuple[bool, float]:
        d2 = (e.x - u.x) ** 2 + (e.y - u.y) ** 2 if isinstance(e, Unit) else e.dist2(u.x, u.y)
        rr = u.rule.range
        return d2 <= rr * rr and d2 >= u.rule.min_range ** 2, d2

    def _combat(self, u: Unit) -> None:
        if u.cd > 0:
            u.cd -= 1
        rule = u.rule
        t = self._entity(u.target) if u.target is not None else None
        if t is not None and t.owner == u.owner:
            t = None
        if t is not None and not self._visible_to(u.owner, t) and not (
                u.focus == t.id and isinstance(t, Building)):
            if u.focus == t.id and (u.path or u.pending):
                return  # out of sight: keep walking to where it was last seen
            t = None
        if t is None and u.target is not None:
            # target gone: explicit attack ends, attack-move/defend resume, idle units go back
            was_focus = u.focus is not None
            u.target = u.focus = None
            u.path = []
            if u.order == "attack" and (was_focus or u.dest is None):
                if u.dest is None:
                    u.order = "idle"
                    u.guard = (u.x, u.y)
            if u.dest is not None and u.order in ("attack", "defend"):
                self._request_path(u, u.dest, force=True)
            elif u.order == "idle":
                if (u.x - u.guard[0]) ** 2 + (u.y - u.guard[1]) ** 2 > 1.0:
                    self._request_path(u, u.guard, force=True)
        if t is None and (self.tick + u.id) % R.SCAN_PERIOD == 0 and u.order in ("idle", "attack", "defend"):
            if u.order == "defend":
                hx, hy = self._home(u.owner)
                cand = self._find_target(u.owner, hx, hy, R.DEFEND_RADIUS, rule.hits_air, rule.hits_ground)
                if cand is None:
                    cand = self._find_target(u.owner, u.x, u.y, rule.range, rule.hits_air, rule.hits_ground,
                                             rule.min_range)
            elif u.order == "attack":
                cand = self._find_target(u.owner, u.x, u.y, max(rule.sight, rule.range), rule.hits_air,
                                         rule.hits_ground, rule.min_range)
            else:
                cand = self._find_target(u.owner, u.x, u.y, rule.range, rule.hits_air, rule.hits_ground,
                                         rule.min_range)
            if cand is not None:
                t = cand
                u.target = cand.id
        if t is None:
            self._arrive(u)
            return
        ok, d2 = self._in_range(u, t)
        if ok:
            u.path = []
            if u.cd <= 0:
                self._fire(u, t)
                u.cd = rule.cooldown_ticks
            return
        if d2 < rule.min_range ** 2:
            if u.focus != t.id:
                u.target = None
            return
        # out of range: chase, unless an idle unit strays too far from its post
        if u.order == "idle":
            gx, gy = u.guard
            if (u.x - gx) ** 2 + (u.y - gy) ** 2 > R.LEASH ** 2:
                u.target = None
                self._request_path(u, u.guard, force=True)
                return
        if u.order == "defend":
            hx, hy = self._home(u.owner)
            tx, ty = self._pos(t)
            if (tx - hx) ** 2 + (ty - hy) ** 2 > (R.DEFEND_RADIUS + 4) ** 2:
                u.target = None
                if u.dest:
                    self._request_path(u, u.dest, force=True)
                return
        tx, ty = self._pos(t)
        standing = not u.path and not u.pending
        pg = u.path_goal
        if pg is None or (pg[0] - tx) ** 2 + (pg[1] - ty) ** 2 > 2.0:
            # the target is somewhere new: a standing unit asks at once, a moving one at most once a second
            self._request_path(u, (tx, ty), force=standing)
        elif standing:
            # got there and still out of range (e.g. across water): retry, at most once a second
            self._request_path(u, (tx, ty))

    def _fire(self, src: Unit | Building, t: Unit | Building) -> None:
        rule = src.rule
        tx, ty = self._pos(t)
        sx, sy = self._pos(src)
        self.effects.append({"kind": "shot", "from": src.id, "x": round(sx, 2), "y": round(sy, 2),
                             "tx": round(tx, 2), "ty": round(ty, 2)})
        splash = getattr(rule, "splash", 0.0)
        if splash > 0:
            r2 = splash * splash
            hit_any = False
            for v in list(self._units_near(tx, ty, splash)):
                if v.alive and v.owner != src.owner and not v.rule.air and (v.x - tx) ** 2 + (v.y - ty) ** 2 <= r2:
                    self._damage(v, rule.damage, src, src.owner)
                    hit_any = hit_any or v is t
            for b in list(self.buildings.values()):
                if b.alive and b.owner != src.owner and b.dist2(tx, ty) <= r2:
                    self._damage(b, rule.damage, src, src.owner)
                    hit_any = hit_any or b is t
            if not hit_any and t.alive:
                self._damage(t, rule.damage, src, src.owner)
            self.effects.append({"kind": "explosion", "from": None, "x": round(tx, 2), "y": round(ty, 2),
                                 "tx": round(tx, 2), "ty": round(ty, 2)})
        else:
            self._damage(t, rule.damage, src, src.owner)

    def _damage(self, e: Unit | Building, dmg: float, src: Unit | Building | None, by: int) -> None:
        if not e.alive:
            return
        e.hp -= dmg
        if by != e.owner:
            pl = self.players[e.owner]
            if self.tick - pl.last_ua >= R.UNDER_ATTACK_INTERVAL:
                pl.last_ua = self.tick
                x, y = self._pos(e)
                self._event("under_attack", e.owner, x=round(x, 2), y=round(y, 2),
                            unit_type=e.type if isinstance(e, Unit) else None,
                            building_type=e.type if isinstance(e, Building) else None)
        if e.hp <= 0:
            e.hp = 0
            e.alive = False
            return
        if isinstance(e, Unit) and src is not None and by != e.owner:
            if e.type == "harvester":
                if e.order != "flee" and e.order != "move":
                    self._flee(e)
            elif e.rule.armed and e.target is None and e.order in ("idle", "defend", "attack"):
                air = isinstance(src, Unit) and src.rule.air
                if e.rule.hits_air if air else e.rule.hits_ground:
                    e.target = src.id

    def _flee(self, u: Unit) -> None:
        if u.hv_tile >= 0:
            self.claims.pop(u.hv_tile, None)
            u.hv_tile = -1
        u.order = "flee"
        u.flee_until = self.tick + R.HARVESTER_FLEE_TICKS
        self._request_path(u, self._home(u.owner), force=True)

    def _turrets(self) -> None:
        for b in self.buildings.values():
            if not b.alive or not b.built or not b.rule.armed:
                continue
            pl = self.players[b.owner]
            if b.cd > 0:
                b.cd -= R.LOW_POWER_RATE if pl.low_power else 1.0
            rule = b.rule
            t = self._entity(b.target) if b.target is not None else None
            if t is not None:
                if t.owner == b.owner or not isinstance(t, Unit) or t.x is None:
                    t = None
                elif (t.x - b.cx) ** 2 + (t.y - b.cy) ** 2 > rule.range ** 2 or not self._visible_to(b.owner, t):
                    t = None
            if t is None:
                b.target = None
                if (self.tick + b.id) % 2 == 0:
                    t = self._find_target(b.owner, b.cx, b.cy, rule.range, rule.hits_air, rule.hits_ground,
                                          buildings=False)
                    if t is not None:
                        b.target = t.id
            if t is not None and b.cd <= 0:
                self._fire(b, t)
                b.cd = rule.cooldown_ticks

    # --- harvesters
    def _harvester(self, u: Unit) -> None:
        if u.order == "flee":
            if self.tick >= u.flee_until:
                u.order = "harvest"
                u.hv = "to_ref" if u.cargo >= R.HARVEST_CAPACITY * 0.5 else "seek"
                u.path = []
            return
        if u.order in ("move", "idle"):
            if u.order == "move" and not u.path and not u.pending:
                u.order = "idle"
            return
        if u.order == "return" and u.hv not in ("to_ref", "unload"):
            u.hv = "to_ref"
        pl = self.players[u.owner]
        W = self.w
        if u.hv == "seek":
            if u.cargo >= R.HARVEST_CAPACITY - 1e-6:
                u.hv = "to_ref"
            elif self.tick >= u.hv_wait:
                tile = self._find_ore(u)
                if tile < 0:
                    u.hv_wait = self.tick + R.ticks(2)
                    if u.cargo > 0:
                        u.hv = "to_ref"
                    return
                u.hv_tile = tile
                self.claims[tile] = u.id
                u.hv = "to_ore"
                u.order = "harvest"
                self._request_path(u, (tile % W + 0.5, tile // W + 0.5), force=True)
            return
        if u.hv == "to_ore":
            if u.pending or u.path:
                return
            i = u.hv_tile
            if i >= 0 and abs(u.x - (i % W + 0.5)) < 0.6 and abs(u.y - (i // W + 0.5)) < 0.6:
                u.hv = "mine"
            else:
                self._release(u)
                u.hv = "seek"
                u.hv_wait = self.tick + R.ticks(1)
            return
        if u.hv == "mine":
            i = u.hv_tile
            value = R.GEMS_VALUE if self.terrain[i] == mapgen.GEMS else R.ORE_VALUE
            amt = min(R.HARVEST_RATE, self.ore[i], (R.HARVEST_CAPACITY - u.cargo) / value)
            if amt > 0:
                self.ore[i] -= amt
                if self.ore[i] < 1e-6:
                    self.ore[i] = 0.0
                u.cargo += amt * value
            if u.cargo >= R.HARVEST_CAPACITY - 1e-6:
                u.cargo = float(R.HARVEST_CAPACITY)
                self._release(u)
                u.hv = "to_ref"
            elif self.ore[i] <= 0:
                self._release(u)
                u.hv = "seek"
            return
        if u.hv == "to_ref":
            u.order = "return"
            if u.pending or u.path:
                return
            ref = self._nearest_refinery(u)
            if ref is None:
                u.hv_wait = self.tick + R.ticks(2)
                return
            if ref.dist2(u.x, u.y) <= 1.0:
                u.hv = "unload"
            elif self.tick >= u.hv_wait:
                u.hv_wait = self.tick + R.ticks(1)
                dock = self._dock(ref, u)
                if dock is not None:
                    self._request_path(u, dock, force=True)
            return
        if u.hv == "unload":
            ref = self._nearest_refinery(u)
            if ref is None or ref.dist2(u.x, u.y) > 1.5:
                u.hv = "to_ref"
                return
            amt = min(R.UNLOAD_RATE, u.cargo)
            u.cargo -= amt
            pl.credit_frac += amt
            whole = int(pl.credit_frac)
            pl.credits += whole
            pl.credit_frac -= whole
            if u.cargo <= 1e-6:
                u.cargo = 0.0
                u.hv = "seek"
                u.order = "harvest"

    def _dock(self, ref: Building, u: Unit) -> tuple[float, float] | None:
        """The free tile next to the refinery nearest to the harvester (reachable from it)."""
        if self._grid_dirty:
            self._relabel()
        W, H = self.w, self.h
        comp = self.grid.comp
        c = comp[int(u.y) * W + int(u.x)]
        best, bd = None, 1e18
        for y in range(ref.y - 1, ref.y + ref.h + 1):
            for x in range(ref.x - 1, ref.x + ref.w + 1):
                if 0 <= x < W and 0 <= y < H and comp[y * W + x] == c and c >= 0:
                    # prefer the side below the refinery (its door), then the nearest
                    d = (x + 0.5 - u.x) ** 2 + (y + 0.5 - u.y) ** 2 + (0 if y == ref.y + ref.h else 4)
                    if d < bd:
                        best, bd = (x + 0.5, y + 0.5), d
        return best

    def _release(self, u: Unit) -> None:
        if u.hv_tile >= 0 and self.claims.get(u.hv_tile) == u.id:
            del self.claims[u.hv_tile]
        u.hv_tile = -1

    def _find_ore(self, u: Unit) -> int:
        if self._grid_dirty:
            self._relabel()
        W = self.w
        comp = self.grid.comp
        c = comp[int(u.y) * W + int(u.x)]
        best, bd = -1, 1e18
        for i in self.ore_tiles:
            if self.ore[i] > 0 and comp[i] == c and i not in self.claims:
                d = (i % W + 0.5 - u.x) ** 2 + (i // W + 0.5 - u.y) ** 2
                if d < bd:
                    best, bd = i, d
        return best

    def _nearest_refinery(self, u: Unit) -> Building | None:
        best, bd = None, 1e18
        for b in self.buildings.values():
            if b.owner == u.owner and b.alive and b.built and b.type == "refinery":
                d = b.dist2(u.x, u.y)
                if d < bd:
                    best, bd = b, d
        return best

    # --- paths and movement
    def _paths(self) -> None:
        budget = R.PATH_BUDGET
        if self._grid_dirty and (self._field_wait or self._path_queue):
            self._relabel()
        for fg in list(self._field_wait):
            if budget <= 0:
                break
            job = self._fields.get(fg)
            if job is None or job.version != self.grid.version:
                job = self._fields[fg] = FieldJob(self.grid, fg)
            if not job.done:
                budget -= job.run(budget)
            if job.done:
                waiters = self._field_wait[fg]
                k = 0
                while k < len(waiters) and budget > 0:
                    u = self.units.get(waiters[k])
                    k += 1
                    if u is not None and u.alive and u.pending and u.field == fg:
                        budget -= self._path_from_field(u, job)
                del waiters[:k]
                if not waiters:
                    del self._field_wait[fg]
        q = self._path_queue
        while q and budget > 0:
            u = self.units.get(q.popleft())
            if u is None:
                continue
            u.queued = False
            if not u.alive or not u.pending or u.field >= 0:
                continue  # cancelled, or now waiting for a shared search instead
            budget -= self._compute_path(u) + 20

    def _move(self, u: Unit) -> None:
        step = u.rule.speed
        W = self.w
        blocked = self.grid.blocked
        air = u.rule.air
        while step > 1e-9 and u.path:
            tx, ty = u.path[0]
            dx, dy = tx - u.x, ty - u.y
            d = math.hypot(dx, dy)
            if d <= step:
                nx, ny = tx, ty
            else:
                nx, ny = u.x + dx / d * step, u.y + dy / d * step
            if not air:
                i = int(ny) * W + int(nx)
                if blocked[i]:
                    # something was built on the way: find another way
                    u.path = []
                    goal = u.path_goal
                    if goal is not None:
                        u.stuck += 1
                        if u.stuck < 20:
                            self._request_path(u, goal, force=True)
                    return
            u.x, u.y = nx, ny
            if d <= step:
                step -= d
                u.path.pop(0)
                if not air and len(u.path) > 1 and self.grid.segment_clear(u.x, u.y, *u.path[1]):
                    u.path.pop(0)
            else:
                step = 0
        u.stuck = 0

    # --- deaths, regrowth, fog, end
    def _remove_building(self, b: Building, sold: bool = False) -> None:
        b.alive = False
        self.buildings.pop(b.id, None)
        W = self.w
        for tx, ty in b.tiles():
            i = ty * W + tx
            self.bocc[i] = -1
            self.grid.blocked[i] = self.water[i]
        self._grid_dirty = True
        self._grid_changes.append((b.x, b.y, b.x + b.w - 1, b.y + b.h - 1))
        pl = self.players[b.owner]
        if b.id in pl.sites:
            pl.sites.remove(b.id)
        for other in self.players:
            if b.id in other.seen and self._visible_to(other.id, b):
                del other.seen[b.id]
        if not sold:
            self._event("building_lost", b.owner, building_type=b.type, id=b.id, x=b.x, y=b.y)
            self.effects.append({"kind": "explosion", "from": None, "x": b.cx, "y": b.cy, "tx": b.cx, "ty": b.cy})
        self._update_power()

    def _cleanup(self) -> None:
        dead = [u for u in self.units.values() if not u.alive]
        for u in dead:
            del self.units[u.id]
            if u.hv_tile >= 0 and self.claims.get(u.hv_tile) == u.id:
                del self.claims[u.hv_tile]
            self._event("unit_lost", u.owner, unit_type=u.type, id=u.id, x=round(u.x, 2), y=round(u.y, 2))
            self.effects.append({"kind": "explosion", "from": None, "x": round(u.x, 2), "y": round(u.y, 2),
                                 "tx": round(u.x, 2), "ty": round(u.y, 2)})
        for b in [b for b in self.buildings.values() if not b.alive or b.hp <= 0]:
            self._remove_building(b)

    def _regrow(self) -> None:
        W, H = self.w, self.h
        ore, mx = self.ore, self.ore_max
        grow = []
        for i in self.ore_tiles:
            if ore[i] < mx[i] and self.bocc[i] < 0:
                if ore[i] > 0:
                    grow.append(i)
                else:
                    x, y = i % W, i // W
                    for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                        if 0 <= nx < W and 0 <= ny < H and ore[ny * W + nx] > 0:
                            grow.append(i)
                            break
        for i in grow:
            ore[i] = min(float(mx[i]), ore[i] + R.REGROW_AMOUNT)

    def _spans_for(self, r: float) -> list[tuple[int, int]]:
        s = self._spans.get(r)
        if s is None:
            s = self._spans[r] = _disc_spans(r)
        return s

    def _update_fog(self) -> None:
        W, H = self.w, self.h
        ones = b"\x01" * W
        per: list[set[tuple[int, int, float]]] = [set() for _ in self.players]
        for u in self.units.values():
            if u.alive:
                per[u.owner].add((int(u.x), int(u.y), u.rule.sight))
        for b in self.buildings.values():
            if b.alive:
                per[b.owner].add((int(b.cx), int(b.cy), R.BUILDING_SIGHT + max(b.w, b.h) / 2 - 0.5))
        memory = self.tick % R.FOG_MEMORY_PERIOD == 0
        for pl in self.players:
            vis = bytearray(self.npix)
            for cx, cy, r in sorted(per[pl.id]):
                for dy, half in self._spans_for(r):
                    yy = cy + dy
                    if 0 <= yy < H:
                        x0 = cx - half if cx - half > 0 else 0
                        x1 = cx + half + 1 if cx + half + 1 < W else W
                        if x1 > x0:
                            row = yy * W
                            vis[row + x0:row + x1] = ones[:x1 - x0]
            pl.visible = vis
            pl.vis_int = int(vis.translate(_BITS)[::-1], 2) if self.npix else 0
            pl.explored |= pl.vis_int
            if memory:
                self._remember(pl)

    def _remember(self, pl: Player) -> None:
        """Enemy buildings as last seen, and ore amounts as last seen (done every few ticks)."""
        vis = pl.visible
        W = self.w
        for b in self.buildings.values():
            if b.owner != pl.id and b.alive and self._visible_to(pl.id, b):
                pl.seen[b.id] = self._bdict(b, own=False)
        for bid in [bid for bid, s in pl.seen.items() if bid not in self.buildings]:
            s = pl.seen[bid]
            if vis[s["y"] * W + s["x"]]:
                del pl.seen[bid]
        ore, mx, seen_res = self.ore, self.ore_max, pl.seen_res
        for i in self.ore_tiles:
            if vis[i]:
                a = int(ore[i] + 0.5) if ore[i] > 0 else 0
                if a != mx[i]:
                    seen_res[i] = a
                elif i in seen_res:
                    del seen_res[i]

    def _check_end(self) -> None:
        alive = [False] * NPLAYERS
        for b in self.buildings.values():
            if b.alive:
                alive[b.owner] = True
        if all(alive):
            return
        self.over = True
        standing = [p for p in range(NPLAYERS) if alive[p]]
        self.winner = standing[0] if len(standing) == 1 else None
        self._event("game_over", None, winner=self.winner)

    def _event(self, kind: str, player: int | None, **details: Any) -> None:
        ev = {"kind": kind, "tick": self.tick, "player": player}
        ev.update(details)
        self._events.append(ev)

    # ------------------------------------------------------------------ views
    def _bdict(self, b: Building, own: bool) -> dict:
        d = {"id": b.id, "type": b.type, "owner": b.owner, "x": b.x, "y": b.y, "w": b.w, "h": b.h,
             "hp": int(math.ceil(b.hp)), "max_hp": b.max_hp,
             "built": 1.0 if b.built else round(min(1.0, b.progress / b.rule.build_ticks), VIEW_PROGRESS_DIGITS),
             "queue": [], "stale": False}
        if own:
            if b.type == "hq":
                pl = self.players[b.owner]
                q = []
                for k, sid in enumerate(s for s in pl.sites if s in self.buildings):
                    sb = self.buildings[sid]
                    q.append({"item": sb.type, "progress": round(min(1.0, sb.progress / sb.rule.build_ticks),
                                                                    VIEW_PROGRESS_DIGITS),
                              "building": sid})
                d["queue"] = q
            else:
                d["queue"] = [{"item": it[0],
                                "progress": round(min(1.0, it[1] / R.UNITS[it[0]].build_ticks), VIEW_PROGRESS_DIGITS)}
                              for it in b.queue]
        return d

    def _udict(self, u: Unit) -> dict:
        d = {"id": u.id, "type": u.type, "owner": u.owner, "x": round(u.x, 2), "y": round(u.y, 2),
             "hp": int(math.ceil(u.hp)), "max_hp": u.rule.hp, "order": u.order, "target": u.target}
        if u.type == "harvester":
            d["cargo"] = int(u.cargo // VIEW_CARGO_STEP * VIEW_CARGO_STEP)
        return d

    def _pdict(self, pl: Player) -> dict:
        return {"id": pl.id, "credits": pl.credits, "power": {"produced": pl.produced, "used": pl.used},
                "low_power": pl.low_power,
                "superweapon": {"charge": round(pl.charge / R.SUPERWEAPON_CHARGE_TICKS, VIEW_PROGRESS_DIGITS + 1),
                                # Ready means launchable: a full charge needs a standing HQ to fire.
                                "ready": pl.charge >= R.SUPERWEAPON_CHARGE_TICKS and self._hq_ready(pl.id)}}

    def _mask(self, m: int) -> str:
        return base64.b64encode(m.to_bytes((self.npix + 7) // 8, "little")).decode("ascii")

    def view(self, player: int | None = None) -> dict:
        """The ``state`` body of WIRE.md (without ``"type"``) for ``player``; None = spectator (all)."""
        W = self.w
        if player is None:
            units = [self._udict(u) for u in self.units.values() if u.alive]
            buildings = [self._bdict(b, True) for b in self.buildings.values() if b.alive]
            allmask = (1 << self.npix) - 1
            res = {}
            for i in self.ore_tiles:
                a = int(self.ore[i] + 0.5) if self.ore[i] > 0 else 0
                if a != self.ore_max[i]:
                    res[str(i)] = a
            return {"tick": self.tick, "player": None, "players": [self._pdict(p) for p in self.players],
                    "units": units, "buildings": buildings, "explored": self._mask(allmask),
                    "visible": self._mask(allmask), "resources": res, "effects": list(self.effects),
                    "game_over": {"winner": self.winner} if self.over else None}
        if isinstance(player, bool) or not isinstance(player, int) or not 0 <= player < NPLAYERS:
            raise ValueError(f"unknown player {player!r}")
        pl = self.players[player]
        vis = pl.visible
        units = []
        for u in self.units.values():
            if not u.alive:
                continue
            if u.owner == player or vis[int(u.y) * W + int(u.x)]:
                units.append(self._udict(u))
        buildings = []
        for b in self.buildings.values():
            if b.alive and b.owner == player:
                buildings.append(self._bdict(b, True))
        shown = set()
        for b in self.buildings.values():
            if b.alive and b.owner != player and self._visible_to(player, b):
                buildings.append(self._bdict(b, False))
                shown.add(b.id)
        for bid, snap in pl.seen.items():
            if bid not in shown:
                s = dict(snap)
                s["stale"] = True
                buildings.append(s)
        effects = []
        H = self.h
        for e in self.effects:
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
                effects.append({"kind": e["kind"], "from": None, "x": e["tx"], "y": e["ty"],
                                "tx": e["tx"], "ty": e["ty"]})
        return {"tick": self.tick, "player": self._pdict(pl),
                "units": units, "buildings": buildings,
                "explored": self._mask(pl.explored), "visible": self._mask(pl.vis_int),
                "resources": {str(i): a for i, a in pl.seen_res.items()},
                "effects": effects,
                "game_over": {"winner": self.winner} if self.over else None}

    # ------------------------------------------------------------------ determinism
    def state_hash(self) -> str:
        """A digest of the whole live state (same seed + same orders -> same hash)."""
        h = hashlib.blake2b(digest_size=16)
        h.update(repr((self.tick, self.winner, self.over, self._next_id)).encode())
        for pl in self.players:
            h.update(repr((pl.credits, pl.credit_frac, pl.charge, pl.explored, pl.sites, pl.low_power)).encode())
        for u in self.units.values():
            h.update(repr((u.id, u.type, u.owner, u.x, u.y, u.hp, u.order, u.target, u.cargo, u.hv, u.path)).encode())
        for b in self.buildings.values():
            h.update(repr((b.id, b.type, b.owner, b.x, b.y, b.hp, b.built, b.progress, b.queue)).encode())
        h.update(repr(self.ore).encode())
        return h.hexdigest()

    @classmethod
    def replay(cls, seed: int, width: int, height: int, order_log: Iterable[tuple[int, int, dict]],
               ticks: int, **kwargs: Any) -> "Game":
        """Rebuild a game from its seed and order log, stepping ``ticks`` ticks."""
        g = cls(seed=seed, width=width, height=height, **kwargs)
        orders = sorted(order_log, key=lambda e: e[0])  # stable: keeps the order within a tick
        k = 0
        for _ in range(ticks):
            while k < len(orders) and orders[k][0] <= g.tick:
                g.apply(orders[k][1], orders[k][2])
                k += 1
            g.step()
        while k < len(orders) and orders[k][0] <= g.tick:
            g.apply(orders[k][1], orders[k][2])
            k += 1
        return g
