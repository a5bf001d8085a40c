"""The resilience tiers and the edge cache together (docs/resilience.md
"Degradation tiers", docs/cache.md "Stale-if-error and the resilience
tiers", "Last-known-good copies"), with curl over HTTP/1.1 against the real
binary and a counting origin (cache_origin.py):
- a route WITHOUT `cache:` keeps its last_known_good copies in the
  process-wide cache store: with the origin killed every worker answers
  from the copy, /cache/lookup shows it, a purge by URL removes it;
- a route WITH `cache:` and fallbacks serves its stale object (Cache-Status
  says so) before last-known-good and static when the origin is killed or
  its breaker is open; without stale-if-error the last-known-good copy
  answers and is not stored as a cached object.
Staleness comes from the origin's Age field, never from sleeping."""
import json
import re
import urllib.parse

from cache_origin import CacheOrigin
from conftest import curl, run

TOKEN = "lkg-cache-token-5e1"

CONFIG = """
workers: {workers}
admin: {{address: "127.0.0.1:0", auth: {{token: {token}}}}}
cache: {{memory_bytes: 16MiB}}
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
clusters:
  plain: {{endpoints: ["127.0.0.1:{port}"]}}
  cached:
    endpoints: ["127.0.0.1:{port}"]
    circuit_breaker: {{consecutive_failures: 1, open_duration: 60s, failure_on: [5xx]}}
route_tables:
  main:
    - name: lkg
      match: {{prefix: "/lkg/"}}
      proxy:
        cluster: plain
        prefix_rewrite: /
        fallback:
          last_known_good: {{ttl: 60s}}
          static: {{status: 503, body: "static fallback"}}
    - name: cachedfb
      match: {{prefix: "/"}}
      proxy:
        cluster: cached
        fallback:
          last_known_good: {{ttl: 60s}}
          static: {{status: 503, body: "static fallback"}}
      cache: {{}}
"""


def q(path, **fields):
    return path + "?" + urllib.parse.urlencode(fields)


def get(port, path):
    """curl over HTTP/1.1, a new connection each time: (status, headers, body)."""
    r = run(["curl", "-sS", "--http1.1", "--max-time", "30", "-D", "-", "-o", "-",
             f"http://127.0.0.1:{port}{path}"], timeout=40)
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        fields[k] = fields[k] + ", " + v.strip() if k in fields else v.strip()
    return int(lines[0].split()[1]), fields, body


def admin(s, method, path, body=None):
    args = ["-X", method, "-H", f"Authorization: Bearer {TOKEN}"]
    if body is not None:
        args += ["-H", "content-type: application/json", "--data-binary", body]
    code, out = curl(*args, f"http://127.0.0.1:{s.ports['admin']}{path}")
    assert code == 200, (code, out)
    return json.loads(out)


def lookup(s, url):
    return admin(s, "GET", "/cache/lookup?" + urllib.parse.urlencode({"url": url}))["objects"]


def metric(s, name, labels):
    _, text = curl(f"http://127.0.0.1:{s.ports['admin']}/metrics", "-H", f"Authorization: Bearer {TOKEN}")
    full = name + ("{" + labels + "}" if labels else "")
    m = re.search("^" + re.escape(full) + r" (\d+)$", text.decode(), re.M)
    return int(m.group(1)) if m else 0


def gateway(spawn, write_config, origin, workers=2):
    """Breakers are per worker: the breaker test runs one worker."""
    cfg = CONFIG.format(port=origin.port, token=TOKEN, workers=workers)
    return spawn("serve", "-c", write_config(cfg, "lkgcache.yaml"))


def test_origin_killed_lkg_from_the_cache_store_and_cached_stale(spawn, write_config):
    o = CacheOrigin()
    try:
        s = gateway(spawn, write_config, o)
        lkg_path = "/lkg/c/page"
        st, h, b = get(s.port, lkg_path)
        assert (st, h.get("x-strata-tier"), b) == (200, "primary", b"/c/page v1")
        assert "cache-status" not in h  # not a cached route
        # The copy is an object of the process-wide store, seen by the admin API.
        objs = lookup(s, f"http://127.0.0.1:{s.port}{lkg_path}")
        assert len(objs) == 1 and objs[0]["tags"] == ["last-known-good"], objs
        assert objs[0]["key"].startswith("lkg\nlkg\n"), objs
        sie = q("/c/sie", cc="max-age=10, stale-if-error=600", age="60")
        st, h, b = get(s.port, sie)
        assert st == 200 and "stored" in h["cache-status"], h

        o.close()  # the origin is gone: connect errors
        # Both workers answer from the one store (a per-worker copy would
        # leave about half of these to the static tier).
        for _ in range(8):
            st, h, b = get(s.port, lkg_path)
            assert (st, h.get("x-strata-tier"), b) == (200, "last-known-good", b"/c/page v1"), (st, h, b)
        assert metric(s, "strata_degradation_tier_total", 'route="lkg",tier="last-known-good"') == 8
        st, h, b = get(s.port, "/lkg/c/never")
        assert (st, h.get("x-strata-tier"), b) == (503, "static", b"static fallback")

        # The cached route: its stale object first, marked stale.
        stale_before = metric(s, "strata_cache_stale_total", "")
        st, h, b = get(s.port, sie)
        assert (st, b) == (200, b"/c/sie v1"), (st, h, b)
        assert re.search(r"strata; fwd=stale; fwd-status=50\d; detail=stale-if-error", h["cache-status"]), h
        assert h.get("x-strata-tier") == "cache", h
        assert metric(s, "strata_degradation_tier_total", 'route="cachedfb",tier="cache"') == 1
        assert metric(s, "strata_cache_stale_total", "") == stale_before + 1

        # Purged by URL through the cache admin API: gone from every worker.
        r = admin(s, "POST", "/cache/purge", json.dumps({"urls": [f"http://127.0.0.1:{s.port}{lkg_path}"]}))
        assert r["urls"] == 1, r
        for _ in range(4):
            st, h, b = get(s.port, lkg_path)
            assert (st, h.get("x-strata-tier")) == (503, "static"), (st, h, b)
        assert o.hits("/c/page") == 1 and o.hits(sie) == 1
    finally:
        o.close()


def test_breaker_open_stale_before_last_known_good_before_static(spawn, write_config):
    o = CacheOrigin()
    try:
        s = gateway(spawn, write_config, o, workers=1)
        sie = q("/c/brk", cc="max-age=10, stale-if-error=600", age="60")
        nosie = q("/c/nosie", cc="max-age=10", age="60")
        assert get(s.port, sie)[2] == b"/c/brk v1"
        assert get(s.port, nosie)[2] == b"/c/nosie v1"
        st, h, _ = get(s.port, "/err")  # one failure opens the breaker: static answers
        assert (st, h.get("x-strata-tier")) == (503, "static"), h
        st, h, b = get(s.port, "/c/other")
        assert (st, h.get("x-strata-tier"), b) == (503, "static", b"static fallback")

        # Within stale-if-error: the cached object, not the last-known-good copy.
        st, h, b = get(s.port, sie)
        assert (st, b) == (200, b"/c/brk v1")
        assert "fwd=stale; fwd-status=503; detail=stale-if-error" in h["cache-status"], h
        assert h.get("x-strata-tier") == "cache" and "x-strata-reason" not in h, h

        # No stale-if-error: the last-known-good copy, never stored as the object.
        url = f"http://127.0.0.1:{s.port}{nosie}"
        before = lookup(s, url)
        st, h, b = get(s.port, nosie)
        assert (st, h.get("x-strata-tier"), b) == (200, "last-known-good", b"/c/nosie v1"), (st, h, b)
        assert "detail=degraded" in h["cache-status"], h
        after = lookup(s, url)
        assert [x["response_time"] for x in after] == [x["response_time"] for x in before], (before, after)
        assert sorted(x["tags"] for x in after) == [[], ["last-known-good"]], after
        assert o.hits(sie) == 1 and o.hits(nosie) == 1 and o.hits("/c/other") == 0
        assert metric(s, "strata_degradation_tier_total", 'route="cachedfb",tier="last-known-good"') == 1
    finally:
        o.close()
