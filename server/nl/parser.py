"""The fast path: a deterministic parser for clear orders in English, French and Chinese.

``parse(text, lang=None) -> RuleResult`` with ``kind``:
  "actions"  the text is an order; ``actions`` holds schema-valid ACTION dicts
  "refuse"   the text is not an order we may execute (off topic, cheat, question...);
             ``actions`` is [] and ``message_key`` names the reason (messages.py)
  "defer"    game words but no clear order: let the model try

How it works: the text is normalised (lower case, no accents, Simplified -> Traditional),
lexed into items by longest match against lexicon.py (with edit-distance-1 typo
correction for Latin words of 5+ letters), split into clauses at separators
("and", "then", "puis", "然後", "，"...), each clause is turned into actions from its
verb, units, buildings, numbers and target; clauses without a verb borrow one from
their neighbours ("build a power plant and a barracks").

Plans (sequences.py): separators say whether a clause runs with the previous one ("and") or
after it ("then", « puis », 「然後」「再」); a condition ("when we have 6 tanks",
« quand on aura 5 chars », 「有五輛坦克時」) becomes one ``("COND", CONDITION)`` item of the
clause it governs; "them" / « les » / 「他們」 refer to the units of an earlier clause and
"these units" / « ces unités » / 「這些部隊」 to the player's selection. ``RuleResult.plan``
is set when the sentence makes more than one step or a conditional one.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from . import lexicon as L
from .lang import detect_language
from .schema import MAX_ACTIONS, MAX_COUNT, clean_actions
from .sequences import MAX_PLAN_ACTIONS, THEM, Group, build, condition_of


@dataclass
class RuleResult:
    kind: str                      # "actions" | "refuse" | "defer"
    actions: list[dict] = field(default_factory=list)
    message_key: str | None = None
    language: str = "en"
    plan: dict | None = None       # {"text","steps"} when the order is a plan (sequences.py)


# ------------------------------------------------------------------ normalisation
_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "－": "-", "–": "-", "—": "-"})
_LATIN_TOKEN = re.compile(r"\d+|[a-z]+|[,;.!?&]")


def strip_accents(text: str) -> str:
    text = text.replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Canonical form of a text (cache key): NFKC, lower case, single spaces, Traditional Chinese."""
    t = unicodedata.normalize("NFKC", text).translate(_APOS).lower().translate(L.S2T)
    return " ".join(t.split())


# ------------------------------------------------------------------ typo correction (Latin words)
def _deletes(w: str) -> set[str]:
    return {w[:i] + w[i + 1:] for i in range(len(w))}


def _osa1(a: str, b: str) -> bool:
    """True if a and b differ by at most one insertion, deletion, substitution or transposition."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1:] == b[i + 1:]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]
    if la > lb:
        return a[i + 1:] == b[i:]
    return a[i:] == b[i + 1:]


_KNOWN_WORDS: set[str] = set()
for _k in L.LATIN:
    _KNOWN_WORDS.update(_k.split())
_FUZZ_INDEX: dict[str, list[str]] = {}
for _k, _item in L.LATIN.items():
    if " " in _k or len(_k) < 5 or _item[0] in ("NOP", "SEP", "NEG", "REF", "SEL", "WHEN", "HAVE", "READY", "CR"):
        continue
    for _d in {_k} | _deletes(_k):
        _FUZZ_INDEX.setdefault(_d, []).append(_k)


def correct(word: str) -> str | None:
    """The lexicon word at edit distance 1 from ``word`` (5+ letters, not itself known), else None.
    A 4-letter word is only completed to a longer one ("buld" -> "build", "powr" -> "power")."""
    if len(word) < 4 or word in _KNOWN_WORDS or not word.isalpha():
        return None
    cands: set[str] = set(_FUZZ_INDEX.get(word, ()))
    for d in _deletes(word):
        cands.update(_FUZZ_INDEX.get(d, ()))
    good = sorted(c for c in cands if _osa1(word, c) and (len(word) >= 5 or len(c) > len(word)))
    if not good:
        return None
    # all candidates must mean the same thing, or the typo is ambiguous
    meanings = {L.LATIN[c] for c in good}
    return good[0] if len(meanings) == 1 else None


# ------------------------------------------------------------------ lexers
Item = tuple  # (kind, value)


# two-word phrases of the lexicon, to correct a short word by its neighbour ("enemy bse" -> "enemy base")
_PAIRS: dict[str, list[tuple[int, str, str]]] = {}
for _k in L.LATIN:
    _w = _k.split()
    if len(_w) == 2 and L.LATIN[_k][0] not in ("NOP", "SEP", "NEG"):
        _PAIRS.setdefault(_w[0], []).append((1, _w[1], _k))
        _PAIRS.setdefault(_w[1], []).append((0, _w[0], _k))


def _correct_in_phrase(toks: list[str], i: int) -> str | None:
    """An unknown short word that, with its neighbour, is one edit from a two-word phrase of the
    lexicon (and only one phrase): that phrase's word."""
    t = toks[i]
    if len(t) < 3 or t in _KNOWN_WORDS or not t.isalpha():
        return None
    found = set()
    for j, side in ((i - 1, 1), (i + 1, 0)):
        if 0 <= j < len(toks):
            for pos, word, key in _PAIRS.get(toks[j], ()):
                if pos == side and len(word) >= 4 and _osa1(t, word):
                    found.add((word, L.LATIN[key]))
    return next(iter(found))[0] if len({m for _, m in found}) == 1 and len(found) == 1 else None


def _lex_latin(text: str, out: list[Item]) -> None:
    toks = _LATIN_TOKEN.findall(strip_accents(text))
    fixed: list[str] = []
    for t in toks:
        c = correct(t)
        fixed.append(c if c else t)
    toks = fixed
    toks = [_correct_in_phrase(toks, i) or t for i, t in enumerate(toks)]
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if t.isdigit():
            out.append(("N", int(t[:6])))
            i += 1
            continue
        matched = 0
        for size in range(min(L.LATIN_MAXLEN, n - i), 0, -1):
            key = " ".join(toks[i:i + size])
            item = L.LATIN.get(key)
            if item is None:
                continue
            if key == "est":  # French "est" is also "is": a direction only after l'/vers/à or at the end
                prev = toks[i - 1] if i else ""
                nxt = toks[i + 1] if i + 1 < n else ""
                if not (prev in ("l", "vers", "a", "au") or nxt in ("", ",", ".", "!", ";", "et", "puis")):
                    break
            # fillers stay as neutral items: "enemy tanks" is a target, "enemy with the tanks" is not
            out.append(item if item[0] != "NOP" else ("?", key))
            matched = size
            break
        if matched:
            i += matched
        else:
            out.append(("?", t))  # unknown word
            i += 1


def _zh_number(s: str, i: int) -> tuple[int | None, int]:
    """Parse a Chinese or Arabic number at s[i:]; returns (value, next index)."""
    j = i
    if s[j].isdigit():
        while j < len(s) and s[j].isdigit():
            j += 1
        return int(s[i:j][:6]), j
    for few, val in L.ZH_FEW.items():
        if s.startswith(few, i):
            return val, i + len(few)
    total, cur, seen = 0, 0, False
    while j < len(s):
        c = s[j]
        if c in L.ZH_DIGITS:
            cur = L.ZH_DIGITS[c]
            seen = True
        elif c in L.ZH_UNITS:
            total += (cur or 1) * L.ZH_UNITS[c]
            cur = 0
            seen = True
        else:
            break
        j += 1
    if not seen:
        return None, i
    return total + cur, j


def _lex_zh(text: str, out: list[Item]) -> None:
    s = text.replace("的", "")
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isascii() and c.isalpha():
            j = i
            while j < n and s[j].isascii() and (s[j].isalnum() or s[j] in " '-"):
                j += 1
            _lex_latin(s[i:j], out)
            i = j
            continue
        # lexicon first (so 一起/兩側 are not numbers when a longer word matches), then numbers
        for size in range(min(L.ZH_MAXLEN, n - i), 0, -1):
            item = L.ZH.get(s[i:i + size])
            if item is not None:
                out.append(item)
                i += size
                break
        else:
            val, j = _zh_number(s, i)
            if val is not None:
                out.append(("N", val))
                if j < n and s[j] in L.ZH_MEASURE:
                    j += 1
                i = j
            else:
                if not c.isspace():
                    out.append(("?", c))
                i += 1


# "move to 20,30", "vers (12; 7)", "去 30,40": a map position after a preposition
# ... also after a word for coordinates ("to coordinates 40 20", « aux coordonnées 50, 30 », 「去座標 40, 12」)
_COORD_WORD = r"(?:(?:the\s+|les\s+)?(?:coordinates|coordinate|coords|coordonnées|coordonnees|coordonnée|coordonnee|" \
              r"position|座標|坐標|位置)\s*)"
_COORDS = re.compile(r"(?:(?:\b(?:to|at|toward|towards|vers|a|à|aux?|sur|en|position)\s*|去|到|往|向|至)"
                     rf"{_COORD_WORD}?|\b{_COORD_WORD}|座標\s*|坐標\s*)"
                     r"\s*[(\[]?\s*(?:x\s*[=:]?\s*)?(\d{1,3})\s*[,;/ ]\s*(?:y\s*[=:]?\s*)?(\d{1,3})\s*[)\]]?")
_XY_TOKEN = "qqxyqq"


def lex(text: str) -> list[Item]:
    norm = normalize(text)
    coords = [(int(m.group(1)), int(m.group(2))) for m in _COORDS.finditer(norm)]
    if coords:
        norm = _COORDS.sub(f" {_XY_TOKEN} ", norm)
    out: list[Item] = []
    if re.search(r"[\u3400-\u9fff\uf900-\ufaff]", norm):
        _lex_zh(norm, out)
    else:
        _lex_latin(norm, out)
    if coords:
        it = iter(coords)
        out = [("XY", next(it, coords[-1])) if item == ("?", _XY_TOKEN) else item for item in out]
    return out


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


def _is_question(norm: str, ascii_text: str, has_zh: bool) -> bool:
    if has_zh:
        return bool(_ZH_QUESTION.search(norm)) and not _ZH_POLITE.search(norm)
    words = ascii_text.strip()
    if _EN_QUESTION.search(words) or _FR_QUESTION.search(words):
        return True
    # "bonjour, comment ça va ?", "tanks, how are they doing?"
    return "?" in words and bool(_WH_ANYWHERE.search(words)) and not _LATIN_POLITE.search(words)


# ------------------------------------------------------------------ clauses
@dataclass
class Clause:
    verbs: list[str] = field(default_factory=list)
    units: list[list] = field(default_factory=list)     # [unit_type, count | None]
    all_sel: bool = False
    buildings: list[list] = field(default_factory=list)  # [building_type, count]
    sw: bool = False
    target: dict | None = None
    neg: bool = False
    give: bool = False
    vocab: int = 0
    verb: str | None = None
    sep: str = ""                  # how it joins the clause before: "", "and" or "then"
    ref: bool = False              # "them": the units of an earlier clause
    selref: bool = False           # "these units": the player's selection
    cond: dict | None = None       # CONDITION it waits for

    def selection_only(self) -> bool:
        return (not self.verbs and not self.give and not self.sw and not self.buildings
                and self.target is None and (bool(self.units) or self.all_sel or self.selref or self.ref)
                and all(c is None for _, c in self.units))


def _split(items: list[Item]) -> list[tuple[list[Item], str]]:
    """Clauses and the separator before each ("then" wins over "and": "and then", ", puis")."""
    parts: list[tuple[list[Item], str]] = [([], "")]
    for it in items:
        if it[0] == "SEP":
            if parts[-1][0]:
                parts.append(([], it[1] or "and"))
            elif it[1] == "then":
                parts[-1] = (parts[-1][0], "then")
        else:
            parts[-1][0].append(it)
    return [p for p in parts if p[0]]


# ------------------------------------------------------------------ plans: pronouns and conditions
_ORDER_KINDS = ("V", "U", "B", "D", "P", "PA", "XY", "SW", "ALL", "SEL", "REF", "GIVE")
_COND_KINDS = ("HAVE", "N", "U", "B", "READY", "CR", "ALL", "?", "WHEN")


def _pronouns(items: list[Item]) -> list[Item]:
    """French « les » next to a verb and not before a noun is "them" (« envoie-les au nord »)."""
    out = list(items)
    for i, it in enumerate(out):
        if it != ("?", "les"):
            continue
        nxt = out[i + 1] if i + 1 < len(out) else None   # an article is right before its noun
        prev = out[i - 1] if i else None
        if (nxt is not None and nxt[0] == "V") or (
                prev is not None and prev[0] == "V" and (nxt is None or nxt[0] not in ("U", "B", "ALL", "SEL", "PA", "P"))):
            out[i] = ("REF", "")
    return out


def _read_condition(span: list[Item]) -> dict | None:
    units = [v for k, v in span if k == "U"]
    nums = [v for k, v in span if k == "N"]
    builds = [v for k, v in span if k == "B"]
    ready = any(k == "READY" for k, _ in span)
    if any(k == "CR" for k, _ in span):
        return condition_of(None, nums[-1] if nums else None, None, True)
    if builds and (ready or not units):
        return condition_of(None, None, builds[0], False)
    if units:
        return condition_of(units[0], nums[0] if nums else 1, None, False)
    if any(k == "ALL" for k, _ in span) and nums:
        return condition_of("all", nums[0], None, False)
    return None


def _condition_span(items: list[Item]) -> tuple[int, int] | None:
    """[start, end) of the first condition: from a WHEN over condition words (and a 時 that closes
    it), or back from a 時 / a "ready" followed by 後 ("兵營建好後") over condition words."""
    n = len(items)
    for i, (k, v) in enumerate(items):
        if k == "WHEN":
            j = i + 1
            while j < n and items[j][0] in _COND_KINDS and items[j][0] != "WHEN":
                j += 1
            if j < n and items[j][0] == "WHEN_END":
                j += 1
            return i, j
        closes = k == "WHEN_END" or (k == "SEP" and v == "then" and i and items[i - 1][0] == "READY")
        if closes:
            s = i
            while s > 0 and items[s - 1][0] in _COND_KINDS:
                s -= 1
            return s, i + 1
    return None


def _conditions(items: list[Item]) -> list[Item]:
    """Each condition span becomes one ("COND", CONDITION) item in the clause it governs: the
    clause before it when the span ends an order ("attack when we have 6 tanks"), else the next."""
    out = list(items)
    for _ in range(8):  # a sentence with more conditions than that is not read as one
        span = _condition_span(out)
        if span is None:
            break
        i, j = span
        cond = _read_condition([it for it in out[i:j] if it[0] not in ("WHEN", "WHEN_END", "SEP")])
        if cond is None:  # "attack at once": no condition after all
            out = out[:i] + [it for it in out[i:j] if it[0] not in ("WHEN", "WHEN_END", "SEP")] + out[j:]
            continue
        before = i - 1
        while before >= 0 and out[before][0] not in ("SEP",) and out[before][0] not in _ORDER_KINDS:
            before -= 1
        rest = out[j:]
        if before >= 0 and out[before][0] in _ORDER_KINDS:
            out = out[:i] + [("COND", cond)] + rest
        else:
            if rest and rest[0][0] == "SEP":
                rest = rest[1:]
            out = out[:i] + [("COND", cond)] + rest
    return out


def _build_clause(items: list[Item]) -> Clause:
    c = Clause()
    pending: int | None = None
    last_num: int | None = None
    n = len(items)
    for k, (kind, val) in enumerate(items):
        if kind != "?" and kind != "N":
            c.vocab += 1
        if kind == "N":
            if last_num is not None and last_num >= 20 and last_num % 10 == 0 and val < 10:
                pending = last_num + val
            else:
                pending = val
            last_num = pending
            # a number after the noun ("tanks x3", "坦克三輛") counts for it, unless a noun follows
            later = next((it for it in items[k + 1:] if it[0] in ("U", "B")), None)
            if later is None:
                if c.units and c.units[-1][1] is None:
                    c.units[-1][1], pending = pending, None
                elif c.buildings and c.buildings[-1][1] == 1 and not c.units:
                    c.buildings[-1][1], pending = pending, None
            continue
        last_num = None if kind != "?" else last_num
        if kind == "U":
            prev = items[k - 1] if k else None
            nxt = items[k + 1] if k + 1 < n else None
            if (prev and prev[0] in ("P", "PA") and prev[1] == "nearest_enemy") or (nxt and nxt[0] == "PA"):
                if c.target is None:
                    c.target = {"place": "nearest_enemy"}
                pending = None
                continue
            if c.units and c.units[-1][0] == val and pending is None:
                continue  # "a squad of soldiers": the same unit named twice
            c.units.append([val, pending])
            pending = None
        elif kind == "B":
            c.buildings.append([val, pending or 1])
            pending = None
        elif kind == "ALL":
            c.all_sel = True
        elif kind == "SW":
            c.sw = True
        elif kind == "XY":
            c.target = {"x": val[0], "y": val[1]}
        elif kind == "D":
            if c.target is None or "place" in c.target and c.target["place"] == "home":
                c.target = {"direction": val}
        elif kind in ("P", "PA"):
            if c.target is None or c.target.get("place") == "nearest_enemy" and kind == "P" and val != "home":
                c.target = {"place": val}
        elif kind == "V":
            c.verbs.append(val)
        elif kind == "NEG":
            c.neg = True
        elif kind == "GIVE":
            c.give = True
        elif kind == "REF":
            c.ref = True
        elif kind == "SEL":
            c.selref = True
        elif kind == "COND":
            c.cond = val
    c.verb = _resolve_verb(c.verbs)
    return c


def _resolve_verb(verbs: list[str]) -> str | None:
    if not verbs:
        return None
    first = verbs[0]
    if first in ("move", "launch", "build", "retreat"):  # "go harvest", "back to mining"
        for v in verbs[1:]:
            if v not in ("move", "launch", "build", "retreat"):
                return v
    return first


def _sels(c: Clause, default: str = "all") -> list[dict]:
    if c.selref:
        return [{"selection": True}]
    if c.ref:
        return [{"step": THEM}]
    if not c.units:
        return [{"type": default}]
    out = []
    for u, cnt in c.units:
        sel = {"type": u}
        if cnt:
            sel["count"] = max(1, int(cnt))
        if sel not in out:
            out.append(sel)
    return out


def _compose(c: Clause, verb: str | None) -> list[dict] | None:
    """Actions for one clause with the given verb, or None if it does not make an order."""
    tgt = c.target
    if c.sw and verb in (None, "launch", "attack", "move", "build", "stop") and verb != "stop":
        if tgt is None or tgt.get("place") == "home":
            tgt = {"place": "enemy_base"}
        return [{"action": "launch_superweapon", "target": tgt}]
    if verb == "launch":
        verb = "attack"
    if verb == "build" or (verb is None and c.give and (c.units or c.buildings)):
        acts = [{"action": "build_unit", "unit_type": u, "count": max(1, min(MAX_COUNT, cnt or 1))}
                for u, cnt in c.units]
        for b, cnt in c.buildings:
            acts.extend({"action": "build_building", "building_type": b} for _ in range(max(1, min(cnt, 4))))
        return acts or None
    if verb == "move":
        if tgt is None:
            return None
        only_harvesters = all(u == "harvester" for u, _ in c.units) and (c.units or not c.all_sel)
        if tgt.get("place") == "ore" and only_harvesters:
            return [{"action": "harvest", "units": s} for s in _sels(c, "harvester")]
        if tgt.get("place") == "nearest_enemy":  # "send the choppers to the enemy": engage it
            return _compose(c, "attack")
        return [{"action": "move", "units": s, "target": tgt} for s in _sels(c)]
    if verb == "attack":
        if tgt is None:
            tgt = {"place": "nearest_enemy"}
        elif tgt.get("place") in ("home", "ore"):
            tgt = {"place": "enemy_base"} if tgt.get("place") == "home" else {"place": "nearest_enemy"}
        return [{"action": "attack", "units": s, "target": tgt} for s in _sels(c)]
    if verb == "stop":
        return [{"action": "stop", "units": s} for s in _sels(c)]
    if verb == "harvest":
        if tgt is not None and (("direction" in tgt) or tgt.get("place") in ("home",)):
            return [{"action": "move", "units": s, "target": tgt} for s in _sels(c)]
        default = "harvester"
        return [{"action": "harvest", "units": s} for s in _sels(c, default)]
    if verb == "defend":
        return [{"action": "defend_base", "units": s} for s in _sels(c)]
    if verb == "retreat":
        if tgt is not None and tgt.get("place") == "ore":  # "return to the ore": back to work
            return _compose(c, "move")
        if tgt is None or tgt.get("place") in ("enemy_base", "nearest_enemy"):
            tgt = {"place": "home"}
        return [{"action": "move", "units": s, "target": tgt} for s in _sels(c)]
    if verb is None:
        if (c.units or c.all_sel or c.selref or c.ref) and tgt is not None:
            return _compose(c, "move")
        if c.buildings and not c.units:
            return _compose(c, "build")
        if c.units and any(cnt for _, cnt in c.units) and not c.all_sel:
            return _compose(c, "build")
    return None


_UNIT_VERBS = ("move", "attack", "stop", "harvest", "defend", "retreat")


def _interpret(items: list[Item]) -> tuple[list[dict], int, bool, bool, list[Group]]:
    """(actions, vocab count, any clause failed, all meaningful clauses negated, clause groups)."""
    clauses = []
    for part, sep in _split(items):
        c = _build_clause(part)
        c.sep = sep
        clauses.append(c)
    clauses = [c for c in clauses if c.vocab > 0]
    vocab = sum(c.vocab for c in clauses)
    # a clause that only names units lends them to the next clause's verb ("toutes les unités, stop")
    merged: list[Clause] = []
    for i, c in enumerate(clauses):
        nxt = clauses[i + 1] if i + 1 < len(clauses) else None
        if (c.selection_only() and nxt is not None and (nxt.verb or nxt.target is not None)
                and not nxt.units and not nxt.all_sel):
            nxt.units, nxt.all_sel, nxt.sep = c.units, c.all_sel, c.sep
            nxt.selref, nxt.ref, nxt.cond = nxt.selref or c.selref, nxt.ref or c.ref, nxt.cond or c.cond
            continue
        merged.append(c)
    clauses = merged
    # a move-like clause without a target borrows the next clause's target ("move tanks and infantry north")
    for i, c in enumerate(clauses[:-1]):
        nxt = clauses[i + 1]
        if c.target is None and c.verb in ("move",) and nxt.target is not None and nxt.verb in (None, c.verb):
            c.target = nxt.target
    # "tanks go east then attack": a unit order without a selection keeps the previous one's units
    # (after "then" they are a reference: the units the earlier order moved, not a new selection)
    for i in range(1, len(clauses)):
        c, before = clauses[i], clauses[i - 1]
        if (c.verb in _UNIT_VERBS and not c.units and not c.all_sel and not c.buildings and not c.ref
                and not c.selref and before.verb in _UNIT_VERBS
                and (before.units or before.all_sel or before.ref or before.selref)):
            if c.sep == "then" and not before.selref:
                c.ref = True
            else:
                c.units, c.all_sel = [list(u) for u in before.units], before.all_sel
                c.ref, c.selref = before.ref, before.selref
    # "when we have 6 tanks, attack": the units the condition counts are the ones that go
    for c in clauses:
        have = (c.cond or {}).get("have")
        if (have and have["unit_type"] != "all" and c.verb in _UNIT_VERBS and not c.units and not c.all_sel
                and not c.ref and not c.selref):
            c.units = [[have["unit_type"], None]]
    actions: list[dict] = []
    groups: list[Group] = []
    failed = False
    negs = 0
    prev: Clause | None = None
    for i, c in enumerate(clauses):
        if c.neg:
            negs += 1
            continue
        acts = _compose(c, c.verb)
        if acts is None and c.verb is None:
            donor = prev
            if donor is None:
                donor = next((d for d in clauses[i + 1:] if d.verb and not d.neg), None)
            if donor is not None:
                if c.target is None and donor.verb in ("move", "attack", "retreat", "launch"):
                    c.target = donor.target
                acts = _compose(c, donor.verb)
        if acts is None:
            failed = True
            continue
        if c.verb:
            prev = c
        mine = []
        for a in acts:  # repeated builds are wanted ("2 power plants"), repeated unit orders are not
            if a["action"].startswith("build_") or a not in actions:
                actions.append(a)
                mine.append(a)
        groups.append(Group(mine, c.sep, c.cond, c.ref))
    all_neg = bool(clauses) and negs == len(clauses)
    return actions[:MAX_PLAN_ACTIONS], vocab, failed, all_neg, groups


def parse(text: str, lang: str | None = None) -> RuleResult:
    """Parse ``text`` with the deterministic rules. Never raises for a str input."""
    lang = lang or detect_language(text)
    norm = normalize(text)
    has_zh = bool(re.search(r"[\u3400-\u9fff\uf900-\ufaff]", norm))
    ascii_text = " ".join(_LATIN_TOKEN.findall(strip_accents(norm))) if not has_zh else \
        " ".join(_LATIN_TOKEN.findall(strip_accents(re.sub(r"[^\x00-\x7f]", " ", norm))))
    key = _refusal(norm, ascii_text, has_zh)
    if key:
        return RuleResult("refuse", [], key, lang)
    items = _conditions(_pronouns(lex(text)))
    actions, vocab, _failed, all_neg, groups = _interpret(items)
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
