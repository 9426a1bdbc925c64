"""Superweapon, fog of war and the view format, the end of the game, the gate."""
import base64

from server.sim import Game
from server.sim import rules as R
from server.sim.combat import damage

from .util import grass, make, run


def bits(s, n):
    raw = base64.b64decode(s)
    return [(raw[i // 8] >> (i % 8)) & 1 for i in range(n)]


def test_superweapon_charge_and_strike():
    g = make(grass(30, 20))
    g.add_building(0, "hq", 1, 1)
    g.add_building(1, "hq", 26, 16)
    tgt = {"action": "launch_superweapon", "target": {"x": 20, "y": 10}}
    r = g.apply(0, tgt)
    assert not r.ok and r.info["code"] == "not_ready"
    g.players[0].charge = R.SUPERWEAPON_CHARGE_TICKS - 2
    ev = run(g, 3)
    assert [e["kind"] for e in ev].count("superweapon_ready") == 1
    assert g.view(0)["player"]["superweapon"] == {"charge": 1.0, "ready": True}
    near = g.add_unit(1, "tank", 21.5, 10.5)
    far = g.add_unit(1, "tank", 25.5, 10.5)
    bld = g.add_building(1, "power_plant", 18, 11)
    g.players[0].explored = 0
    r = g.apply(0, tgt)
    assert not r.ok and r.info["code"] == "not_explored"
    g.players[0].explored = (1 << 600) - 1
    r = g.apply(0, tgt)
    assert r.ok
    assert not near.alive and far.alive and bld.hp == 400 - 200
    assert g.players[0].charge == 0
    assert not g.apply(0, tgt).ok
    assert any(e["kind"] == "superweapon_launched" for e in g.drain_events())


def test_a_full_charge_without_hq_is_not_shown_ready():
    """Regression: the view said ready while every launch was refused (no_hq)."""
    g = make(grass(30, 20))
    hq = g.add_building(0, "hq", 1, 1)
    g.add_building(0, "power_plant", 5, 1)
    g.add_building(1, "hq", 26, 16)
    g.players[0].charge = R.SUPERWEAPON_CHARGE_TICKS
    assert g.view(0)["player"]["superweapon"]["ready"] is True
    damage(g.world, hq, 100_000, None, 1)
    run(g, 1)
    assert g.view(0)["player"]["superweapon"] == {"charge": 1.0, "ready": False}
    r = g.apply(0, {"action": "launch_superweapon", "target": {"x": 3, "y": 3}})
    assert not r.ok and r.info["code"] == "no_hq"


def test_fog_of_war_and_view_format():
    g = Game(seed=1)
    v0 = g.view(0)
    assert v0["player"]["id"] == 0 and v0["player"]["credits"] == 5000
    assert {u["owner"] for u in v0["units"]} == {0}
    assert {b["owner"] for b in v0["buildings"]} == {0}
    u = v0["units"][0]
    assert set(u) >= {"id", "type", "owner", "x", "y", "hp", "max_hp", "order", "target"}
    b = v0["buildings"][0]
    assert set(b) >= {"id", "type", "owner", "x", "y", "w", "h", "hp", "max_hp", "built", "queue", "stale"}
    n = g.w * g.h
    exp = bits(v0["explored"], n)
    vis = bits(v0["visible"], n)
    hq = g.world.hq(0)
    assert exp[int(hq.cy) * g.w + int(hq.cx)] == 1 and exp[n - 1] == 0
    assert vis == exp
    spec = g.view(None)
    assert spec["player"] is None and len(spec["players"]) == 2
    assert {u["owner"] for u in spec["units"]} == {0, 1}
    assert all(bits(spec["explored"], n))
    # an enemy building seen once is remembered as stale; enemy units are not
    enemy_hq = g.world.hq(1)
    scout = g.add_unit(0, "helicopter", enemy_hq.cx - 3, enemy_hq.cy - 3)
    run(g, 5)
    v = g.view(0)
    assert any(b["id"] == enemy_hq.id and not b["stale"] for b in v["buildings"])
    assert any(u["owner"] == 1 for u in v["units"])
    g.apply(0, {"action": "move", "units": {"ids": [scout.id]}, "target": {"x": 2, "y": 2}})
    run(g, 20 * 20)
    v = g.view(0)
    assert [b["stale"] for b in v["buildings"] if b["id"] == enemy_hq.id] == [True]
    assert not any(u["owner"] == 1 for u in v["units"])
    assert [b["queue"] for b in v["buildings"] if b["id"] == enemy_hq.id] == [[]]


def test_game_over_and_step_is_a_noop_after():
    g = make(grass(20, 12))
    g.add_building(0, "hq", 1, 1)
    hq1 = g.add_building(1, "hq", 16, 8)
    pp1 = g.add_building(1, "power_plant", 12, 8)
    damage(g.world, hq1, 10_000, None, 0)
    ev = run(g, 1)
    assert not g.over
    damage(g.world, pp1, 10_000, None, 0)
    ev = run(g, 1)
    assert g.over and g.winner == 0
    assert [e for e in ev if e["kind"] == "game_over"] == [{"kind": "game_over", "tick": 1, "player": None, "winner": 0}]
    t, h = g.tick, g.state_hash()
    g.step()
    assert g.tick == t and g.state_hash() == h
    assert g.view(0)["game_over"] == {"winner": 0}
    r = g.apply(0, {"action": "build_unit", "unit_type": "tank"})
    assert not r.ok and r.info["code"] == "game_over"


GARBAGE = [None, 0, 1.5, "x", [], {}, {"action": None}, {"action": "move", "units": None, "target": None},
           {"action": "build_building", "building_type": "power_plant", "position": {"x": -5, "y": 99999}},
           {"action": "move", "units": {"ids": [10**9]}, "target": {"entity": 10**9}},
           {"action": "attack", "units": {"type": "all"}, "target": {"entity": 1}},
           {"action": "launch_superweapon", "target": {"place": "enemy_base"}},
           {"action": "sell", "building": 1}, {"action": "cancel", "building": 2}]


def test_gate_never_raises_and_explains():
    g = Game(seed=1)
    for player in (0, 1, -1, 2, 7, None, True, "0", 0.0):
        for a in GARBAGE:
            r = g.apply(player, a)
            assert isinstance(r.ok, bool)
            if not r.ok:
                assert isinstance(r.error, str) and r.error and r.info["code"]
    assert g.apply(5, {"action": "stop", "units": {"type": "all"}}).info["code"] == "bad_player"
    assert g.apply(True, {"action": "stop", "units": {"type": "all"}}).info["code"] == "bad_player"


def test_validate_has_no_effect():
    g = Game(seed=1)
    h = g.state_hash()
    r = g.validate(0, {"action": "build_building", "building_type": "power_plant"})
    assert r.ok and g.state_hash() == h and not g.order_log
    assert g.players[0].credits == 5000
