"""The edge cache (docs/cache.md) with real clients against the real binary
and a counting origin (cache_origin.py): miss -> hit with Age and
Cache-Status, HEAD and Range and conditional requests answered from a
stored GET, revalidation (304), Vary, invalidation after POST/PUT/DELETE,
100 parallel misses coalesced into one origin request, stale-if-error with
the origin gone, stale-while-revalidate with exactly one background
revalidation, a 100 MiB first miss streamed without being buffered whole.
Staleness comes from the origin's Age field, never from sleeping."""
import re
import time
import urllib.parse

import pytest

from cache_origin import CacheOrigin
from conftest import run
from h3util import metrics

CONFIG = """
workers: 2
admin: {{address: "127.0.0.1:0"}}
cache: {{memory_bytes: 64MiB, max_object_bytes: 8MiB}}
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
clusters:
  origin: {{endpoints: ["127.0.0.1:{port}"]}}
route_tables:
  main:
    - match: {{prefix: "/nocache/"}}
      proxy: {{cluster: origin}}
    - match: {{prefix: "/"}}
      proxy: {{cluster: origin}}
      cache: {{coalesce_timeout: 20s}}
"""


@pytest.fixture
def env(spawn, write_config):
    o = CacheOrigin()
    s = spawn("serve", "-c", write_config(CONFIG.format(port=o.port)))
    s.origin = o
    yield s
    o.close()


def q(path, **fields):
    return path + "?" + urllib.parse.urlencode(fields)


def get(port, path, *headers, method=None, http2=False, timeout=30):
    """(status, headers dict lower-case (repeats joined ', '), body)."""
    args = ["curl", "-sS", "--max-time", str(timeout)]
    if method == "HEAD":
        args.append("-I")
    else:
        args += ["-D", "-", "-o", "-"]
    if method and method != "HEAD":
        args += ["-X", method]
    if http2:
        args.append("--http2-prior-knowledge")
    for h in headers:
        args += ["-H", h]
    r = run(args + [f"http://127.0.0.1:{port}{path}"], timeout=timeout + 10)
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    if method == "HEAD":
        body = b""
    lines = head.decode().split("\r\n")
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        fields[k] = fields[k] + ", " + v.strip() if k in fields else v.strip()
    return int(lines[0].split()[1]), fields, body


def test_miss_then_hit_with_age_and_cache_status(env):
    path = q("/c/hit", cc="max-age=600", age="3")
    st, h, b = get(env.port, path)
    assert st == 200 and b == b"/c/hit v1"
    assert re.fullmatch(r"strata; fwd=uri-miss; fwd-status=200; stored", h["cache-status"]), h
    st, h, b = get(env.port, path)
    assert st == 200 and b == b"/c/hit v1"
    assert re.fullmatch(r"strata; hit; ttl=\d+", h["cache-status"]), h
    assert int(h["age"]) >= 3
    st, h, b = get(env.port, path, http2=True)  # the same object over h2
    assert st == 200 and b == b"/c/hit v1" and "hit" in h["cache-status"]
    assert env.origin.hits(path) == 1
    m = metrics(env.ports["admin"])
    assert m["strata_cache_hits_total"] >= 2 and m["strata_cache_misses_total"] >= 1


def test_uncacheable_is_forwarded_every_time(env):
    for path in (q("/c/ns", cc="no-store"), q("/c/priv", cc="private, max-age=60"), "/c/nofresh",
                 q("/nocache/x", cc="max-age=60")):
        for _ in range(2):
            st, h, _ = get(env.port, path)
            assert st == 200
        assert env.origin.hits(path) == 2, path
        if not path.startswith("/nocache/"):
            assert "stored" not in h["cache-status"]


def test_head_range_and_conditional_from_a_stored_get(env):
    path = q("/c/obj", cc="max-age=600", etag='"e1"')
    st, h, b = get(env.port, path)
    assert st == 200 and b == b"/c/obj v1"
    st, h, b = get(env.port, path, method="HEAD")
    assert st == 200 and h["content-length"] == str(len(b"/c/obj v1")) and "hit" in h["cache-status"]
    st, h, b = get(env.port, path, "Range: bytes=3-5")
    assert st == 206 and b == b"obj" and h["content-range"] == "bytes 3-5/9"
    st, h, b = get(env.port, path, "Range: bytes=100-")
    assert st == 416 and h["content-range"] == "bytes */9"
    st, h, b = get(env.port, path, 'If-None-Match: "e1"')
    assert st == 304 and b == b"" and h["etag"] == '"e1"'
    st, h, b = get(env.port, path, 'If-None-Match: "other"')
    assert st == 200 and b == b"/c/obj v1"
    assert env.origin.hits(path) == 1


def test_websocket_upgrade_passes_a_cached_route(spawn, write_config):
    """An Upgrade request on a cached route reaches the proxy's upgrade path
    (the built-in origin's /ws echo)."""
    import base64
    import os
    import socket
    o = spawn("origin", "--listen", "127.0.0.1:0")
    s = spawn("serve", "-c", write_config(CONFIG.format(port=o.port), "ws.yaml"))
    key = base64.b64encode(os.urandom(16)).decode()
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    try:
        c.sendall((f"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = c.recv(4096)
            assert chunk, head
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head
    finally:
        c.close()


def test_only_if_cached(env):
    path = q("/c/oic", cc="max-age=600")
    st, h, _ = get(env.port, path, "Cache-Control: only-if-cached")
    assert st == 504 and h["cache-status"] == "strata; fwd=miss; detail=only-if-cached"
    assert env.origin.hits(path) == 0
    get(env.port, path)
    st, h, b = get(env.port, path, "Cache-Control: only-if-cached")
    assert st == 200 and b == b"/c/oic v1" and env.origin.hits(path) == 1


def test_stale_object_revalidated_with_304(env):
    path = q("/c/reval", cc="max-age=10", age="60", etag='"r1"')
    assert get(env.port, path)[0] == 200
    st, h, b = get(env.port, path)
    assert st == 200 and b == b"/c/reval v1"
    assert h["cache-status"].endswith("strata; fwd=stale; fwd-status=304"), h
    # The origin saw our validator, not a plain GET.
    conds = [r[2].get("if-none-match") for r in env.origin.requests if r[1] == path]
    assert conds == [None, '"r1"']
    # A client's no-cache forces a revalidation too.
    st, h, b = get(env.port, q("/c/rq", cc="max-age=600", etag='"q"'))
    st, h, b = get(env.port, q("/c/rq", cc="max-age=600", etag='"q"'), "Cache-Control: no-cache")
    assert st == 200 and "fwd=request; fwd-status=304" in h["cache-status"]


def test_vary_keeps_one_variant_per_language(env):
    for lang, expect_hits in (("en", 1), ("fr", 2), ("en", 2), ("fr", 2)):
        st, h, b = get(env.port, "/lang", f"Accept-Language: {lang}")
        assert st == 200 and b == lang.encode()
        assert env.origin.hits("/lang") == expect_hits
    st, h, b = get(env.port, "/lang")
    assert b == b"none" and "fwd=vary-miss" in h["cache-status"]


def test_vary_miss_lets_the_origin_pick_a_stored_variant(env):
    path = q("/c/pick", cc="max-age=600", etag='"p1"', vary="X-V")
    assert get(env.port, path, "X-V: a")[2] == b"/c/pick v1"
    st, h, b = get(env.port, path, "X-V: b")  # origin: 304 for "p1"
    assert st == 200 and b == b"/c/pick v1"
    assert h["cache-status"].endswith("fwd=vary-miss; fwd-status=304"), h
    st, h, b = get(env.port, path, "X-V: b")
    assert "hit" in h["cache-status"]
    assert [r[2].get("if-none-match") for r in env.origin.requests if r[1] == path] == [None, '"p1"']


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_unsafe_method_invalidates(env, method):
    path = f"/c/inv-{method}?" + urllib.parse.urlencode({"cc": "max-age=600"})
    assert get(env.port, path)[2] == f"/c/inv-{method} v1".encode()
    assert "hit" in get(env.port, path)[1]["cache-status"]
    st, h, _ = get(env.port, path, method=method)
    assert st == 204 and "fwd=method" in h["cache-status"]
    st, h, b = get(env.port, path)
    assert b == f"/c/inv-{method} v2".encode() and "fwd=uri-miss" in h["cache-status"]


def test_100_parallel_misses_make_one_origin_request(env):
    path = q("/slow/co", cc="max-age=600")
    url = f"http://127.0.0.1:{env.port}{path}"
    before = metrics(env.ports["admin"])
    r = run(["curl", "-sS", "-Z", "--parallel-immediate", "--parallel-max", "100",
             "--max-time", "60", "-w", "%{http_code}\n"] + ["-o", "/dev/null", url] * 100,
            timeout=90)
    codes = r.stdout.decode().split()
    assert codes == ["200"] * 100
    assert env.origin.hits(path) == 1
    after = metrics(env.ports["admin"])
    coalesced = after["strata_cache_coalesced_total"] - before.get("strata_cache_coalesced_total", 0)
    hits = after["strata_cache_hits_total"] - before.get("strata_cache_hits_total", 0)
    assert coalesced >= 50 and coalesced + hits >= 99


def test_h2_streams_coalesce_and_hit(env):
    """50 streams for one uncached URL on one h2c connection (nghttp -m):
    one origin request; the streams all get the body."""
    path = q("/slow/h2", cc="max-age=600")
    r = run(["nghttp", "-n", "-v", "-m", "50", f"http://127.0.0.1:{env.port}{path}"], timeout=60)
    out = r.stdout.decode()
    assert len(re.findall(r"recv \(stream_id=\d+\) :status: 200", out)) == 50, out[-2000:]
    assert env.origin.hits(path) == 1
    r = run(["nghttp", "-v", f"http://127.0.0.1:{env.port}{path}"], timeout=30)
    out = r.stdout.decode()
    assert re.search(r"cache-status: strata; hit; ttl=\d+", out), out[-2000:]
    assert env.origin.hits(path) == 1


def test_stale_if_error_when_the_origin_is_gone(env):
    sie = q("/c/sie", cc="max-age=10, stale-if-error=600", age="60")
    plain = q("/c/plain", cc="max-age=10", age="60")
    assert get(env.port, sie)[0] == 200 and get(env.port, plain)[0] == 200
    env.origin.close()
    st, h, b = get(env.port, sie)
    assert st == 200 and b == b"/c/sie v1"
    assert re.search(r"strata; fwd=stale; fwd-status=50\d; detail=stale-if-error", h["cache-status"]), h
    st, h, b = get(env.port, plain)
    assert st == 502


def test_stale_while_revalidate_one_background_revalidation(env):
    path = q("/c/swr", cc="max-age=10, stale-while-revalidate=600", age="60")
    assert get(env.port, path)[2] == b"/c/swr v1"
    # The origin now has v2 and says it is fresh.
    run(["curl", "-sS", "-X", "PUT", f"http://127.0.0.1:{env.origin.port}/c/swr"])
    env.origin.set("/c/swr", cc="max-age=600", age="0")
    url = f"http://127.0.0.1:{env.port}{path}"
    r = run(["curl", "-sS", "-Z", "--parallel-immediate", "--parallel-max", "20",
             "--max-time", "30", "-w", "\n%{http_code}\n"] + [url] * 20, timeout=60)
    out = r.stdout.decode()
    assert out.count("200") == 20 and "/c/swr v1" in out
    deadline = time.time() + 10
    while time.time() < deadline:  # the revalidation lands in the background
        st, h, b = get(env.port, path)
        if b == b"/c/swr v2":
            break
        time.sleep(0.05)
    assert b == b"/c/swr v2" and "hit" in h["cache-status"]
    assert env.origin.hits(path) == 2  # one background revalidation for 20 stale answers


def _hwm_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def test_100mib_first_miss_streams_through(env, workdir):
    n = 100 * 1024 * 1024
    path = f"/big/{n}"
    before = _hwm_kib(env.proc.pid)
    r = run(["curl", "-sS", "--max-time", "120", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
             f"http://127.0.0.1:{env.port}{path}"], timeout=150)
    assert r.stdout.decode().split() == ["200", str(n)]
    grown_mib = (_hwm_kib(env.proc.pid) - before) / 1024
    assert grown_mib < 60, f"peak RSS grew by {grown_mib:.0f} MiB"
    # Over max_object_bytes: not stored, the next request goes to the origin.
    r = run(["curl", "-sS", "--max-time", "120", "-o", "/dev/null", "-D", "-",
             f"http://127.0.0.1:{env.port}{path}"], timeout=150)
    assert b"stored" not in r.stdout.lower()
    assert env.origin.hits(path) == 2


BREAKER = """
workers: 1
cache: {{}}
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
clusters:
  origin:
    endpoints: ["127.0.0.1:{port}"]
    circuit_breaker: {{consecutive_failures: 1, open_duration: 60s, failure_on: [5xx]}}
route_tables:
  main:
    - proxy: {{cluster: origin}}
      cache: {{}}
"""


def test_stale_if_error_when_the_breaker_is_open(spawn, write_config):
    o = CacheOrigin()
    try:
        s = spawn("serve", "-c", write_config(BREAKER.format(port=o.port), "breaker.yaml"))
        path = q("/c/brk", cc="max-age=10, stale-if-error=600", age="60")
        assert get(s.port, path)[2] == b"/c/brk v1"
        assert get(s.port, "/err")[0] == 500  # one failure opens the breaker
        st, h, b = get(s.port, "/c/other")
        assert st == 503 and h.get("x-strata-reason") == "circuit-open"
        st, h, b = get(s.port, path)
        assert st == 200 and b == b"/c/brk v1"
        assert "fwd-status=503; detail=stale-if-error" in h["cache-status"], h
        assert "x-strata-reason" not in h
        assert o.hits(path) == 1 and o.hits("/c/other") == 0
    finally:
        o.close()
