"""Confidence of model translations (server/nl/confidence.py) and the question asked below it."""
from __future__ import annotations

import json
import re

import pytest

from server.nl import confidence as C
from server.nl.readings import describe
from server.nl.schema import parse_action


def _parser(text: str):
    from server.nl.parser import parse

    res = parse(text)
    return res.actions if res.kind == "actions" else None


def _assess(text, actions, logprobs=None):
    return C.assess(text, actions, parser_actions=_parser(text), token_logprobs=logprobs)


MOVE_TANKS_XY = [{"action": "move", "units": {"type": "tank"}, "target": {"x": 14, "y": 33}}]
TANKS_TO_ENEMY = [{"action": "move", "units": {"type": "tank"}, "target": {"place": "enemy_base"}}]


@pytest.mark.parametrize("text,actions", [
    ("build a tank", [{"action": "build_unit", "unit_type": "tank", "count": 1}]),
    ("send the tanks to 14, 33", MOVE_TANKS_XY),
    ("trian two infnatry", [{"action": "build_unit", "unit_type": "infantry", "count": 2}]),
    ("envoie les chars au nord", [{"action": "move", "units": {"type": "tank"}, "target": {"direction": "north"}}]),
    ("坦克往東，直升機往西", [{"action": "move", "units": {"type": "tank"}, "target": {"direction": "east"}},
                       {"action": "move", "units": {"type": "helicopter"}, "target": {"direction": "west"}}]),
])
def test_a_faithful_complete_reading_is_confident(text, actions):
    a = _assess(text, actions)
    assert a.confident, (a.score, a.evidence)
    assert a.evidence.unaccounted == () and a.evidence.unsaid == ()


@pytest.mark.parametrize("text,actions,doubt", [
    # the example: a place never said, words nobody knows
    ("could the soldiers maybe wander over toward the middle of the map",
     [{"action": "move", "units": {"type": "infantry"}, "target": {"place": "enemy_base"}}], "unsaid"),
    # map coordinates turned into enemy_base
    ("send the tanks to 14, 33", TANKS_TO_ENEMY, "unaccounted"),
    # a French direction turned into defend_base
    ("envoie les chars au nord", [{"action": "defend_base", "units": {"type": "tank"}}], "unaccounted"),
    # a two-part order that lost its second half
    ("tanks go east and helicopters go west",
     [{"action": "move", "units": {"type": "tank"}, "target": {"direction": "east"}}], "unaccounted"),
    # a typo read as the wrong thing
    ("trian two infnatry", [{"action": "build_unit", "unit_type": "tank", "count": 2}], "unaccounted"),
])
def test_a_guess_is_not_confident(text, actions, doubt):
    a = _assess(text, actions)
    assert not a.confident, (a.score, a.evidence)
    assert getattr(a.evidence, doubt)


def test_token_probabilities_lower_the_score():
    text = "send the tanks to 14, 33"
    sure = _assess(text, MOVE_TANKS_XY, logprobs=[-0.01, -0.02, -0.05])
    unsure = _assess(text, MOVE_TANKS_XY, logprobs=[-0.01, -7.5, -0.05])
    assert sure.score > unsure.score
    assert unsure.evidence.logprob_min == -7.5
    assert sure.evidence.logprob_mean is not None


def test_no_actions_is_no_confidence():
    assert C.assess("tanks", []).score == 0.0


@pytest.mark.parametrize("lang,text,word", [
    ("en", "send the tanks to 14, 33", "Did you mean"),
    ("fr", "envoie les chars en 14, 33", "Vouliez-vous dire"),
    ("zh-TW", "坦克去 14, 33", "你是指"),
])
def test_the_question_offers_concrete_readings_in_the_players_language(lang, text, word):
    items = __import__("server.nl.parser", fromlist=["lex"]).lex(text)
    parser_actions = _parser(text)
    a = C.assess(text, TANKS_TO_ENEMY, items=items, parser_actions=parser_actions)
    assert not a.confident
    q = C.clarify_question(text, lang, TANKS_TO_ENEMY, parser_actions, items, a.evidence)
    assert word in q["question"] and text in q["question"]
    opts = q["options"]
    assert 3 <= len(opts) <= 4                       # two or three readings + "none of these"
    assert opts[0]["actions"] == TANKS_TO_ENEMY        # the model's reading first
    assert opts[-1]["actions"] == [] and opts[-1]["none"]  # "none of these"
    assert MOVE_TANKS_XY in [o["actions"] for o in opts]  # the parser's reading
    for o in opts[:-1]:
        assert o["actions"] and all(parse_action(x)[0] is not None for x in o["actions"])
        assert o["label"] == describe(o["actions"], lang)
    labels = [o["label"] for o in opts]
    assert len(set(labels)) == len(labels)


def test_alternative_when_the_parser_has_nothing():
    text = "could the soldiers maybe wander over toward the middle of the map"
    model = [{"action": "move", "units": {"type": "infantry"}, "target": {"place": "enemy_base"}}]
    items = __import__("server.nl.parser", fromlist=["lex"]).lex(text)
    a = C.assess(text, model, items=items, parser_actions=_parser(text))
    q = C.clarify_question(text, "en", model, _parser(text), items, a.evidence)
    readings = [o["actions"] for o in q["options"][:-1]]
    assert len(readings) >= 2 and model in readings
    assert all(r != model for r in readings[1:])


@pytest.mark.parametrize("lang,expect", [
    ("en", "Move tanks to the middle of the map"),
    ("fr", "Déplacer les chars au centre de la carte"),
    ("zh-TW", "坦克移動到地圖中央"),
])
def test_readings_in_words(lang, expect):
    assert describe([{"action": "move", "units": {"type": "tank"}, "target": {"place": "center"}}], lang) == expect


def test_readings_of_every_action_kind():
    acts = [{"action": "build_unit", "unit_type": "infantry", "count": 3},
            {"action": "build_building", "building_type": "barracks"},
            {"action": "attack", "units": {"type": "all"}, "target": {"place": "enemy_base"}},
            {"action": "stop", "units": {"selection": True}},
            {"action": "harvest", "units": {"type": "harvester"}},
            {"action": "defend_base", "units": {"type": "tank", "count": 2}},
            {"action": "launch_superweapon", "target": {"place": "nearest_enemy"}},
            {"action": "move", "units": {"type": "artillery"}, "target": {"x": 22, "y": 8}}]
    assert describe(acts, "en") == (
        "Build 3 infantry, then build a barracks, then attack the enemy base with all combat units, then stop "
        "the selected units, then send harvesters to harvest, then defend the base with 2 tanks, then launch "
        "the superweapon at the nearest enemy, then move artillery to (22, 8)")
    fr = describe(acts, "fr")
    assert fr.startswith("Produire 3 fantassins, puis construire une caserne") and "en (22, 8)" in fr
    assert describe(acts, "zh-TW").startswith("生產 3 個步兵，然後建造兵營")


# ------------------------------------------------------------------ in the translator (real worker, scripted model)
async def _translate(replies, text, lang=None):
    from server.nl import Translator

    from .conftest import ScriptedBackend, ready_worker

    w = await ready_worker(ScriptedBackend(replies))
    try:
        t = Translator(w, fast_path=False, warm_up=False)
        ans = t.submit(text, lang)
        return await t.wait(ans["request_id"], 5)
    finally:
        w.close()


async def test_a_confident_model_answer_executes():
    ans = await _translate({"14, 33": json.dumps(MOVE_TANKS_XY)}, "send the tanks to 14, 33")
    assert ans["actions"] == MOVE_TANKS_XY and "clarify" not in ans
    assert ans["confidence"]["score"] >= ans["confidence"]["threshold"]


@pytest.mark.parametrize("text,lang,word", [
    ("send the tanks to 14, 33", "en", "Did you mean"),
    ("envoie les chars en 14, 33", "fr", "Vouliez-vous dire"),
    ("坦克去 14, 33", "zh-TW", "你是指"),
])
async def test_a_guess_asks_instead_of_acting(text, lang, word):
    ans = await _translate({"14, 33": json.dumps(TANKS_TO_ENEMY)}, text)
    assert ans["status"] == "completed" and ans["actions"] == []          # nothing executes
    assert ans["language"] == lang
    q = ans["clarify"]
    assert word in q["question"]
    assert [o["actions"] for o in q["options"]][:2] == [TANKS_TO_ENEMY, MOVE_TANKS_XY]
    assert q["options"][-1].get("none") and q["options"][-1]["actions"] == []
    assert ans["confidence"]["score"] < ans["confidence"]["threshold"]
    assert "enemy_base" in ans["confidence"]["unsaid"]


# ------------------------------------------------------------------ what the model may write (compact grammar)
def _compact_rx(items):
    from server.nl.grammar import _text, compact_rules, gbnf_to_regex, restriction_from_items

    return re.compile(gbnf_to_regex(_text(compact_rules(1, restriction_from_items(items)))))


def test_the_grammar_offers_the_coordinates_the_text_gives():
    rx = _compact_rx([("V", "move"), ("U", "tank"), ("XY", (14, 33))])
    assert rx.fullmatch("move tank 14,33")
    assert not rx.fullmatch("move tank enemy_base") and not rx.fullmatch("move tank 14,34")
    from server.nl.compact import parse_compact, to_compact

    assert parse_compact("move tank 14,33") == MOVE_TANKS_XY and to_compact(MOVE_TANKS_XY) == "move tank 14,33"


def test_the_grammar_makes_a_two_part_order_write_both_parts():
    items = [("U", "tank"), ("V", "move"), ("D", "east"), ("SEP", "and"), ("U", "helicopter"), ("V", "move"),
             ("D", "west")]
    rx = _compact_rx(items)
    assert rx.fullmatch("move tank east; move helicopter west")
    assert not rx.fullmatch("move tank east")
    # "tanks, go north": one order, however many commas
    assert _compact_rx([("U", "tank"), ("SEP", "and"), ("V", "move"), ("D", "north")]).fullmatch("move tank north")


def test_units_and_a_place_without_a_verb_go_there():
    """« les chars au nord »: a unit and a direction, no verb -> move (attack only toward the enemy)."""
    rx = _compact_rx([("U", "tank"), ("D", "north")])
    assert rx.fullmatch("move tank north")
    assert not rx.fullmatch("attack tank north") and not rx.fullmatch("defend tank") and not rx.fullmatch("stop tank")
    assert _compact_rx([("U", "tank"), ("P", "enemy_base")]).fullmatch("attack tank enemy_base")


def test_each_clause_gets_its_own_action():
    from server.nl.grammar import compact_grammar_for, gbnf_to_regex

    rx = re.compile(gbnf_to_regex(compact_grammar_for("build a barracks and then train three infantry")))
    assert rx.fullmatch("build barracks; build infantry 3")
    assert not rx.fullmatch("build infantry 3; build infantry 3") and not rx.fullmatch("build barracks")
    rx = re.compile(gbnf_to_regex(compact_grammar_for("tanks go east then attack")))
    assert rx.fullmatch("move tank east; attack tank nearest_enemy")   # the second clause keeps the tanks
    assert not rx.fullmatch("move tank east; attack all nearest_enemy")


def test_the_grammar_offers_the_selection_when_the_text_names_it():
    rx = _compact_rx([("SEL", ""), ("V", "attack"), ("P", "enemy_base")])
    assert rx.fullmatch("attack selection enemy_base")
    from server.nl.compact import parse_compact

    assert parse_compact("attack selection enemy_base") == [
        {"action": "attack", "units": {"selection": True}, "target": {"place": "enemy_base"}}]
    assert not _compact_rx([("V", "attack"), ("P", "enemy_base")]).fullmatch("attack selection enemy_base")
