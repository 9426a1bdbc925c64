"""Run app.py with a garbage-collector probe: every collection's generation
and duration are recorded and, at exit (SIGTERM included), a summary is
written to $GC_PROBE_OUT (JSON). Used by `bench_server.py tick --gc-probe`
to check whether the longest ticks are collector pauses.

    GC_PROBE_OUT=/tmp/gc.json python bench/gc_probe.py     # instead of python app.py

GC_PROBE_THRESHOLD2=N sets the collector's third threshold (a what-if: with
a huge N no full collection runs during a benchmark).
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_start: list[float] = [0.0]
pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
collected: dict[int, int] = {0: 0, 1: 0, 2: 0}


def _cb(phase: str, info: dict) -> None:
    if phase == "start":
        _start[0] = time.perf_counter()
    else:
        g = info.get("generation", 0)
        pauses[g].append((time.perf_counter() - _start[0]) * 1000.0)
        collected[g] += info.get("collected", 0)


def _dump(*_: object) -> None:
    out = os.environ.get("GC_PROBE_OUT")
    if out:
        def summ(xs: list[float]) -> dict[str, float]:
            s = sorted(xs)
            return {"n": len(s), "p50": round(s[len(s) // 2], 2), "p99": round(s[int(0.99 * (len(s) - 1))], 2),
                    "max": round(s[-1], 2), "over_20ms": sum(1 for x in s if x > 20),
                    "over_50ms": sum(1 for x in s if x > 50)} if s else {"n": 0}
        Path(out).write_text(json.dumps({"gen": {g: summ(v) for g, v in pauses.items()},
                                         "collected": collected, "thresholds": gc.get_threshold(),
                                         "objects_at_exit": len(gc.get_objects()),
                                         "gen2_pauses_ms": [round(x, 1) for x in pauses[2]]}, indent=1))


def _term(signum: int, frame: object) -> None:
    _dump()
    sys.exit(0)


gc.callbacks.append(_cb)
if os.environ.get("GC_PROBE_THRESHOLD2"):  # what-if: e.g. 1000000 = no automatic full collection in a run
    t0, t1, _ = gc.get_threshold()
    gc.set_threshold(t0, t1, int(os.environ["GC_PROBE_THRESHOLD2"]))
signal.signal(signal.SIGTERM, _term)
sys.argv = [str(ROOT / "app.py")]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
try:
    runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
finally:
    _dump()
