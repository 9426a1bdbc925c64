"""Game nodes as real processes: `python app.py` on loopback ports, each with
its own PORT, NODE_ID and NODE_URL, all on one redis-server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from tests.conftest import ROOT, free_port

# Fast heartbeats so a killed node is noticed in about two seconds.
HEARTBEAT_S = 0.5
TTL_S = 2.0


class Node:
    def __init__(self, node_id: str, redis_url: str, prefix: str, logdir: Path, **env: str) -> None:
        self.id = node_id
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), "NODE_ID": node_id,
                    "NODE_URL": env.pop("NODE_URL", self.url), "REDIS_URL": redis_url, "REDIS_PREFIX": prefix,
                    "LLM_BACKEND": "disabled", "ANALYSIS_INTERVAL_S": "0",
                    "NODE_HEARTBEAT_S": str(HEARTBEAT_S), "NODE_TTL_S": str(TTL_S), **env}
        self.log_path = logdir / f"{node_id}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Node:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    def wait_healthy(self, limit: float = 120.0) -> None:  # imports alone take 8 s on a busy 2-core box
        assert self.proc is not None
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"node {self.id} exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=0.5) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"node {self.id} not healthy within {limit} s:\n{self.log()}")

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=5) as resp:
            return orjson.loads(resp.read())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no goodbye, no cleanup; the directory must notice by expiry."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def restart(self) -> Node:
        """The same node again (same id, port, URL and settings), as after a deployment."""
        self.stop()
        self.start()
        self.wait_healthy()
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_nodes(count: int, redis_url: str, prefix: str, logdir: Path, *, name: str = "node",
                **env: str) -> list[Node]:
    """Start `count` nodes named <name>1.. (in parallel: each takes a second or two to import)."""
    nodes = [Node(f"{name}{i + 1}", redis_url, prefix, logdir, **env) for i in range(count)]
    for n in nodes:
        n.start()
    try:
        for n in nodes:
            n.wait_healthy()
    except BaseException:
        for n in nodes:
            n.stop()
        raise
    return nodes
