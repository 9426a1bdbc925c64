"""The prefix (task) cache: task prefixes resident in the KV cache, shared by the requests of a task."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from .prompt import PromptParts
from .sequences import Prefix, Sequence
from .settings import LLMSettings


class PrefixCache:
    """The KV side of :class:`server.llm.local.LocalBackend` (a mixin): which prefixes are
    resident (as sequences ``0 .. prefix_slots-1``, least recently used first), how many
    cells are reserved, and sharing a ready prefix with a sequence by ``llama_memory_seq_cp``."""

    settings: LLMSettings
    prefix_slots: int
    _lc: Any
    _mem: Any
    _model: Any
    _kv_size: int
    _prefixes: OrderedDict[tuple[int, int], Prefix]
    _prefix_tokens: OrderedDict[str, list[int]]
    _running: list[Sequence]

    # -- prompts -------------------------------------------------------------
    def _tokens_of_prefix(self, prefix: str) -> list[int]:
        toks = self._prefix_tokens.get(prefix)
        if toks is None:
            toks = self._model.tokenize(prefix.encode("utf-8"), add_bos=self._model.add_bos_token(), special=True)
            self._prefix_tokens[prefix] = toks
            while len(self._prefix_tokens) > 4 * max(1, self.settings.prefix_cache_size):
                self._prefix_tokens.popitem(last=False)
        return toks

    def _suffix_tokens(self, parts: PromptParts, user: str) -> list[int]:
        # The user's text is tokenized with special=False so that a player
        # typing "<|im_end|>" cannot close the turn; the template tail is ours.
        assert parts.suffix.startswith(user)
        tail = parts.suffix[len(user):]
        m = self._model
        return m.tokenize(user.encode("utf-8"), add_bos=False, special=False) + m.tokenize(
            tail.encode("utf-8"), add_bos=False, special=True)

    # -- KV accounting ---------------------------------------------------------
    def _reserved(self) -> int:
        return sum(len(p.tokens) for p in self._prefixes.values()) + sum(s.reserved for s in self._running)

    def _evict_prefixes(self, need: int) -> None:
        """Drop resident prefixes nobody uses (least recent first) until ``need`` cells are free."""
        for key in list(self._prefixes):
            if self._kv_size - self._reserved() >= need:
                return
            p = self._prefixes[key]
            if p.users == 0:
                self._lc.llama_memory_seq_rm(self._mem, p.seq, -1, -1)
                del self._prefixes[key]

    def _prefix_seq(self) -> int | None:
        used = {p.seq for p in self._prefixes.values()}
        for seq in range(self.prefix_slots):
            if seq not in used:
                return seq
        for key, p in list(self._prefixes.items()):  # LRU first
            if p.users == 0:
                self._lc.llama_memory_seq_rm(self._mem, p.seq, -1, -1)
                del self._prefixes[key]
                return p.seq
        return None

    def _attach_prefix(self, s: Sequence) -> None:
        """Share a ready prefix's cells with the sequence (seq_cp tags the same cells)."""
        p = s.prefix
        if p is None or s.copied or not p.ready:
            return
        self._lc.llama_memory_seq_cp(self._mem, p.seq, s.seq, -1, -1)
        s.copied = True
        s.t_prefix = time.perf_counter()
