"""Helpers for the nl tests: a scripted model backend behind the real ModelWorker, and data paths."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from server.llm import GenParams, GenResult, LLMSettings, ModelWorker

HERE = Path(__file__).resolve().parent
DEV_SET = Path(__file__).parents[2].parent / "shared/data/nl_dev.jsonl"
HELDOUT_SET = HERE / "heldout.jsonl"


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# the scoring rule of shared/tools/nl_eval.py, restated (standard library only, no import of the tool)
def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return abs(want - got) <= 1
    return want == got


def _list_matches(expected: list[dict], actions: list[dict]) -> bool:
    if len(expected) != len(actions):
        return False
    used: set[int] = set()

    def place(i: int) -> bool:
        if i == len(expected):
            return True
        for j, act in enumerate(actions):
            if j not in used and all(_same(v, _get(act, k)) for k, v in expected[i].items()):
                used.add(j)
                if place(i + 1):
                    return True
                used.discard(j)
        return False

    return place(0)


def passes(expect: Any, actions: list[dict]) -> bool:
    options = expect["any_of"] if isinstance(expect, dict) else [expect]
    return any(_list_matches(opt, actions) for opt in options)


class ScriptedBackend:
    """A model backend that answers from a table (user text -> reply), after ``delay`` seconds."""

    name = "scripted"

    def __init__(self, replies: dict[str, str] | None = None, default: str = "[]", delay: float = 0.0) -> None:
        self.replies = replies or {}
        self.default = default
        self.delay = delay
        self._loaded = False
        self.calls: list[GenParams] = []
        self.release = threading.Event()
        self.release.set()

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self) -> None:
        self._loaded = True

    def unload(self) -> None:
        self._loaded = False

    def describe(self) -> dict[str, Any]:
        return {"model": "scripted.gguf"}

    def generate(self, params: GenParams, should_stop) -> GenResult:  # type: ignore[no-untyped-def]
        self.calls.append(params)
        end = time.monotonic() + self.delay
        while time.monotonic() < end or not self.release.is_set():
            if should_stop():
                return GenResult("", "interrupted", 0)
            time.sleep(0.005)
        for key, reply in self.replies.items():
            if key in params.user:
                return GenResult(reply, "stop", 5)
        return GenResult(self.default, "stop", 5)


async def ready_worker(backend: Any, **kw: Any) -> ModelWorker:
    w = ModelWorker(LLMSettings(**{"backend": "local", "warmup": False, **kw}), backend=backend)
    w.start()
    for _ in range(400):
        if w.state == "ready":
            return w
        await asyncio.sleep(0.005)
    raise AssertionError(f"worker not ready: {w.state}")


@pytest.fixture
def scripted() -> ScriptedBackend:
    return ScriptedBackend()
