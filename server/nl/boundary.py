"""What the translator and the analyst need of the model worker (`ModelClient`)
and the translator's settings (`NLSettings`): the nl <-> llm boundary, declared
once. `server.llm.ModelWorker` implements `ModelClient`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

OnDone = Callable[[dict[str, Any]], Any]


class ModelClient(Protocol):
    """The model worker as the language parts use it (docs/ARCHITECTURE.md, server.llm)."""

    @property
    def state(self) -> str:
        """"loading" | "ready" | "failed" | "disabled"."""
        ...

    def submit(self, task: str, system: str, user: str, *, grammar: str | None = None,
               max_tokens: int | None = None, priority: int = 0, timeout_s: float | None = None,
               replace_key: str | None = None, on_done: OnDone | None = None, logprobs: bool = False) -> str:
        """Queue a request; its id (``logprobs``: the answer lists each sampled token's
        log-probability). Raises the worker's QueueFull."""
        ...

    def prime(self, task: str, system: str, *, priority: int = 20, timeout_s: float = 120.0,
              on_done: OnDone | None = None) -> str:
        """Evaluate a task's fixed prefix ahead of its first request."""
        ...

    def get(self, rid: str) -> dict[str, Any] | None: ...

    def cancel(self, rid: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class NLSettings:
    """The translator's knobs (server.settings.Settings NL_FAST_PATH, NL_CACHE_SIZE, NL_TIMEOUT_S)."""

    fast_path: bool = True       # clear orders are parsed without the model
    cache_size: int = 512        # earlier model answers kept (LRU)
    timeout_s: float = 20.0      # a model translation gives up after this long
    max_tokens: int = 120
    grounding: bool = True       # drop model actions whose words are not in the text
    warm_up: bool = True         # evaluate the task prefix once the model is ready
