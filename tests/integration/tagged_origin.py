"""A small counting HTTP/1.1 origin for the purge and disk-tier tests (test_cache_admin.py,
test_cache_disk.py; test_cache.py has the richer cache_origin.py): every response is
cacheable for 300 s and carries "Surrogate-Key: <path with / as ->"
(/product/7 -> product-7); /big/<n> answers 4 KiB. Counts requests per path."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Origin:
    """A small HTTP/1.1 origin: every response is cacheable for 300 s and
    tagged "product-<n>" from the path /product/<n>; counts requests per path."""

    def __init__(self):
        self.counts = {}
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                with outer.lock:
                    outer.counts[self.path] = outer.counts.get(self.path, 0) + 1
                    n = outer.counts[self.path]
                body = f"{self.path} #{n}\n".encode()
                if self.path.startswith("/big/"):
                    body = body.ljust(4096, b".")
                self.send_response(200)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(body)))
                self.send_header("cache-control", "public, max-age=300")
                tag = self.path.strip("/").replace("/", "-")
                self.send_header("surrogate-key", tag)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def count(self, path):
        with self.lock:
            return self.counts.get(path, 0)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
