"""The replay routes against the real app (aiohttp test server, real rooms ticking, a real game log):
live games are listed and replayable, frames follow the game, the log's size is in /metrics, and every
kind of bad input gets a clear answer while the rooms keep running."""

from __future__ import annotations

import asyncio
import gzip
import io
from pathlib import Path
from typing import Any

import orjson

from server import keys
from server.protocol import apply_delta


async def wait_tick(room: Any, tick: int, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while room.tick < tick:
        assert asyncio.get_running_loop().time() < deadline, "the room stopped ticking"
        await asyncio.sleep(0.05)


async def test_a_live_game_is_listed_and_its_frames_replay_it(app_client: Any, tmp_path: Path) -> None:
    client = await app_client(data_dir=str(tmp_path / "data"))
    resp = await client.post("/api/rooms", json={"difficulty": "hard", "seed": 7})
    room_id = (await resp.json())["room"]
    room = client.app[keys.ROOMS].get(room_id)
    await wait_tick(room, 230)                        # past the first keyframe after tick 0 and a flush
    client.app[keys.REPLAYS].log.flush()
    listing = await (await client.get("/api/replays")).json()
    assert listing["recording"] is True
    game = next(g for g in listing["games"] if g["id"] == room_id)
    assert game["status"] == "live" and game["difficulty"] == "hard" and game["players"] == ["open", "ai"]
    assert "token" not in orjson.dumps(listing).decode()
    info = await (await client.get(f"/api/replays/{room_id}/info")).json()
    assert info["map"]["width"] == 64 and 0 in info["keyframes"] and 200 in info["keyframes"]
    assert any(e["kind"] == "order" and e["player"] == 1 for e in info["timeline"])   # the computer's orders
    frames = await (await client.get(f"/api/replays/{room_id}/frames?from=190&stride=2&count=5&view=1")).json()
    ticks = [f["tick"] for f in frames["frames"]]
    assert ticks == [190, 192, 194, 196, 198] and frames["desync"] is None
    assert frames["frames"][0]["type"] == "state" and all(f["type"] == "delta" for f in frames["frames"][1:])
    state = {k: v for k, v in frames["frames"][0].items() if k != "type"}
    for d in frames["frames"][1:]:
        state = apply_delta(state, d)
    assert state["tick"] == 198 and state["player"]["id"] == 1
    metrics = (await (await client.get("/metrics")).read()).decode()
    size = next(line for line in metrics.splitlines() if line.startswith("rts_gamelog_bytes "))
    assert float(size.split()[1]) > 0


async def test_words_and_what_they_became_are_on_the_timeline(app_client: Any, ws_connect: Any,
                                                               tmp_path: Path) -> None:
    client = await app_client(data_dir=str(tmp_path / "data"))
    probe = await ws_connect(client, "?as=player")
    welcome = await probe.wait_for("welcome")
    room_id = welcome["room"]
    assert welcome["replay"] == f"/replays/{room_id}" and "restored" not in welcome
    await probe.send({"type": "nl", "text": "build a power plant", "lang": "en", "ref": "w1"})
    result = await probe.wait_for("nl_result", timeout=20)
    assert result["executed"] is True
    client.app[keys.REPLAYS].log.flush()
    await asyncio.sleep(0.6)                         # the room hands its records over every 10 ticks
    client.app[keys.REPLAYS].log.flush()
    info = await (await client.get(f"/api/replays/{room_id}/info")).json()
    words = [e for e in info["timeline"] if e["kind"] == "nl"]
    assert len(words) == 1 and words[0]["text"] == "build a power plant" and words[0]["player"] == 0
    assert words[0]["actions"][0]["building_type"] == "power_plant" and words[0]["results"][0]["ok"] is True
    orders = [e for e in info["timeline"] if e["kind"] == "order" and e["player"] == 0]
    assert orders and orders[0]["action"]["building_type"] == "power_plant"   # and the order it became


async def test_bad_input_gets_clear_answers_and_the_room_keeps_ticking(app_client: Any, tmp_path: Path) -> None:
    client = await app_client(data_dir=str(tmp_path / "data"))
    room_id = (await (await client.post("/api/rooms", json={})).json())["room"]
    room = client.app[keys.ROOMS].get(room_id)
    await wait_tick(room, 20)
    r = await client.get("/api/replays/nope/info")
    assert r.status == 404 and (await r.json())["error"] == "unknown replay"
    r = await client.get("/api/replays/nope")
    assert r.status == 404
    r = await client.get("/replays/nope")
    assert r.status == 404 and "text/html" in r.headers["Content-Type"]
    for query in ("from=-1", "stride=0", "stride=65", "count=81", "view=2", "from=abc"):
        r = await client.get(f"/api/replays/{room_id}/frames?{query}")
        assert r.status == 400, query
        assert "error" in await r.json()
    for body, reason in ((b"hello", "not a replay"), (b"", "empty"), (gzip.compress(b"\x00" * 100), "not a replay"),
                         (b"\x1f\x8b broken gzip", "gzipped")):
        r = await client.post("/api/replays", data=body)
        assert r.status == 400
        assert reason in (await r.json())["error"]
    r = await client.post("/api/replays", data=io.BytesIO(b"x" * (8 * 1024 * 1024 + 10)))
    assert r.status == 413
    before = room.tick
    await wait_tick(room, before + 10)                 # unaffected
    assert room.errors == 0


async def test_a_downloaded_file_uploads_as_a_new_replay(app_client: Any, tmp_path: Path) -> None:
    client = await app_client(data_dir=str(tmp_path / "data"))
    room_id = (await (await client.post("/api/rooms", json={"seed": 3})).json())["room"]
    room = client.app[keys.ROOMS].get(room_id)
    await wait_tick(room, 120)
    client.app[keys.REPLAYS].log.flush()
    r = await client.get(f"/api/replays/{room_id}")
    assert r.status == 200 and "attachment" in r.headers["Content-Disposition"]
    data = await r.read()
    r = await client.post("/api/replays", data=gzip.compress(data))
    assert r.status == 201
    new = await r.json()
    assert new["url"] == f"/replays/{new['id']}"
    frames = await (await client.get(f"/api/replays/{new['id']}/frames?from=100&count=1")).json()
    assert frames["frames"][0]["tick"] == 100 and frames["checked"] >= 1 and frames["desync"] is None
    page = await client.get(new["url"])
    assert page.status == 200 and "replay.js" in await page.text()


async def test_an_unusable_data_dir_leaves_the_server_playing_without_recording(app_client: Any,
                                                                              tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    client = await app_client(data_dir=str(blocker / "data"))
    room_id = (await (await client.post("/api/rooms", json={})).json())["room"]
    await wait_tick(client.app[keys.ROOMS].get(room_id), 10)
    listing = await (await client.get("/api/replays")).json()
    assert listing == {"games": [], "recording": False}
    r = await client.get(f"/api/replays/{room_id}/info")
    assert r.status == 503 and "not recorded" in (await r.json())["error"]
    page = await (await client.get("/replays")).text()
    assert "not recorded" in page
