"""Loading the real model: bad files end in state "failed", idle unload reloads transparently."""

from __future__ import annotations

import asyncio
import time

import pytest

from server.llm import LLMSettings, ModelWorker, model_in_process, process_loads

pytestmark = pytest.mark.model


async def settle(worker: ModelWorker, timeout: float = 30.0) -> str:
    end = time.monotonic() + timeout
    while worker.state == "loading" and time.monotonic() < end:
        await asyncio.sleep(0.01)
    return worker.state


async def test_missing_model_file_fails_cleanly(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    w = ModelWorker(LLMSettings(model_path=str(tmp_path / "nope.gguf")))
    w.start()
    assert await settle(w) == "failed"
    assert "not found" in w.status()["error"]
    assert any("model load failed" in r.getMessage() for r in caplog.records)
    snap = await w.wait(w.submit("t", "s", "u"), 1)
    assert snap is not None and snap["status"] == "failed" and "not found" in snap["error"]
    w.close()


async def test_not_a_gguf_file_fails_cleanly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"<html>404 not found</html>" * 100)
    w = ModelWorker(LLMSettings(model_path=str(bad)))
    w.start()
    assert await settle(w) == "failed"
    assert "not a GGUF" in w.status()["error"]
    w.close()


async def test_truncated_gguf_fails_cleanly(tmp_path, model_path) -> None:  # type: ignore[no-untyped-def]
    """A GGUF header followed by garbage reaches llama.cpp, whose error must not escape."""
    cut = tmp_path / "cut.gguf"
    with open(model_path, "rb") as fh:
        cut.write_bytes(fh.read(200_000))
    loads = process_loads()
    w = ModelWorker(LLMSettings(model_path=str(cut)))
    w.start()
    assert await settle(w) == "failed"
    assert "could not load" in w.status()["error"] or "already loaded" in w.status()["error"]
    assert process_loads() == loads and not model_in_process()
    w.close()


async def test_idle_unload_then_transparent_reload(model_path: str) -> None:
    loads = process_loads()
    w = ModelWorker(LLMSettings(model_path=model_path, n_threads=1, idle_unload_s=0.3, warmup=False))
    w.start()
    assert await settle(w) == "ready"
    first = await w.wait(w.submit("t", "Answer briefly.", "Hello", max_tokens=3), 30)
    assert first is not None and first["status"] == "completed"
    end = time.monotonic() + 5
    while w.status()["loaded"] and time.monotonic() < end:
        await asyncio.sleep(0.02)
    assert not w.status()["loaded"] and not model_in_process() and w.state == "ready"
    again = await w.wait(w.submit("t", "Answer briefly.", "Hello", max_tokens=3), 30)
    assert again is not None and again["status"] == "completed" and again["text"] == first["text"]
    assert w.status()["loads"] == 2 and process_loads() == loads + 2
    w.close()
    assert not model_in_process()


@pytest.mark.parametrize(("mode", "how"), [("seq", "cache"), ("off", "evaluated")])
async def test_prefix_cache_modes(model_path: str, mode: str, how: str) -> None:
    """A prefix shared from its resident sequence ("seq") and one evaluated again ("off") give the
    same answers as a fresh prefix."""
    w = ModelWorker(LLMSettings(model_path=model_path, n_threads=1, prefix_cache=mode, warmup=False))
    w.start()
    assert await settle(w) == "ready"
    a1 = await w.wait(w.submit("a", "Answer in one word.", "Name a color.", max_tokens=5), 30)
    await w.wait(w.submit("b", "You count.", "1 2 3", max_tokens=3), 30)
    a2 = await w.wait(w.submit("a", "Answer in one word.", "Name a color.", max_tokens=5), 30)
    assert a1 is not None and a2 is not None
    assert a1["prefix"] == "evaluated" and a2["prefix"] == how
    assert a1["text"] == a2["text"] and a1["text"]
    w.close()
