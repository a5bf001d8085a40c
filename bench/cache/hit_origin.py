#!/usr/bin/python3
"""The origin of bench/cache/hit: GET /obj/<bytes> answers <bytes> bytes of
a fixed pattern with `Cache-Control: public, max-age=3600`, an ETag and a
Last-Modified, so every cache stores it with its own defaults (no per-cache
TTL setting). GET /count answers how many /obj requests it has served (the
bench checks that a timed run sent none: all hits). HTTP/1.1 keep-alive,
127.0.0.1 only. Usage: hit_origin.py PORT"""
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNT = 0
LOCK = threading.Lock()
LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        global COUNT
        if self.path == "/count":
            with LOCK:
                body = str(COUNT).encode()
            ctype, extra = "text/plain", {"Cache-Control": "no-store"}
        elif self.path.startswith("/obj/") and self.path[5:].isdigit() and int(self.path[5:]) <= 16 << 20:
            with LOCK:
                COUNT += 1
            n = int(self.path[5:])
            body = (b"0123456789abcdef" * (n // 16 + 1))[:n]
            ctype, extra = "application/octet-stream", {
                "Cache-Control": "public, max-age=3600", "ETag": f'"obj-{n}"', "Last-Modified": LAST_MODIFIED}
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    srv.daemon_threads = True
    srv.serve_forever()
