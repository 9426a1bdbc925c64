"""deploy/compose.yaml and deploy/nginx.conf agree with each other and with
the server's settings (Docker cannot run here: what can be checked by reading
is checked here; the proxy itself runs in test_proxy.py)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

from server.cluster import valid_node_id
from server.settings import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


def nginx() -> str:
    return (DEPLOY / "nginx.conf").read_text()


def substituted(value: str) -> str:
    """Compose's ${VAR:-default} with VAR unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


def game_services() -> dict[str, dict[str, str]]:
    services = compose()["services"]
    return {name: {k: substituted(v) for k, v in svc["environment"].items()}
            for name, svc in services.items() if "NODE_ID" in svc.get("environment", {})}


def upstream(conf: str, name: str) -> list[str]:
    block = re.search(r"upstream " + re.escape(name) + r" \{(.*?)\}", conf, re.S)
    assert block, f"no upstream {name}"
    return [line.strip().rstrip(";") for line in block.group(1).splitlines() if line.strip().startswith("server ")]


def test_every_game_node_is_a_valid_configuration() -> None:
    known = {f.metadata["env"] for f in dataclasses.fields(Settings)}
    games = game_services()
    assert len(games) >= 2
    for name, env in games.items():
        assert set(env) <= known, f"{name}: unknown settings {set(env) - known}"
        settings = Settings.from_env(env)  # raises on a bad value
        assert settings.redis_url and settings.node_id == name and valid_node_id(name)
        assert settings.node_ttl_s >= 2 * settings.node_heartbeat_s
        assert settings.llm_backend == "remote"
    assert len({env["NODE_ID"] for env in games.values()}) == len(games)


def test_nginx_routes_to_exactly_the_game_nodes_with_the_others_as_backup() -> None:
    conf = nginx()
    games = sorted(game_services())
    mapped = re.search(r'map "\$query_node\$path_node" \$game_upstream \{(.*?)\}', conf, re.S)
    assert mapped
    entries = dict(line.strip().rstrip(";").split() for line in mapped.group(1).splitlines() if line.strip())
    assert entries.pop("default") == "game_any"
    assert entries == {g: g for g in games}
    assert sorted(s.split()[1] for s in upstream(conf, "game_any")) == [f"{g}:7860" for g in games]
    for g in games:
        servers = upstream(conf, g)
        assert servers[0].startswith(f"server {g}:7860 ")
        assert sorted(s.split()[1] for s in servers[1:]) == [f"{o}:7860" for o in games if o != g]
        assert all(s.endswith(" backup") for s in servers[1:])


def test_model_pool_and_proxy_ports_agree() -> None:
    services = compose()["services"]
    conf = nginx()
    models = sorted(name for name, svc in services.items() if str(svc.get("image", "")).startswith(
        "ghcr.io/ggml-org/llama.cpp:server"))
    assert len(models) >= 1
    assert sorted(s.split()[1] for s in upstream(conf, "models")) == [f"{m}:8080" for m in models]
    for m in models:
        command = services[m]["command"]
        assert command[command.index("--port") + 1] == "8080"
        assert "--parallel" in command
    listens = re.findall(r"listen (\d+);", conf)
    for env in game_services().values():
        host, port = re.match(r"http://([^:/]+):(\d+)", env["LLM_REMOTE_URL"]).groups()  # type: ignore[union-attr]
        assert host == "proxy" and port in listens
    published = services["proxy"]["ports"][0].split(":")[-1]
    assert published in listens
    assert any(env["NODE_URL"].endswith(f":{services['proxy']['ports'][0].split(':')[0]}")
               for env in game_services().values())


def test_images_build_from_the_repository_root_without_the_developers_files() -> None:
    for name, svc in compose()["services"].items():
        build = svc.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            assert context == ROOT.resolve() and (context / build["dockerfile"]).exists(), name
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", "models", "artifacts", ".git"} <= ignored
    # Nothing the image needs is ignored.
    for needed in ("app.py", "server", "static", "templates", "requirements.txt", "scripts"):
        assert needed not in ignored and Path(ROOT / needed).exists()
