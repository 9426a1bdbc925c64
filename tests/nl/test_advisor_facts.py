"""The advisor's facts and the checker of its sentences (server/nl/facts.py, fact_check.py).

The views are real: recorded from computer-vs-computer games in the engine
(bench/record_views.py -> tests/nl/advisor_views.jsonl), early/mid/late, winning and losing.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.nl.analyst import heuristic_analysis
from server.nl.fact_check import check_sentence, check_text
from server.nl.facts import Facts, chain_to, earns_credits, facts_of, gives_power, producer_of
from server.sim import Game

VIEWS = Path(__file__).resolve().parent / "advisor_views.jsonl"


def _views() -> list[dict]:
    return [json.loads(line) for line in VIEWS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _facts(**kw) -> Facts:
    base = dict(me=0, spectator=False, credits=1200, power_produced=150, power_used=60,
                my_units={"infantry": 4, "tank": 2, "harvester": 1},
                my_buildings={"hq": 1, "power_plant": 1, "barracks": 1},
                my_finished={"hq": 1, "power_plant": 1, "barracks": 1}, my_army=6, my_value=1400.0)
    base.update(kw)
    return Facts(**base)  # type: ignore[arg-type]


def test_recorded_views_cover_phases_and_standings():
    rows = _views()
    assert len(rows) >= 60
    assert {r["phase"] for r in rows} == {"early", "mid", "late"}
    assert {"winning", "losing"} <= {r["standing"] for r in rows}


def test_rules_paths_come_from_the_rules_table():
    assert producer_of("tank") == "war_factory"
    assert producer_of("infantry") == "barracks"
    assert chain_to("tank") == ["hq", "power_plant", "barracks", "refinery", "war_factory"]
    assert "barracks" not in earns_credits() and "refinery" in earns_credits()
    assert gives_power() == ("hq", "power_plant")


def test_facts_of_a_real_game_view():
    game = Game(seed=3, width=64, height=48)
    for _ in range(20):
        game.step()
    f = facts_of(game.view(0))
    assert f.me == 0 and not f.spectator
    assert f.has("hq") and not f.has("refinery")
    assert f.missing_for("tank") == ["power_plant", "barracks", "refinery", "war_factory"]
    assert not f.can_train("tank")
    spectator = facts_of(game.view(None))
    assert spectator.spectator and set(spectator.players) == {0, 1}


@pytest.mark.parametrize("lang", ["en", "fr", "zh-TW"])
def test_the_heuristic_text_always_passes_the_checker(lang):
    """The same facts build the heuristic text and check the model's: the heuristic is never false."""
    for row in _views():
        facts = facts_of(row["view"])
        result = check_text(heuristic_analysis(row["view"], lang), facts, lang)
        assert not result.dropped, (row["id"], result.dropped)
        assert result.kept


@pytest.mark.parametrize("sentence,lang", [
    ("You have to build a barracks to earn credits from ore.", "en"),
    ("To earn credits, build a barracks.", "en"),
    ("Vous devez construire une caserne pour gagner des crédits.", "fr"),
    ("建造兵營來賺取資金。", "zh-TW"),
])
def test_what_earns_credits(sentence, lang):
    f = _facts(my_buildings={"hq": 1, "power_plant": 1}, my_finished={"hq": 1, "power_plant": 1})
    reasons = check_sentence(sentence, f, lang)
    assert reasons and "earn credits" in reasons[0]


@pytest.mark.parametrize("sentence", [
    "Build a refinery to earn credits.",
    "Construisez une raffinerie pour gagner des crédits.",
    "建造精煉廠來賺取資金。",
    "Build a refinery to earn credits and a barracks to train infantry.",
    "Tanks need a war factory.",
    "Build a power plant so you can build a refinery.",
])
def test_true_rules_sentences_pass(sentence):
    assert check_sentence(sentence, _facts()) == []


@pytest.mark.parametrize("sentence", [
    "Build a barracks to unlock helicopters.",
    "Construisez une tourelle pour entraîner des chars.",
    "Build a refinery to get more power.",
])
def test_what_needs_what(sentence):
    # a barracks IS on the way to helicopters (war factory needs it), so only truly wrong pairs fail
    reasons = check_sentence(sentence, _facts())
    if "barracks" in sentence:
        assert reasons == []
    else:
        assert reasons and reasons[0].startswith("rules")


@pytest.mark.parametrize("sentence,false", [
    ("You have 2 tanks and 4 infantry.", False),
    ("You have 7 tanks.", True),
    ("Vous avez deux chars.", False),
    ("Vous avez neuf chars.", True),
    ("你有兩輛坦克。", False),
    ("你有九輛坦克。", True),
    ("You have 1200 credits.", False),
    ("You have 5000 credits.", True),
])
def test_counts(sentence, false):
    assert bool(check_sentence(sentence, _facts())) is false


@pytest.mark.parametrize("sentence,false", [
    ("You have no barracks.", True),
    ("Vous n'avez pas de caserne.", True),
    ("你沒有兵營。", True),
    ("You have no refinery.", False),
    ("Your war factory is under construction.", True),
    ("Your barracks can train infantry.", False),
    ("Enemy helicopters are coming.", True),
    ("Build a naval yard and ships.", True),
    ("Des navires ennemis approchent.", True),
])
def test_what_exists(sentence, false):
    assert bool(check_sentence(sentence, _facts())) is false, check_sentence(sentence, _facts())


def test_state_claims():
    calm = _facts()
    assert check_sentence("Your power is low.", calm)
    assert check_sentence("L'énergie est insuffisante.", calm)
    assert check_sentence("電力不足。", calm)
    assert check_sentence("Your superweapon is ready: launch it.", calm)
    assert check_sentence("Enemy units are near your base.", calm)
    assert check_sentence("Credits are low.", calm)
    low = _facts(power_used=200, credits=90, superweapon_ready=True, threats={"tank": 3},
                 enemy_units={"tank": 3}, enemy_army=3, enemy_value=3000.0)
    assert check_sentence("Your power is low.", low) == []
    assert check_sentence("Your superweapon is ready: launch it.", low) == []
    assert check_sentence("3 enemy tanks are near your base.", low) == []
    assert check_sentence("Credits are low.", low) == []
    assert check_sentence("You are outgunned.", low) == []
    assert check_sentence("You outnumber the enemy.", low)
    assert check_sentence("你處於劣勢。", low) == []
    assert check_sentence("你佔優勢。", low)


def test_check_text_keeps_the_true_sentences():
    f = _facts()
    res = check_text("You have 2 tanks. You have to build a barracks to earn credits. Build a refinery.", f)
    assert res.kept == ["You have 2 tanks.", "Build a refinery."]
    assert len(res.dropped) == 1
