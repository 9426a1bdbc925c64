"""Words to game state: each scenario parses a sentence with the real parser, does what the server
does with the answer (a missing prerequisite asks, and the test picks the first option, as a player
clicking it would; a plan is submitted as one order; "these units" are the selected ids), steps the
real engine in fast-forward, and checks the game's final state — never the translation text.

Sequences, conditions, references, selections, prerequisite chains, cancels and failures because a
building was destroyed, in English, French and Traditional Chinese."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

from server.nl.clarify import for_order
from server.nl.parser import parse
from server.nl.sequences import orders_for
from server.sim import Game
from server.sim import rules as R
from server.sim.orders import with_selection

from .util import buildings, destroy, units, with_base

P = 0


def owned(g: Game, p: int) -> set[str]:
    return {b.type for b in g.buildings.values() if b.owner == p and b.alive}


def order(g: Game, text: str, selection: list[int] | None = None) -> list[Any]:
    """What the server does with a sentence for player 0: ask about missing prerequisites (and take
    the first option), resolve the selection, submit the plan or the actions. Returns the results."""
    res = parse(text)
    assert res.kind == "actions", (text, res.kind, res.message_key)
    actions, plan = res.actions, res.plan
    ask = for_order(actions, plan, owned(g, P), text, res.language)
    if ask is not None:
        first = ask["options"][0]
        actions, plan = first["actions"], first.get("plan")
    todo = orders_for(actions, plan)
    if selection is not None:
        todo = with_selection(todo, selection)
    return [g.apply(P, a) for a in todo]


def new_infantry(g: Game, before: set[int]) -> list:
    return [u for u in units(g, P, "infantry") if u.id not in before]


def plans_done(g: Game) -> list[str]:
    return [p["status"] for p in g.plans(P, active_only=False)]


# ---------------------------------------------------------------------- scenario table
@dataclass
class Scenario:
    id: str
    text: str
    seconds: float
    check: Callable[[Game, dict], None]
    setup: Callable[[Game, dict], None] | None = None
    during: Callable[[Game, dict], None] | None = None   # once, a third of the way in
    selection: Callable[[Game], list[int]] | None = None
    at: float | None = None                               # when ``during`` runs (s); default a third in


def base(*btypes: str, credits: int | None = None) -> Callable[[Game, dict], None]:
    def setup(g: Game, ctx: dict) -> None:
        with_base(g, P, *btypes)
        if credits is not None:
            g.players[P].credits = credits
        ctx["infantry"] = {u.id for u in units(g, P, "infantry")}
        ctx["harvester"] = units(g, P, "harvester")[0].id
    return setup


def start(g: Game, ctx: dict) -> None:
    base()(g, ctx)


def built(*btypes: str) -> Callable[[Game, dict], None]:
    def check(g: Game, ctx: dict) -> None:
        for bt in btypes:
            assert buildings(g, P, bt), f"no completed {bt}"
        refused = [r for r in ctx["results"] if not r.ok]
        assert not refused, refused
    return check


def sequence_then_infantry(n: int) -> Callable[[Game, dict], None]:
    def check(g: Game, ctx: dict) -> None:
        built("power_plant", "barracks")(g, ctx)
        assert len(new_infantry(g, ctx["infantry"])) == n
    return check


def sent_new(n: int, where: Callable[[Game, Any], bool]) -> Callable[[Game, dict], None]:
    """n new infantry all sent where asked; the infantry from the start and the harvester stayed."""
    def check(g: Game, ctx: dict) -> None:
        new = new_infantry(g, ctx["infantry"])
        assert len(new) == n, [u.id for u in new]
        assert all(u.dest is not None and where(g, u) for u in new), [(u.id, u.order, u.dest) for u in new]
        for uid in ctx["infantry"]:
            assert g.units[uid].dest is None, "units nobody named were moved"
        assert g.units[ctx["harvester"]].order in ("harvest", "return"), "the harvester left its work"
    return check


def north(g: Game, u: Any) -> bool:
    # player 0 starts in the north-west: a third of the map north of the barracks is the top edge
    return u.dest[1] < 3


def east(g: Game, u: Any) -> bool:
    return u.dest[0] > g.world.home(P)[0] + 5


def at_place(place: str) -> Callable[[Game, Any], bool]:
    def test(g: Game, u: Any) -> bool:
        inset = R.CORNER_INSET
        spots = {"center": (g.w // 2, g.h // 2), "top_left": (inset, inset),
                 "top_right": (g.w - 1 - inset, inset), "bottom_left": (inset, g.h - 1 - inset),
                 "bottom_right": (g.w - 1 - inset, g.h - 1 - inset)}
        x, y = spots[place]
        return abs(u.dest[0] - x - 0.5) <= 4 and abs(u.dest[1] - y - 0.5) <= 4
    return test


def attacking(utype: str, n: int) -> Callable[[Game, dict], None]:
    def check(g: Game, ctx: dict) -> None:
        army = units(g, P, utype)
        assert len(army) >= n
        assert all(u.order == "attack" for u in army), [u.order for u in army]
        assert plans_done(g)[-1] == "done"
    return check


def train_more(utype: str, n: int) -> Callable[[Game, dict], None]:
    def during(g: Game, ctx: dict) -> None:
        assert all(u.order != "attack" for u in units(g, P, utype)), "attacked before the condition held"
        assert g.apply(P, {"action": "build_unit", "unit_type": utype, "count": n}).ok
    return during


def chain_made(utype: str, n: int, *btypes: str) -> Callable[[Game, dict], None]:
    def check(g: Game, ctx: dict) -> None:
        built(*btypes)(g, ctx)
        have = len(units(g, P, utype)) - (2 if utype == "infantry" else 0)
        assert have >= n, (utype, have)
        assert plans_done(g)[-1] == "done"
    return check


def cancel_soon(g: Game, ctx: dict) -> None:
    pid = g.plans(P)[0]["id"]
    assert g.apply(P, {"action": "cancel_plan", "plan": pid}).ok


def only_power_plant(g: Game, ctx: dict) -> None:
    assert buildings(g, P, "power_plant")
    assert not buildings(g, P, "barracks", built=False)
    assert plans_done(g) == ["cancelled"]


def destroy_site(btype: str) -> Callable[[Game, dict], None]:
    def during(g: Game, ctx: dict) -> None:
        destroy(g, buildings(g, P, btype, built=False)[0])
    return during


def destroy_all(*btypes: str) -> Callable[[Game, dict], None]:
    def during(g: Game, ctx: dict) -> None:
        for bt in btypes:
            for b in buildings(g, P, bt, built=False):
                destroy(g, b)
    return during


def failed(code: str, never: str | None = None) -> Callable[[Game, dict], None]:
    """The plan failed for ``code``, and the step after the failed one never ran (no ``never`` units
    exist; for infantry: none of the new ones was sent anywhere)."""
    def check(g: Game, ctx: dict) -> None:
        plan = g.plans(P, active_only=False)[-1]
        assert plan["status"] == "failed", plan
        assert plan["why"]["cause"]["code"] == code, plan["why"]
        assert plan["reason"]
        if never == "infantry":
            assert all(u.dest is None for u in new_infantry(g, ctx["infantry"]))
        elif never is not None:
            assert not units(g, P, never)
    return check


def harvester_works_army_moves(g: Game, ctx: dict) -> None:
    assert g.units[ctx["harvester"]].order in ("harvest", "return")
    assert all(g.units[i].dest is not None for i in ctx["infantry"])


def select_one(g: Game) -> list[int]:
    return [min(u.id for u in units(g, P, "infantry"))]


def only_selected_went(place: str) -> Callable[[Game, dict], None]:
    def check(g: Game, ctx: dict) -> None:
        chosen = min(ctx["infantry"])
        assert g.units[chosen].dest is not None and at_place(place)(g, g.units[chosen])
        others = [g.units[i] for i in ctx["infantry"] if i != chosen]
        assert all(u.dest is None for u in others)
    return check


def credits_arrive(amount: int) -> Callable[[Game, dict], None]:
    def during(g: Game, ctx: dict) -> None:
        assert not buildings(g, P, "war_factory", built=False), "built before the credits were there"
        g.players[P].credits = amount
    return during


def war_factory_placed(g: Game, ctx: dict) -> None:
    assert buildings(g, P, "war_factory", built=False)
    assert plans_done(g)[-1] in ("active", "done")


SEQ_EN, SEQ_FR, SEQ_ZH = ("build a power plant then a barracks", "construis une centrale puis une caserne",
                          "先建造發電廠再建造兵營")
BASE = ("power_plant", "barracks")
FACTORY = ("power_plant", "barracks", "refinery", "war_factory")

SCENARIOS = [
    # sequences: each step when the previous one is done; "and" waits when it needs the other
    Scenario("seq-en", SEQ_EN, 25, built("power_plant", "barracks"), start),
    Scenario("seq-fr", SEQ_FR, 25, built("power_plant", "barracks"), start),
    Scenario("seq-zh", SEQ_ZH, 25, built("power_plant", "barracks"), start),
    Scenario("seq-zh-ranhou", "建造發電廠然後建造兵營", 25, built("power_plant", "barracks"), start),
    Scenario("and-needs-en", "build a power plant and a barracks", 25, built("power_plant", "barracks"), start),
    Scenario("and-needs-fr", "construis une centrale et une caserne", 25, built("power_plant", "barracks"), start),
    Scenario("and-needs-zh", "建造發電廠和兵營", 25, built("power_plant", "barracks"), start),
    Scenario("seq-refinery-en", "build a power plant, then a refinery", 28,
             lambda g, c: (built("refinery")(g, c), len(units(g, P, "harvester")) == 2 or pytest.fail("no free harvester")),
             start),
    Scenario("seq-refinery-fr", "construis une centrale, puis une raffinerie", 28, built("power_plant", "refinery"), start),
    Scenario("seq-refinery-zh", "建造發電廠，然後建造精煉廠", 28, built("power_plant", "refinery"), start),
    Scenario("seq-army-en", "build a power plant and a barracks, then train 3 infantry", 40,
             sequence_then_infantry(3), start),
    Scenario("seq-army-fr", "construis une centrale et une caserne, puis entraîne 3 fantassins", 40,
             sequence_then_infantry(3), start),
    Scenario("seq-army-zh", "建造發電廠和兵營，然後訓練三個步兵", 40, sequence_then_infantry(3), start),
    Scenario("seq-three-en", "build a power plant, then a barracks, then a defense turret", 40,
             built("power_plant", "barracks", "defense_turret"), start),
    # references: "them" are the units the earlier step produced, nothing else moves
    Scenario("them-en", "train 3 infantry and send them north", 22, sent_new(3, north), base(*BASE)),
    Scenario("them-fr", "entraîne 3 fantassins et envoie-les au nord", 22, sent_new(3, north), base(*BASE)),
    Scenario("them-zh", "訓練三個步兵並派他們向北", 22, sent_new(3, north), base(*BASE)),
    Scenario("them-then-en", "train 2 infantry then send them to the center", 16,
             sent_new(2, at_place("center")), base(*BASE)),
    Scenario("them-then-fr", "entraîne 2 fantassins puis envoie-les au centre", 16,
             sent_new(2, at_place("center")), base(*BASE)),
    Scenario("them-then-zh", "訓練兩個步兵然後派他們去地圖中央", 16, sent_new(2, at_place("center")), base(*BASE)),
    Scenario("them-east-fr", "entraîne 2 fantassins puis les envoyer à l'est", 16, sent_new(2, east), base(*BASE)),
    Scenario("them-zh-tamen", "訓練兩個步兵，然後它們向東移動", 16, sent_new(2, east), base(*BASE)),
    # selections: "these units" are the ids the client sent
    Scenario("these-en", "these units go to the bottom right corner", 1, only_selected_went("bottom_right"),
             start, selection=select_one),
    Scenario("these-fr", "ces unités, au centre", 1, only_selected_went("center"), start, selection=select_one),
    Scenario("these-zh", "這些部隊去左下角", 1, only_selected_went("bottom_left"), start, selection=select_one),
    Scenario("these-top-en", "move the selected units to the top left corner", 1, only_selected_went("top_left"),
             start, selection=select_one),
    # harvesters stay at work when "everyone" moves
    Scenario("all-en", "everyone go north", 1, harvester_works_army_moves, start),
    Scenario("all-fr", "tout le monde au nord", 1, harvester_works_army_moves, start),
    Scenario("all-zh", "全軍向北移動", 1, harvester_works_army_moves, start),
    Scenario("all-center-en", "send all units to the middle of the map", 1, harvester_works_army_moves, start),
    # conditions: the step waits for units, a building or credits
    Scenario("have-inf-en", "when we have 4 infantry, attack the enemy base", 22, attacking("infantry", 4),
             base(*BASE), during=train_more("infantry", 2)),
    Scenario("have-inf-fr", "quand on aura 4 fantassins, attaquez la base ennemie", 22, attacking("infantry", 4),
             base(*BASE), during=train_more("infantry", 2)),
    Scenario("have-inf-zh", "有四個步兵時攻擊敵方基地", 22, attacking("infantry", 4), base(*BASE),
             during=train_more("infantry", 2)),
    Scenario("have-tanks-en", "when we have 3 tanks, attack their base", 55, attacking("tank", 3),
             base(*FACTORY, credits=5000), during=train_more("tank", 3)),
    Scenario("have-tanks-fr", "quand on aura 3 chars, attaquez leur base", 55, attacking("tank", 3),
             base(*FACTORY, credits=5000), during=train_more("tank", 3)),
    Scenario("have-tanks-zh", "有三輛坦克時進攻敵方基地", 55, attacking("tank", 3), base(*FACTORY, credits=5000),
             during=train_more("tank", 3)),
    Scenario("have-after-en", "attack the enemy base when we have 4 infantry", 22, attacking("infantry", 4),
             base(*BASE), during=train_more("infantry", 2)),
    Scenario("built-en", "once the barracks is ready, train 3 infantry", 30,
             lambda g, c: (built("barracks")(g, c), len(new_infantry(g, c["infantry"])) == 3 or pytest.fail("no infantry")),
             base("power_plant"), during=lambda g, c: g.apply(P, {"action": "build_building", "building_type": "barracks"})),
    Scenario("built-fr", "dès que la caserne est prête, entraîne 3 fantassins", 30,
             lambda g, c: (built("barracks")(g, c), len(new_infantry(g, c["infantry"])) == 3 or pytest.fail("no infantry")),
             base("power_plant"), during=lambda g, c: g.apply(P, {"action": "build_building", "building_type": "barracks"})),
    Scenario("built-zh", "兵營建好後訓練三個步兵", 30,
             lambda g, c: (built("barracks")(g, c), len(new_infantry(g, c["infantry"])) == 3 or pytest.fail("no infantry")),
             base("power_plant"), during=lambda g, c: g.apply(P, {"action": "build_building", "building_type": "barracks"})),
    Scenario("credits-en", "when we have 3000 credits build a war factory", 6, war_factory_placed,
             base("power_plant", "barracks", "refinery", credits=100), during=credits_arrive(3000)),
    Scenario("credits-fr", "quand on aura 3000 crédits, construis une usine", 6, war_factory_placed,
             base("power_plant", "barracks", "refinery", credits=100), during=credits_arrive(3000)),
    Scenario("credits-zh", "有3000元時建造戰車工廠", 6, war_factory_placed,
             base("power_plant", "barracks", "refinery", credits=100), during=credits_arrive(3000)),
    # missing prerequisites: the first option builds the chain, then does what was asked
    Scenario("chain-tank-en", "build a tank", 70, chain_made("tank", 1, *FACTORY), start),
    Scenario("chain-tank-fr", "construis un char", 70, chain_made("tank", 1, *FACTORY), start),
    Scenario("chain-tank-zh", "建造一輛坦克", 70, chain_made("tank", 1, *FACTORY), start),
    Scenario("chain-inf-en", "train 5 infantry", 45, chain_made("infantry", 5, *BASE), start),
    Scenario("chain-inf-fr", "entraîne cinq fantassins", 45, chain_made("infantry", 5, *BASE), start),
    Scenario("chain-inf-zh", "訓練五個步兵", 45, chain_made("infantry", 5, *BASE), start),
    Scenario("chain-turret-en", "build a defense turret", 35, built("power_plant", "barracks", "defense_turret"), start),
    Scenario("chain-turret-fr", "construis une tourelle", 35, built("power_plant", "barracks", "defense_turret"), start),
    Scenario("chain-turret-zh", "建造防禦砲塔", 35, built("power_plant", "barracks", "defense_turret"), start),
    Scenario("chain-them-en", "train 3 infantry and send them north", 45, sent_new(3, north), start),
    Scenario("chain-them-zh", "訓練三個步兵然後派他們向北", 45, sent_new(3, north), start),
    # cancel: what has not started never starts
    Scenario("cancel-en", SEQ_EN, 25, only_power_plant, start, during=cancel_soon, at=2),
    Scenario("cancel-fr", SEQ_FR, 25, only_power_plant, start, during=cancel_soon, at=2),
    Scenario("cancel-zh", SEQ_ZH, 25, only_power_plant, start, during=cancel_soon, at=2),
    Scenario("cancel-cond-en", "when we have 4 infantry, attack the enemy base", 15,
             lambda g, c: (all(u.order != "attack" for u in units(g, P, "infantry")) or pytest.fail("attacked"),
                           plans_done(g) == ["cancelled"] or pytest.fail(plans_done(g))),
             base(*BASE), during=lambda g, c: (cancel_soon(g, c), train_more("infantry", 2)(g, c))),
    # failure: a building destroyed, with a reason, and the rest never runs
    Scenario("site-en", "build a war factory then train 3 tanks", 30, failed("site_destroyed", "tank"),
             base("power_plant", "barracks", "refinery"), during=destroy_site("war_factory")),
    Scenario("site-fr", "construis une usine puis 3 chars", 30, failed("site_destroyed", "tank"),
             base("power_plant", "barracks", "refinery"), during=destroy_site("war_factory")),
    Scenario("site-zh", "建造戰車工廠然後建造三輛坦克", 30, failed("site_destroyed", "tank"),
             base("power_plant", "barracks", "refinery"), during=destroy_site("war_factory")),
    Scenario("training-en", "train 4 infantry then send them east", 9, failed("training_lost", "infantry"),
             base(*BASE), during=destroy_all("barracks")),
    Scenario("training-fr", "entraîne 4 fantassins puis envoie-les à l'est", 9, failed("training_lost", "infantry"),
             base(*BASE), during=destroy_all("barracks")),
    Scenario("training-zh", "訓練四個步兵然後派他們向東", 9, failed("training_lost", "infantry"),
             base(*BASE), during=destroy_all("barracks")),
    Scenario("no-hq-en", "when we have 6 infantry, attack", 10, failed("cannot_make"),
             base(*BASE), during=destroy_all("barracks", "hq")),
    Scenario("no-hq-fr", "quand on aura 6 fantassins, attaquez", 10, failed("cannot_make"),
             base(*BASE), during=destroy_all("barracks", "hq")),
    Scenario("no-hq-zh", "有六個步兵時進攻", 10, failed("cannot_make"),
             base(*BASE), during=destroy_all("barracks", "hq")),
]


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(sc: Scenario):
    g = Game(seed=1)
    ctx: dict = {}
    (sc.setup or start)(g, ctx)
    ctx["results"] = order(g, sc.text, sc.selection(g) if sc.selection else None)
    assert all(r.ok for r in ctx["results"]), [r.error for r in ctx["results"]]
    third = R.ticks(sc.at if sc.at is not None else sc.seconds / 3)
    for t in range(R.ticks(sc.seconds)):
        if t == third and sc.during is not None:
            sc.during(g, ctx)
        g.step()
    sc.check(g, ctx)


# ---------------------------------------------------------------------- what must not happen
@pytest.mark.parametrize("text", ["send them north", "envoie-les au nord", "派他們向北"])
def test_them_with_nothing_before_is_a_clear_message_and_changes_nothing(text):
    res = parse(text)
    assert res.kind == "refuse" and res.message_key == "no_reference" and res.actions == []


@pytest.mark.parametrize("text", ["these units go north", "ces unités, au nord", "這些部隊向北移動"])
def test_these_units_without_a_selection_move_nobody(text):
    g = Game(seed=1)
    res = parse(text)
    before = g.state_hash()
    results = [g.apply(P, a) for a in orders_for(res.actions, res.plan)]
    assert [r.info["code"] for r in results] == ["no_selection"]
    assert g.state_hash() == before


def test_a_ninth_plan_is_refused_with_a_reason():
    g = Game(seed=1)
    with_base(g, P, *BASE)
    for _ in range(R.MAX_PLANS_PER_PLAYER):
        assert all(r.ok for r in order(g, "when we have 50 infantry, attack the enemy base"))
    r = order(g, "when we have 50 infantry, attack the enemy base")[0]
    assert not r.ok and r.info["code"] == "too_many_plans"
    assert len(g.plans(P)) == R.MAX_PLANS_PER_PLAYER


def test_there_are_at_least_sixty_scenarios_in_three_languages():
    by_lang = {lang: sum(1 for s in SCENARIOS if lang in s.id.split("-")) for lang in ("en", "fr", "zh")}
    assert len(SCENARIOS) >= 60 and min(by_lang.values()) >= 18, by_lang
