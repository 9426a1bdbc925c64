"""Pure, synchronous, deterministic game engine (see docs/ARCHITECTURE.md, server.sim)."""
from .game import Game, OrderResult

__all__ = ["Game", "OrderResult"]
