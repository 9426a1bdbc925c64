"""The model worker's queue, priorities, cancellation and failure paths, with a fake backend."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from server.llm import LLMSettings, ModelWorker, QueueFull
from server.llm.backends import ModelLoadError

from .conftest import FakeBackend, fake_settings


async def started(worker: ModelWorker, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while worker.state == "loading":
        assert time.monotonic() < end, "worker did not load"
        await asyncio.sleep(0.01)


async def until(pred, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "condition not reached"
        await asyncio.sleep(0.005)


@pytest.fixture
async def worker(fake: FakeBackend):  # type: ignore[no-untyped-def]
    w = ModelWorker(fake_settings(max_queue=4), backend=fake)
    w.start()
    await started(w)
    yield w
    w.close()


async def test_submit_wait_and_on_done_on_the_loop(worker: ModelWorker) -> None:
    seen: list[tuple[dict, int]] = []
    rid = worker.submit("t", "sys", "hello", on_done=lambda snap: seen.append((snap, threading.get_ident())))
    assert isinstance(rid, str) and len(rid) == 32
    snap = await worker.wait(rid, 5)
    assert snap is not None and snap["status"] == "completed" and snap["text"] == "a b c d"
    assert snap["created"] <= snap["started"] <= snap["finished"]
    await until(lambda: seen)
    assert seen[0][0]["status"] == "completed"
    assert seen[0][1] == threading.get_ident(), "on_done must run on the event loop thread"
    st = worker.status()
    assert st["state"] == "ready" and st["loads"] == 1 and st["completed"] == 1
    assert st["memory"]["rss_bytes"] > 0 and st["model"] == "fake.gguf"
    ran_on = worker._backend.threads  # type: ignore[attr-defined]
    assert ran_on and threading.get_ident() not in ran_on, "inference never runs on the event loop"


async def test_unknown_ids(worker: ModelWorker) -> None:
    assert worker.get("nope") is None
    assert await worker.wait("nope", 0.1) is None
    assert worker.cancel("nope") is False


async def test_lower_priority_number_runs_first(worker: ModelWorker, fake: FakeBackend) -> None:
    fake.slow_delay = 0.01
    blocker = worker.submit("t", "s", "SLOW", max_tokens=20)
    await until(lambda: worker.get(blocker)["status"] == "processing")  # type: ignore[index]
    late_analysis = worker.submit("analysis", "s", "A", priority=10)
    order = worker.submit("order", "s", "O", priority=0)
    for rid in (blocker, late_analysis, order):
        assert (await worker.wait(rid, 5))["status"] == "completed"  # type: ignore[index]
    assert fake.calls == ["SLOW", "O", "A"]


async def test_order_preempts_running_analysis_which_completes_later(worker: ModelWorker,
                                                                      fake: FakeBackend) -> None:
    fake.slow_delay = 0.01
    analysis = worker.submit("analysis", "s", "SLOW analysis", max_tokens=60, priority=10)
    await until(lambda: fake.started.is_set())
    order = worker.submit("order", "s", "move", priority=0)
    o = await worker.wait(order, 5)
    assert o is not None and o["status"] == "completed"
    a = await worker.wait(analysis, 5)
    assert a is not None and a["status"] == "completed"
    assert a["preemptions"] == 1 and a["finished"] > o["finished"]
    assert a["text"] == " ".join(["w"] * 60), "the retried analysis starts over, no partial text kept"
    assert fake.calls == ["SLOW analysis", "move", "SLOW analysis"]
    assert worker.status()["preempted"] == 1


async def test_cancel_pending_and_in_progress(worker: ModelWorker, fake: FakeBackend) -> None:
    running = worker.submit("t", "s", "SLOW")
    await until(lambda: fake.started.is_set())
    queued = worker.submit("t", "s", "x")
    assert worker.cancel(queued) is True
    assert worker.get(queued)["status"] == "cancelled"  # type: ignore[index]
    t0 = time.monotonic()
    assert worker.cancel(running) is True
    snap = await worker.wait(running, 2)
    assert snap is not None and snap["status"] == "cancelled"
    assert time.monotonic() - t0 < 0.5
    assert worker.cancel(running) is False, "already finished"
    assert fake.calls == ["SLOW"], "a cancelled pending request never runs"


async def test_replace_key_cancels_the_pending_one(worker: ModelWorker, fake: FakeBackend) -> None:
    blocker = worker.submit("t", "s", "SLOW", max_tokens=10)
    told: list[dict] = []
    first = worker.submit("analysis", "s", "old view", priority=10, replace_key="room1", on_done=told.append)
    other = worker.submit("analysis", "s", "other room", priority=10, replace_key="room2")
    second = worker.submit("analysis", "s", "new view", priority=10, replace_key="room1")
    old = worker.get(first)
    assert old is not None and old["status"] == "cancelled" and second in (old["error"] or "")
    for rid in (blocker, other, second):
        assert (await worker.wait(rid, 5))["status"] == "completed"  # type: ignore[index]
    assert "old view" not in fake.calls
    assert [t["status"] for t in told] == ["cancelled"], "the replaced request's on_done still runs"


async def test_queue_full(worker: ModelWorker) -> None:
    worker.submit("t", "s", "SLOW", max_tokens=20)
    await until(lambda: worker.status()["processing"] == 1)
    for i in range(4):
        worker.submit("t", "s", f"q{i}", replace_key="k" if i == 3 else None)
    with pytest.raises(QueueFull):
        worker.submit("t", "s", "one too many")
    # replacing a pending request does not grow the queue: accepted
    worker.submit("t", "s", "replacement", replace_key="k")
    assert worker.status()["pending"] == 4


async def test_timeout_keeps_partial_text(worker: ModelWorker) -> None:
    rid = worker.submit("t", "s", "SLOW", timeout_s=0.3, max_tokens=500)
    snap = await worker.wait(rid, 5)
    assert snap is not None and snap["status"] == "timeout"
    assert snap["text"].startswith("w w")
    assert 0.25 <= snap["finished"] - snap["created"] < 1.0
    assert worker.status()["timeout"] == 1


async def test_timeout_while_queued(worker: ModelWorker) -> None:
    blocker = worker.submit("t", "s", "SLOW", max_tokens=20)
    queued = worker.submit("t", "s", "late", timeout_s=0.2)
    snap = await worker.wait(queued, 3)
    assert snap is not None and snap["status"] == "timeout" and snap["started"] is None
    assert (await worker.wait(blocker, 5))["status"] == "completed"  # type: ignore[index]


async def test_wait_timeout_returns_current_snapshot(worker: ModelWorker) -> None:
    rid = worker.submit("t", "s", "SLOW", max_tokens=40)
    snap = await worker.wait(rid, 0.05)
    assert snap is not None and snap["status"] in ("pending", "processing")
    worker.cancel(rid)


async def test_generation_error_fails_request_and_worker_recovers(worker: ModelWorker) -> None:
    bad = worker.submit("t", "s", "FAIL please")
    good = worker.submit("t", "s", "fine")
    b = await worker.wait(bad, 5)
    assert b is not None and b["status"] == "failed" and "injected failure" in b["error"]
    g = await worker.wait(good, 5)
    assert g is not None and g["status"] == "completed"
    assert worker.state == "ready" and worker.status()["failed"] == 1


async def test_on_done_exception_is_contained(worker: ModelWorker) -> None:
    def boom(snap: dict) -> None:
        raise ValueError("callback bug")

    rid = worker.submit("t", "s", "x", on_done=boom)
    assert (await worker.wait(rid, 5))["status"] == "completed"  # type: ignore[index]
    await asyncio.sleep(0.01)
    again = await worker.wait(worker.submit("t", "s", "y"), 5)
    assert again is not None and again["status"] == "completed"


async def test_cleanup_forgets_old_finished_requests(worker: ModelWorker) -> None:
    ids = [worker.submit("t", "s", f"u{i}") for i in range(3)]
    for rid in ids:
        await worker.wait(rid, 5)
    running = worker.submit("t", "s", "SLOW", max_tokens=50)
    assert worker.cleanup(3600) == 0
    await asyncio.sleep(0.02)
    assert worker.cleanup(0.01) == 3
    assert all(worker.get(r) is None for r in ids)
    assert worker.get(running) is not None, "unfinished requests are kept"
    assert worker.status()["completed"] == 3, "counters survive cleanup"


async def test_load_failure_is_a_state_not_an_exception() -> None:
    fake = FakeBackend(load_error=ModelLoadError("model file not found: /x.gguf"))
    w = ModelWorker(fake_settings(), backend=fake)
    w.start()
    await started(w)
    assert w.state == "failed"
    st = w.status()
    assert st["state"] == "failed" and "not found" in st["error"] and st["loads"] == 0
    done: list[dict] = []
    rid = w.submit("t", "s", "u", on_done=done.append)
    snap = w.get(rid)
    assert snap is not None and snap["status"] == "failed" and "not found" in snap["error"]
    await until(lambda: done)
    w.close()


async def test_requests_submitted_while_loading_are_served() -> None:
    fake = FakeBackend(load_delay=0.2)
    w = ModelWorker(fake_settings(), backend=fake)
    w.start()
    rid = w.submit("t", "s", "early")
    assert w.state == "loading"
    assert (await w.wait(rid, 5))["status"] == "completed"  # type: ignore[index]
    w.close()


async def test_disabled_backend() -> None:
    w = ModelWorker(LLMSettings(backend="disabled"))
    w.start()
    assert w.state == "disabled"
    rid = w.submit("t", "s", "u")
    snap = await w.wait(rid, 1)
    assert snap is not None and snap["status"] == "failed" and "disabled" in snap["error"]
    assert w.status()["loads"] == 0
    w.close()


async def test_idle_unload_and_transparent_reload() -> None:
    fake = FakeBackend()
    w = ModelWorker(fake_settings(idle_unload_s=0.15), backend=fake)
    w.start()
    await started(w)
    assert (await w.wait(w.submit("t", "s", "u"), 5))["status"] == "completed"  # type: ignore[index]
    await until(lambda: not fake.loaded, timeout=2)
    assert w.state == "ready" and w.status()["loaded"] is False and fake.unloads == 1
    assert (await w.wait(w.submit("t", "s", "again"), 5))["status"] == "completed"  # type: ignore[index]
    assert w.status()["loads"] == 2 and fake.loads == 2
    w.close()
    assert fake.unloads == 2


async def test_close_cancels_pending_and_stops_running() -> None:
    fake = FakeBackend()
    w = ModelWorker(fake_settings(), backend=fake)
    w.start()
    await started(w)
    running = w.submit("t", "s", "SLOW")
    queued = w.submit("t", "s", "q")
    await until(lambda: fake.started.is_set())
    t0 = time.monotonic()
    await w.aclose()
    assert time.monotonic() - t0 < 1.0
    assert w.get(running)["status"] == "cancelled"  # type: ignore[index]
    assert w.get(queued)["status"] == "cancelled"  # type: ignore[index]
    assert not fake.loaded
    assert w.get(w.submit("t", "s", "after"))["status"] == "failed"  # type: ignore[index]


def test_works_without_an_event_loop() -> None:
    """The worker is usable from plain threads (bench, scripts): on_done runs on the worker thread."""
    fake = FakeBackend()
    w = ModelWorker(fake_settings(), backend=fake)
    w.start()
    got = threading.Event()
    rid = w.submit("t", "s", "u", on_done=lambda snap: got.set())
    assert got.wait(5)
    assert w.get(rid)["status"] == "completed"  # type: ignore[index]
    w.close()


async def test_many_replaced_requests_do_not_pile_up(worker: ModelWorker, fake: FakeBackend) -> None:
    """Regression guard: replaced (cancelled) requests leave dead queue entries; they are compacted."""
    worker.settings = worker.settings.replace(max_queue=10)
    blocker = worker.submit("t", "s", "SLOW", max_tokens=8)
    for i in range(500):
        worker.submit("analysis", "s", f"view {i}", priority=10, replace_key="room")
    assert worker.status()["pending"] == 1
    assert len(worker._heap) < 200
    await worker.wait(blocker, 5)
    await until(lambda: worker.status()["completed"] == 2)
    assert fake.calls == ["SLOW", "view 499"]


def test_importing_server_llm_does_not_load_llama_cpp() -> None:
    """llama_cpp is imported only when the local backend loads a model."""
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    code = "import sys, server.llm; assert 'llama_cpp' not in sys.modules, 'imported at import time'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=root)


def test_server_llm_is_the_only_importer_of_llama_cpp() -> None:
    """The architecture rule: no other project package touches llama_cpp."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r"^\s*(import llama_cpp|from llama_cpp\b)", re.MULTILINE)
    offenders = [
        str(p.relative_to(root))
        for base in ("server", "app.py")
        for p in ([root / base] if base.endswith(".py") else (root / base).rglob("*.py"))
        if p.is_file() and "llm" not in p.relative_to(root).parts[:2] and pattern.search(p.read_text("utf-8"))
    ]
    assert offenders == []


async def test_busy_model_refuses_what_could_only_time_out() -> None:
    """Regression (bench part 5): under overload every queued order waited out
    its deadline and none was served. Past the deadline's worth of queued
    work, submit says busy at once; what it admits can still finish."""
    backend = FakeBackend(reply="a b c", delay=0.2, slow_delay=0.2)  # about 0.6 s per request
    w = ModelWorker(fake_settings(max_queue=20), backend=backend)
    w.start()
    try:
        await until(lambda: w.state == "ready")
        first = w.submit("order", "s", "warm", timeout_s=5)
        assert (await w.wait(first, 5))["status"] == "completed"  # type: ignore[index]
        w.submit("order", "s", "SLOW", max_tokens=3)  # running: about 0.6 s
        await until(lambda: w.status()["processing"] == 1)
        admitted = [w.submit("order", "s", "o1", timeout_s=2.2), w.submit("order", "s", "o2", timeout_s=2.2)]
        with pytest.raises(QueueFull, match="busy"):
            w.submit("order", "s", "o3", timeout_s=2.2)  # 2.4 s of work ahead: could only time out
        patient = w.submit("order", "s", "patient", timeout_s=30)  # has time to wait: admitted
        results = [await w.wait(r, 10) for r in [*admitted, patient]]
        assert [r["status"] for r in results if r] == ["completed"] * 3
    finally:
        w.close()
