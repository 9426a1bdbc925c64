"""Words to items: the fast path's normalisation, typo correction and lexers (en/fr/zh-TW).

The text is normalised (lower case, no accents, Simplified -> Traditional), then lexed into
``(kind, value)`` items by longest match against lexicon.py, with edit-distance-1 typo
correction for Latin words of 5+ letters (4-letter ones only completed to longer words) and a
short word corrected by its neighbour when the pair is one edit from a two-word phrase. Map
positions ("to 20,30", « vers (12; 7) », 「去 30,40」) become ``("XY", (x, y))`` items.
"""
from __future__ import annotations

import re
import unicodedata

from . import lexicon as L


# ------------------------------------------------------------------ normalisation
_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "－": "-", "–": "-", "—": "-"})
LATIN_TOKEN = re.compile(r"\d+|[a-z]+|[,;.!?&]")


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


# 4-letter lexicon words by their letters, for swapped-letter typos ("nrod", "tnak")
_ANAGRAM4: dict[str, list[str]] = {}
for _k, _item in L.LATIN.items():
    if len(_k) == 4 and _k.isalpha() and _item[0] in ("V", "U", "B", "D", "P"):
        _ANAGRAM4.setdefault("".join(sorted(_k)), []).append(_k)


def correct(word: str) -> str | None:
    """The lexicon word at edit distance 1 from ``word`` (5+ letters, not itself known), else None.
    A 4-letter word is only completed to a longer one ("buld" -> "build", "powr" -> "power")."""
    if len(word) < 4 or word in _KNOWN_WORDS or not word.isalpha():
        return None
    cands: set[str] = set(_FUZZ_INDEX.get(word, ())) | set(_ANAGRAM4.get("".join(sorted(word)), ()) if len(word) == 4 else ())
    for d in _deletes(word):
        cands.update(_FUZZ_INDEX.get(d, ()))
    # a 4-letter word: completed to a longer one, or two letters swapped ("nrod" -> "nord", "tnak" -> "tank")
    good = sorted(c for c in cands if _osa1(word, c) and (len(word) >= 5 or len(c) > len(word)
                                                          or len(c) == len(word) and sorted(c) == sorted(word)))
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
    toks = LATIN_TOKEN.findall(strip_accents(text))
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


# Chinese typos: a game word with one character wrong (often a homophone: 直生機, 精練廠, 發電場).
# Index: (length, position of the wrong character, the word with it masked) -> the items it could be.
_ZH_FUZZ: dict[tuple[int, int, str], set[tuple]] = {}
for _k, _item in L.ZH.items():
    # three characters or more: with two, one wrong character leaves too little (戰鬥 is not 戰車);
    # names of things only: place phrases are made of common words (他們去地 is not 他們基地)
    if _item[0] in ("U", "B", "SW") and 3 <= len(_k) <= 4:
        for _j in range(len(_k)):
            _ZH_FUZZ.setdefault((len(_k), _j, _k[:_j] + "?" + _k[_j + 1:]), set()).add(_item)


def _zh_fuzzy(s: str, i: int, *, last_matches: bool = False) -> tuple[tuple | None, int]:
    """The game word at s[i:] with one character wrong, when only one meaning fits; (item, length).
    ``last_matches``: the wrong character may not be the last (防禦跑塔 is a turret, 防禦基地 no)."""
    for size in (4, 3):
        sub = s[i:i + size]
        if len(sub) < size or not all("\u3400" <= ch <= "\u9fff" for ch in sub):
            continue
        found: set[tuple] = set()
        for j in range(size - 1 if last_matches else size):
            found |= _ZH_FUZZ.get((size, j, sub[:j] + "?" + sub[j + 1:]), set())
        if len(found) == 1:
            return next(iter(found)), size
    return None, 0


def _lex_zh(text: str, out: list[Item]) -> None:
    s = text.replace("的", "")
    i, n = 0, len(s)
    unknown_end = -1  # where the last unknown character ended
    while i < n:
        c = s[i]
        if c.isascii() and c.isalpha():
            j = i
            while j < n and s[j].isascii() and (s[j].isalnum() or s[j] in " '-"):
                j += 1
            _lex_latin(s[i:j], out)
            i = j
            continue
        # lexicon first (so 一起/兩側 are not numbers when a longer word matches), then numbers; a longer
        # game word with one wrong character beats a shorter exact one (防禦跑塔 is a turret, not 防禦)
        longer, longer_size = _zh_fuzzy(s, i, last_matches=True)
        for size in range(min(L.ZH_MAXLEN, n - i), 0, -1):
            item = L.ZH.get(s[i:i + size])
            if item is not None and longer is not None and longer_size >= 3 and longer_size > size:
                out.append(longer)
                i += longer_size
                break
            if item is not None:
                # fillers stay as neutral items, as in _lex_latin
                out.append(item if item[0] != "NOP" else ("?", s[i:i + size]))
                i += size
                break
        else:
            val, j = _zh_number(s, i)
            fuzzy, size = _zh_fuzzy(s, i) if val is None else (None, 0)
            if val is not None:
                out.append(("N", val))
                if j < n and s[j] in L.ZH_MEASURE:
                    j += 1
                i = j
            elif fuzzy is not None:
                out.append(fuzzy)
                i += size
            else:
                if not c.isspace():
                    # a run of unknown characters is one unknown word (Chinese has no spaces)
                    if unknown_end == i and out and out[-1][0] == "?":
                        out[-1] = ("?", out[-1][1] + c)
                    else:
                        out.append(("?", c))
                    unknown_end = i + 1
                i += 1


# "move to 20,30", "vers (12; 7)", "去 30,40": a map position after a preposition
# ... also after a word for coordinates ("to coordinates 40 20", « aux coordonnées 50, 30 », 「去座標 40, 12」)
_COORD_WORD = r"(?:(?:the\s+|les\s+)?(?:coordinates|coordinate|coords|coordonn?[ée]es?|" \
              r"position|座標|坐標|位置)\s*)"
_COORDS = re.compile(r"(?:(?:\b(?:to|at|toward|towards|vers|a|à|aux?|sur|en|position)\s*|去|到|往|向|至)"
                     rf"{_COORD_WORD}?|\b{_COORD_WORD}|座標\s*|坐標\s*)"
                     r"\s*[(\[]?\s*(?:x\s*[=:]?\s*)?(\d{1,3})\s*[,;/ ]\s*(?:y\s*[=:]?\s*)?(\d{1,3})\s*[)\]]?")
_XY_TOKEN = "qqxyqq"


# in Chinese a bare pair "45, 30" can only be a map position (numbers of units take a measure word)
_ZH_BARE_COORDS = re.compile(r"(?<![\d.])(\d{1,3})\s*[,，、]\s*(\d{1,3})(?![\d.])")


def lex(text: str) -> list[Item]:
    norm = normalize(text)
    coords = [(int(m.group(1)), int(m.group(2))) for m in _COORDS.finditer(norm)]
    if coords:
        norm = _COORDS.sub(f" {_XY_TOKEN} ", norm)
    if re.search(r"[\u3400-\u9fff\uf900-\ufaff]", norm) and _ZH_BARE_COORDS.search(norm):
        coords += [(int(m.group(1)), int(m.group(2))) for m in _ZH_BARE_COORDS.finditer(norm)]
        norm = _ZH_BARE_COORDS.sub(f" {_XY_TOKEN} ", norm)
    out: list[Item] = []
    if re.search(r"[\u3400-\u9fff\uf900-\ufaff]", norm):
        _lex_zh(norm, out)
    else:
        _lex_latin(norm, out)
    if coords:
        it = iter(coords)
        out = [("XY", next(it, coords[-1])) if item == ("?", _XY_TOKEN) else item for item in out]
    return _join_statements(out)


def _join_statements(items: list[Item]) -> list[Item]:
    """Statements that belong to the next order. "The nuke is ready, fire it at their base": a
    piece that only says the superweapon is ready (no verb, no condition word) is the subject of
    the next piece's verb; the separator goes, so the superweapon is what fires. "We need power,
    build a power plant", "low on power, throw down a power plant": a need (or a bare building word)
    the next piece builds is that same order; the need goes. "Infantry stay and defend the base":
    staying is how they defend; the stay goes. A stay left over is a stop."""
    out = list(items)
    i = 0
    while i < len(out):
        if out[i][0] != "SEP":
            i += 1
            continue
        start = i - 1
        while start >= 0 and out[start][0] != "SEP":
            start -= 1
        piece = {k for k, _ in out[start + 1:i]}
        nxt = next((k_v for k_v in out[i + 1:] if k_v[0] not in ("?", "SEP")), None)
        if {"SW", "READY"} <= piece and piece <= {"SW", "READY", "?"} and nxt is not None \
                and nxt[0] == "V" and nxt[1] in ("attack", "launch", "move"):
            del out[i]
            continue
        # "infantry stay and defend the base": staying is how they defend, not a second order
        if "STAY" in piece and not piece & {"D", "P", "XY"} and nxt == ("V", "defend") and out[i][1] == "and":
            j = out.index(("STAY", ""), start + 1)
            del out[i]
            del out[j]
            i -= 1
            continue
        # "we need power, build a power plant": the need, then the order that meets it, is one order
        needed = {it for it in out[start + 1:i] if it[0] in ("U", "B")}
        rest = out[i + 1:]
        end = next((j for j, it in enumerate(rest) if it[0] == "SEP"), len(rest))
        if piece <= {"GIVE", "U", "B", "?"} and needed \
                and ("V", "build") in rest[:end] and needed <= set(rest[:end]):
            del out[start + 1:i + 1]
            i = start + 1
            continue
        i += 1
    return [("V", "stop") if it[0] == "STAY" else it for it in out]
