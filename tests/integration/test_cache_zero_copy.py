"""Large cached bodies in sealed memfds (docs/cache.md, "Zero copy"): a
300 KB object is stored from its first miss, then served from the cache
over HTTP/1.1 on plain TCP with sendfile, byte-identical (sha256) on every
hit; Range, HEAD and a conditional request on it still answer from the
cache; h2c, and h1 and h2 over TLS (the copying paths) serve the same
bytes; strata_cache_body_files counts the memfd and falls back to 0 when a
purge drops the object; with `cache: {zero_copy_min_bytes: 0}` no memfd is
made and hits are the same bytes. Every wait is bounded."""
import hashlib
import re
import time

import pytest

from cache_origin import CacheOrigin
from conftest import curl, run

TOKEN = "zero-copy-token-1"
SIZE = 300_000
PATH = f"/big/{SIZE}?etag=%22zc1%22"

CONFIG = """
workers: 2
admin: {{address: "127.0.0.1:0", auth: {{token: {token}}}}}
cache: {{memory_bytes: 64MiB{extra}}}
listeners:
  - name: web
    address: "127.0.0.1:0"
    protocols: [h1, h2c]
    routes: main
  - name: secure
    address: "127.0.0.1:0"
    tls: {{certificates: [{{cert: "{crt}", key: "{key}"}}]}}
    protocols: [h1, h2]
    routes: main
clusters:
  origin: {{endpoints: ["127.0.0.1:{port}"]}}
route_tables:
  main:
    - match: {{prefix: "/"}}
      proxy: {{cluster: origin}}
      cache: {{}}
"""


def expected(n=SIZE):
    piece = bytes(range(256)) * 256
    return (piece * (n // len(piece) + 1))[:n]


@pytest.fixture
def env(spawn, write_config, cert, request):
    o = CacheOrigin()
    extra = getattr(request, "param", "")
    s = spawn("serve", "-c", write_config(CONFIG.format(token=TOKEN, port=o.port, crt=cert[0], key=cert[1],
                                                        extra=extra)))
    s.origin = o
    yield s
    o.close()


def fetch(url, *args):
    """(status, head text, body bytes) with curl."""
    r = run(["curl", "-sS", "--max-time", "30", "-D", "-", "-o", "-", *args, url], timeout=40)
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode().lower(), body


def metric(s, name):
    code, text = curl("-H", f"Authorization: Bearer {TOKEN}", f"http://127.0.0.1:{s.ports['admin']}/metrics")
    assert code == 200
    m = re.search(rf"^{name} (\d+)$", text.decode(), re.M)
    return int(m.group(1)) if m else 0


def sha(b):
    return hashlib.sha256(b).hexdigest()


def test_large_hit_is_byte_identical_on_every_path(env):
    web = f"http://127.0.0.1:{env.ports['web']}{PATH}"
    want = sha(expected())
    st, head, body = fetch(web)  # the miss stores it
    assert st == 200 and sha(body) == want
    assert env.origin.hits(PATH) == 1
    for _ in range(2):  # hits over h1 on plain TCP: sendfile
        st, head, body = fetch(web)
        assert st == 200 and "hit" in head and f"content-length: {SIZE}" in head
        assert len(body) == SIZE and sha(body) == want
    assert metric(env, "strata_cache_body_files") >= 1

    # Range from the stored object, at an offset inside the file.
    st, head, body = fetch(web, "-H", "Range: bytes=70000-200999")
    assert st == 206 and "content-range: bytes 70000-200999/300000" in head
    assert body == expected()[70000:201000]
    st, head, body = fetch(web, "-H", "Range: bytes=-10")
    assert st == 206 and body == expected()[-10:]
    # HEAD from the stored GET; a conditional answered by the cache.
    r = run(["curl", "-sS", "--max-time", "30", "-I", web], timeout=40)
    assert b" 200" in r.stdout.split(b"\r\n")[0] and f"content-length: {SIZE}".encode() in r.stdout.lower()
    st, head, body = fetch(web, "-H", 'If-None-Match: "zc1"')
    assert st == 304 and body == b""
    # Two hits on one connection (keep-alive after a sendfile response).
    r = run(["curl", "-sS", "--max-time", "30", "-o", "-", "-o", "-", web, web], timeout=40)
    assert sha(r.stdout) == sha(expected() * 2)

    # The copying paths: h2c, TLS h1, TLS h2.
    st, head, body = fetch(web, "--http2-prior-knowledge")
    assert st == 200 and sha(body) == want
    secure = f"https://127.0.0.1:{env.ports['secure']}{PATH}"
    st, head, body = fetch(secure, "-k", "--http1.1")  # the scheme is part of the key: a miss
    assert st == 200 and sha(body) == want
    for flags in (["--http1.1"], ["--http2"]):
        st, head, body = fetch(secure, "-k", *flags)
        assert st == 200 and "hit" in head and sha(body) == want, flags
    st, head, body = fetch(secure, "-k", "--http2", "-H", "Range: bytes=1-2")
    assert st == 206 and body == expected()[1:3]
    assert env.origin.hits(PATH) == 2  # everything but the two misses came from the cache

    # A purge drops the object and with it the memfd.
    code, out = curl("-X", "POST", "-H", f"Authorization: Bearer {TOKEN}", "-H", "content-type: application/json",
                     "--data-binary", '{"all":true}', f"http://127.0.0.1:{env.ports['admin']}/cache/purge")
    assert code == 200, out
    deadline = time.time() + 10
    while metric(env, "strata_cache_body_files") != 0:
        assert time.time() < deadline, "the purged body's memfd is still alive"
        time.sleep(0.05)
    st, head, body = fetch(web)
    assert st == 200 and sha(body) == want
    assert env.origin.hits(PATH) == 3


def test_small_bodies_stay_on_the_heap(env):
    web = f"http://127.0.0.1:{env.ports['web']}/big/1000"
    for _ in range(2):
        st, head, body = fetch(web)
        assert st == 200 and body == expected(1000)
    assert metric(env, "strata_cache_body_files") == 0


@pytest.mark.parametrize("env", [", zero_copy_min_bytes: 0"], indirect=True)
def test_zero_copy_off_keeps_bodies_on_the_heap(env):
    web = f"http://127.0.0.1:{env.ports['web']}{PATH}"
    for _ in range(3):
        st, head, body = fetch(web)
        assert st == 200 and sha(body) == sha(expected())
    assert env.origin.hits(PATH) == 1
    assert metric(env, "strata_cache_body_files") == 0
