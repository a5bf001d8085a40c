"""Response compression (filters: - compression, docs/compression.md) with
real clients: curl --compressed over HTTP/1.1 and h2c, nghttp over h2c, raw
Accept-Encoding negotiation (zstd, br, gzip with q-values), bodies decoded
in Python (zlib, python3-brotli, python3-zstandard) equal the origin's,
the skips (already encoded, small, image/png, HEAD, Range/206,
no-transform, SSE), Vary, and a 20 MiB body from a slow origin whose first
bytes reach the client while the origin is still holding the rest."""
import hashlib
import json
import random
import re
import socket
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import zstandard

from conftest import BIN, run
from h3util import free_port, udp_bound

MIB = 1024 * 1024


def corpus(n, seed=1):
    """Deterministic JSON-like text of n bytes."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < n:
        p = ('{"id":%d,"name":"user%d","active":%s,"tags":["a%d","b%d"]},\n'
             % (rng.randrange(100000), rng.randrange(997), rng.choice(["true", "false"]),
                rng.randrange(50), rng.randrange(50))).encode()
        parts.append(p)
        size += len(p)
    return b"".join(parts)[:n]


JSON = corpus(50_000)
BIG = corpus(20 * MIB, seed=2)


class Origin:
    """A loopback HTTP/1.1 origin with one path per case. /slow sends the
    first MiB of BIG, then waits for `release` (bounded) before the rest."""

    def __init__(self):
        self.release = threading.Event()
        release = self.release

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def send(self, body, ctype, extra=(), status=200):
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(body)))
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                p = self.path.split("?")[0]
                if p == "/o/json":
                    self.send(JSON, "application/json", [("etag", '"v1"'), ("vary", "Origin"),
                                                         ("accept-ranges", "bytes")])
                elif p == "/o/small":
                    self.send(JSON[:100], "application/json")
                elif p == "/o/png":
                    self.send(JSON, "image/png")
                elif p == "/o/encoded":
                    self.send(zlib.compress(JSON, wbits=31), "application/json",
                              [("content-encoding", "gzip")])
                elif p == "/o/nt":
                    self.send(JSON, "application/json", [("cache-control", "no-transform")])
                elif p == "/o/sse":
                    self.send(JSON, "text/event-stream")
                elif p == "/o/range":
                    r = self.headers.get("range")
                    if r:
                        m = re.match(r"bytes=(\d+)-(\d+)", r)
                        a, b = int(m.group(1)), int(m.group(2))
                        self.send(JSON[a:b + 1], "application/json",
                                  [("content-range", f"bytes {a}-{b}/{len(JSON)}")], status=206)
                    else:
                        self.send(JSON, "application/json")
                elif p == "/o/slow":
                    self.send_response(200)
                    self.send_header("content-type", "text/plain")
                    self.send_header("content-length", str(len(BIG)))
                    self.end_headers()
                    self.wfile.write(BIG[:MIB])
                    self.wfile.flush()
                    release.wait(30)
                    for i in range(MIB, len(BIG), 256 * 1024):
                        self.wfile.write(BIG[i:i + 256 * 1024])
                else:
                    self.send(b"not found\n", "text/plain", status=404)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


HTML = "<p>" + "hello compression " * 100 + "</p>"

CONFIG = """
workers: 1
admin: {{address: "127.0.0.1:0"}}
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
    filters:
      - compression: {{}}
  - name: gz
    address: "127.0.0.1:0"
    routes: main
    filters:
      - compression: {{encodings: [gzip], min_length: 1KiB, levels: {{gzip: 1}}}}
clusters:
  origin: {{endpoints: ["127.0.0.1:{port}"]}}
route_tables:
  main:
    - match: {{prefix: "/o/"}}
      proxy: {{cluster: origin}}
    - match: {{prefix: "/static/"}}
      files: {{root: "{root}"}}
    - match: {{prefix: "/page"}}
      respond: {{status: 200, body: "{html}", content_type: "text/html; charset=utf-8"}}
"""


@pytest.fixture
def env(spawn, write_config, workdir):
    o = Origin()
    root = workdir / "www"
    root.mkdir()
    (root / "app.js").write_bytes(JSON)
    s = spawn("serve", "-c", write_config(CONFIG.format(port=o.port, html=HTML, root=root)))
    s.origin = o
    yield s
    o.close()


def get(port, path, *headers, http2=False, method=None, timeout=60):
    """(status, headers dict (lower-case; repeated joined ', '), raw body)."""
    args = ["curl", "-sS", "--max-time", str(timeout)]
    args += ["-I"] if method == "HEAD" else ["-D", "-", "-o", "-"]
    if http2:
        args.append("--http2-prior-knowledge")
    for h in headers:
        args += ["-H", h]
    r = run(args + [f"http://127.0.0.1:{port}{path}"], timeout=timeout + 10)
    out = r.stdout
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    h = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        h[k] = (h[k] + ", " + v.strip()) if k in h else v.strip()
    return status, h, body


def decode(enc, data):
    if enc == "gzip":
        return zlib.decompress(data, wbits=31)
    if enc == "br":
        return brotli.decompress(data)
    if enc == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    assert enc is None, enc
    return data


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2c"])
def test_curl_compressed_proxied_and_respond(env, http2):
    for path, expect in (("/o/json", JSON), ("/page", HTML.encode())):
        r = run(["curl", "-sS", "--compressed", "-D", "-", "-o", "-"]
                + (["--http2-prior-knowledge"] if http2 else [])
                + [f"http://127.0.0.1:{env.ports['web']}{path}"])
        head, _, body = r.stdout.partition(b"\r\n\r\n")
        text = head.decode().lower()
        assert ("HTTP/2 200" if http2 else "HTTP/1.1 200") in head.decode(), text
        assert "content-encoding: zstd" in text, text  # curl offers deflate, gzip, br, zstd
        assert re.search(r"vary: .*accept-encoding", text), text
        assert body == expect


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2c"])
@pytest.mark.parametrize("ae,enc", [
    ("br", "br"), ("zstd", "zstd"), ("gzip;q=0.5", "gzip"), ("br;q=0.1, gzip;q=0.5", "gzip"),
    ("gzip, deflate, br, zstd", "zstd"), ("*;q=0, identity", None), ("deflate", None),
    ("gzip;q=0", None)])
def test_negotiation_raw(env, http2, ae, enc):
    status, h, body = get(env.ports["web"], "/o/json", f"accept-encoding: {ae}", http2=http2)
    assert status == 200
    assert h.get("content-encoding") == enc
    assert "accept-encoding" in h["vary"].lower() and "origin" in h["vary"].lower()
    assert decode(enc, body) == JSON
    if enc:
        assert "content-length" not in h
        assert h["etag"] == 'W/"v1"'
        assert "accept-ranges" not in h
        assert len(body) < len(JSON) // 3
    else:
        assert h["etag"] == '"v1"' and int(h["content-length"]) == len(JSON)


def test_nghttp_h2c(env, workdir):
    for enc in ("zstd", "br"):
        r = run(["nghttp", "-H", f"accept-encoding: {enc}",
                 f"http://127.0.0.1:{env.ports['web']}/o/json"], timeout=30)
        assert decode(enc, r.stdout) == JSON
    # nghttp inflates gzip itself: the body it prints is the plain one.
    r = run(["nghttp", "-H", "accept-encoding: gzip", f"http://127.0.0.1:{env.ports['web']}/o/json"],
            timeout=30)
    assert r.stdout == JSON
    r = run(["nghttp", "-v", "-H", "accept-encoding: gzip",
             f"http://127.0.0.1:{env.ports['web']}/o/json"], timeout=30)
    assert b"content-encoding: gzip" in r.stdout
    r = run(["nghttp", "-v", "-H", "accept-encoding: br", f"http://127.0.0.1:{env.ports['web']}/page"],
            timeout=30)
    assert b"content-encoding: br" in r.stdout


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2c"])
def test_not_compressed(env, http2):
    port, ae = env.ports["web"], "accept-encoding: gzip, br, zstd"
    # Already encoded by the origin: passed through untouched.
    status, h, body = get(port, "/o/encoded", ae, http2=http2)
    assert h["content-encoding"] == "gzip" and decode("gzip", body) == JSON
    # Below min_length, a type not listed, no-transform, SSE.
    for path, n in (("/o/small", 100), ("/o/png", len(JSON)), ("/o/nt", len(JSON)),
                    ("/o/sse", len(JSON))):
        status, h, body = get(port, path, ae, http2=http2)
        assert status == 200 and "content-encoding" not in h, (path, h)
        assert "vary" not in h, (path, h)
        assert int(h["content-length"]) == n and len(body) == n, path
    # HEAD: the identity length.
    status, h, body = get(port, "/o/json", ae, http2=http2, method="HEAD")
    assert status == 200 and "content-encoding" not in h and int(h["content-length"]) == len(JSON)
    # Range: the origin's 206 goes out as it is.
    status, h, body = get(port, "/o/range", ae, "range: bytes=10-109", http2=http2)
    assert status == 206 and "content-encoding" not in h and body == JSON[10:110]
    # Without Accept-Encoding: identity, but Vary says it could differ.
    status, h, body = get(port, "/o/json", http2=http2)
    assert "content-encoding" not in h and body == JSON and "accept-encoding" in h["vary"].lower()


@pytest.mark.parametrize("http2", [False, True], ids=["h1", "h2c"])
def test_files(env, http2):
    """The files action: compressed, ranges as they are, and the weak ETag
    still revalidates (If-None-Match compares weakly)."""
    port = env.ports["web"]
    status, h, body = get(port, "/static/app.js", "accept-encoding: gzip, br", http2=http2)
    assert status == 200 and h["content-encoding"] == "br" and decode("br", body) == JSON
    assert h["content-type"].startswith("text/javascript") or \
        h["content-type"].startswith("application/javascript"), h
    assert h["etag"].startswith('W/"')
    status, h2, _ = get(port, "/static/app.js", "accept-encoding: br",
                        f"if-none-match: {h['etag']}", http2=http2)
    assert status == 304
    status, h, body = get(port, "/static/app.js", "accept-encoding: br", "range: bytes=5-14",
                          http2=http2)
    assert status == 206 and "content-encoding" not in h and body == JSON[5:15]


def test_listener_settings(env):
    """The second listener: gzip only, level 1, min_length 1KiB."""
    port = env.ports["gz"]
    status, h, body = get(port, "/o/json", "accept-encoding: zstd, br, gzip")
    assert h["content-encoding"] == "gzip" and decode("gzip", body) == JSON
    status, h, body = get(port, "/o/json", "accept-encoding: zstd, br")
    assert "content-encoding" not in h and body == JSON
    # /page is 1.8 KB: compressed; /o/small (100 B) is not.
    assert get(port, "/page", "accept-encoding: gzip")[1].get("content-encoding") == "gzip"
    assert "content-encoding" not in get(port, "/o/small", "accept-encoding: gzip")[1]


def read_head(sock):
    buf = b""
    while b"\r\n\r\n" not in buf:
        c = sock.recv(65536)
        assert c, "closed before the head"
        buf += c
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head.decode().lower(), rest


class Chunked:
    """Incremental HTTP/1.1 chunked decoder."""

    def __init__(self):
        self.buf, self.done = b"", False

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            line_end = self.buf.find(b"\r\n")
            if line_end < 0:
                break
            size = int(self.buf[:line_end].split(b";")[0], 16)
            if size == 0:
                self.done = True
                break
            if len(self.buf) < line_end + 2 + size + 2:
                break
            out.append(self.buf[line_end + 2:line_end + 2 + size])
            self.buf = self.buf[line_end + 2 + size + 2:]
        return b"".join(out)


@pytest.mark.parametrize("enc", ["zstd", "br", "gzip"])
def test_large_body_streams_from_a_slow_origin(env, enc):
    """20 MiB: the origin sends 1 MiB and holds the rest until the client has
    decoded bytes; then the whole body decodes to the origin's."""
    env.origin.release.clear()
    s = socket.create_connection(("127.0.0.1", env.ports["web"]), timeout=20)
    try:
        s.sendall(f"GET /o/slow HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {enc}\r\n\r\n".encode())
        head, rest = read_head(s)
        assert f"content-encoding: {enc}" in head and "transfer-encoding: chunked" in head, head
        if enc == "gzip":
            d = zlib.decompressobj(wbits=31)
        elif enc == "br":
            d = brotli.Decompressor()
        else:
            d = zstandard.ZstdDecompressor().decompressobj()
        dec = d.decompress if enc != "br" else d.process
        ch = Chunked()
        got = hashlib.sha256()
        n = 0
        data = rest
        deadline = time.time() + 20
        # Phase 1: the origin holds everything after the first MiB.
        while n < 512 * 1024 and time.time() < deadline:
            plain = dec(ch.feed(data))
            got.update(plain)
            n += len(plain)
            if n >= 512 * 1024:
                break
            data = s.recv(65536)
            assert data, "closed early"
        assert n >= 512 * 1024, f"only {n} bytes decoded while the origin was holding"
        assert not env.origin.release.is_set()
        env.origin.release.set()
        deadline = time.time() + 120
        while not ch.done and time.time() < deadline:
            data = s.recv(1 << 20)
            assert data, "closed before the last chunk"
            plain = dec(ch.feed(data))
            got.update(plain)
            n += len(plain)
        assert ch.done
        assert n == len(BIG)
        assert got.hexdigest() == hashlib.sha256(BIG).hexdigest()
    finally:
        s.close()


def test_metrics(env):
    get(env.ports["web"], "/o/json", "accept-encoding: gzip")
    get(env.ports["web"], "/o/small", "accept-encoding: gzip")
    get(env.ports["web"], "/o/png", "accept-encoding: gzip")
    r = run(["curl", "-sS", f"http://127.0.0.1:{env.ports['admin']}/metrics"])
    text = r.stdout.decode()
    assert re.search(r'strata_compression_responses_total\{encoding="gzip"\} 1\b', text), text
    assert re.search(r'strata_compression_skipped_total\{reason="small"\} 1\b', text)
    assert re.search(r'strata_compression_skipped_total\{reason="type"\} 1\b', text)
    m_in = re.search(r'strata_compression_bytes_in_total\{encoding="gzip"\} (\d+)', text)
    m_out = re.search(r'strata_compression_bytes_out_total\{encoding="gzip"\} (\d+)', text)
    assert int(m_in.group(1)) == len(JSON)
    assert 0 < int(m_out.group(1)) < len(JSON) // 3


H3_CONFIG = """
workers: 1
listeners:
  - name: edge
    address: "127.0.0.1:{port}"
    tls:
      certificates: [{{cert: "{crt}", key: "{key}"}}]
    protocols: [h1, h2, h3]
    routes: main
    filters:
      - compression: {{}}
clusters:
  origin: {{endpoints: ["127.0.0.1:{origin}"]}}
route_tables:
  main:
    - match: {{prefix: "/o/"}}
      proxy: {{cluster: origin}}
"""


@pytest.mark.h3
def test_h3_probe(spawn, write_config, cert):
    """HTTP/3 (strata probe --h3): the compressed body is what arrives."""
    o = Origin()
    try:
        port = free_port()
        spawn("serve", "-c", write_config(H3_CONFIG.format(port=port, crt=cert[0], key=cert[1],
                                                           origin=o.port)))
        deadline = time.time() + 10
        while not udp_bound(port):
            assert time.time() < deadline, "no UDP listener for h3"
            time.sleep(0.02)

        def probe(*h):
            args = []
            for x in h:
                args += ["-H", x]
            r = run([BIN, "probe", "--json", "--h3", *args, f"https://localhost:{port}/o/json"],
                    timeout=60)
            a = json.loads(r.stdout)["attempts"][0]
            assert a["status"] == 200 and a["protocol"] == "h3", a
            return a["body_bytes"]

        assert probe() == len(JSON)
        for enc in ("zstd", "br", "gzip"):
            n = probe(f"accept-encoding: {enc}")
            assert 0 < n < len(JSON) // 3, (enc, n)
    finally:
        o.close()
