"""The computer opponent: reads a player's view, emits ACTIONs (see docs/AI.md)."""
from .levels import LEVELS, Level, get_level
from .opponent import Opponent

__all__ = ["LEVELS", "Level", "Opponent", "get_level"]
