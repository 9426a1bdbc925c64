"""`python -m server.mcp`: the game's MCP server over stdio, for desktop MCP clients.

It runs the whole game server in this process (rooms, language model, the web
page on `--port`) and serves the MCP tools on stdin/stdout. In-process rather
than a relay to a running server: a desktop client starts it with one command
and nothing else to run, the agent's games are real rooms that a person can
open in the browser at the printed address (to play against the agent or to
watch it), and the tools go through exactly the same `SeatService` as
`/mcp`. To play on a server that already runs (a HuggingFace Space), point
an MCP client at its `/mcp` URL instead (docs/AGENTS.md).

stdout carries only MCP messages; logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from aiohttp import web
from mcp.server.stdio import stdio_server

from .. import keys
from ..settings import Settings
from .tools import build_server


async def serve(settings: Settings) -> None:
    from ..web.app import create_app  # the web layer sits above this package

    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    for address in runner.addresses:
        print(f"game server at http://{address[0]}:{address[1]}/ (MCP on stdio)", file=sys.stderr, flush=True)
    try:
        server = build_server(app[keys.SEATS])
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server.mcp", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=None, help="interface for the web page (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port for the web page (default: PORT; 0 = any free)")
    args = parser.parse_args(argv)
    overrides: dict[str, object] = {"host": args.host or "127.0.0.1"}
    if args.port is not None:
        overrides["port"] = args.port
    settings = Settings.from_env(**overrides)
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
