"""Player-facing messages of the translator, in en / fr / zh-TW."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "not_understood": {
        "en": "Sorry, I did not understand that order. Try e.g. \"build 2 tanks\" or \"attack the enemy base\".",
        "fr": "Désolé, je n'ai pas compris cet ordre. Essayez par ex. « construis 2 chars » "
              "ou « attaquez la base ennemie ».",
        "zh-TW": "抱歉，我聽不懂這個命令。試試「建造兩輛坦克」或「攻擊敵方基地」。",
    },
    "off_topic": {
        "en": "That is not a game order. I can build, move, attack, stop, harvest, defend and launch the superweapon.",
        "fr": "Ce n'est pas un ordre de jeu. Je peux construire, déplacer, attaquer, arrêter, récolter, "
              "défendre et lancer la superarme.",
        "zh-TW": "這不是遊戲命令。我可以建造、移動、攻擊、停止、採礦、防守和發射超級武器。",
    },
    "forbidden": {
        "en": "That is not an order I can give: no free credits, cheats, hidden information or rule changes.",
        "fr": "Ce n'est pas un ordre que je peux donner : pas de crédits gratuits, de triche, "
              "d'informations cachées ni de changement des règles.",
        "zh-TW": "這不是我能下達的命令：不能給免費資金、作弊、查看隱藏資訊或更改規則。",
    },
    "unsupported": {
        "en": "That is not an order I can give: I can only build, move, attack, stop, harvest, defend "
              "and launch the superweapon.",
        "fr": "Ce n'est pas un ordre que je peux donner : je peux seulement construire, déplacer, attaquer, "
              "arrêter, récolter, défendre et lancer la superarme.",
        "zh-TW": "這不是我能下達的命令：我只能建造、移動、攻擊、停止、採礦、防守和發射超級武器。",
    },
    "question": {
        "en": "I turn orders into actions; for advice, ask for a tactical analysis.",
        "fr": "Je transforme des ordres en actions ; pour des conseils, demandez une analyse tactique.",
        "zh-TW": "我只負責把命令轉成行動；如需建議，請使用戰術分析。",
    },
    "negated": {
        "en": "Understood: nothing to do.",
        "fr": "Compris : rien à faire.",
        "zh-TW": "了解：不執行任何動作。",
    },
    "model_unavailable": {
        "en": "The language model is unavailable right now; try a simpler order such as \"build a tank\".",
        "fr": "Le modèle de langue n'est pas disponible pour le moment ; essayez un ordre simple "
              "comme « construis un char ».",
        "zh-TW": "語言模型目前無法使用；請試試簡單的命令，例如「建造一輛坦克」。",
    },
    "model_failed": {
        "en": "The language model could not translate that order; try rephrasing it.",
        "fr": "Le modèle de langue n'a pas pu traduire cet ordre ; reformulez-le.",
        "zh-TW": "語言模型無法翻譯這個命令；請換個說法。",
    },
    "no_reference": {
        "en": "Who are \"them\"? Name the units (\"send the tanks north\"), or select them and say \"these units\".",
        "fr": "Qui sont « les » ? Nommez les unités (« envoie les chars au nord ») ou sélectionnez-les et dites "
              "« ces unités ».",
        "zh-TW": "「他們」是指誰？請說出單位（「坦克向北移動」），或先選取部隊再說「這些部隊」。",
    },
    "too_many_steps": {
        "en": "That is too many steps for one order (at most 10); split it into several orders.",
        "fr": "Trop d'étapes pour un seul ordre (10 au plus) ; découpez-le en plusieurs ordres.",
        "zh-TW": "一個命令的步驟太多（最多 10 步）；請分成幾個命令。",
    },
    "no_selection": {
        "en": "No units are selected: select some first, or name them (\"the tanks\").",
        "fr": "Aucune unité n'est sélectionnée : sélectionnez-en d'abord, ou nommez-les (« les chars »).",
        "zh-TW": "沒有選取任何部隊：請先選取，或直接說出單位（「坦克」）。",
    },
    "nothing_to_confirm": {
        "en": "There is no question waiting for an answer.",
        "fr": "Aucune question n'attend de réponse.",
        "zh-TW": "目前沒有待回答的問題。",
    },
    "none_chosen": {
        "en": "Understood: nothing done. Try other words.",
        "fr": "Compris : rien n'a été fait. Essayez d'autres mots.",
        "zh-TW": "了解：不執行任何動作。請換個說法。",
    },
    "cancelled": {
        "en": "The request was cancelled.",
        "fr": "La demande a été annulée.",
        "zh-TW": "請求已取消。",
    },
}


def message(key: str, lang: str) -> str:
    """The message ``key`` in ``lang`` (English if the language is unknown)."""
    table = MESSAGES.get(key) or MESSAGES["not_understood"]
    return table.get(lang) or table["en"]
