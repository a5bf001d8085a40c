"""A counting HTTP/1.1 origin for the edge cache tests (test_cache*.py).

Paths (the query string is part of what is counted):
  /c/NAME?cc=...&etag=...&age=N&vary=H&lm=DATE   200 "NAME v<version>" with those fields;
        answers If-None-Match equal to its ETag with 304 (same fields)
  /slow/NAME      like /c/ but holds the answer `slow` seconds first
  /big/N?etag=E   N bytes (pattern), max-age=600 (and ETag E), written in 64 KiB pieces
  /lang           Vary: Accept-Language, the body is the request's language
  /err            500
Any path: PUT/POST/DELETE answer 204 and bump the path's version.
`set(path, **fields)` overrides the fields of a path's next answers.
Every request is counted per path+query in `count[...]`. Thread-safe."""
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CacheOrigin:
    def __init__(self, slow=0.5):
        self.count = {}
        self.version = {}
        self.overrides = {}
        self.requests = []   # (method, path, headers dict)
        self.socks = []      # every accepted connection (closed by close())
        self.lock = threading.Lock()
        self.slow = slow
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                with origin.lock:
                    origin.socks.append(self.connection)

            def _count(self):
                with origin.lock:
                    origin.count[self.path] = origin.count.get(self.path, 0) + 1
                    origin.requests.append((self.command, self.path,
                                            {k.lower(): v for k, v in self.headers.items()}))

            def _send(self, status, fields, body=b""):
                self.send_response(status)
                for k, v in fields:
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD" and status != 304:
                    self.wfile.write(body)

            def do_GET(self):
                self._count()
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                with origin.lock:
                    q.update(origin.overrides.get(u.path, {}))
                    ver = origin.version.get(u.path, 1)
                if u.path.startswith("/big/"):
                    n = int(u.path[5:])
                    self.send_response(200)
                    self.send_header("Content-Length", str(n))
                    self.send_header("Cache-Control", "max-age=600")
                    if "etag" in q:
                        self.send_header("ETag", q["etag"])
                    self.end_headers()
                    piece = bytes(range(256)) * 256
                    sent = 0
                    try:
                        while sent < n:
                            k = min(len(piece), n - sent)
                            self.wfile.write(piece[:k])
                            sent += k
                    except OSError:
                        pass
                    return
                if u.path == "/err":
                    self._send(500, [], b"broken")
                    return
                if u.path == "/lang":
                    lang = self.headers.get("Accept-Language", "none")
                    self._send(200, [("Cache-Control", "max-age=600"), ("Vary", "Accept-Language")],
                               lang.encode())
                    return
                if u.path.startswith("/slow/"):
                    time.sleep(origin.slow)
                fields = []
                if "cc" in q:
                    fields.append(("Cache-Control", q["cc"]))
                if "etag" in q:
                    fields.append(("ETag", q["etag"]))
                if "age" in q:
                    fields.append(("Age", q["age"]))
                if "vary" in q:
                    fields.append(("Vary", q["vary"]))
                if "lm" in q:
                    fields.append(("Last-Modified", q["lm"]))
                if "tag" in q:
                    fields.append(("Surrogate-Key", q["tag"]))
                inm = self.headers.get("If-None-Match")
                if inm and "etag" in q and inm == q["etag"]:
                    self._send(304, fields)
                    return
                self._send(200, fields + [("Content-Type", "text/plain")],
                           f"{u.path} v{ver}".encode())

            do_HEAD = do_GET

            def _unsafe(self):
                self._count()
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                p = urllib.parse.urlsplit(self.path).path
                with origin.lock:
                    origin.version[p] = origin.version.get(p, 1) + 1
                self._send(204, [])

            do_POST = do_PUT = do_DELETE = _unsafe

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 256
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def hits(self, path):
        with self.lock:
            return self.count.get(path, 0)

    def set(self, path, **fields):
        with self.lock:
            self.overrides[path] = fields

    def close(self):
        """Stops listening and drops every open connection (a dead origin)."""
        self.httpd.shutdown()
        self.httpd.server_close()
        with self.lock:
            for c in self.socks:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
