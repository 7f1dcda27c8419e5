"""A loopback HTTP server for an embedded app's pages in browser journeys: another origin
than the marketplace's live server, as an app's own site is."""

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


class PagesServer:
    """Serves ``pages`` (path -> text, or a callable of the query's parameters returning
    it) and, under ``/files/``, the files of ``root``; 404 for anything else."""

    def __init__(
        self, pages: dict[str, str | Callable[[dict[str, str]], str]], root: Path | None = None
    ):
        server = self
        self.pages = pages
        self.root = root

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                found = server.find(parts.path, dict(parse_qsl(parts.query)))
                if found is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                content_type, data = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def find(self, path: str, query: dict[str, str]) -> tuple[str, bytes] | None:
        if path in self.pages:
            page = self.pages[path]
            return TYPES[".html"], (page(query) if callable(page) else page).encode()
        if self.root is not None and path.startswith("/files/"):
            file = (self.root / path.removeprefix("/files/")).resolve()
            if file.is_file() and file.is_relative_to(self.root.resolve()):
                return TYPES.get(file.suffix, "application/octet-stream"), file.read_bytes()
        return None

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
