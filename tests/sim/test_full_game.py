"""A whole game played through the gate only, to a winner."""
from server.sim import Game


def test_scripted_game_reaches_a_winner():
    g = Game(seed=11)
    build = ["power_plant", "barracks", "refinery", "power_plant", "war_factory"]
    events = []
    for t in range(20 * 60 * 8):
        if t % 20 == 0:
            if build and not g.players[0].sites:
                r = g.apply(0, {"action": "build_building", "building_type": build[0]})
                if r.ok:
                    build.pop(0)
            if not build and t % 200 == 0:
                g.apply(0, {"action": "build_unit", "unit_type": "tank", "count": 2})
                g.apply(0, {"action": "build_unit", "unit_type": "infantry", "count": 2})
            army = [u for u in g.units.values() if u.owner == 0 and u.type != "harvester"]
            if len(army) >= 10 and t % 400 == 0:
                r = g.apply(0, {"action": "attack", "units": {"type": "all"}, "target": {"place": "enemy_base"}})
                assert r.ok, r
        g.step()
        events.extend(g.drain_events())
        if g.over:
            break
    assert g.over and g.winner == 0, (g.tick, [(b.type, b.owner, b.hp) for b in g.buildings.values()])
    kinds = {e["kind"] for e in events}
    assert {"building_done", "unit_ready", "unit_lost", "building_lost", "under_attack", "game_over"} <= kinds
    assert g.view(1)["game_over"] == {"winner": 0}
