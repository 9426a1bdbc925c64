"""The model worker: the one local LLM of the process, behind a priority queue.

Knows nothing of the game. The only package of the project that imports
``llama_cpp`` (lazily, when the local backend loads). See docs/MODEL.md.
"""

from .backends import (
    Backend,
    GenParams,
    GenResult,
    GrammarError,
    ModelAlreadyLoaded,
    ModelLoadError,
    RemoteBackend,
    model_in_process,
    process_loads,
)
from .local import LocalBackend
from .prompt import ChatTemplate, PromptParts, chatml
from .request import (
    CANCELLED,
    COMPLETED,
    FAILED,
    FINISHED,
    PENDING,
    PROCESSING,
    TIMEOUT,
    LLMRequest,
    QueueFull,
)
from .settings import LLMSettings, embedded_model_path
from .worker import ModelWorker

__all__ = [
    "CANCELLED",
    "COMPLETED",
    "FAILED",
    "FINISHED",
    "PENDING",
    "PROCESSING",
    "TIMEOUT",
    "Backend",
    "ChatTemplate",
    "GenParams",
    "GenResult",
    "GrammarError",
    "LLMRequest",
    "LLMSettings",
    "LocalBackend",
    "ModelAlreadyLoaded",
    "ModelLoadError",
    "ModelWorker",
    "PromptParts",
    "QueueFull",
    "RemoteBackend",
    "chatml",
    "embedded_model_path",
    "model_in_process",
    "process_loads",
]
