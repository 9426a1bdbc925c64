"""Example orders shown to players as UI chips."""
from __future__ import annotations

EXAMPLES: dict[str, list[str]] = {
    "en": [
        "build a power plant and a barracks",
        "train 5 infantry",
        "build two tanks",
        "send all tanks north",
        "attack the enemy base",
        "harvesters go mine ore",
        "everyone fall back to base",
        "launch the nuke at the enemy base",
    ],
    "fr": [
        "construis une centrale puis une caserne",
        "entraîne cinq fantassins",
        "construis deux chars",
        "envoie les chars vers le nord",
        "attaquez la base ennemie",
        "les collecteurs, récoltez le minerai",
        "repliez-vous à la base",
        "lance la bombe nucléaire sur la base ennemie",
    ],
    "zh-TW": [
        "建造發電廠然後建造兵營",
        "訓練五個步兵",
        "建造兩輛坦克",
        "所有坦克向北移動",
        "全軍攻擊敵方基地",
        "採礦車去採礦",
        "全軍撤退回基地",
        "對敵方基地發射核彈",
    ],
}


def examples(lang: str | None = "en") -> list[str]:
    """About 8 example orders in ``lang`` ("en", "fr", "zh-TW"; English otherwise)."""
    from .lang import normalize_lang

    return list(EXAMPLES.get(normalize_lang(lang) or "en", EXAMPLES["en"]))
