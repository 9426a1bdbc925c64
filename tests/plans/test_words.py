"""What the parser makes of plan words (the scenarios check the game state; these pin the reading):
conditions that wait for credits are not requests for credits, "when..." orders are not questions,
« les » the pronoun is not « les » the article, corners and the centre are places."""
from __future__ import annotations

import pytest

from server.nl import parse


@pytest.mark.parametrize("text, after", [
    ("when we have 2000 credits, build a war factory", {"credits": 2000}),
    ("quand on aura 2000 crédits, construis une usine", {"credits": 2000}),
    ("有2000元時建造戰車工廠", {"credits": 2000}),
    ("when we have 6 tanks, attack their base", {"have": {"unit_type": "tank", "count": 6}}),
    ("attack their base when we have 6 tanks", {"have": {"unit_type": "tank", "count": 6}}),
    ("quand on aura 5 chars, attaquez", {"have": {"unit_type": "tank", "count": 5}}),
    ("有五輛坦克時進攻", {"have": {"unit_type": "tank", "count": 5}}),
    ("當我們有六輛坦克時，攻擊敵方基地", {"have": {"unit_type": "tank", "count": 6}}),
    ("once the barracks is ready, train 3 infantry", {"built": "barracks"}),
    ("dès que la caserne est prête, entraîne 3 fantassins", {"built": "barracks"}),
    ("兵營建好後訓練三個步兵", {"built": "barracks"}),
    ("when we have 999 tanks, attack", {"have": {"unit_type": "tank", "count": 200}}),  # bounded by the rules
])
def test_a_condition_is_one_waiting_step(text, after):
    res = parse(text)
    assert res.kind == "actions" and res.plan is not None, (res.kind, res.message_key)
    assert len(res.plan["steps"]) == 1 and res.plan["steps"][0]["after"] == after


@pytest.mark.parametrize("text", ["give me 2000 credits", "donne-moi 2000 crédits", "給我2000元"])
def test_asking_for_credits_is_still_refused(text):
    assert parse(text).kind == "refuse"


@pytest.mark.parametrize("text, place", [
    ("send the tanks to the top left corner", "top_left"), ("tanks to the bottom right corner", "bottom_right"),
    ("envoie les chars au coin en haut à droite", "top_right"), ("坦克去左下角", "bottom_left"),
    ("everyone to the center", "center"), ("tout le monde au milieu", "center"), ("全軍去地圖中央", "center"),
])
def test_center_and_corners(text, place):
    res = parse(text)
    assert res.kind == "actions" and res.actions[0]["target"] == {"place": place}


@pytest.mark.parametrize("text", ["these units go north", "ces unités, au nord", "這些部隊向北移動",
                                  "move the selected units north"])
def test_these_units_are_the_selection(text):
    res = parse(text)
    assert res.actions == [{"action": "move", "units": {"selection": True}, "target": {"direction": "north"}}]


@pytest.mark.parametrize("text, ref", [
    ("déplace les chars vers le nord", False), ("attaquez les bases ennemies", False),
    ("entraîne 3 fantassins et envoie-les au nord", True), ("entraîne 3 fantassins puis les envoyer au nord", True),
])
def test_french_les_pronoun_or_article(text, ref):
    res = parse(text)
    assert res.kind == "actions"
    assert any(isinstance(a.get("units"), dict) and "step" in a["units"] for a in res.actions) is ref


@pytest.mark.parametrize("text", ["build a power plant and a barracks", "construis une centrale et une caserne",
                                  "建造發電廠和兵營"])
def test_and_waits_when_the_second_needs_the_first(text):
    res = parse(text)
    assert [s.get("after") for s in res.plan["steps"]] == [None, {"built": "power_plant"}]
    assert [a["building_type"] for a in res.actions] == ["power_plant", "barracks"]  # plain readers see both


@pytest.mark.parametrize("text", ["tanks and infantry attack the enemy base", "build 2 tanks and a turret",
                                  "construis deux chars", "全軍攻擊敵方基地"])
def test_what_runs_at_once_is_no_plan(text):
    res = parse(text)
    assert res.kind == "actions" and res.plan is None


def test_too_many_steps_is_a_clear_message():
    text = ", then ".join(["build a power plant"] * 11)
    res = parse(text)
    assert res.kind == "refuse" and res.message_key == "too_many_steps"
