"""The batch's bookkeeping records: a running request's sequence and a resident task prefix."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .backends import GenParams, GenResult


@dataclass
class Prefix:
    """A task prefix resident in the KV cache as sequence ``seq``."""

    key: tuple[int, int]
    seq: int
    tokens: list[int]
    done: int = 0  # tokens evaluated so far
    users: int = 0  # running sequences that copied it or wait for it

    @property
    def ready(self) -> bool:
        return self.done >= len(self.tokens)


@dataclass(eq=False)
class Sequence:
    """One running request: its sequence id, prompt progress, sampler and output."""

    params: GenParams
    seq: int
    priority: int
    order: int  # arrival order among equal priorities
    prompt: list[int]  # tokens this sequence evaluates itself (suffix, or whole prompt when no prefix is shared)
    prefix: Prefix | None
    max_tokens: int
    reserved: int  # KV cells reserved for it
    grammar: Any = None  # llama_sampler* (grammar), owned
    chain: Any = None  # llama_sampler* (temperature sampling), owned
    n_past: int = 0  # position of the next token
    fed: int = 0  # prompt tokens evaluated
    copied: bool = False
    feed: list[int] = field(default_factory=list)  # generated/forced tokens waiting to be evaluated
    out: list[int] = field(default_factory=list)
    forced: int = 0  # tokens appended without sampling
    logprobs: list[float] = field(default_factory=list)  # of each sampled token, before the grammar mask
    how: str = ""  # prefix: cache (shared from a resident prefix), evaluated (computed for this request)
    t0: float = field(default_factory=time.perf_counter)
    t_prefix: float | None = None
    t_first: float | None = None
    result: GenResult | None = None  # set when finished
    stop: str = ""  # why it ended: stop (end of answer), length (max_tokens)
    evaluated: int = 0

    @property
    def generating(self) -> bool:
        return self.fed >= len(self.prompt) and self.copied_or_none

    @property
    def copied_or_none(self) -> bool:
        return self.prefix is None or self.copied
