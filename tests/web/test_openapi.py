"""The OpenAPI 3.1 description: valid, covering every route of the real app's
router, and matching what the server really receives and answers."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.conftest import make_settings


@pytest.fixture
async def server(aiohttp_server: Any) -> Any:
    from server.web.app import create_app

    return await aiohttp_server(create_app(make_settings(admin_token="op-secret")))


async def fetch_doc(server: Any) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(server.make_url("/api/openapi.json")) as r:
        assert r.status == 200
        return orjson.loads(await r.read())


def router_routes(app: Any) -> set[tuple[str, str]]:
    out = set()
    for route in app.router.routes():
        if route.method == "HEAD":
            continue  # aiohttp adds HEAD next to every GET
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or (info.get("prefix", "") + "/{filename}")
        out.add((route.method, path))
    return out


async def test_the_description_is_valid_openapi_31_and_covers_every_route(server: Any) -> None:
    doc = await fetch_doc(server)
    validate(doc)  # raises on an invalid OpenAPI 3.1 document
    assert doc["openapi"].startswith("3.1")
    described = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    routed = router_routes(server.app)
    missing = routed - described
    assert not missing, f"routes without a description (add them to server/web/openapi.py): {sorted(missing)}"
    assert described == routed, f"described but not routed: {sorted(described - routed)}"
    for path, ops in doc["paths"].items():
        for op in ops.values():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names == {part[1:-1] for part in path.split("/") if part.startswith("{")}, path


async def test_the_docs_page_lists_every_operation_without_scripts(server: Any) -> None:
    doc = await fetch_doc(server)
    async with aiohttp.ClientSession() as http, http.get(server.make_url("/api/docs")) as r:
        page = await r.text()
    assert r.status == 200 and r.content_type == "text/html"
    assert "<script" not in page and "http://" not in page.replace('href="/', "")
    for path, ops in doc["paths"].items():
        for method in ops:
            assert f"{method.upper()} {path}" in page


class Recorder:
    """Real requests against the real server, each checked against the description."""

    def __init__(self, server: Any, doc: dict[str, Any], http: aiohttp.ClientSession) -> None:
        self.server, self.doc, self.http = server, doc, http
        self.checked: list[tuple[str, str, int]] = []

    def _validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        return Draft202012Validator({**schema, "components": self.doc["components"]})

    async def __call__(self, method: str, template: str, path: str, body: Any = None,
                       headers: dict[str, str] | None = None) -> tuple[int, Any]:
        op = self.doc["paths"][template][method.lower()]
        if body is not None:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            self._validator(schema).validate(body)
        async with self.http.request(method, self.server.make_url(path), json=body, headers=headers) as r:
            raw = await r.read()
            status = r.status
            ctype = r.content_type
        assert str(status) in op["responses"], f"{method} {path}: {status} is not described"
        described = op["responses"][str(status)].get("content", {})
        if ctype == "application/json":
            assert "application/json" in described, f"{method} {path} {status}: JSON answer not described"
            data = orjson.loads(raw)
            schema = described["application/json"].get("schema")
            if schema:
                self._validator(schema).validate(data)
        else:
            data = raw
        self.checked.append((method, template, status))
        return status, data


async def test_recorded_requests_and_answers_fit_the_description(server: Any) -> None:
    doc = await fetch_doc(server)
    async with aiohttp.ClientSession() as http:
        rec = Recorder(server, doc, http)
        await rec("GET", "/", "/")
        await rec("GET", "/healthz", "/healthz")
        await rec("GET", "/metrics", "/metrics")
        await rec("GET", "/api/model/status", "/api/model/status")
        await rec("GET", "/api/nl/examples", "/api/nl/examples?lang=zh-TW")
        await rec("GET", "/api/nl/examples", "/api/nl/examples?lang=xx")
        await rec("GET", "/api/rules", "/api/rules")
        status, room = await rec("POST", "/api/rooms", "/api/rooms", {"difficulty": "easy"})
        assert status == 201
        status, seat = await rec("POST", "/api/rooms", "/api/rooms", {"difficulty": "easy", "seat": True})
        assert status == 201 and seat["player"] == 0
        rid, token = seat["room"], seat["token"]
        status, state = await rec("GET", "/api/rooms/{room}/state", f"/api/rooms/{rid}/state?player=0&token={token}")
        assert status == 200 and state["type"] == "state"
        await rec("GET", "/api/rooms/{room}/state", f"/api/rooms/{rid}/state?player=0&token=wrong")
        await rec("GET", "/api/rooms/{room}/state", f"/api/rooms/nope/state?player=0&token={token}")
        status, answer = await rec("POST", "/api/rooms/{room}/actions", f"/api/rooms/{rid}/actions",
                                   {"player": 0, "token": token,
                                    "actions": [{"action": "build_building", "building_type": "power_plant"},
                                                {"action": "build_unit", "unit_type": "tank"}]})
        assert status == 200 and [r["ok"] for r in answer["results"]] == [True, False]
        await rec("POST", "/api/rooms/{room}/actions", f"/api/rooms/{rid}/actions",
                  {"player": 0, "token": "wrong", "actions": [{"action": "stop", "units": {"type": "all"}}]})
        status, answer = await rec("POST", "/api/nl/translate", "/api/nl/translate",
                                   {"text": "train 2 infantry", "room": rid, "player": 0, "token": token, "wait": 5})
        assert status == 200 and answer["status"] == "completed"
        await rec("GET", "/api/nl/requests/{request_id}", f"/api/nl/requests/{answer['request_id']}")
        await rec("DELETE", "/api/nl/requests/{request_id}", f"/api/nl/requests/{answer['request_id']}")
        await rec("POST", "/api/nl/translate", "/api/nl/translate", {"text": "build a barracks", "lang": "en"})
        await rec("GET", "/api/nl/requests/{request_id}", "/api/nl/requests/unknown")
        admin = {"Authorization": "Bearer op-secret"}
        await rec("GET", "/api/admin/rooms", "/api/admin/rooms", headers=admin)
        await rec("GET", "/api/admin/runtime", "/api/admin/runtime", headers=admin)
        await rec("GET", "/api/admin/runtime", "/api/admin/runtime")
        await rec("GET", "/api/openapi.json", "/api/openapi.json")
        await rec("GET", "/api/docs", "/api/docs")
    statuses = {(m, t, s) for m, t, s in rec.checked}
    assert ("GET", "/api/rooms/{room}/state", 403) in statuses
    assert ("POST", "/api/rooms/{room}/actions", 403) in statuses
    assert ("GET", "/api/rooms/{room}/state", 404) in statuses
