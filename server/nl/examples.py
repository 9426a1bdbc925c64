"""Example orders shown to players as UI chips."""
from __future__ import annotations

EXAMPLES: dict[str, list[str]] = {
    # The page shows the first four as chips: each works on a fresh game as it is
    # (tests/browser/test_plans.py clicks every one and checks the effect it names).
    "en": [
        "build a power plant then a barracks",
        "build a power plant and a refinery",
        "build a power plant, a barracks, then train 3 infantry and send them north",
        "everyone go to the center",
        "train 5 infantry",
        "when we have 6 tanks, attack their base",
        "these units go to the top left corner",
        "launch the nuke at the enemy base",
    ],
    "fr": [
        "construis une centrale puis une caserne",
        "construis une centrale et une raffinerie",
        "construis une centrale et une caserne, puis entraîne 3 fantassins et envoie-les au nord",
        "tout le monde au centre",
        "entraîne cinq fantassins",
        "quand on aura 6 chars, attaquez leur base",
        "ces unités, au coin en haut à gauche",
        "lance la bombe nucléaire sur la base ennemie",
    ],
    "zh-TW": [
        "先建造發電廠再建造兵營",
        "建造發電廠和精煉廠",
        "建造發電廠和兵營，然後訓練三個步兵並派他們向北",
        "全軍去地圖中央",
        "訓練五個步兵",
        "有六輛坦克時進攻敵方基地",
        "這些部隊去左上角",
        "對敵方基地發射核彈",
    ],
}


def examples(lang: str | None = "en") -> list[str]:
    """About 8 example orders in ``lang`` ("en", "fr", "zh-TW"; English otherwise)."""
    from .lang import normalize_lang

    return list(EXAMPLES.get(normalize_lang(lang) or "en", EXAMPLES["en"]))
