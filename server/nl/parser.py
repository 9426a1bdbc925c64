"""The fast path: a deterministic parser for clear orders in English, French and Chinese.

``parse(text, lang=None) -> RuleResult`` with ``kind``:
  "actions"  the text is an order; ``actions`` holds schema-valid ACTION dicts
  "refuse"   the text is not an order we may execute (off topic, cheat, question...);
             ``actions`` is [] and ``message_key`` names the reason (messages.py)
  "defer"    game words but no clear order: let the model try

This module owns the entry point, its result and the refusals (cheats, money, questions); the
words become items in lexing.py (``lex``, ``normalize``, ``correct``: imported here for callers)
and the items become actions, clause by clause, in clauses.py. ``RuleResult.plan`` is set when
the sentence makes more than one step or a conditional one (sequences.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clauses import conditions, interpret, pronouns
from .lang import detect_language
from .lexing import LATIN_TOKEN, correct, lex, normalize, strip_accents
from .schema import MAX_ACTIONS, clean_actions
from .sequences import MAX_PLAN_ACTIONS, build

__all__ = ["RuleResult", "correct", "lex", "normalize", "parse", "strip_accents"]


@dataclass
class RuleResult:
    kind: str                      # "actions" | "refuse" | "defer"
    actions: list[dict] = field(default_factory=list)
    message_key: str | None = None
    language: str = "en"
    plan: dict | None = None       # {"text","steps"} when the order is a plan (sequences.py)


# ------------------------------------------------------------------ refusals
_EN_FORBIDDEN = [
    (re.compile(r"\b(ignore|disregard|forget|override|bypass)\b.*\b(instructions?|rules?|prompts?|previous|"
                r"above|system|guidelines|constraints|orders?)\b"), "forbidden"),
    (re.compile(r"\b(system prompt|you are now|pretend|jailbreak|developer mode|dan mode|act as|"
                r"new instructions|roleplay|role play|your prompt|your instructions)\b"), "forbidden"),
    (re.compile(r"\b(cheats?|cheating|cheat codes?|hacks?|hacking|hacked|god ?mode|invincib\w*|invulnerab\w*|"
                r"infinite|unlimited|immortal|one hit|maphack|map hack|wallhack|"
                r"teleport|fog of war|remove the fog|no fog|whole map|full map|entire map)\b"),
     "forbidden"),
    (re.compile(r"\b(win|won)\b.*\b(game|match|war)\b|\b(make|let) me win\b|\bi win\b|\binstant win\b|"
                r"\b(end|finish) the (game|match)\b|\benemy (loses|surrenders?)\b"), "forbidden"),
    (re.compile(r"\b(show|display|reveal|tell me|tell us|spy|peek)\b.*\b(enemy|enemies|enemy s|map|"
                r"opponent|their)\b|\b(reveal|expose)\b"), "forbidden"),
    (re.compile(r"\binstant(ly)?\b.*\b(win|kill|destroy|build|finish|complete|victory)\w*|"
                r"\b(win|kill|destroy|build|finish|complete)\w*\b.*\binstant(ly)?\b"), "forbidden"),
    (re.compile(r"\b(delete|remove|disable|freeze|kill) (the |all )?(enemy|enemies|ai|computer|opponent)\b"
                r"(?!.*\b(with|using)\b)(?= *(now|please|$|instantly|forever))"), "forbidden"),
    (re.compile(r"\b(sell|selling|repair|repairing|upgrade|upgrading|research|researching|surrender|cancel|"
                r"resign|give up|pause|unpause|save the game|load the game|save game|quit|"
                r"speed up the game|slow down the game|chat)\b"), "unsupported"),
]
_EN_MONEY = re.compile(r"\b(credits?|money|cash|gold|dollars?|funds|coins?|bucks|income|\$)\b")
_EN_MONEY_ASK = re.compile(r"\b(give|gimme|get|add|want|need|more|set|increase|free|grant|transfer|"
                           r"million|millions|thousand|thousands|infinite|unlimited|max|maximum|double|"
                           r"lots|plenty|rich)\b|\d")
_FR_FORBIDDEN = [
    (re.compile(r"\b(ignore|ignorez|oublie|oubliez|contourne)\b.*\b(instructions?|regles?|consignes?|prompt|"
                r"ordres precedents)\b"), "forbidden"),
    (re.compile(r"\b(prompt systeme|tu es maintenant|vous etes maintenant|fais semblant|faites semblant|"
                r"mode developpeur)\b"), "forbidden"),
    (re.compile(r"\b(triche\w*|code de triche|invincibles?|infinie?s?|illimitee?s?|gratuite?s?|"
                r"instantane\w*|immortel\w*|brouillard|toute la carte|carte entiere|teleporte\w*)\b"),
     "forbidden"),
    (re.compile(r"\b(gagne|gagner|gagnez)\b.*\b(partie|jeu|match|guerre)\b|\bfais( |-)?moi gagner\b|"
                r"\bje gagne\b|\bfin de (la )?partie\b"), "forbidden"),
    (re.compile(r"\b(montre|montrez|affiche|affichez|revele|revelez|dis moi|dites moi|espionne)\b"),
     "forbidden"),
    (re.compile(r"\b(vends|vendez|vendre|repare|reparez|reparer|ameliore|ameliorez|ameliorer|annule|annulez|"
                r"abandonne|abandonnez|capitule|capitulez|pause|sauvegarde|quitter la partie|quitte la partie)\b"),
     "unsupported"),
]
_FR_MONEY = re.compile(r"\b(credits?|argent|fric|pognon|thunes?|dollars?|fonds|sous|tresor|or)\b")
_FR_MONEY_ASK = re.compile(r"\b(donne|donnez|donne moi|ajoute|ajoutez|plus|veux|besoin|mets|augmente|"
                           r"augmentez|gratuit|million|millions|mille|infini|illimite|double|beaucoup)\b|\d")
_ZH_FORBIDDEN = [
    (re.compile(r"(忽略|無視|忘記|忘掉|不要理|跳過).*(指令|規則|提示|設定|命令|說明|限制)|系統提示|提示詞|你現在是|"
                r"假裝|扮演|越獄|開發者模式"), "forbidden"),
    (re.compile(r"作弊|秘技|無敵|無限|外掛|破解|透視|全圖|地圖全開|開圖|迷霧|秒殺|瞬間|立即獲勝|直接贏|"
                r"贏得(遊戲|比賽|這局)|獲勝|讓我贏|不死|傳送|修改"), "forbidden"),
    (re.compile(r"(顯示|告訴我|偷看|查看|給我看|列出|揭露).*(敵|地圖|對手)|偵查敵方所有"), "forbidden"),
    (re.compile(r"賣掉|出售|賣|修理|維修|升級|研究|投降|認輸|暫停遊戲|存檔|讀檔|退出遊戲|離開遊戲|聊天|取消"),
     "unsupported"),
]
_ZH_MONEY = re.compile(r"錢|金錢|資金|金幣|\d+\s*元|信用點|點數|積分|鈔票|黃金|經費|金子|美金|現金|財富|credits?", re.IGNORECASE)
_ZH_MONEY_ASK = re.compile(r"給|加|要|增加|無限|更多|來|送|多|\d|[一二兩三四五六七八九十百千萬億]")

_EN_QUESTION = re.compile(r"^(what|whats|how|why|where|when|who|whom|whose|which|is|are|am|do|does|did|"
                          r"should|shall|was|were|has|have|had)\b")
_FR_QUESTION = re.compile(r"^(qu|que|quoi|quel|quelle|quels|quelles|pourquoi|comment|combien|ou|quand|"
                          r"est ce|est-ce|qui|dois je|devrais je|devrait on|faut il|ai je|a t il|sont|est)\b")
_ZH_QUESTION = re.compile(r"嗎|呢|什麼|為什麼|怎麼|多少|如何|哪|是否|應該|應不應該|要不要|有沒有|有幾|幾個\S*[?？]")
_ZH_POLITE = re.compile(r"^(請|麻煩|幫我|幫忙|可以|能不能|能否|可不可以|能|你能|你可以|給我)")


# "when we have 2000 credits, build a war factory" waits for money, it does not ask for any
_COND_MONEY = re.compile(r"\b(when|once|as soon as|quand|lorsque|lorsqu|des que|des qu|une fois que)\b[^,;.!]*"
                         r"\b(have|has|reach|reaches|got|aura|aurons|avons|ai|aurez|aurai)\b[^,;.!]*"
                         r"\b(credits?|money|cash|argent|dollars?)\b")
_ZH_COND_MONEY = re.compile(r"(當|等|一旦)?(有|擁有|達到|累積到|湊齊)[^，,。；;！!]*(錢|資金|元|金錢|信用點)[^，,。；;！!]*(時|後|以後)")


def _refusal(norm: str, ascii_text: str, has_zh: bool) -> str | None:
    for rx, key in _EN_FORBIDDEN + _FR_FORBIDDEN:
        if rx.search(ascii_text):
            return key
    waits_for_money = bool(_COND_MONEY.search(ascii_text)) or (has_zh and bool(_ZH_COND_MONEY.search(norm)))
    if _EN_MONEY.search(ascii_text) and _EN_MONEY_ASK.search(ascii_text) and not waits_for_money:
        return "forbidden"
    if _FR_MONEY.search(ascii_text) and _FR_MONEY_ASK.search(ascii_text) and not waits_for_money:
        return "forbidden"
    if has_zh:
        for rx, key in _ZH_FORBIDDEN:
            if rx.search(norm):
                return key
        if _ZH_MONEY.search(norm) and _ZH_MONEY_ASK.search(norm) and not waits_for_money:
            return "forbidden"
    return None


_WH_ANYWHERE = re.compile(r"\b(what|how|why|where|when|who|which|comment|pourquoi|combien|quel|quelle|quand)\b")
_LATIN_POLITE = re.compile(r"^(can|could|would|will|please|peux|pouvez|pourrais|pourriez|veux tu|voulez vous)\b")


# "have the artillery guard our base": an order through someone, not "have we...?"
_EN_CAUSATIVE = re.compile(r"^(have|has|get)\s+(the|our|my|your|all|every|each|those|these|some|\d+|two|three|"
                           r"four|five|six|seven|eight|nine|ten)\b")
# « que 3 soldats tirent sur l'ennemi », « que toute l'armée attaque »: an order in the subjunctive
_FR_JUSSIVE = re.compile(r"^qu(e|')?\s*(\d+|tous|toutes|tout|toute|les|la|le|l|mes|nos|mon|ma|deux|trois|quatre|"
                         r"cinq|six|sept|huit|neuf|dix)\b")


def _is_question(norm: str, ascii_text: str, has_zh: bool) -> bool:
    if has_zh:
        return bool(_ZH_QUESTION.search(norm)) and not _ZH_POLITE.search(norm)
    words = ascii_text.strip()
    if (_EN_CAUSATIVE.search(words) or _FR_JUSSIVE.search(words)) and "?" not in norm:
        return False
    if _EN_QUESTION.search(words) or _FR_QUESTION.search(words):
        return True
    # "bonjour, comment ça va ?", "tanks, how are they doing?"
    return "?" in words and bool(_WH_ANYWHERE.search(words)) and not _LATIN_POLITE.search(words)


def parse(text: str, lang: str | None = None) -> RuleResult:
    """Parse ``text`` with the deterministic rules. Never raises for a str input."""
    lang = lang or detect_language(text)
    norm = normalize(text)
    has_zh = bool(re.search(r"[\u3400-\u9fff\uf900-\ufaff]", norm))
    ascii_text = " ".join(LATIN_TOKEN.findall(strip_accents(norm))) if not has_zh else \
        " ".join(LATIN_TOKEN.findall(strip_accents(re.sub(r"[^\x00-\x7f]", " ", norm))))
    key = _refusal(norm, ascii_text, has_zh)
    if key:
        return RuleResult("refuse", [], key, lang)
    items = conditions(pronouns(lex(text)))
    actions, vocab, _failed, all_neg, groups = interpret(items)
    if vocab == 0:
        return RuleResult("refuse", [], "off_topic", lang)
    conditional = any(k == "COND" for k, _ in items)  # "when we have 6 tanks, ..." is no question
    if not conditional and _is_question(norm, ascii_text, has_zh):
        return RuleResult("refuse", [], "question", lang)
    if actions:
        built = build(groups, text)
        if built.error:
            return RuleResult("refuse", [], built.error, lang)
        if built.plan is not None:
            clean = clean_actions(built.actions, MAX_PLAN_ACTIONS)
            if len(clean) != len(built.actions):  # pragma: no cover - clauses compose valid actions
                return RuleResult("defer", [], "not_understood", lang)
            return RuleResult("actions", clean, None, lang, plan=built.plan)
        return RuleResult("actions", clean_actions(built.actions, MAX_ACTIONS), None, lang)
    if all_neg:
        return RuleResult("refuse", [], "negated", lang)
    return RuleResult("defer", [], "not_understood", lang)
