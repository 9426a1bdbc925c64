"""Choosing a player's language from a query parameter or Accept-Language."""

from __future__ import annotations

from ..protocol import LANGUAGES


def pick_language(explicit: str | None, accept_language: str | None) -> str:
    if explicit in LANGUAGES:
        return explicit  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-TW"
        if tag.startswith("fr"):
            return "fr"
        if tag.startswith("en"):
            return "en"
    return "en"
