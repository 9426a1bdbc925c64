"""The model worker's records: a request, its statuses, the worker's states, QueueFull."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .backends import GenParams

PENDING = "pending"
PROCESSING = "processing"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
TIMEOUT = "timeout"
FINISHED = frozenset({COMPLETED, FAILED, CANCELLED, TIMEOUT})

LOADING = "loading"
READY = "ready"
STATE_FAILED = "failed"
DISABLED = "disabled"

OnDone = Callable[[dict[str, Any]], Any]


class QueueFull(Exception):
    """submit() refused a request: max_queue requests are already pending."""


@dataclass(eq=False)
class LLMRequest:
    """One request to the model. Its public face is :meth:`snapshot`."""

    id: str
    task: str
    system: str
    user: str
    priority: int
    max_tokens: int
    timeout_s: float
    grammar: str | None = None
    temperature: float = 0.0
    replace_key: str | None = None
    on_done: OnDone | None = None
    prefix_only: bool = False
    seq: int = 0
    status: str = PENDING
    text: str = ""
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    deadline: float = 0.0  # monotonic
    cancel_requested: bool = False
    preemptions: int = 0
    tokens: int = 0
    prompt_tokens: int = 0
    prefix: str = ""
    stop: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    logprobs: list[float] = field(default_factory=list)
    want_logprobs: bool = False  # the caller asked for ``logprobs``
    stop_reason: str = ""  # why the worker interrupted it: cancelled, timeout, preempted
    joined: float = 0.0  # time.monotonic() when its current run began (a preempted request runs again)

    def params(self) -> GenParams:
        return GenParams(task=self.task, system=self.system, user=self.user, max_tokens=self.max_tokens,
                         grammar=self.grammar, temperature=self.temperature, deadline=self.deadline,
                         prefix_only=self.prefix_only, logprobs=self.want_logprobs)

    def snapshot(self) -> dict[str, Any]:
        """A plain dict copy, safe to hand to other threads and to JSON."""
        latency = None
        if self.finished is not None:
            latency = round((self.finished - self.created) * 1000.0, 1)
        return {
            "id": self.id,
            "task": self.task,
            "status": self.status,
            "priority": self.priority,
            "text": self.text,
            "error": self.error,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "latency_ms": latency,
            "tokens": self.tokens,
            "prompt_tokens": self.prompt_tokens,
            "prefix": self.prefix,
            "stop": self.stop,
            "preemptions": self.preemptions,
            "replace_key": self.replace_key,
            "prefix_only": self.prefix_only,
            "timings": dict(self.timings),
            "logprobs": list(self.logprobs),
        }
