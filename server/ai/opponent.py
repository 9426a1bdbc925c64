"""The computer opponent's facade: ``Opponent`` reads its player's view each think and returns ACTION dicts.

It plays by the same rules and the same fog as a human.  It sees only the view it is
given (WIRE.md state body) and the static ``map_info`` terrain; every entity it targets
is in that view, every coordinate it targets is an explored tile of that view
(``perception.fog_ok`` checks each action before it leaves).

The parts, each in its own module: ``perception`` (the view as a Snapshot, memory of
enemies, fog checks), ``orders`` (this think's actions and credits, back-offs),
``economy`` (build plan, harvesters, production, selling), ``army`` (threats, defence,
rally, when waves go), ``scouting``, ``waves``, ``superweapon``.

Cost: ``decide`` returns at once on most ticks; it thinks every ``level.think_every``
ticks (staggered by player and seed) and a think is linear in the entities of the view
plus one bounded scan of a coarse grid of the map when a scout or a wave needs a new
exploration target.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from ..sim import OrderResult
from .army import Army, threats
from .economy import Economy
from .knowledge import MapKnowledge, Rules, load_rules
from .levels import Level, get_level
from .orders import Orders
from .perception import (Action, BaseCounts, Bearings, EnemyMemory, available_credits, fog_ok,
                         read_view)
from .superweapon import Superweapon

log = logging.getLogger(__name__)


class Opponent:
    """A computer player (the room's ``Bot``).  See docs/AI.md."""

    def __init__(self, player: int, difficulty: str = "normal", seed: int = 0,
                 map_info: dict[str, Any] | None = None, rules: Rules | None = None,
                 overrides: dict[str, Any] | None = None):
        self.player = int(player)
        self.level: Level = get_level(difficulty)
        if overrides:                       # tuning / tests: replace some knobs of the level
            self.level = dataclasses.replace(self.level, **overrides)
        self.difficulty = self.level.name
        self.seed = seed
        self.rules = rules or load_rules()
        self.map = MapKnowledge(map_info)
        # staggered thinking: rooms and players do not all think on the same tick
        self._offset = (self.player * 5 + (seed or 0) * 3) % self.level.think_every
        self._first = True
        self.now = 0                        # tick of the current think (feedback's back-offs count from it)
        self.stats: dict[str, int] = {"thinks": 0, "orders": 0, "refused": 0, "dropped_fog": 0, "errors": 0,
                                      "waves": 0, "superweapons": 0, "defenses": 0, "sold": 0}
        self.refusals: dict[str, int] = {}  # "action:code" -> times the gate refused it
        self.last_actions: list[Action] = []
        # long-lived memory, only from past views
        self.bearings: Bearings | None = None
        self.enemies = EnemyMemory(self.rules)
        self.orders = Orders(self.rules)
        self.economy = Economy(self.level, self.rules, self.map, self.orders, self.stats)
        self.army = Army(self.level, self.rules, self.map, self.orders, self.enemies, self.stats)
        self.superweapon = Superweapon(self.level, self.rules, self.orders, self.stats)

    # ------------------------------------------------------------------ API
    def thinks_at(self, tick: int) -> bool:
        """Whether ``decide`` would think at this tick (a host may skip the view otherwise)."""
        return self._first or (tick + self._offset) % self.level.think_every == 0

    wants_view = thinks_at          # the name the room asks (server/rooms.py)

    def decide(self, view: dict[str, Any], tick: int) -> list[Action]:
        if not self.thinks_at(tick) or not view:
            return []
        self._first = False
        if view.get("game_over"):
            return []
        try:
            return self._think(view, tick)
        except Exception:  # a bad view must never take the room down: skip this think
            self.stats["errors"] += 1
            if self.stats["errors"] == 1:
                log.exception("opponent %d (%s): think failed at tick %d", self.player, self.difficulty, tick)
            return []

    def feedback(self, action: Action, result: OrderResult) -> None:
        """The gate's answer to one of its actions (the room <-> bot boundary, rooms.Bot)."""
        if result.ok:
            return
        self.stats["refused"] += 1
        code = (result.info or {}).get("code") or str(result.error)
        key = f"{action.get('action')}:{code}"
        self.refusals[key] = self.refusals.get(key, 0) + 1
        self.orders.back_off(action, self.now)

    def set_first_game(self) -> None:
        """The player's first game: the first attack comes ``level.first_game_extra_s`` later."""
        self.army.attack.delay_first_wave(self.level.first_game_extra_s)

    # ---------------------------------------------------------------- think
    def _think(self, view: dict[str, Any], tick: int) -> list[Action]:
        self.now = tick
        snap = read_view(view, tick, self.player, self.map)
        self.stats["thinks"] += 1
        self.orders.begin(available_credits(snap, self.rules))
        if self.bearings is None:
            self.bearings = Bearings.of(snap, self.map)
        bearings = self.bearings
        if not snap.my_buildings and not snap.my_units:
            return []
        self.enemies.remember(snap)
        danger = threats(snap, bearings, self.level.defend_radius)
        counts = BaseCounts.of(snap)
        self.economy.sell_when_stuck(snap, counts)
        saving = self.economy.build(snap, counts, danger)
        self.economy.send_idle_harvesters(snap, counts)
        self.economy.produce(snap, counts, bearings, danger, saving)
        self.army.think(snap, bearings, danger)
        if self.level.use_superweapon:
            self.superweapon.think(snap)
        actions = self.orders.actions
        out = [a for a in actions if fog_ok(a, snap)]
        self.stats["dropped_fog"] += len(actions) - len(out)
        self.stats["orders"] += len(out)
        self.last_actions = out
        return out
