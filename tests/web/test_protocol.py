"""Deltas must rebuild the full view exactly, tick after tick, in a real game."""

from __future__ import annotations

from typing import Any

import orjson

from server.ai import Opponent
from server.protocol import apply_delta, make_delta
from server.sim import Game


def canonical(view: dict[str, Any]) -> dict[str, Any]:
    out = dict(view)
    for key in ("units", "buildings"):
        out[key] = sorted(view[key], key=lambda e: e["id"])
    return out


def test_deltas_rebuild_every_view_of_a_real_game() -> None:
    game = Game(seed=21)
    bots = [Opponent(player=p, difficulty="hard", seed=21, map_info=game.map_info()) for p in (0, 1)]
    held: dict[Any, dict[str, Any]] = {}
    delta_bytes = full_bytes = 0
    for _ in range(2400):  # two game-minutes: building, training, first fights
        for bot in bots:
            for action in bot.decide(game.view(bot.player), game.tick) or ():
                game.apply(bot.player, action)
        game.step()
        for perspective in (0, 1, None):
            view = game.view(perspective)
            if perspective in held:
                delta = make_delta(held[perspective], view)
                rebuilt = apply_delta(orjson.loads(orjson.dumps(held[perspective])), orjson.loads(orjson.dumps(delta)))
                assert canonical(rebuilt) == canonical(orjson.loads(orjson.dumps(view)))
                if perspective == 0:
                    delta_bytes += len(orjson.dumps(delta))
                    full_bytes += len(orjson.dumps(view))
            held[perspective] = view
    # Sending changes, not states, is the point: far less than full states.
    assert delta_bytes < 0.5 * full_bytes


def test_unchanged_entities_are_left_out() -> None:
    prev = {"tick": 1, "units": [{"id": 1, "x": 1.0, "hp": 5}, {"id": 2, "x": 0.0, "hp": 5}], "buildings": [],
            "effects": [], "player": {"credits": 5}}
    cur = {"tick": 2, "units": [{"id": 1, "x": 1.5, "hp": 5}, {"id": 3, "x": 2.0, "hp": 9}], "buildings": [],
           "effects": [], "player": {"credits": 5}}
    delta = make_delta(prev, cur)
    assert delta == {"type": "delta", "tick": 2, "base": 1, "effects": [],
                     "units": {"set": [{"id": 3, "x": 2.0, "hp": 9}], "upd": [{"id": 1, "x": 1.5}], "del": [2]}}
