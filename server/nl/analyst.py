"""The analyst: tactical advice from what the player can see (a WIRE.md state view).

``heuristic_analysis(view, lang)`` is instant and deterministic (2-4 sentences);
``summarize(view)`` is the compact situation report the model reads;
``Analyst(worker).submit(room_id, view, lang, on_done)`` asks the model for the same
advice in prose (task "analysis", priority 10, one pending request per room), and
post-processes its text, falling back to the heuristic when the text is unusable.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..sim.rules import rules_table
from .boundary import ModelClient
from .grammar import analysis_grammar
from .lang import detect_language
from .prompts import ANALYSIS_SYSTEM, analysis_user
from .rules import lex

log = logging.getLogger(__name__)

TASK = "analysis"
THREAT_RADIUS = 12.0
PRODUCERS = ("barracks", "war_factory")
# Advice tuning, not balance: idle production is worth a sentence from this many credits on.
IDLE_ADVICE_CREDITS = 500

_NAMES = {
    "en": {"infantry": "infantry", "tank": "tanks", "artillery": "artillery", "harvester": "harvesters",
           "helicopter": "helicopters", "barracks": "barracks", "war_factory": "war factory"},
    "fr": {"infantry": "fantassins", "tank": "chars", "artillery": "artillerie", "harvester": "collecteurs",
           "helicopter": "hélicoptères", "barracks": "caserne", "war_factory": "usine"},
    "zh-TW": {"infantry": "步兵", "tank": "坦克", "artillery": "火炮", "harvester": "採礦車",
              "helicopter": "直升機", "barracks": "兵營", "war_factory": "戰車工廠"},
}
_DIR_NAMES = {
    "en": {"north": "north", "south": "south", "east": "east", "west": "west", "northeast": "northeast",
           "northwest": "northwest", "southeast": "southeast", "southwest": "southwest"},
    "fr": {"north": "nord", "south": "sud", "east": "est", "west": "ouest", "northeast": "nord-est",
           "northwest": "nord-ouest", "southeast": "sud-est", "southwest": "sud-ouest"},
    "zh-TW": {"north": "北方", "south": "南方", "east": "東方", "west": "西方", "northeast": "東北方",
              "northwest": "西北方", "southeast": "東南方", "southwest": "西南方"},
}

_T = {
    "threat": {
        "en": "Threat: {n} enemy units ({types}) are near your base; bring your army home to defend it.",
        "fr": "Menace : {n} unités ennemies ({types}) sont près de votre base ; ramenez votre armée pour la défendre.",
        "zh-TW": "威脅：{n} 個敵方單位（{types}）接近你的基地，把部隊調回來防守。",
    },
    "superweapon": {
        "en": "Your superweapon is ready: launch it at the enemy base.",
        "fr": "Votre superarme est prête : lancez-la sur la base ennemie.",
        "zh-TW": "超級武器已就緒：對敵方基地發射。",
    },
    "low_power": {
        "en": "Power is low ({p}/{u}): build a power plant, production and turrets run at half speed.",
        "fr": "L'énergie est insuffisante ({p}/{u}) : construisez une centrale, la production et les "
              "tourelles tournent à mi-vitesse.",
        "zh-TW": "電力不足（{p}/{u}）：建造發電廠，否則生產和砲塔只有一半速度。",
    },
    "no_refinery": {
        "en": "You have no refinery: build one to start earning credits from ore.",
        "fr": "Vous n'avez pas de raffinerie : construisez-en une pour tirer des crédits du minerai.",
        "zh-TW": "你沒有精煉廠：建造一座才能從礦石賺取資金。",
    },
    "few_harvesters": {
        "en": "Only {h} harvester(s) are working: add harvesters to grow your income.",
        "fr": "Seulement {h} collecteur(s) au travail : ajoutez-en pour augmenter vos revenus.",
        "zh-TW": "只有 {h} 輛採礦車在工作：多造幾輛來提高收入。",
    },
    "no_barracks": {
        "en": "Build a barracks to train infantry.",
        "fr": "Construisez une caserne pour entraîner de l'infanterie.",
        "zh-TW": "建造兵營來訓練步兵。",
    },
    "no_factory": {
        "en": "Build a war factory to unlock tanks, artillery and helicopters.",
        "fr": "Construisez une usine pour débloquer chars, artillerie et hélicoptères.",
        "zh-TW": "建造戰車工廠以解鎖坦克、火炮和直升機。",
    },
    "idle": {
        "en": "You have {c} credits and idle production ({what}): queue more units.",
        "fr": "Vous avez {c} crédits et une production à l'arrêt ({what}) : lancez d'autres unités.",
        "zh-TW": "你有 {c} 資金而且{what}閒置中：排入更多單位。",
    },
    "low_credits": {
        "en": "Credits are low ({c}): keep your harvesters mining and avoid losses.",
        "fr": "Les crédits sont bas ({c}) : gardez vos collecteurs au travail et évitez les pertes.",
        "zh-TW": "資金偏低（{c}）：讓採礦車持續採礦，避免損失。",
    },
    "stronger": {
        "en": "Your army ({mine} combat units) outweighs the {theirs} enemy units in sight: press the attack{where}.",
        "fr": "Votre armée ({mine} unités de combat) domine les {theirs} unités ennemies visibles : "
              "passez à l'attaque{where}.",
        "zh-TW": "你的部隊（{mine} 個戰鬥單位）強於視野內的 {theirs} 個敵方單位：發動進攻{where}。",
    },
    "weaker": {
        "en": "You are outgunned: {mine} combat units against {theirs} enemy units in sight; defend and "
              "build up before attacking.",
        "fr": "Vous êtes en infériorité : {mine} unités de combat contre {theirs} ennemies visibles ; "
              "défendez-vous et renforcez-vous avant d'attaquer.",
        "zh-TW": "你處於劣勢：{mine} 個戰鬥單位對上視野內 {theirs} 個敵方單位；先防守並擴充軍力再進攻。",
    },
    "even": {
        "en": "Forces look even: {mine} combat units against {theirs} enemy units in sight; keep building "
              "your army.",
        "fr": "Les forces semblent égales : {mine} unités de combat contre {theirs} ennemies visibles ; "
              "continuez à renforcer votre armée.",
        "zh-TW": "雙方勢均力敵：{mine} 個戰鬥單位對上視野內 {theirs} 個敵方單位；繼續擴充軍隊。",
    },
    "scout": {
        "en": "You have {mine} combat units and no enemy in sight; scout to find the enemy base{where}.",
        "fr": "Vous avez {mine} unités de combat et aucun ennemi en vue ; partez en reconnaissance{where}.",
        "zh-TW": "你有 {mine} 個戰鬥單位，視野內沒有敵人；派兵偵察找出敵方基地{where}。",
    },
    "where": {"en": " to the {d}", "fr": " vers le {d}", "zh-TW": "（{d}）"},
    "where_fr_vowel": {"fr": " vers l'{d}"},
    "spectator": {
        "en": "Player 0 has {a} units and {b} buildings; player 1 has {c} units and {d} buildings.",
        "fr": "Le joueur 0 a {a} unités et {b} bâtiments ; le joueur 1 a {c} unités et {d} bâtiments.",
        "zh-TW": "玩家 0 有 {a} 個單位、{b} 座建築；玩家 1 有 {c} 個單位、{d} 座建築。",
    },
    "over": {
        "en": "The game is over.",
        "fr": "La partie est terminée.",
        "zh-TW": "遊戲已結束。",
    },
}


_SINGULAR = {
    "en": [(r"\b1 (combat |enemy )?(unit|tank|harvester|helicopter)s\b", r"1 \1\2"),
           (r"\b1 (\w+)\(s\) are\b", r"1 \1 is"), (r"(\w+)\(s\)", r"\1s"),
           (r"\b1 enemy unit \(([^)]*)\) are\b", r"1 enemy unit (\1) is")],
    "fr": [(r"\bles 1 unités ennemies visibles\b", "l'unité ennemie visible"),
           (r"\b1 unités de combat\b", "1 unité de combat"), (r"\b1 unités ennemies\b", "1 unité ennemie"),
           (r"\b1 ennemies visibles\b", "1 ennemie visible"),
           (r"\b1 (char|fantassin|collecteur|hélicoptère)s\b", r"1 \1"),
           (r"\b1 unité ennemie \(([^)]*)\) sont\b", r"1 unité ennemie (\1) est"),
           (r"\b1 (\w+)\(s\)", r"1 \1"), (r"(\w+)\(s\)", r"\1s")],
}


def _t(key: str, lang: str, **kw: Any) -> str:
    table = _T[key]
    text = (table.get(lang) or table["en"]).format(**kw)
    for rx, rep in _SINGULAR.get(lang, ()):  # "1 tanks" -> "1 tank"
        text = re.sub(rx, rep, text)
    return text


def _lang(lang: str | None) -> str:
    return lang if lang in ("en", "fr", "zh-TW") else "en"


def _num(v: Any, default: float = 0.0) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else default


def _direction(dx: float, dy: float) -> str:
    """Compass name of the vector (dx, dy); y grows southwards."""
    ang = math.degrees(math.atan2(-dy, dx)) % 360  # 0 = east, 90 = north
    names = ["east", "northeast", "north", "northwest", "west", "southwest", "south", "southeast"]
    return names[int((ang + 22.5) // 45) % 8]


def _unit_costs() -> dict[str, int]:
    """Cost of each armed unit type, from the engine's table (read per call: one table, no copy)."""
    return {name: int(u["cost"]) for name, u in rules_table()["units"].items() if u["armed"]}


def _cheapest_building() -> int:
    return min(int(b["cost"]) for b in rules_table()["buildings"].values() if b["buildable"])


def _army_value(units: list[dict], costs: dict[str, int]) -> float:
    """Cost-weighted strength of the combat units, scaled by their health."""
    total = 0.0
    for u in units:
        kind = str(u.get("type"))
        if kind in costs:
            total += costs[kind] * _num(u.get("hp"), 1) / max(1.0, _num(u.get("max_hp"), 1))
    return total


def _facts(view: dict) -> dict[str, Any]:
    player = view.get("player") if isinstance(view.get("player"), dict) else None
    me = player.get("id") if player else None
    units = [u for u in view.get("units") or [] if isinstance(u, dict)]
    buildings = [b for b in view.get("buildings") or [] if isinstance(b, dict)]
    my_units = [u for u in units if u.get("owner") == me]
    en_units = [u for u in units if u.get("owner") != me]
    my_b = [b for b in buildings if b.get("owner") == me]
    en_b = [b for b in buildings if b.get("owner") != me]
    done_b = [b for b in my_b if _num(b.get("built"), 1.0) >= 1.0]
    f: dict[str, Any] = {"me": me, "player": player, "my_units": my_units, "en_units": en_units,
                         "my_b": my_b, "en_b": en_b}
    f["my_types"] = Counter(u.get("type") for u in my_units)
    f["en_types"] = Counter(u.get("type") for u in en_units)
    f["b_types"] = Counter(b.get("type") for b in my_b)
    f["done_types"] = Counter(b.get("type") for b in done_b)
    costs = _unit_costs()
    f["my_army"] = sum(1 for u in my_units if u.get("type") in costs)
    f["en_army"] = sum(1 for u in en_units if u.get("type") in costs)
    f["my_value"] = _army_value(my_units, costs)
    f["en_value"] = _army_value(en_units, costs)
    # base centre and threats
    base: tuple[float, float] | None = None
    if my_b:
        base = (sum(_num(b.get("x")) + _num(b.get("w"), 1) / 2 for b in my_b) / len(my_b),
                sum(_num(b.get("y")) + _num(b.get("h"), 1) / 2 for b in my_b) / len(my_b))
    f["base"] = base
    threats = []
    centres = [(_num(b.get("x")) + _num(b.get("w"), 1) / 2, _num(b.get("y")) + _num(b.get("h"), 1) / 2)
               for b in my_b]
    if centres:
        r2 = THREAT_RADIUS * THREAT_RADIUS
        x0 = min(c[0] for c in centres) - THREAT_RADIUS
        x1 = max(c[0] for c in centres) + THREAT_RADIUS
        y0 = min(c[1] for c in centres) - THREAT_RADIUS
        y1 = max(c[1] for c in centres) + THREAT_RADIUS
        for u in en_units:
            ux, uy = _num(u.get("x")), _num(u.get("y"))
            if not (x0 <= ux <= x1 and y0 <= uy <= y1):
                continue
            if any((ux - bx) ** 2 + (uy - by) ** 2 <= r2 for bx, by in centres):
                threats.append(u)
    f["threats"] = threats
    # enemy base direction (from remembered buildings)
    f["enemy_dir"] = None
    if en_b and base is not None:
        ex = sum(_num(b.get("x")) for b in en_b) / len(en_b)
        ey = sum(_num(b.get("y")) for b in en_b) / len(en_b)
        f["enemy_dir"] = _direction(ex - base[0], ey - base[1])
    # economy
    if player:
        power = player.get("power") or {}
        f["credits"] = int(_num(player.get("credits")))
        f["power"] = (int(_num(power.get("produced"))), int(_num(power.get("used"))))
        sw = player.get("superweapon") or {}
        f["sw_ready"] = bool(sw.get("ready")) or _num(sw.get("charge")) >= 1.0
    else:
        f["credits"], f["power"], f["sw_ready"] = 0, (0, 0), False
    f["idle"] = [b.get("type") for b in done_b if b.get("type") in PRODUCERS and not b.get("queue")]
    return f


def heuristic_analysis(view: dict, lang: str = "en") -> str:
    """2-4 sentences of advice in ``lang`` from a WIRE.md view (player's or spectator's)."""
    lang = _lang(lang)
    if not isinstance(view, dict):
        view = {}
    f = _facts(view)
    names = _NAMES[lang]
    sep = "" if lang == "zh-TW" else " "
    if f["player"] is None:  # spectator
        units = [u for u in view.get("units") or [] if isinstance(u, dict)]
        blds = [b for b in view.get("buildings") or [] if isinstance(b, dict)]
        a = sum(1 for u in units if u.get("owner") == 0)
        c = sum(1 for u in units if u.get("owner") == 1)
        b = sum(1 for x in blds if x.get("owner") == 0)
        d = sum(1 for x in blds if x.get("owner") == 1)
        out = [_t("spectator", lang, a=a, b=b, c=c, d=d)]
        if a + b > 2 * (c + d) or c + d > 2 * (a + b):
            lead = 0 if a + b > c + d else 1
            out.append({"en": f"Player {lead} is clearly ahead.", "fr": f"Le joueur {lead} mène nettement.",
                        "zh-TW": f"玩家 {lead} 明顯領先。"}[lang])
        else:
            out.append({"en": "The game is still balanced.", "fr": "La partie reste équilibrée.",
                        "zh-TW": "目前局勢仍然均衡。"}[lang])
        return sep.join(out)

    ranked: list[tuple[int, str]] = []
    if view.get("game_over"):
        ranked.append((200, _t("over", lang)))
    if f["threats"]:
        types = Counter(u.get("type") for u in f["threats"])
        desc = ("、" if lang == "zh-TW" else ", ").join(f"{n} {names.get(t, t)}" for t, n in types.most_common(3))
        ranked.append((100, _t("threat", lang, n=len(f["threats"]), types=desc)))
    if f["sw_ready"]:
        ranked.append((90, _t("superweapon", lang)))
    produced, used = f["power"]
    if used > produced:
        ranked.append((80, _t("low_power", lang, p=produced, u=used)))
    harvesters = f["my_types"].get("harvester", 0)
    if not f["b_types"].get("refinery"):
        ranked.append((70, _t("no_refinery", lang)))
    elif harvesters < 2:
        ranked.append((65, _t("few_harvesters", lang, h=harvesters)))
    if not f["b_types"].get("barracks"):
        ranked.append((50, _t("no_barracks", lang)))
    elif not f["b_types"].get("war_factory"):
        ranked.append((45, _t("no_factory", lang)))
    if f["idle"] and f["credits"] >= IDLE_ADVICE_CREDITS:
        what = ("、" if lang == "zh-TW" else ", ").join(sorted({names.get(t, t) for t in f["idle"]}))
        ranked.append((60, _t("idle", lang, c=f["credits"], what=what)))
    elif f["credits"] < _cheapest_building():  # not enough for any building
        ranked.append((30, _t("low_credits", lang, c=f["credits"])))
    # army balance: always said
    where = ""
    if f["enemy_dir"]:
        dname = _DIR_NAMES[lang][f["enemy_dir"]]
        if lang == "fr" and dname[0] in "eo":
            where = _T["where_fr_vowel"]["fr"].format(d=dname)
        else:
            where = _T["where"][lang].format(d=dname)
    mine, theirs = f["my_army"], f["en_army"]
    if theirs == 0:
        balance = _t("scout", lang, mine=mine, where=where)
    elif f["my_value"] >= 1.5 * f["en_value"]:
        balance = _t("stronger", lang, mine=mine, theirs=theirs, where=where)
    elif f["en_value"] >= 1.5 * f["my_value"]:
        balance = _t("weaker", lang, mine=mine, theirs=theirs)
    else:
        balance = _t("even", lang, mine=mine, theirs=theirs)
    ranked.sort(key=lambda p: -p[0])
    top = [s for _, s in ranked[:3]]
    if f["threats"] or view.get("game_over"):
        sentences = top[:1] + [balance] + top[1:3]
    else:
        sentences = [balance] + top[:3]
    if len(sentences) < 2:
        sentences.append({"en": "Keep your harvesters busy and your production running.",
                          "fr": "Gardez vos collecteurs occupés et votre production active.",
                          "zh-TW": "讓採礦車持續工作，生產不要中斷。"}[lang])
    return sep.join(sentences[:4])


def summarize(view: dict) -> str:
    """A compact English report of the visible state, for the model."""
    if not isinstance(view, dict):
        return "no data"
    f = _facts(view)
    parts = []
    if f["player"] is not None:
        p, u = f["power"]
        parts.append(f"credits {f['credits']}")
        parts.append(f"power {p} produced / {u} used" + (" (LOW)" if u > p else ""))
        sw = (f["player"].get("superweapon") or {})
        parts.append("superweapon READY" if f["sw_ready"] else f"superweapon {int(100 * _num(sw.get('charge')))}%")
    mu = ", ".join(f"{n} {t}" for t, n in sorted(f["my_types"].items())) or "none"
    parts.append(f"my units: {mu}")
    mb = ", ".join(f"{n} {t}" for t, n in sorted(f["b_types"].items())) or "none"
    parts.append(f"my buildings: {mb}")
    if f["idle"]:
        parts.append("idle production: " + ", ".join(sorted(set(f["idle"]))))
    eu = ", ".join(f"{n} {t}" for t, n in sorted(f["en_types"].items())) or "none"
    parts.append(f"enemy units in sight: {eu}")
    if f["threats"]:
        parts.append(f"{len(f['threats'])} enemy units NEAR MY BASE")
    if f["en_b"]:
        eb = ", ".join(f"{n} {t}" for t, n in sorted(Counter(b.get('type') for b in f['en_b']).items()))
        parts.append(f"known enemy buildings: {eb}" + (f" to the {f['enemy_dir']}" if f["enemy_dir"] else ""))
    else:
        parts.append("enemy base not found yet")
    if view.get("game_over"):
        parts.append("GAME OVER")
    return "; ".join(parts) + "."


# ------------------------------------------------------------------ model post-processing
_SENT = re.compile(r"[^.!?。！？]+[.!?。！？]*")
_LABEL = re.compile(r"^\s*(advice|your advice|analysis|answer|conseil|analyse|réponse|建議|分析|回答)\s*[:：]\s*",
                    re.IGNORECASE)
MAX_CHARS = 420
_ECHO = re.compile(r"situation|produced /|my units:|my buildings:|enemy units in sight|draft|繁體中文|"
                   r"in english|en français|as an ai|language model", re.IGNORECASE)


_GAME_WORDS = re.compile(r"credit|power|econom|army|armies|enemy|enemies|attack|defen|build|harvest|ore|base|"
                         r"crédit|énergie|économ|armée|ennemi|attaqu|défen|constru|récolt|minerai|"
                         r"資金|電力|經濟|部隊|軍隊|敵|攻擊|防守|建造|採礦|礦|基地", re.IGNORECASE)


def _on_topic(sentence: str) -> bool:
    if _GAME_WORDS.search(sentence):
        return True
    return any(kind in ("V", "U", "B", "SW", "P", "PA", "D", "ALL") for kind, _ in lex(sentence))


def _near_duplicate(a: str, b: str) -> bool:
    """Same sentence, or one cut off copy of the other (a small model loops)."""
    n = min(len(a), len(b))
    head = max(12, int(0.8 * n))
    return a == b or (n >= 12 and a[:head] == b[:head])


def postprocess(text: str, lang: str, summary: str | None = None) -> str | None:
    """Clean the model's advice: 2-4 distinct complete sentences in ``lang``, capped; None if unusable.

    Sentences that echo the situation report, quote numbers absent from it (``summary``),
    or are cut off are dropped.
    """
    if not isinstance(text, str):
        return None
    text = text.replace("\n", " ").strip()
    text = _LABEL.sub("", text)
    text = re.sub(r"[*#`_>|]+", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return None
    known_numbers = set(re.findall(r"\d+", summary or ""))
    out: list[str] = []
    seen: set[str] = set()
    for m in _SENT.finditer(text):
        s = m.group(0).strip()
        key = re.sub(r"\W+", "", s.lower())
        if not key or any(_near_duplicate(key, k) for k in seen):
            continue
        seen.add(key)
        if not re.search(r"[.!?。！？]$", s):
            continue  # cut off by the token limit
        letters = sum(ch.isalpha() for ch in s)
        if letters < (4 if lang == "zh-TW" else 8) or letters < 0.6 * len(s.replace(" ", "")):
            continue
        if _ECHO.search(s) or s.count(";") >= 2:
            continue
        if summary is not None and any(n not in known_numbers for n in re.findall(r"\d+", s)):
            continue  # an invented figure
        if not _on_topic(s):
            continue  # fluent but not about the game
        out.append(s)
        if len(out) == 4:
            break
    if len(out) < 2:  # one stray sentence is worse advice than the heuristic's
        return None
    joined = ("" if lang == "zh-TW" else " ").join(out)
    if len(joined) > MAX_CHARS:
        cut = joined[:MAX_CHARS]
        joined = cut[:max(cut.rfind(". "), cut.rfind("。")) + 1] or cut
    words = re.findall(r"\w+", joined.lower())
    if len(words) >= 6 and len(set(words)) < 0.4 * len(words):  # a repetition loop
        return None
    if detect_language(joined) != lang:
        return None
    return joined.strip()


class Analyst:
    """Model analysis, at most one pending per room (replace_key)."""

    def __init__(self, worker: ModelClient | None, *, max_tokens: int = 120, timeout_s: float = 30.0) -> None:
        self.worker = worker
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s

    def submit(self, room_id: str, view: dict, lang: str,
               on_done: Callable[[dict[str, Any]], Any] | None = None) -> str | None:
        """Queue a model analysis; returns the worker request id, or None if the model is not ready.

        ``on_done(result)`` gets {"request_id","room","status","source","text","lang"}: status
        "completed" with the model's cleaned text (source "llm"), or the heuristic text (source
        "heuristic") when the model's text was unusable; other statuses (cancelled, timeout,
        failed) carry no text. Raises the worker's QueueFull.
        """
        lang = _lang(lang)
        if self.worker is None or self.worker.state != "ready":
            return None
        summary = summarize(view)
        fallback = heuristic_analysis(view, lang)
        user = analysis_user(summary, lang, heuristic_analysis(view, "en"))
        holder: dict[str, str] = {}

        def done(snap: dict[str, Any]) -> None:
            result: dict[str, Any] = {"request_id": holder.get("id", snap.get("id")), "room": room_id,
                                      "status": snap.get("status"), "lang": lang, "source": "llm", "text": None}
            if snap.get("status") == "completed":
                text = postprocess(snap.get("text") or "", lang, summary)
                if text is None:
                    result.update(source="heuristic", text=fallback)
                else:
                    result["text"] = text
            if on_done is not None:
                try:
                    on_done(result)
                except Exception:
                    log.exception("analysis on_done failed")

        rid = self.worker.submit(TASK, ANALYSIS_SYSTEM, user, grammar=analysis_grammar(lang),
                                 max_tokens=self.max_tokens, priority=10,
                                 timeout_s=self.timeout_s, replace_key=str(room_id), on_done=done)
        holder["id"] = rid
        return rid
