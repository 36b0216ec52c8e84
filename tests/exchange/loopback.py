"""Small HTTP servers on loopback for the webhook and backflow tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Respond = Callable[[BaseHTTPRequestHandler, bytes], tuple[int, bytes, str]]


@contextmanager
def serve(respond: Respond) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Yields (base URL, calls); each call records path, headers and body."""
    calls: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            calls.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status, payload, kind = respond(self, body)
            if status == 0:  # hang: the client's timeout must fire
                time.sleep(2)
                status = 200
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", calls
    finally:
        server.shutdown()
        server.server_close()


def json_body(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()
