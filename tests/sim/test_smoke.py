"""The API of docs/ARCHITECTURE.md (server.sim) as others use it."""
from server.sim import Game, OrderResult


def test_api_shape():
    g = Game(seed=1, width=64, height=48)
    assert g.tick == 0 and g.winner is None and g.over is False
    info = g.map_info()
    assert info["width"] == 64 and info["height"] == 48 and len(info["tiles"]) == 64 * 48
    r = g.apply(0, {"action": "build_building", "building_type": "power_plant"})
    assert isinstance(r, OrderResult) and r.ok, r
    assert not g.validate(0, {"action": "nope"}).ok
    g.step()
    assert g.tick == 1
    v = g.view(0)
    for k in ("tick", "player", "units", "buildings", "explored", "visible", "resources", "effects", "game_over"):
        assert k in v
    assert g.view(None)["player"] is None
    assert isinstance(g.drain_events(), list)
    assert isinstance(g.state_hash(), str)
    assert g.order_log and g.order_log[0][1] == 0
    g2 = Game.replay(1, 64, 48, g.order_log, 1)
    assert g2.state_hash() == g.state_hash()
