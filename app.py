"""Entry point: `python app.py` serves the game on $HOST:$PORT (default 0.0.0.0:7860)."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from server.settings import Settings
from server.web.app import create_app

LOG_FORMAT = "%(asctime)s %(levelname)-7s [%(name)s] %(message)s"


def main() -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        logging.getLogger("web").error("configuration error: %s", exc)
        return 2
    logging.getLogger().setLevel(settings.log_level.upper())
    logging.getLogger("web").info("serving on http://%s:%d", settings.host, settings.port)
    # SIGTERM/SIGINT end run_app gracefully: on_shutdown closes every socket
    # with 1001, cleanup contexts stop the rooms and free the model.
    web.run_app(create_app(settings), host=settings.host, port=settings.port, shutdown_timeout=3.0,
                print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
