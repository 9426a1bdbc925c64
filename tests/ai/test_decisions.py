"""Decision logic of the computer opponent, on hand-made views (no engine needed)."""
from __future__ import annotations

from ai_helpers import H, W, ViewBuilder, explored_rect, map_info, start_base

from server.ai import LEVELS, Opponent
from server.ai.knowledge import Mask
from server.ai.perception import fog_ok, read_view
from server.sim import OrderResult


def first_think(bot: Opponent, view: dict, tick: int = 0) -> list[dict]:
    return bot.decide(view, tick)


def kinds(actions, kind):
    return [a for a in actions if a["action"] == kind]


def test_difficulty_parameters_differ():
    e, n, h = LEVELS["easy"], LEVELS["normal"], LEVELS["hard"]
    assert e.first_wave_s > n.first_wave_s > h.first_wave_s
    assert e.wave_size < n.wave_size < h.wave_size
    assert e.think_every > n.think_every > h.think_every
    assert e.max_harvesters < n.max_harvesters < h.max_harvesters
    assert h.use_superweapon and not n.use_superweapon and not e.use_superweapon
    assert h.focus_fire and not n.focus_fire
    assert "helicopter" in h.unit_mix and "helicopter" not in n.unit_mix


def test_opening_builds_power_plant_without_position():
    bot = Opponent(1, "normal", seed=1, map_info=map_info())
    acts = first_think(bot, start_base().view())
    builds = kinds(acts, "build_building")
    assert builds == [{"action": "build_building", "building_type": "power_plant"}]
    # nothing it cannot have: no barracks/war factory/units without prerequisites
    assert not kinds(acts, "build_unit")


def test_low_power_means_power_plant_first():
    vb = start_base()
    vb.building("power_plant", 52, 41)
    vb.building("refinery", 52, 44)
    vb.building("barracks", 55, 37)
    vb.building("war_factory", 50, 37)
    vb.building("refinery", 46, 40)
    vb.building("barracks", 46, 44)
    vb.building("defense_turret", 44, 44)
    view = vb.view()
    assert view["player"]["power"]["used"] > view["player"]["power"]["produced"]
    bot = Opponent(1, "normal", seed=1, map_info=map_info())
    builds = kinds(bot.decide(view, 0), "build_building")
    assert builds and builds[0]["building_type"] == "power_plant"


def test_respects_credits_and_queue_limits():
    vb = start_base(credits=250)
    vb.building("power_plant", 52, 41)
    full = [{"item": "infantry", "progress": 0.5}] + [{"item": "infantry", "progress": 0.0}] * 9
    vb.building("barracks", 55, 37, queue=full)
    bot = Opponent(1, "hard", seed=1, map_info=map_info())
    acts = bot.decide(vb.view(), 0)
    # credits 250 minus 9 queued infantry not yet paid: nothing is affordable
    assert not kinds(acts, "build_unit")
    assert not kinds(acts, "build_building")


def test_prerequisites_respected():
    vb = start_base(credits=5000)
    vb.building("power_plant", 52, 41)
    vb.building("barracks", 55, 37, built=0.5)          # under construction: not a prerequisite yet
    bot = Opponent(1, "hard", seed=1, map_info=map_info())
    acts = bot.decide(vb.view(), 0)
    assert not kinds(acts, "build_unit")
    for a in kinds(acts, "build_building"):
        assert a["building_type"] in ("power_plant", "refinery")


def test_defends_base_against_visible_enemies():
    vb = start_base()
    vb.building("power_plant", 52, 41)
    vb.building("barracks", 55, 37)
    t1 = vb.unit("tank", 54.0, 39.0)
    t2 = vb.unit("tank", 53.0, 39.0)
    enemy = vb.unit("tank", 50.0, 41.0, owner=0)
    heli = vb.unit("helicopter", 51.0, 43.0, owner=0)
    bot = Opponent(1, "normal", seed=1, map_info=map_info())
    acts = bot.decide(vb.view(), 0)
    attacks = kinds(acts, "attack")
    assert attacks
    targeted = {a["target"]["entity"] for a in attacks}
    assert targeted <= {enemy, heli}
    for a in attacks:
        if a["target"]["entity"] == heli:       # tanks cannot hit helicopters: never ordered to
            assert t1 not in a["units"]["ids"] and t2 not in a["units"]["ids"]


def test_hard_launches_superweapon_at_cluster_normal_does_not():
    def view():
        vb = start_base()
        vb.sw = {"charge": 1.0, "ready": True}
        for i in range(5):
            vb.unit("tank", 40.0 + 0.5 * i, 30.0, owner=0)
        vb.unit("infantry", 60.0, 30.0, owner=0)
        return vb.view(explored=explored_rect(0, 0, W, H))
    hard = Opponent(1, "hard", seed=1, map_info=map_info())
    sw = kinds(hard.decide(view(), 0), "launch_superweapon")
    assert len(sw) == 1
    assert 39.0 <= sw[0]["target"]["x"] <= 43.0 and abs(sw[0]["target"]["y"] - 30.0) < 1
    normal = Opponent(1, "normal", seed=1, map_info=map_info())
    assert not kinds(normal.decide(view(), 0), "launch_superweapon")


def test_fog_filter_drops_orders_through_fog():
    vb = start_base()
    view = vb.view()
    bot = Opponent(1, "normal", seed=1, map_info=map_info())
    snap = read_view(view, 0, bot.player, bot.map)
    my_inf = next(u["id"] for u in view["units"] if u["type"] == "infantry")
    assert not fog_ok({"action": "attack", "units": {"ids": [my_inf]}, "target": {"entity": 99999}}, snap)
    assert not fog_ok({"action": "move", "units": {"ids": [my_inf]}, "target": {"x": 3, "y": 3}}, snap)
    assert not fog_ok({"action": "launch_superweapon", "target": {"x": 3, "y": 3}}, snap)
    assert fog_ok({"action": "move", "units": {"ids": [my_inf]}, "target": {"x": 50, "y": 40}}, snap)
    assert not fog_ok({"action": "move", "units": {"ids": [424242]}, "target": {"x": 50, "y": 40}}, snap)


def test_scout_moves_only_to_explored_tiles_or_directions():
    bot = Opponent(1, "hard", seed=1, map_info=map_info())
    vb = start_base()
    explored = explored_rect(44, 32, W, H)
    mask = Mask(explored, W, H)
    moves = []
    for tick in range(40 * 20):
        acts = bot.decide(vb.view(tick, explored=explored), tick)
        moves += [a for a in kinds(acts, "move")]
    assert moves, "the scout should leave"
    for a in moves:
        t = a["target"]
        assert "direction" in t or mask.get(t["x"], t["y"])
    # towards the enemy corner (top-left for player 1)
    pts = [a["target"] for a in moves if "x" in a["target"]]
    assert any(p["x"] < 46 and p["y"] < 34 for p in pts)


def test_thinks_only_every_n_ticks():
    bot = Opponent(1, "normal", seed=3, map_info=map_info())
    view = start_base().view()
    bot.decide(view, 0)
    thinking = [t for t in range(1, 201) if bot.thinks_at(t)]
    assert len(thinking) == 20
    assert all(bot.decide(view, t) == [] for t in range(1, 200) if not bot.thinks_at(t))


def test_feedback_backs_off_refused_orders():
    refused = OrderResult(False, "no room to build", {"code": "placement"})
    bot = Opponent(1, "normal", seed=1, map_info=map_info())
    view = start_base().view()
    acts = bot.decide(view, 0)
    for a in acts:
        bot.feedback(a, refused)
    assert bot.stats["refused"] == len(acts)
    # the refused building is not asked for again right away
    acts2 = bot.decide(start_base().view(10), 10)
    assert not kinds(acts2, "build_building")


def test_think_cost_is_bounded_on_a_crowded_view():
    """Many rooms share one process: a think over 300 entities must stay cheap."""
    import time

    vb = start_base()
    vb.building("power_plant", 52, 41)
    vb.building("barracks", 55, 37)
    vb.building("refinery", 52, 44)
    vb.building("war_factory", 48, 40)
    for i in range(150):
        vb.unit(("infantry", "tank", "artillery")[i % 3], 30 + (i % 15), 20 + (i // 15))
    for i in range(150):
        vb.unit(("infantry", "tank", "helicopter")[i % 3], 10 + (i % 15), 5 + (i // 15), owner=0)
    view = vb.view(explored=explored_rect(0, 0, W, H))
    bot = Opponent(1, "hard", seed=1, map_info=map_info())
    t0 = time.perf_counter()
    n = 0
    for tick in range(600):
        if bot.thinks_at(tick):
            bot.decide(view, tick)
            n += 1
    per = (time.perf_counter() - t0) / n
    assert per < 0.05, f"{per * 1000:.1f} ms per think"


def test_malformed_view_never_raises():
    bot = Opponent(1, "hard", seed=1, map_info=map_info())
    bad = {"tick": 0, "player": {"credits": "lots"}, "units": [{"id": 1}], "buildings": None}
    assert bot.decide(bad, 0) == []
    assert bot.stats["errors"] == 1
    # and it keeps working on a good view afterwards
    t = next(t for t in range(1, 50) if bot.thinks_at(t))
    assert kinds(bot.decide(start_base().view(t), t), "build_building")


def test_no_superweapon_without_hq():
    """Regression: the charge stays full after the HQ is lost; the gate refuses a launch then."""
    vb = ViewBuilder(1)
    vb.building("power_plant", 52, 41)
    vb.sw = {"charge": 1.0, "ready": True}
    for i in range(5):
        vb.unit("tank", 40.0 + 0.5 * i, 30.0, owner=0)
    bot = Opponent(1, "hard", seed=1, map_info=map_info())
    acts = bot.decide(vb.view(explored=explored_rect(0, 0, W, H)), 0)
    assert not kinds(acts, "launch_superweapon")


def test_broke_without_harvesters_sells_a_spare_building():
    """Regression: two bankrupt bases sat idle until the time limit (seed 300, hard vs normal)."""
    vb = ViewBuilder(1, credits=50)
    vb.building("hq", 57, 41)
    for x in (50, 53, 46):
        vb.building("power_plant", x, 37)
    vb.building("refinery", 52, 44)
    vb.building("barracks", 55, 37)
    vb.building("war_factory", 48, 40)
    turret = vb.building("defense_turret", 45, 44)
    vb.unit("tank", 50.0, 40.0)
    bot = Opponent(1, "normal", seed=1, map_info=map_info())
    tick = 9 * 60 * 20                      # a first decide() always thinks
    acts = bot.decide(vb.view(tick), tick)
    assert {"action": "sell", "building": turret} in acts
    # not early in the game, and not when it can afford a harvester
    bot2 = Opponent(1, "normal", seed=1, map_info=map_info())
    assert not kinds(bot2.decide(vb.view(600), 600), "sell")
