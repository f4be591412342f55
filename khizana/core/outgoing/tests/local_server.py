"""An HTTP server on loopback for tests: ``answer(path)`` gives (status, headers, body); every request
it receives is recorded as (path, Host header) in ``requests``."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = Callable[[str], tuple[int, dict[str, str], bytes]]


def ok(body: bytes = b"ok") -> Answer:
    return lambda path: (200, {"Content-Type": "text/plain"}, body)


def redirect(location: str, status: int = 302) -> Answer:
    return lambda path: (status, {"Location": location}, b"")


class LocalServer:
    def __init__(self, answer: Answer, *, certificate: tuple[str, str] | None = None):
        """``certificate``: (certificate file, key file) to serve HTTPS."""
        self.answer = answer
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # the name http.server calls
                server.requests.append((self.path, self.headers.get("Host", "")))
                status, headers, payload = server.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if certificate:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*certificate)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"{'https' if certificate else 'http'}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
