"""Choosing a player's language from a query parameter or Accept-Language."""

from __future__ import annotations

from ..nl.lang import normalize_lang
from ..protocol import LANGUAGES


def pick_language(explicit: str | None, accept_language: str | None) -> str:
    if explicit in LANGUAGES:
        return explicit  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        lang = normalize_lang(part.split(";")[0])
        if lang is not None:
            return lang
    return "en"
