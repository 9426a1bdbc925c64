"""server.sim.snapshot: a snapshot restores the same state and the same future, and refuses what is not
one of its own."""

from __future__ import annotations

import pickle

import pytest

from server.sim import Game
from server.sim.snapshot import MAGIC, SnapshotError, restore, rules_version, snapshot

from .conftest import bots_for, play


def step_with(game: Game, orders: list[tuple[int, int, dict]], until: int) -> None:
    k = 0
    while game.tick < until:
        while k < len(orders) and orders[k][0] <= game.tick:
            game.apply(orders[k][1], orders[k][2])
            k += 1
        game.step()


def test_restored_games_hash_and_play_on_exactly_like_the_original() -> None:
    game = Game(seed=11)
    bots = bots_for(game, 11)
    checked = 0
    searching = 0
    for at in (1, 1300, 2900, 4700):           # opening, first army, path searches in flight, battle
        play(game, bots, at)
        searching += bool(game.world.fields or game.world.path_queue or game.world.field_wait)
        data = snapshot(game)
        copy = restore(data)
        assert copy.state_hash() == game.state_hash()
        assert copy.view(0) == game.view(0) and copy.view(None) == game.view(None)
        before = len(game.order_log)
        play(game, bots, at + 300)              # the original goes on with the computers' orders ...
        step_with(copy, game.order_log[before:], game.tick)   # ... the copy gets the same orders
        assert copy.state_hash() == game.state_hash(), f"diverged after a snapshot at tick {at}"
        checked += 1
    assert checked == 4
    assert searching, "no snapshot was taken with path searches in flight"


def test_a_snapshot_taken_while_the_path_grid_is_stale_restores_the_stale_grid() -> None:
    game = Game(seed=4)
    res = game.apply(0, {"action": "build_building", "building_type": "power_plant"})
    assert res.ok
    assert game.world.grid_dirty, "a new construction site should leave the grid waiting for a relabel"
    copy = restore(snapshot(game))
    assert copy.world.grid.comp == game.world.grid.comp and copy.world.grid.nb == game.world.grid.nb
    assert bytes(copy.world.grid.blocked) == bytes(game.world.grid.blocked)
    for g in (game, copy):
        g.apply(0, {"action": "move", "units": {"type": "all"}, "target": {"place": "enemy_base"}})
        for _ in range(60):
            g.step()
    assert copy.state_hash() == game.state_hash()


def test_a_restored_game_keeps_no_order_log_and_shares_the_rule_objects() -> None:
    game = Game(seed=2)
    game.apply(0, {"action": "build_unit", "unit_type": "infantry", "count": 2})
    copy = restore(snapshot(game))
    assert copy.order_log == []
    u = next(iter(copy.units.values()))
    orig = next(iter(game.units.values()))
    assert u.rule is orig.rule                  # by name, not a private copy of the balance table


@pytest.mark.parametrize("data, reason", [
    (b"", "too short"),
    (b"hello world, not a snapshot at all", "not a game snapshot"),
])
def test_garbage_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SnapshotError, match=reason):
        restore(data)


def test_a_truncated_snapshot_is_refused() -> None:
    data = snapshot(Game(seed=1))
    with pytest.raises(SnapshotError, match="corrupt"):
        restore(data[: len(data) // 2])


def test_a_snapshot_of_another_rules_version_is_refused() -> None:
    data = bytearray(snapshot(Game(seed=1)))
    data[10] ^= 0xFF                             # first byte of the rules version digest
    with pytest.raises(SnapshotError, match="rules version"):
        restore(bytes(data))


def test_a_snapshot_cannot_make_the_server_run_anything() -> None:
    header = snapshot(Game(seed=1))[:26]
    assert header.startswith(MAGIC)

    class Evil:
        def __reduce__(self):
            import os
            return (os.system, ("echo owned",))

    with pytest.raises(SnapshotError, match="may not build"):
        restore(header + pickle.dumps(Evil()))


def test_rules_version_is_stable_and_names_the_balance() -> None:
    assert rules_version() == rules_version() and len(rules_version()) == 32


def test_a_plan_in_progress_survives_a_snapshot_and_runs_on_the_same() -> None:
    game = Game(seed=6)
    order = {"action": "plan", "text": "power plant then barracks then 3 infantry", "steps": [
        {"actions": [{"action": "build_building", "building_type": "power_plant"}]},
        {"actions": [{"action": "build_building", "building_type": "barracks"}]},
        {"actions": [{"action": "build_unit", "unit_type": "infantry", "count": 3}]}]}
    assert game.apply(0, order).ok
    for _ in range(300):                        # the first step is under way, the others wait
        game.step()
    plans = game.plans(0)
    assert plans and plans[0]["status"] == "active"
    copy = restore(snapshot(game))
    assert copy.plans(0) == plans
    for g in (game, copy):
        for _ in range(1500):
            g.step()
    assert copy.plans(0, active_only=False) == game.plans(0, active_only=False)
    assert copy.state_hash() == game.state_hash()
