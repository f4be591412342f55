"""A small threaded HTTP server on loopback that answers OAI-PMH requests with stored responses.

``answer`` is called with the query arguments of each request (a dict of single values) and returns
(status, headers, body); every request is recorded in ``requests``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).resolve().parent / "data"

Answer = Callable[[dict[str, str]], tuple[int, dict[str, str], bytes]]


def xml(name: str) -> tuple[int, dict[str, str], bytes]:
    """200 with the stored response ``name`` (a file in tests/data)."""
    return 200, {"Content-Type": "text/xml; charset=utf-8"}, (DATA / name).read_bytes()


def body(data: bytes, status: int = 200, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "text/xml; charset=utf-8", **headers}, data


class OaiTestServer:
    def __init__(self, answer: Answer):
        self.answer = answer
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # the name http.server calls
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                server.requests.append(query)
                status, headers, payload = server.answer(query)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/oai"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> OaiTestServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def verbs(self) -> list[str]:
        return [r.get("verb", "") for r in self.requests]
