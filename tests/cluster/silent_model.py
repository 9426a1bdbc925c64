"""A model server that is up but never answers (an overloaded llama-server):
`/v1/models` answers, a completion request is held open until the client
goes away. The cluster tests use it to keep language requests pending.

    python tests/cluster/silent_model.py PORT
"""

from __future__ import annotations

import json
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "silent", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.connection.settimeout(0.5)
        while True:  # until the client closes: a cancel or a timeout on its side
            try:
                if self.connection.recv(1, socket.MSG_PEEK) == b"":
                    return
            except TimeoutError:
                continue
            except OSError:
                return


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
