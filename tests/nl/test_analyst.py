"""The analyst: heuristic advice in three languages from a WIRE.md view, the model summary,
post-processing of model text, and the model request (priority, replace_key, fallback)."""
import asyncio
import re
import time

import pytest

from server.nl import Analyst, detect_language, heuristic_analysis, postprocess, summarize

from .conftest import ScriptedBackend, ready_worker

LANGS = ("en", "fr", "zh-TW")


def unit(i, t, owner, x, y, hp=None, order="idle"):
    mx = {"infantry": 100, "tank": 300, "artillery": 150, "harvester": 250, "helicopter": 200}[t]
    return {"id": i, "type": t, "owner": owner, "x": x, "y": y, "hp": hp or mx, "max_hp": mx, "order": order,
            "target": None, "cargo": 0}


def bld(i, t, owner, x, y, w=2, h=2, built=1.0, queue=(), stale=False):
    return {"id": i, "type": t, "owner": owner, "x": x, "y": y, "w": w, "h": h, "hp": 500, "max_hp": 500,
            "built": built, "queue": list(queue), "stale": stale}


def view(credits=5000, produced=150, used=40, charge=0.2, ready=False, units=(), buildings=(), over=None):
    return {"tick": 100, "player": {"id": 0, "credits": credits, "power": {"produced": produced, "used": used},
                                    "superweapon": {"charge": charge, "ready": ready}},
            "units": list(units), "buildings": list(buildings), "explored": "", "visible": "",
            "resources": {}, "effects": [], "game_over": over}


START = view(units=[unit(1, "harvester", 0, 6, 6), unit(2, "infantry", 0, 7, 5), unit(3, "infantry", 0, 7, 6)],
             buildings=[bld(10, "hq", 0, 3, 3, 3, 3)])
UNDER_ATTACK = view(
    credits=2400, produced=100, used=150, charge=1.0, ready=True,
    units=[unit(1, "tank", 0, 8, 8), unit(2, "harvester", 0, 9, 9), unit(5, "tank", 1, 10, 10),
           unit(6, "tank", 1, 11, 10), unit(7, "infantry", 1, 12, 9)],
    buildings=[bld(10, "hq", 0, 3, 3, 3, 3), bld(11, "barracks", 0, 8, 3), bld(12, "refinery", 0, 3, 8, 3, 2),
               bld(13, "power_plant", 0, 6, 3), bld(20, "hq", 1, 58, 42, 3, 3, stale=True)])
WINNING = view(
    credits=900, units=[unit(i, "tank", 0, 30, 20) for i in range(1, 9)] + [unit(50, "infantry", 1, 40, 30)]
    + [unit(60, "harvester", 0, 5, 9), unit(61, "harvester", 0, 6, 9)],
    buildings=[bld(10, "hq", 0, 3, 3, 3, 3), bld(11, "barracks", 0, 8, 3, queue=[{"item": "infantry", "progress": .5}]),
               bld(12, "refinery", 0, 3, 8, 3, 2), bld(13, "war_factory", 0, 10, 8, 3, 3, queue=[]),
               bld(20, "refinery", 1, 50, 40, 3, 2, stale=True)])
SPECTATOR = {"tick": 5, "player": None, "players": [], "units": [unit(1, "tank", 0, 1, 1), unit(2, "tank", 1, 60, 40)],
             "buildings": [bld(3, "hq", 0, 2, 2), bld(4, "hq", 1, 58, 42)], "game_over": None}


def sentences(text, lang):
    return [s for s in re.split(r"(?<=[.!?。！？])\s*", text) if s.strip()]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("v", [START, UNDER_ATTACK, WINNING, SPECTATOR, view(), {}, {"units": None}],
                         ids=["start", "attack", "winning", "spectator", "empty", "nothing", "none"])
def test_heuristic_in_every_language(v, lang):
    text = heuristic_analysis(v, lang)
    assert 2 <= len(sentences(text, lang)) <= 4, text
    assert detect_language(text) == lang, text
    assert len(text) < 600


@pytest.mark.parametrize("lang", LANGS)
def test_heuristic_names_the_urgent_things(lang):
    text = heuristic_analysis(UNDER_ATTACK, lang)
    words = {"en": ("Threat", "superweapon", "Power"), "fr": ("Menace", "superarme", "énergie"),
             "zh-TW": ("威脅", "超級武器", "電力")}[lang]
    for w in words:
        assert w in text, (w, text)
    assert text.startswith(words[0])  # the threat comes first


def test_heuristic_sees_economy_and_balance():
    start = heuristic_analysis(START, "en")
    assert "refinery" in start and "no enemy army in sight" in start
    win = heuristic_analysis(WINNING, "en")
    assert "press the attack" in win and "southeast" in win  # the enemy's remembered buildings
    assert "idle production" in win and "war factory" in win


def test_heuristic_is_fast():
    big = view(units=[unit(i, "tank", i % 2, i % 60, i % 40) for i in range(200)],
               buildings=[bld(1000 + i, "power_plant", i % 2, (i * 3) % 60, (i * 5) % 40) for i in range(40)])
    heuristic_analysis(big, "en")
    best = float("inf")
    for _ in range(5):  # best of 5: the machine is shared
        t0 = time.perf_counter()
        for lang in LANGS:
            heuristic_analysis(big, lang)
        best = min(best, (time.perf_counter() - t0) / 3)
    assert best < 0.005, best


def test_summary_is_compact_and_complete():
    s = summarize(UNDER_ATTACK)
    for part in ("credits 2400", "power 100 produced / 150 used (LOW)", "superweapon READY", "1 tank",
                 "NEAR MY BASE", "known enemy buildings: 1 hq to the southeast"):
        assert part in s, (part, s)
    assert len(s) < 600
    assert summarize({}) and summarize("junk")  # type: ignore[arg-type]


@pytest.mark.parametrize("text,lang,ok", [
    ("Build a power plant now. Your army is too small to attack.", "en", True),
    ("Advice: Build a power plant now.\n\nBuild a power plant now. Then train tanks.", "en", True),
    ("Construisez une centrale électrique. Votre armée est trop petite.", "fr", True),
    ("建造發電廠。你的部隊太少，先防守。", "zh-TW", True),
    ("Build a power plant now.", "fr", False),  # wrong language
    ("", "en", False), ("   ", "en", False), ("!!! ... ???", "en", False),
    ("tank tank tank tank tank tank tank tank tank tank.", "en", False),
    ("Situation: credits 2400; power 100 produced / 150 used (LOW); superweapon READY.", "en", False),
    ("Build a 37-meter-long tower to increase your base production.", "en", False),  # invented number
    ("You have 2400 credits: spend them on tanks. Defend the base.", "en", True),  # a number from the report
    ("Build a power plant now. Defend your base. Then build a tower to increase", "en", True),  # cut-off tail
    ("Build a power plant now.", "en", False),  # a single sentence: the heuristic is better
    ("You are outgunned, defend your base and build up your army. "
     + "You are outgunned, defend your base and build up your ar.", "en", False),  # a loop, cut off
    ("You've got a good story to tell. I can imagine the endless possibilities.", "en", False),  # off topic
])
def test_postprocess(text, lang, ok):
    out = postprocess(text, lang, summarize(UNDER_ATTACK))
    assert (out is not None) == ok, out
    if out:
        assert len(out) <= 420 and "Advice" not in out
        assert out.count("Build a power plant now.") <= 1 and "increase" not in out


async def _one(a, room, v, lang):
    got = []
    a.submit(room, v, lang, got.append)
    for _ in range(400):
        if got:
            break
        await asyncio.sleep(0.005)
    return got[0]


async def test_model_analysis_request_and_fallback():
    backend = ScriptedBackend({"Facts:\n- Threat": "Threat: 3 enemy units are near your base. Power is low (100/150): "
                                                   "build a power plant first."})
    w = await ready_worker(backend)
    try:
        a = Analyst(w)
        got = await _one(a, "room1", UNDER_ATTACK, "en")
        assert got["status"] == "completed" and got["source"] == "llm", got
        assert got["text"] == "Threat: 3 enemy units are near your base. Power is low (100/150): build a power plant first."
        assert got["dropped"] == []
        call = backend.calls[0]
        # facts first: the model reads the facts of the view, in the player's language
        assert call.task == "analysis" and call.user.startswith("Facts:\n- Threat: 3 enemy units")
        assert "Power is low (100/150)" in call.user and call.max_tokens <= 200
        assert call.grammar and call.grammar.startswith("root ::=")
        # the model answers in the wrong language: the heuristic stands in
        got = await _one(a, "room1", UNDER_ATTACK, "zh-TW")
        assert got["source"] == "heuristic" and got["text"] == heuristic_analysis(UNDER_ATTACK, "zh-TW")
        assert "威脅" in backend.calls[-1].user
    finally:
        w.close()


async def test_a_false_sentence_is_never_shown():
    """The issue's example: no refinery, and the model says a barracks earns credits."""
    no_refinery = view(credits=900, units=[unit(1, "infantry", 0, 7, 5)],
                       buildings=[bld(10, "hq", 0, 3, 3, 3, 3), bld(11, "power_plant", 0, 6, 3)])
    backend = ScriptedBackend({"Facts:": "You have to build a barracks to earn credits from ore. You have no "
                                         "refinery: build one to start earning credits from ore. Build a barracks "
                                         "to train infantry."})
    w = await ready_worker(backend)
    try:
        a = Analyst(w)
        got = await _one(a, "r", no_refinery, "en")
        assert got["source"] == "llm"
        assert "barracks to earn" not in got["text"] and got["text"].startswith("You have no refinery")
        assert got["dropped"][0][0] == "You have to build a barracks to earn credits from ore."
        assert "earn credits" in got["dropped"][0][1][0]
        # only one true sentence left: the heuristic text stays, marked as such
        backend.replies = {"Facts:": "You have 9 tanks. Build a barracks to earn credits. Build a refinery now."}
        got = await _one(a, "r", no_refinery, "en")
        assert got["source"] == "heuristic" and got["text"] == heuristic_analysis(no_refinery, "en")
        assert len(got["dropped"]) == 2
    finally:
        w.close()


async def test_one_pending_analysis_per_room():
    backend = ScriptedBackend()
    backend.release.clear()
    w = await ready_worker(backend)
    try:
        a = Analyst(w)
        got = []
        a.submit("blocker", START, "en", got.append)  # occupies the worker
        for _ in range(200):
            if backend.calls:
                break
            await asyncio.sleep(0.005)
        first = a.submit("r", START, "en", got.append)
        second = a.submit("r", START, "en", got.append)
        assert w.get(first)["status"] == "cancelled" and w.get(second)["status"] == "pending"
        assert w.get(second)["priority"] == 10
    finally:
        backend.release.set()
        w.close()


@pytest.mark.parametrize("lang,good,bad", [
    ("en", "Build a power plant now. Then train more tanks.", "Report: credits 2400; power 100."),
    ("fr", "Construisez une centrale. Puis entraînez des chars.", "Construisez 3 chars."),
    ("zh-TW", "建造發電廠。然後訓練更多坦克。", "建造發電廠"),
])
def test_analysis_grammar(lang, good, bad):
    from server.nl.grammar import analysis_grammar, gbnf_to_regex

    rx = re.compile(gbnf_to_regex(analysis_grammar(lang)))
    assert rx.fullmatch(good) and not rx.fullmatch(bad)


def test_no_model_no_request():
    from server.llm import LLMSettings, ModelWorker

    assert Analyst(None).submit("r", START, "en") is None
    assert Analyst(ModelWorker(LLMSettings(backend="disabled"))).submit("r", START, "en") is None


@pytest.mark.parametrize("lang", LANGS)
def test_the_model_chooses_two_facts_word_for_word(lang):
    """Default phrasing "choose": the grammar lets the model write two different facts of the view,
    exactly as computed, in the order it prefers, and nothing else."""
    from server.nl.analyst import MAX_FACTS, fact_sentences, facts_grammar, facts_user
    from server.nl.grammar import gbnf_to_regex

    facts = [s for _, _, s in fact_sentences(UNDER_ATTACK, lang)[:MAX_FACTS]]
    assert len(facts) >= 3
    user = facts_user(UNDER_ATTACK, lang)
    assert all(f in user for f in facts)
    rx = re.compile(gbnf_to_regex(facts_grammar(lang, facts)))
    sep = "" if lang == "zh-TW" else " "
    assert rx.fullmatch(facts[2] + sep + facts[0])
    assert not rx.fullmatch(facts[0] + sep + facts[0])          # the same fact twice
    assert not rx.fullmatch(facts[0])                           # one fact
    assert not rx.fullmatch(facts[0] + sep + "Build ten tanks.")  # anything not a fact
    free = re.compile(gbnf_to_regex(facts_grammar(lang)))     # free phrasing: two sentences of the script
    assert free.fullmatch(facts[0] + sep + facts[1]) or lang == "zh-TW"
