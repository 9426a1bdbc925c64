"""Chat prompts split into a fixed prefix and a changing suffix.

The worker caches the evaluated state of the prefix per task, so the split
point must not depend on the user text: the prefix is everything the chat
template writes before the user's message (system message included), the
suffix is the user's message and the assistant header that follows it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

_SENTINEL = "\x00USER\x00"


@dataclass(frozen=True)
class PromptParts:
    """A rendered prompt: ``prefix + suffix`` is what the model reads."""

    prefix: str
    suffix: str


def chatml(system: str, user: str) -> PromptParts:
    """ChatML, the template of SmolLM2 and Qwen (always with a system message)."""
    prefix = f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n"
    suffix = f"{user}<|im_end|>\n<|im_start|>assistant\n"
    return PromptParts(prefix, suffix)


class ChatTemplate:
    """Renders (system, user) with a model's own Jinja chat template.

    ChatML templates (detected by their ``<|im_start|>`` marker) are rendered
    directly, the common and fast case. Other templates are rendered through
    Jinja once with a sentinel user message and split around it.
    """

    def __init__(self, template: str | None, bos: str = "", eos: str = "") -> None:
        self.source = template or ""
        self.kind = "chatml"
        self._jinja: Any = None
        self._bos = bos
        self._eos = eos
        if self.source and "<|im_start|>" not in self.source:
            try:
                from jinja2.sandbox import ImmutableSandboxedEnvironment

                env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
                self._jinja = env.from_string(self.source)
                self.kind = "jinja"
            except Exception as exc:  # a template we cannot compile: ChatML is the best guess
                log.warning("chat template not usable (%s); falling back to ChatML", exc)

    def render(self, system: str, user: str) -> PromptParts:
        """Split prompt for this system message and user message."""
        if self._jinja is None:
            return chatml(system, user)
        text = self._jinja.render(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": _SENTINEL}],
            add_generation_prompt=True,
            bos_token=self._bos,
            eos_token=self._eos,
        )
        if _SENTINEL not in text:  # template dropped the message: fall back
            return chatml(system, user)
        prefix, rest = text.split(_SENTINEL, 1)
        return PromptParts(prefix, user + rest)
