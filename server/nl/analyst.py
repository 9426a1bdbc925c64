"""The analyst: tactical advice from what the player can see (a WIRE.md state view).

``heuristic_analysis(view, lang)`` is instant and deterministic (2-4 sentences);
``summarize(view)`` is the compact situation report the model reads;
``Analyst(worker).submit(room_id, view, lang, on_done)`` asks the model for the same
advice in prose (task "analysis", priority 10, one pending request per room), and
post-processes its text, falling back to the heuristic when the text is unusable.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from ..sim.rules import rules_table
from .boundary import ModelClient
from .lang import detect_language
from .fact_check import check_sentence
from .facts import Facts, facts_of
from .parser import lex

log = logging.getLogger(__name__)

TASK = "analysis"
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
    "low_credits_no_harvester": {
        "en": "Credits are low ({c}) and no harvester is mining: spend carefully and avoid losses.",
        "fr": "Les crédits sont bas ({c}) et aucun collecteur ne récolte : dépensez avec prudence et évitez "
              "les pertes.",
        "zh-TW": "資金偏低（{c}），而且沒有採礦車在採礦：謹慎花費，避免損失。",
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
        "en": "You have {mine} combat units and no enemy army in sight; scout to find the enemy base{where}.",
        "fr": "Vous avez {mine} unités de combat et aucune armée ennemie en vue ; partez en reconnaissance{where}.",
        "zh-TW": "你有 {mine} 個戰鬥單位，視野內沒有敵軍部隊；派兵偵察找出敵方基地{where}。",
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


def _cheapest_building() -> int:
    return min(int(b["cost"]) for b in rules_table()["buildings"].values() if b["buildable"])


def _spectator_sentences(view: dict, lang: str) -> list[str]:
    f = facts_of(view)
    a, b = f.players.get(0, (0, 0))
    c, d = f.players.get(1, (0, 0))
    out = [_t("spectator", lang, a=a, b=b, c=c, d=d)]
    if a + b > 2 * (c + d) or c + d > 2 * (a + b):
        lead = 0 if a + b > c + d else 1
        out.append({"en": f"Player {lead} is clearly ahead.", "fr": f"Le joueur {lead} mène nettement.",
                    "zh-TW": f"玩家 {lead} 明顯領先。"}[lang])
    else:
        out.append({"en": "The game is still balanced.", "fr": "La partie reste équilibrée.",
                    "zh-TW": "目前局勢仍然均衡。"}[lang])
    return out


def fact_sentences(view: dict, lang: str = "en") -> list[tuple[str, int, str]]:
    """Every fact worth saying about a player's view, as (key, priority, sentence in ``lang``),
    most important first. The heuristic text is a choice among them; the model gets them all."""
    lang = _lang(lang)
    if not isinstance(view, dict):
        view = {}
    f = facts_of(view)
    names = _NAMES[lang]
    ranked: list[tuple[str, int, str]] = []
    if f.game_over:
        ranked.append(("over", 200, _t("over", lang)))
    if f.threats:
        types = sorted(f.threats.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        desc = ("、" if lang == "zh-TW" else ", ").join(f"{n} {names.get(t, t)}" for t, n in types)
        ranked.append(("threat", 100, _t("threat", lang, n=f.threat_count, types=desc)))
    if f.superweapon_ready:
        ranked.append(("superweapon", 90, _t("superweapon", lang)))
    if f.low_power:
        ranked.append(("low_power", 80, _t("low_power", lang, p=f.power_produced, u=f.power_used)))
    if not f.has("refinery"):
        ranked.append(("no_refinery", 70, _t("no_refinery", lang)))
    elif f.harvesters < 2:
        ranked.append(("few_harvesters", 65, _t("few_harvesters", lang, h=f.harvesters)))
    if not f.has("barracks"):
        ranked.append(("no_barracks", 50, _t("no_barracks", lang)))
    elif not f.has("war_factory"):
        ranked.append(("no_factory", 45, _t("no_factory", lang)))
    if f.idle_producers and f.credits >= IDLE_ADVICE_CREDITS:
        what = ("、" if lang == "zh-TW" else ", ").join(sorted({names.get(t, t) for t in f.idle_producers}))
        ranked.append(("idle", 60, _t("idle", lang, c=f.credits, what=what)))
    elif f.credits < _cheapest_building():  # not enough for any building
        key = "low_credits" if f.harvesters else "low_credits_no_harvester"
        ranked.append((key, 30, _t(key, lang, c=f.credits)))
    # army balance: always said
    where = ""
    if f.enemy_direction:
        dname = _DIR_NAMES[lang][f.enemy_direction]
        if lang == "fr" and dname[0] in "eo":
            where = _T["where_fr_vowel"]["fr"].format(d=dname)
        else:
            where = _T["where"][lang].format(d=dname)
    mine, theirs = f.my_army, f.enemy_army
    balance = f.balance
    if balance == "no_enemy_seen":
        text = _t("scout", lang, mine=mine, where=where)
    elif balance == "stronger":
        text = _t("stronger", lang, mine=mine, theirs=theirs, where=where)
    elif balance == "weaker":
        text = _t("weaker", lang, mine=mine, theirs=theirs)
    else:
        text = _t("even", lang, mine=mine, theirs=theirs)
    # the balance goes right after a threat or the end of the game, else first
    ranked.sort(key=lambda p: -p[1])
    urgent = 1 if ranked and ranked[0][1] >= 100 else 0
    ranked.insert(urgent, ("balance", 95 if urgent else 150, text))
    return ranked


def heuristic_analysis(view: dict, lang: str = "en") -> str:
    """2-4 sentences of advice in ``lang`` from a WIRE.md view (player's or spectator's)."""
    lang = _lang(lang)
    if not isinstance(view, dict):
        view = {}
    sep = "" if lang == "zh-TW" else " "
    if not isinstance(view.get("player"), dict):  # spectator
        return sep.join(_spectator_sentences(view, lang))
    sentences = [s for _, _, s in fact_sentences(view, lang)[:4]]
    if len(sentences) < 2:
        sentences.append({"en": "Keep your harvesters busy and your production running.",
                          "fr": "Gardez vos collecteurs occupés et votre production active.",
                          "zh-TW": "讓採礦車持續工作，生產不要中斷。"}[lang])
    return sep.join(sentences[:4])


def summarize(view: dict) -> str:
    """A compact English report of the visible state (logs, and a second view of the facts)."""
    if not isinstance(view, dict):
        return "no data"
    f = facts_of(view)
    parts = []
    if not f.spectator:
        parts.append(f"credits {f.credits}")
        parts.append(f"power {f.power_produced} produced / {f.power_used} used" + (" (LOW)" if f.low_power else ""))
        parts.append("superweapon READY" if f.superweapon_ready
                     else f"superweapon {int(100 * f.superweapon_charge)}%")
    mu = ", ".join(f"{n} {t}" for t, n in sorted(f.my_units.items())) or "none"
    parts.append(f"my units: {mu}")
    mb = ", ".join(f"{n} {t}" for t, n in sorted(f.my_buildings.items())) or "none"
    parts.append(f"my buildings: {mb}")
    if f.idle_producers:
        parts.append("idle production: " + ", ".join(sorted(set(f.idle_producers))))
    eu = ", ".join(f"{n} {t}" for t, n in sorted(f.enemy_units.items())) or "none"
    parts.append(f"enemy units in sight: {eu}")
    if f.threats:
        parts.append(f"{f.threat_count} enemy units NEAR MY BASE")
    if f.enemy_buildings:
        eb = ", ".join(f"{n} {t}" for t, n in sorted(f.enemy_buildings.items()))
        parts.append(f"known enemy buildings: {eb}" + (f" to the {f.enemy_direction}" if f.enemy_direction else ""))
    else:
        parts.append("enemy base not found yet")
    if f.game_over:
        parts.append("GAME OVER")
    return "; ".join(parts) + "."


# ------------------------------------------------------------------ model post-processing
_SENT = re.compile(r"[^.!?。！？]+[.!?。！？]*")
_LABEL = re.compile(r"^\s*(advice in english|conseil en français|繁體中文建議|advice|your advice|analysis|answer|"
                    r"conseil|analyse|réponse|建議|分析|回答)\s*[:：]\s*",
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


def postprocess(text: str, lang: str, summary: str | None = None, facts: Facts | None = None,
                dropped: list[tuple[str, list[str]]] | None = None,
                offered: list[str] | None = None) -> str | None:
    """Clean the model's advice: 2-4 distinct complete sentences in ``lang``, capped; None if unusable.

    Sentences that echo the situation report, quote numbers absent from it (``summary``),
    or are cut off are dropped; with ``facts``, so is every sentence the checker finds false
    (fact_check.py), and the reasons are appended to ``dropped``.
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
        if (_ECHO.search(s) or s.count(";") >= 2) and s not in (offered or ()):
            continue  # an echo of the English report (a fact offered word for word is no echo)
        if facts is not None:
            reasons = check_sentence(s, facts, lang)
            if reasons:  # false by the facts or the rules table: never shown
                if dropped is not None:
                    dropped.append((s, reasons))
                continue
        elif summary is not None and any(n not in known_numbers for n in re.findall(r"\d+", s)):
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


# ------------------------------------------------------------------ the model's analysis: facts first
_ASK = {"en": "Advice in English:", "fr": "Conseil en français :", "zh-TW": "繁體中文建議："}
MAX_FACTS = 6   # facts offered to the model (the heuristic says at most 4)


def facts_user(view: dict, lang: str) -> str:
    """The changing part of an analysis request: the facts of the view, in the player's language."""
    lang = _lang(lang)
    facts = fact_sentences(view, lang)[:MAX_FACTS]
    return "Facts:\n" + "\n".join(f"- {s}" for _, _, s in facts) + "\n" + _ASK[lang]


ANALYSIS_FACTS_SYSTEM = (
    "You advise a player of a real-time strategy game. You get true facts about the player's situation, "
    "in the player's language. Pick the two that matter most now (a threat first, then power, economy "
    "and production) and say them to the player, in the same language. Use only the facts given."
)

_FACT_SENTENCE = {
    "en": r"""[A-Z] [a-zA-Z0-9 ,;:()/'-]{12,170} "." """,
    "fr": r"""[A-ZÉÀ] [a-zA-Z0-9àâçéèêëîïôûùüÿœÉÀ ,;:()/'-]{12,190} "." """,
    "zh-TW": r"""[一-鿿] [一-鿿0-9，、：；（）/ ]{3,60} "。" """,
}


def facts_grammar(lang: str, facts: list[str] | None = None) -> str:
    """What the model may write. With ``facts`` (the default mode, "choose"): two different facts of
    the list, word for word, in the order the model finds most important. Without: two free
    sentences in ``lang``'s script (digits allowed, the checker verifies every number)."""
    sep = '""' if lang == "zh-TW" else '" "'
    if facts:
        fs = [f for f in dict.fromkeys(facts) if f]
        if len(fs) == 1:
            return f"root ::= {json.dumps(fs[0], ensure_ascii=False)}\n"
        pairs = [f"f{i} {sep} f{j}" for i in range(len(fs)) for j in range(len(fs)) if i != j]
        rules = [f"root ::= {' | '.join(pairs)}"] + [f"f{i} ::= {json.dumps(f, ensure_ascii=False)}" for i, f in enumerate(fs)]
        return "\n".join(rules) + "\n"
    sentence = _FACT_SENTENCE.get(lang, _FACT_SENTENCE["en"]).strip()
    return f"root ::= s {sep} s\ns ::= {sentence}\n"


class Analyst:
    """Model analysis, at most one pending per room (replace_key).

    Facts first: the model is given the facts of the view (``fact_sentences``, the same code
    as the heuristic text) in the player's language and only chooses and phrases them; every
    sentence it writes is checked against the facts and the rules table (fact_check.py), a
    false one is dropped, and with fewer than two left the heuristic text stands.
    """

    def __init__(self, worker: ModelClient | None, *, max_tokens: int = 200, timeout_s: float = 30.0,
                 phrasing: str = "choose") -> None:
        self.worker = worker
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        # "choose": the model picks two of the facts, word for word (what a 135M model can do
        # without inventing: docs/NL.md); "free": it writes two sentences, checked sentence by sentence
        self.phrasing = phrasing

    def submit(self, room_id: str, view: dict, lang: str,
               on_done: Callable[[dict[str, Any]], Any] | None = None) -> str | None:
        """Queue a model analysis; returns the worker request id, or None if the model is not ready.

        ``on_done(result)`` gets {"request_id","room","status","source","text","lang","dropped"}: status
        "completed" with the model's checked text (source "llm"), or the heuristic text (source
        "heuristic") when too little of the model's text was usable and true; ``dropped`` lists the
        sentences the checker refused, with its reasons. Other statuses (cancelled, timeout,
        failed) carry no text. Raises the worker's QueueFull.
        """
        lang = _lang(lang)
        if self.worker is None or self.worker.state != "ready":
            return None
        facts = facts_of(view)
        summary = summarize(view)
        fallback = heuristic_analysis(view, lang)
        user = facts_user(view, lang)
        offered = [t for _, _, t in fact_sentences(view, lang)[:MAX_FACTS]] if self.phrasing == "choose" else None
        if offered is not None and len(offered) < 2:
            offered = None
        holder: dict[str, str] = {}

        def done(snap: dict[str, Any]) -> None:
            result: dict[str, Any] = {"request_id": holder.get("id", snap.get("id")), "room": room_id,
                                      "status": snap.get("status"), "lang": lang, "source": "llm", "text": None,
                                      "dropped": []}
            if snap.get("status") == "completed":
                dropped: list[tuple[str, list[str]]] = []
                text = postprocess(snap.get("text") or "", lang, summary, facts=facts, dropped=dropped,
                                   offered=offered)
                result["dropped"] = [[s, r] for s, r in dropped]
                result["model_text"] = snap.get("text") or ""
                if text is None:
                    result.update(source="heuristic", text=fallback)
                else:
                    result["text"] = text
            if on_done is not None:
                try:
                    on_done(result)
                except Exception:
                    log.exception("analysis on_done failed")

        rid = self.worker.submit(TASK, ANALYSIS_FACTS_SYSTEM, user, grammar=facts_grammar(lang, offered),
                                 max_tokens=self.max_tokens, priority=10,
                                 timeout_s=self.timeout_s, replace_key=str(room_id), on_done=done)
        holder["id"] = rid
        return rid
