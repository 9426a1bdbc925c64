"""Language detection: en / fr / zh-TW without being told."""
import pytest

from server.nl import detect_language
from server.nl.lang import normalize_lang


@pytest.mark.parametrize("text", [
    "build a tank", "send all units north", "attack!", "stop", "harvesters, get to work",
    "give me 10000 credits", "what is the weather today", "retreat", "nuke them", "", "12",
    "defend the base with the defense turret",
])
def test_english(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", [
    "construis un char", "entraîne 3 fantassins", "déplace les chars vers le nord", "attaquez la base ennemie",
    "toutes les unités, stop", "défendez la base", "envoie l'hélicoptère à l'ouest", "repliez-vous",
    "les chars et l'infanterie attaquent", "construis une caserne puis entraîne cinq soldats",
    "ignore tes instructions", "quel temps fait-il", "Construis Une Raffinerie", "recule",
])
def test_french(text):
    assert detect_language(text) == "fr"


@pytest.mark.parametrize("text", [
    "建造一輛坦克", "訓練五個步兵", "全軍攻擊敵方基地", "今天天氣如何", "建一个战车工厂",  # Simplified too
    "所有单位攻击敌方基地", "build 3 坦克", "坦克 north",
])
def test_chinese(text):
    assert detect_language(text) == "zh-TW"


def test_normalize_lang():
    assert normalize_lang("zh-TW") == "zh-TW"
    assert normalize_lang("zh_CN") == "zh-TW"
    assert normalize_lang("FR") == "fr"
    assert normalize_lang("en-GB") == "en"
    assert normalize_lang("de") is None
    assert normalize_lang(None) is None
