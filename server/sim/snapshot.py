"""Snapshots of a running game: the whole :class:`~.world.World` as bytes, and back.

``snapshot(game) -> bytes`` and ``restore(data) -> Game`` round-trip to the same
:meth:`Game.state_hash` *and* the same future: a restored game stepped with the same orders
goes exactly where the original goes. That is what lets a restarted server resume a room from
its latest keyframe and lets a replay seek to a keyframe instead of stepping from tick 0.

Why pickle: a World is a graph of small slotted objects (units, buildings, players, queue
items, resumable path searches that share the path grid); the C pickler copies it in a few
milliseconds with identities kept, where a hand-written JSON codec was several times slower
and had to be kept in step with every new field. Two things make it safe and small:

- loading goes through :class:`_Unpickler`, which only builds the engine's own classes and
  a few plain containers (a corrupt or hostile blob raises :class:`SnapshotError`, it cannot
  call anything else);
- derived data is left out: the path grid's neighbour lists and components are rebuilt from
  the blocked tiles (they were 40% of the bytes), rule objects are stored by name, and the
  order log (the game's inputs, stored by the caller) is not copied.

Every slot of ``World`` is stored, so state added to the world later (plans, projectiles) is
in snapshots without a change here, as long as it is made of engine classes and plain data.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import random
import struct
from array import array
from collections import OrderedDict, deque
from typing import Any

from . import rules as R
from .path import FieldJob, Grid
from .world import World

FORMAT = 2                      # bump when the byte layout below changes (2: path searches as raw doubles)
MAGIC = b"RANLSNAP"
_HEADER = struct.Struct(">8sH16s")   # magic, format, rules version (raw digest)
_SKIPPED = frozenset({"grid", "order_log"})


class SnapshotError(ValueError):
    """A snapshot that cannot be restored here: not a snapshot, corrupt, or another rules version."""


def rules_version() -> str:
    """A digest of every balance number the engine plays by (rules_table() and the other constants of rules.py).

    Two games with the same seed and orders play the same only under the same rules version; a
    replay or a snapshot made under another one is refused with a clear message instead of desyncing.
    """
    consts = {k: v for k, v in vars(R).items()
              if k.isupper() and isinstance(v, (int, float, str, tuple)) and not isinstance(v, bool)}
    blob = json.dumps({"table": R.rules_table(), "constants": consts}, sort_keys=True, default=repr)
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


# ---------------------------------------------------------------------- rebuilders (named in the pickle)
def _grid(width: int, height: int, labelled: bytes, blocked: bytes, version: int) -> Grid:
    """The path grid as it was: neighbours/components of the blocked tiles at its last relabel, current blocks."""
    g = Grid(width, height, bytearray(labelled))
    g.blocked = bytearray(blocked)
    g.version = version
    return g


def _field_job(state: dict[str, Any]) -> FieldJob:
    """A resumable path search as it was (its distances travel as raw doubles: 9x less pickling work)."""
    job = FieldJob.__new__(FieldJob)
    for name, value in state.items():
        setattr(job, name, array("d", value).tolist() if name == "dist" else value)
    return job


def _unit_rule(name: str) -> R.UnitType:
    return R.UNITS[name]


def _building_rule(name: str) -> R.BuildingType:
    return R.BUILDINGS[name]


def _reduce_grid(g: Grid) -> tuple:
    # A tile's component is -1 exactly when it was blocked at the last relabel, so the blocks
    # the neighbour lists were computed from are recoverable even while the grid is dirty.
    labelled = bytes(map((-1).__eq__, g.comp))    # components are >= -1: True (1) where blocked
    return (_grid, (g.w, g.h, labelled, bytes(g.blocked), g.version))


def _reduce_field_job(job: FieldJob) -> tuple:
    state = {name: getattr(job, name) for name in FieldJob.__slots__}
    state["dist"] = array("d", job.dist).tobytes()
    return (_field_job, (state,))


def _reduce_unit_rule(r: R.UnitType) -> tuple:
    return (_unit_rule, (r.name,))


def _reduce_building_rule(r: R.BuildingType) -> tuple:
    return (_building_rule, (r.name,))


_DISPATCH: dict[type, Any] = {Grid: _reduce_grid, FieldJob: _reduce_field_job, R.UnitType: _reduce_unit_rule,
                              R.BuildingType: _reduce_building_rule}


# ---------------------------------------------------------------------- snapshot / restore
def snapshot(game: Any) -> bytes:
    """The whole live state of ``game`` (a :class:`~.game.Game`) as bytes (uncompressed; callers compress)."""
    w: World = game.world
    state = {name: getattr(w, name) for name in World.__slots__ if name not in _SKIPPED}
    state["grid"] = w.grid                      # reduced by _reduce_grid; FieldJobs share it by memo
    parts = [_HEADER.pack(MAGIC, FORMAT, bytes.fromhex(rules_version()))]
    p = pickle.Pickler(_Sink(parts), protocol=5)
    p.dispatch_table = _DISPATCH
    p.dump(state)
    return b"".join(parts)


def check_header(data: bytes) -> None:
    """Check the header of ``data`` (magic, format, rules version); raises :class:`SnapshotError`."""
    if len(data) < _HEADER.size:
        raise SnapshotError("not a game snapshot (too short)")
    magic, fmt, rv = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise SnapshotError("not a game snapshot")
    if fmt != FORMAT:
        raise SnapshotError(f"snapshot format {fmt} is not supported (this server reads {FORMAT})")
    if rv.hex() != rules_version():
        raise SnapshotError(f"snapshot made under rules version {rv.hex()[:12]}, this server plays {rules_version()[:12]}")


def restore(data: bytes) -> Any:
    """A :class:`~.game.Game` in exactly the state :func:`snapshot` saw. Raises :class:`SnapshotError`."""
    from .game import Game  # game.py imports this module's users; keep the import graph acyclic

    check_header(data)
    try:
        state = _Unpickler(_Source(data, _HEADER.size)).load()
    except SnapshotError:
        raise
    except Exception as e:  # truncated or corrupt bytes surface as many exception types
        raise SnapshotError(f"corrupt snapshot ({type(e).__name__}: {e})") from None
    if not isinstance(state, dict) or not isinstance(state.get("grid"), Grid):
        raise SnapshotError("corrupt snapshot (no world state)")
    missing = [n for n in World.__slots__ if n not in state and n not in _SKIPPED]
    if missing:
        raise SnapshotError(f"snapshot lacks world fields {', '.join(missing)} (another engine version)")
    w = World.__new__(World)
    for name in World.__slots__:
        if name in state:
            setattr(w, name, state[name])
    w.order_log = []
    game = Game.__new__(Game)
    game.world = w
    return game


class _Sink:
    """The file a Pickler writes to (the engine imports no I/O modules, io included)."""

    def __init__(self, parts: list[bytes]) -> None:
        self.write = parts.append


class _Source:
    """The file an Unpickler reads from: a bytes object and a position."""

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = memoryview(data)
        self.pos = pos

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else min(len(self.data), self.pos + n)
        out = bytes(self.data[self.pos:end])
        self.pos = end
        return out

    def readline(self) -> bytes:
        rest = self.data[self.pos:]
        i = bytes(rest).find(b"\n")
        return self.read(len(rest) if i < 0 else i + 1)


_ALLOWED = {
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "bytearray"), ("builtins", "complex"),
}
_KNOWN = {("random", "Random"): random.Random, ("collections", "deque"): deque,
          ("collections", "OrderedDict"): OrderedDict}
_REBUILDERS = {"_grid": _grid, "_field_job": _field_job, "_unit_rule": _unit_rule, "_building_rule": _building_rule}


class _Unpickler(pickle.Unpickler):
    """Builds only the engine's classes, this module's rebuilders and a few plain containers."""

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name in _REBUILDERS:
            return _REBUILDERS[name]
        if (module, name) in _KNOWN:
            return _KNOWN[(module, name)]
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module.startswith("server.sim.") and not name.startswith("_"):
            obj = super().find_class(module, name)
            if isinstance(obj, type) and obj.__module__ == module:
                return obj
        raise SnapshotError(f"snapshot refers to {module}.{name}, which a snapshot may not build")
