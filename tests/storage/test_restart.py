"""Nothing lost on a restart: the real server killed with SIGKILL mid-game (a real WebSocket client holding
a seat, a building built), started again on the same DATA_DIR; the client reconnects with its token and
finds the same game. A graceful stop (SIGTERM) loses nothing at all."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import ClientSession

from server.protocol import apply_delta
from server.storage.gamelog import GameLog
from server.storage.replay import Replay
from tests.conftest import WSProbe
from tests.web.test_process import start_server, wait_healthy

pytestmark = pytest.mark.timeout(240)


class Player:
    """A real WebSocket client that keeps the full state its deltas describe."""

    def __init__(self, probe: WSProbe) -> None:
        self.probe = probe
        self.state: dict[str, Any] | None = None

    async def pump(self, until: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = await self.probe.next(timeout=max(0.1, deadline - time.monotonic()))
            if m.get("type") == "state":
                self.state = {k: v for k, v in m.items() if k != "type"}
            elif m.get("type") == "delta" and self.state is not None and m.get("base") == self.state["tick"]:
                self.state = apply_delta(self.state, m)
            else:
                continue
            if until(self.state):
                return self.state
        raise TimeoutError("the game never reached the expected state")


def own(state: dict[str, Any], kind: str, player: int = 0) -> set[tuple[Any, ...]]:
    if kind == "buildings":
        return {(b["id"], b["type"], b["x"], b["y"]) for b in state["buildings"] if b["owner"] == player}
    return {(u["id"], u["type"]) for u in state["units"] if u["owner"] == player}


def built(state: dict[str, Any], btype: str) -> bool:
    return any(b["type"] == btype and b["owner"] == 0 and b.get("built", 1) >= 1 and not b.get("stale")
               for b in state["buildings"])


def stop(proc: subprocess.Popen[bytes], sig: int) -> str:
    proc.send_signal(sig)
    try:
        out = proc.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        out = proc.communicate()[0]
    return out.decode(errors="replace")


def replay_info(url: str, room: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/api/replays/{room}/info", timeout=10) as resp:
        return orjson.loads(resp.read())


async def test_sigkill_mid_game_then_restart_gives_the_same_game_back(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"DATA_DIR": str(data_dir), "LLM_BACKEND": "disabled"}
    proc, url = start_server(**env)
    procs = [proc]
    try:
        wait_healthy(url, proc, limit=30)
        async with ClientSession() as session:
            ws = await session.ws_connect(url.replace("http", "ws") + "/ws?as=player")
            player = Player(WSProbe(ws))
            welcome = await player.probe.wait_for("welcome")
            room, token = welcome["room"], welcome["token"]
            assert welcome["player"] == 0 and token and not welcome.get("restored")
            await player.probe.send({"type": "command", "ref": 1,
                                     "action": {"action": "build_building", "building_type": "power_plant"}})
            await player.pump(lambda s: built(s, "power_plant"), timeout=90)
            await player.probe.send({"type": "command", "ref": 2,
                                     "action": {"action": "build_unit", "unit_type": "infantry", "count": 3}})
            before = await player.pump(lambda s: sum(1 for u in s["units"] if u["owner"] == 0
                                                     and u["type"] == "infantry") >= 1, timeout=60)
            await asyncio.sleep(0.3)            # the game goes on; the last ticks are what a crash may lose
            before = await player.pump(lambda s: True, timeout=5)
            proc.kill()                          # SIGKILL: no shutdown code runs
            proc.communicate()
            await ws.close()

        proc, url2 = start_server(**env)
        procs.append(proc)
        wait_healthy(url2, proc, limit=60)
        async with ClientSession() as session:
            ws = await session.ws_connect(url2.replace("http", "ws") + f"/ws?room={room}&as=player&token={token}")
            player = Player(WSProbe(ws))
            welcome = await player.probe.wait_for("welcome")
            assert welcome["room"] == room and welcome["player"] == 0 and welcome["token"] == token
            assert welcome.get("restored") is True and welcome["replay"] == f"/replays/{room}"
            after = await player.pump(lambda s: s["tick"] >= before["tick"], timeout=30)
            # same game: every building and unit of the player is still there (nothing fights this early)
            assert own(before, "buildings") <= own(after, "buildings")
            assert built(after, "power_plant")
            assert own(before, "units") <= own(after, "units")
            assert after["player"]["credits"] <= before["player"]["credits"] + 500   # not a fresh 5,000
            info = replay_info(url2, room)
            restored_at = [e["tick"] for e in info["timeline"] if e["kind"] == "restored"]
            assert len(restored_at) == 1 and abs(restored_at[0] - before["tick"]) <= 20
            # play on past the next stored hash, so the check below covers the game after the restart
            await player.pump(lambda s: s["tick"] >= restored_at[0] + 110, timeout=30)
            await ws.close()
        out = stop(proc, signal.SIGTERM)
        assert "Traceback" not in out
    finally:
        for p in procs:
            if p is not None and p.poll() is None:
                p.kill()
                p.communicate()
    # the log, played from tick 0, goes through every stored hash, before the crash and after it
    gamelog = GameLog.open_dir(data_dir)
    try:
        replay = Replay.from_log(gamelog, room)
        checked, desync = replay.verify()
        assert desync is None
        hashes = {r.tick for r in gamelog.records(room, kinds=("hash",))}
        assert checked == len(hashes) and max(hashes) > restored_at[0]
    finally:
        gamelog.close()


async def test_sigterm_loses_nothing_and_the_game_resumes_at_the_same_tick(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"DATA_DIR": str(data_dir), "LLM_BACKEND": "disabled"}
    proc, url = start_server(**env)
    try:
        wait_healthy(url, proc, limit=30)
        async with ClientSession() as session:
            ws = await session.ws_connect(url.replace("http", "ws") + "/ws?as=player")
            player = Player(WSProbe(ws))
            welcome = await player.probe.wait_for("welcome")
            room, token = welcome["room"], welcome["token"]
            await player.probe.send({"type": "command", "ref": 1,
                                     "action": {"action": "build_building", "building_type": "power_plant"}})
            assert (await player.probe.wait_for("command_result"))["ok"]
            before = await player.pump(lambda s: s["tick"] >= 60, timeout=30)
            out = stop(proc, signal.SIGTERM)
            assert "Traceback" not in out
        gamelog = GameLog.open_dir(data_dir)
        try:
            g = gamelog.game(room)
            assert g is not None and g.status == "live" and g.last_tick >= before["tick"]
            orders = gamelog.records(room, kinds=("order",))
            assert any(r.player == 0 and r.body.get("building_type") == "power_plant" for r in orders)
        finally:
            gamelog.close()
        proc, url = start_server(**env)
        wait_healthy(url, proc, limit=60)
        info = replay_info(url, room)
        restored_at = [e["tick"] for e in info["timeline"] if e["kind"] == "restored"]
        assert restored_at == [g.last_tick]          # not one tick lost
        async with ClientSession() as session:
            ws = await session.ws_connect(url.replace("http", "ws") + f"/ws?room={room}&token={token}")
            welcome = await WSProbe(ws).wait_for("welcome")
            assert welcome["player"] == 0 and welcome.get("restored") is True
            await ws.close()
        stop(proc, signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
