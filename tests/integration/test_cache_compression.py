"""Encoded variants of the edge cache (docs/cache.md "Compressed variants"):
a cached route with a compression filter stores the body encoded with the
request's negotiated coding and serves later hits from it without
compressing again. Real curl over HTTP/1.1 and h2c against the real
binary and a counting loopback origin: gzip miss, then a hit for another
spelling of the same preference (bytes identical, decoded equal to the
origin's), the compression counters unchanged on the hit and
strata_cache_encoded_hits_total{coding} counting it; br, zstd and identity
each their own miss then hit; per-coding ETags with 304s from the cache;
Range from the identity variant; HEAD from the encoded variant; an
origin's own Content-Encoding never encoded twice; an object over the
size limit streamed encoded but not stored; purge by URL, tag and prefix
removes every variant and /cache/lookup lists them; the listener's
compression filter when the route has none."""
import json
import random
import threading
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest
import zstandard

from conftest import curl, run
from h3util import METRIC_RE, metric_sum

TOKEN = "encvar-admin-token"


def corpus(n, seed=1):
    rng = random.Random(seed)
    parts, size = [], 0
    while size < n:
        p = ('{"id":%d,"name":"user%d","active":%s},\n'
             % (rng.randrange(100000), rng.randrange(997), rng.choice(["true", "false"]))).encode()
        parts.append(p)
        size += len(p)
    return b"".join(parts)[:n]


JSON = corpus(40_000)
# Barely compressible (hex of random bytes: about 2:1), so its gzip form is
# still over the route's 64 KiB limit.
BIG = random.Random(7).randbytes(200_000).hex().encode()


class Origin:
    """/j/NAME: JSON (ETag "v1", max-age=600, Range honoured with 206);
    /enc/NAME: the same JSON gzip-encoded by the origin (Vary:
    Accept-Encoding); /big/NAME: BIG as text/plain. Counts per path."""

    def __init__(self):
        self.count = {}
        self.lock = threading.Lock()
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def send(self, status, body, fields):
                self.send_response(status)
                for k, v in fields:
                    self.send_header(k, v)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                path = urllib.parse.urlsplit(self.path).path
                with origin.lock:
                    origin.count[path] = origin.count.get(path, 0) + 1
                base = [("cache-control", "max-age=600"), ("etag", '"v1"')]
                if path.startswith("/j/"):
                    inm = self.headers.get("if-none-match")
                    if inm and '"v1"' in inm:
                        self.send_response(304)
                        for k, v in base:
                            self.send_header(k, v)
                        self.end_headers()
                        return
                    r = self.headers.get("range")
                    if r and r.startswith("bytes="):
                        a, b = (int(x) for x in r[6:].split("-"))
                        self.send(206, JSON[a:b + 1], base + [
                            ("content-type", "application/json"),
                            ("content-range", f"bytes {a}-{b}/{len(JSON)}")])
                        return
                    self.send(200, JSON, base + [("content-type", "application/json"),
                                                 ("accept-ranges", "bytes")])
                elif path.startswith("/enc/"):
                    self.send(200, zlib.compress(JSON, wbits=31),
                              base + [("content-type", "application/json"),
                                      ("content-encoding", "gzip"), ("vary", "Accept-Encoding")])
                elif path.startswith("/big/"):
                    self.send(200, BIG, base + [("content-type", "text/plain")])
                else:
                    self.send(404, b"no\n", [("content-type", "text/plain")])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def n(self, path):
        with self.lock:
            return self.count.get(path, 0)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


CONFIG = """
workers: 2
admin:
  address: "127.0.0.1:0"
  auth: {{token: {token}}}
cache: {{memory_bytes: 64MiB, max_object_bytes: 8MiB}}
listeners:
  - {{name: web, address: "127.0.0.1:0", routes: main}}
  - name: lst
    address: "127.0.0.1:0"
    routes: plain
    filters:
      - compression: {{}}
clusters:
  origin: {{endpoints: ["127.0.0.1:{port}"]}}
route_tables:
  main:
    - match: {{prefix: "/big/"}}
      proxy: {{cluster: origin}}
      cache: {{max_object_bytes: 64KiB}}
      filters:
        - compression: {{}}
    - match: {{prefix: "/"}}
      proxy: {{cluster: origin}}
      cache: {{tags: [site]}}
      filters:
        - compression: {{}}
  plain:
    - match: {{prefix: "/"}}
      proxy: {{cluster: origin}}
      cache: {{}}
"""


@pytest.fixture
def env(spawn, write_config):
    o = Origin()
    s = spawn("serve", "-c", write_config(CONFIG.format(port=o.port, token=TOKEN)))
    s.origin = o
    s.web = s.ports["web"]
    yield s
    o.close()


def get(port, path, *headers, http2=False, head=False, compressed=False):
    """(status, fields lower-case (repeats joined ', '), raw body)."""
    args = ["curl", "-sS", "--max-time", "30"]
    args += ["-I"] if head else ["-D", "-", "-o", "-"]
    if http2:
        args.append("--http2-prior-knowledge")
    if compressed:
        args.append("--compressed")
    for h in headers:
        args += ["-H", h]
    r = run(args + [f"http://127.0.0.1:{port}{path}"], timeout=40)
    raw_head, _, body = r.stdout.partition(b"\r\n\r\n")
    lines = raw_head.decode().split("\r\n")
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        fields[k] = fields[k] + ", " + v.strip() if k in fields else v.strip()
    return int(lines[0].split()[1]), fields, (b"" if head else body)


def decode(coding, body):
    if coding == "gzip":
        return zlib.decompress(body, wbits=31)
    if coding == "br":
        return brotli.decompress(body)
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    assert coding is None, coding
    return body


def metrics(s):
    code, body = curl("-H", f"Authorization: Bearer {TOKEN}",
                      f"http://127.0.0.1:{s.ports['admin']}/metrics")
    assert code == 200, body[:300]
    out = {}
    for line in body.decode().splitlines():
        m = METRIC_RE.match(line.strip())
        if m and not line.startswith("#"):
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def comp_counters(s):
    m = metrics(s)
    return {n: metric_sum(m, n) for n in ("strata_compression_bytes_in_total",
                                          "strata_compression_bytes_out_total",
                                          "strata_compression_responses_total")}


def encoded_hits(s, coding):
    return metric_sum(metrics(s), "strata_cache_encoded_hits_total", coding=coding)


def admin(s, method, path, body=None):
    args = ["-X", method, "-H", f"Authorization: Bearer {TOKEN}"]
    if body is not None:
        args += ["-H", "content-type: application/json", "--data-binary", body]
    code, out = curl(*args, f"http://127.0.0.1:{s.ports['admin']}{path}")
    assert code == 200, (code, out)
    return json.loads(out)


def lookup(s, path):
    url = f"http://127.0.0.1:{s.web}{path}"
    return admin(s, "GET", "/cache/lookup?url=" + urllib.parse.quote(url, safe=""))["objects"]


def purge(s, **what):
    return admin(s, "POST", "/cache/purge", json.dumps(what))


@pytest.mark.parametrize("h2", [False, True], ids=["h1", "h2"])
def test_gzip_hit_is_served_from_the_stored_encoding(env, h2):
    path = f"/j/gzip-{'h2' if h2 else 'h1'}"
    c0 = comp_counters(env)
    st, h, b1 = get(env.web, path, "Accept-Encoding: gzip", http2=h2)
    assert st == 200 and h["content-encoding"] == "gzip", h
    assert "fwd=uri-miss" in h["cache-status"] and "stored" in h["cache-status"], h
    assert "accept-encoding" in h["vary"].lower()
    assert h["etag"] == 'W/"v1-gzip"'
    assert decode("gzip", b1) == JSON
    c1 = comp_counters(env)
    assert c1["strata_compression_bytes_in_total"] - c0["strata_compression_bytes_in_total"] == len(JSON)
    assert c1["strata_compression_responses_total"] - c0["strata_compression_responses_total"] == 1
    hits0 = encoded_hits(env, "gzip")

    # Another spelling of the same preference: the same stored bytes.
    st, h, b2 = get(env.web, path, "Accept-Encoding: x-gzip;q=0.8, deflate, identity;q=0.1",
                    http2=h2)
    assert st == 200 and h["content-encoding"] == "gzip", h
    assert "; hit" in h["cache-status"], h
    assert h["content-length"] == str(len(b1)) and b2 == b1
    assert decode("gzip", b2) == JSON
    assert comp_counters(env) == c1          # nothing compressed on the hit
    assert encoded_hits(env, "gzip") == hits0 + 1
    assert env.origin.n(path) == 1


def test_curl_compressed_twice(env):
    path = "/j/curl"
    st, h, b = get(env.web, path, compressed=True)
    assert st == 200 and b == JSON and h.get("content-encoding") in ("gzip", "br", "zstd"), h
    c1 = comp_counters(env)
    st, h2, b = get(env.web, path, compressed=True)
    assert st == 200 and b == JSON and "; hit" in h2["cache-status"], h2
    assert h2["content-encoding"] == h["content-encoding"]
    assert comp_counters(env) == c1
    assert env.origin.n(path) == 1


def test_each_coding_is_its_own_variant_and_purge_by_url_removes_all(env):
    path = "/j/each"
    seen = []
    for first, again, coding in [("gzip", "GZIP;q=1.0", "gzip"),
                                 ("br", "gzip, br", "br"),
                                 ("zstd;q=0.9", "zstd, br;q=0.5", "zstd"),
                                 (None, "identity", None)]:
        st, h, b = get(env.web, path, *([f"Accept-Encoding: {first}"] if first else []))
        assert st == 200 and h.get("content-encoding") == coding, (first, h)
        assert "fwd=" in h["cache-status"] and "stored" in h["cache-status"], h
        assert decode(coding, b) == JSON
        assert "accept-encoding" in h["vary"].lower()
        seen.append(coding or "identity")
        assert env.origin.n(path) == len(seen)
        st, h, b2 = get(env.web, path, f"Accept-Encoding: {again}")
        assert "; hit" in h["cache-status"] and h.get("content-encoding") == coding, (again, h)
        assert b2 == b and decode(coding, b2) == JSON
        assert env.origin.n(path) == len(seen)
        assert h["etag"] == ('"v1"' if coding is None else f'W/"v1-{coding}"')

    objs = lookup(env, path)
    assert sorted(o["coding"] for o in objs) == sorted(seen)
    assert all("accept-encoding" not in o["vary"] for o in objs)
    r = purge(env, urls=[f"http://127.0.0.1:{env.web}{path}"])
    assert r["purged"] == 4, r
    assert lookup(env, path) == []
    st, h, _ = get(env.web, path, "Accept-Encoding: gzip")
    assert "fwd=uri-miss" in h["cache-status"]
    assert env.origin.n(path) == 5


def test_purge_by_tag_and_prefix_remove_all_variants(env):
    for path in ("/j/tag-a", "/j/pre-b"):
        for ae in ("gzip", "br", "identity"):
            get(env.web, path, f"Accept-Encoding: {ae}")
        assert len(lookup(env, path)) == 3
    assert purge(env, prefixes=["/j/pre-"])["purged"] == 3
    assert lookup(env, "/j/pre-b") == [] and len(lookup(env, "/j/tag-a")) == 3
    assert purge(env, tags=["site"])["purged"] >= 3
    assert lookup(env, "/j/tag-a") == []


def test_conditional_head_and_range(env):
    path = "/j/cond"
    st, h, gz = get(env.web, path, "Accept-Encoding: gzip")
    assert h["etag"] == 'W/"v1-gzip"'
    # The encoded variant's own tag: 304 from the cache.
    st, h, b = get(env.web, path, "Accept-Encoding: gzip", 'If-None-Match: W/"v1-gzip"')
    assert st == 304 and "; hit" in h["cache-status"] and h["etag"] == 'W/"v1-gzip"', h
    # The identity tag names another representation: the gzip body.
    st, h, b = get(env.web, path, "Accept-Encoding: gzip", 'If-None-Match: "v1"')
    assert st == 200 and b == gz, h
    # HEAD from the stored encoded variant: its head and length.
    st, h, _ = get(env.web, path, "Accept-Encoding: gzip", head=True)
    assert st == 200 and h["content-encoding"] == "gzip" and h["content-length"] == str(len(gz)), h
    assert env.origin.n(path) == 1
    # A range is of the identity body: no identity variant yet -> the origin's 206.
    st, h, b = get(env.web, path, "Accept-Encoding: gzip", "Range: bytes=10-109")
    assert st == 206 and b == JSON[10:110] and "content-encoding" not in h, h
    assert env.origin.n(path) == 2
    get(env.web, path)  # identity variant stored
    st, h, b = get(env.web, path, "Accept-Encoding: gzip, br", "Range: bytes=10-109")
    assert st == 206 and b == JSON[10:110] and "content-encoding" not in h, h
    assert "; hit" in h["cache-status"] and h["content-range"] == f"bytes 10-109/{len(JSON)}"
    assert env.origin.n(path) == 3


def test_origin_encoding_is_stored_as_sent(env):
    path = "/enc/x"
    c0 = comp_counters(env)
    hits0 = encoded_hits(env, "gzip")
    for i in range(2):
        st, h, b = get(env.web, path, "Accept-Encoding: gzip")
        assert st == 200 and h["content-encoding"] == "gzip" and h["etag"] == '"v1"', h
        assert decode("gzip", b) == JSON      # encoded once, by the origin
    assert "; hit" in h["cache-status"]
    assert comp_counters(env)["strata_compression_responses_total"] == \
        c0["strata_compression_responses_total"]
    assert encoded_hits(env, "gzip") == hits0
    assert env.origin.n(path) == 1


def test_over_the_limit_is_streamed_encoded_but_not_stored(env):
    path = "/big/one"
    for i in range(2):
        st, h, b = get(env.web, path, "Accept-Encoding: gzip")
        assert st == 200 and h["content-encoding"] == "gzip", h
        assert len(b) > 64 * 1024 and decode("gzip", b) == BIG
        assert "fwd=uri-miss" in h["cache-status"], h  # ("stored" at the head: abandoned later)
    assert env.origin.n(path) == 2
    assert lookup(env, path) == []


def test_listener_compression_filter_is_used(env):
    port = env.ports["lst"]
    path = "/j/listener"
    get(port, path, "Accept-Encoding: br")
    c1 = comp_counters(env)
    hits0 = encoded_hits(env, "br")
    st, h, b = get(port, path, "Accept-Encoding: br;q=1, gzip;q=0.5")
    assert st == 200 and h["content-encoding"] == "br" and "; hit" in h["cache-status"], h
    assert decode("br", b) == JSON
    assert comp_counters(env) == c1 and encoded_hits(env, "br") == hits0 + 1
    assert env.origin.n(path) == 1


def test_encoded_tag_on_a_miss_is_matched_by_the_origin(env):
    """A client holding our gzip body (W/"v1-gzip") asks again after the
    object left the cache: the origin gets its own tag beside ours, answers
    304, and the client's 304 names the gzip representation."""
    path = "/j/cond-miss"
    st, h, _ = get(env.web, path, "Accept-Encoding: gzip")
    assert h["etag"] == 'W/"v1-gzip"'
    purge(env, urls=[f"http://127.0.0.1:{env.web}{path}"])
    st, h, b = get(env.web, path, "Accept-Encoding: gzip", 'If-None-Match: W/"v1-gzip"')
    assert st == 304 and b == b"", (st, h)
    assert h["etag"] == 'W/"v1-gzip"', h
    assert env.origin.n(path) == 2
    # An unrelated tag gets the full body.
    st, h, b = get(env.web, path, "Accept-Encoding: gzip", 'If-None-Match: "other"')
    assert st == 200 and decode("gzip", b) == JSON, h
