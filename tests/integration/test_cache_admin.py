"""The edge cache's admin API and purges across nodes (docs/cache.md
"Purging", "Admin API"): POST /cache/purge, GET /cache/{lookup,tags,stats}
through a real strata's admin listener with bearer auth; a purge made on
one node reaches another over a real redis-server (pub/sub on
cache.purge_channel), a node ignores its own message, a message published
by a third party is applied by both. Through the cached route, a purge
by tag on node A turns node B's next request into a miss (counted at the
origin); the same on a Redis Cluster (sharded pub/sub). Every wait is
bounded."""
import json
import time

import pytest

from tagged_origin import Origin
from conftest import curl
from redisutil import REDIS_CLI, REDIS_SERVER, RedisServer, redis_cluster  # noqa: F401 (fixture)

TOKEN = "cache-admin-token-7f3a"
CHANNEL = "strata:cache:purge:test"

CONFIG = """
workers: 2
listeners:
  - {{name: web, address: "127.0.0.1:0", routes: main}}
admin:
  address: "127.0.0.1:0"
  auth: {{token: {token}}}
{redis}
cache:
  purge_channel: "{channel}"
clusters:
  o: {{endpoints: ["127.0.0.1:{origin}"]}}
route_tables:
  main:
    - match: {{prefix: /}}
      proxy: {{cluster: o}}
      cache: {{tags: [site]}}
"""


@pytest.fixture
def origin_server():
    o = Origin()
    yield o
    o.stop()


def node(spawn, write_config, origin, name, redis=None):
    """A strata with the cached route; `redis`: a RedisServer or a `redis:` YAML block."""
    redis_block = ""
    if isinstance(redis, str):
        redis_block = redis
    elif redis is not None:
        redis_block = (f'redis:\n  addresses: ["{redis.address}"]\n  connect_timeout: 500ms\n'
                       "  reconnect_min: 50ms\n  reconnect_max: 200ms")
    path = write_config(CONFIG.format(token=TOKEN, redis=redis_block, channel=CHANNEL, origin=origin.port),
                        name=f"{name}.yaml")
    return spawn("serve", "-c", path)


def admin(s, method, path, body=None, token=TOKEN):
    args = ["-X", method]
    if token is not None:
        args += ["-H", f"Authorization: Bearer {token}"]
    if body is not None:
        args += ["-H", "content-type: application/json", "--data-binary", body]
    code, out = curl(*args, f"http://127.0.0.1:{s.ports['admin']}{path}")
    return code, out


def admin_json(s, method, path, body=None):
    code, out = admin(s, method, path, body)
    assert code == 200, (code, out)
    return json.loads(out)


def metric(s, name, **labels):
    code, text = admin(s, "GET", "/metrics")
    assert code == 200
    for line in text.decode().splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def wait_for(pred, timeout=15, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def cached_route_works(s, origin, path):
    """True when the second GET of `path` through `s` is served without a
    new origin request (the cache-http branch's cached route is merged)."""
    before = origin.count(path)
    for _ in range(2):
        code, _ = curl(f"http://127.0.0.1:{s.port}{path}")
        assert code == 200
    return origin.count(path) - before == 1


def test_purge_api_through_admin_listener(spawn, write_config, origin_server):
    s = node(spawn, write_config, origin_server, "single")
    # The admin auth comes first, for every cache path and method.
    for method, path, body in [("POST", "/cache/purge", '{"all":true}'), ("GET", "/cache/stats", None),
                               ("GET", "/cache/tags", None), ("GET", "/cache/lookup?url=x", None)]:
        code, _ = admin(s, method, path, body, token=None)
        assert code == 401, (method, path)
        code, _ = admin(s, method, path, body, token="wrong")
        assert code == 401, (method, path)
    code, text = admin(s, "GET", "/metrics")
    assert b'strata_cache_purges_total{kind="all"} 0' in text  # registered at 0

    stats = admin_json(s, "GET", "/cache/stats")
    assert stats["purge_bus"] is None  # no redis: purges stay local
    r = admin_json(s, "POST", "/cache/purge", '{"tags":["product-1","site"],"urls":["http://x/y"],"soft":true}')
    assert r["soft"] is True and r["broadcast"] is None
    assert set(r) >= {"purged", "tags", "urls", "prefixes", "all"}
    assert metric(s, "strata_cache_purges_total", kind="tag") == 2
    assert metric(s, "strata_cache_purges_total", kind="url") == 1

    code, out = admin(s, "POST", "/cache/purge", '{"tagz":["a"]}')
    assert code == 400 and b"unknown member tagz" in out
    code, out = admin(s, "POST", "/cache/purge", "{}")
    assert code == 400 and b"nothing to purge" in out
    big = s.workdir / "big.json"
    big.write_text(" " * ((1 << 20) + 1))
    code, out = admin(s, "POST", "/cache/purge", f"@{big}")
    assert code == 413
    code, _ = admin(s, "GET", "/cache/purge")
    assert code == 405
    code, _ = admin(s, "GET", "/cache/lookup")
    assert code == 400

    # Through the cached route: fill, look up, purge by tag, see a miss.
    assert stats["enabled"] is True
    assert cached_route_works(s, origin_server, "/product/7")
    url = f"http://127.0.0.1:{s.port}/product/7"
    look = admin_json(s, "GET", "/cache/lookup?url=" + url.replace(":", "%3A").replace("/", "%2F"))
    assert len(look["objects"]) == 1 and "product-7" in look["objects"][0]["tags"]
    tags = {t["tag"]: t["objects"] for t in admin_json(s, "GET", "/cache/tags")["tags"]}
    assert tags.get("product-7") == 1 and tags.get("site", 0) >= 1
    r = admin_json(s, "POST", "/cache/purge", '{"tags":["product-7"]}')
    assert r["purged"] == 1 and r["tags"] == 1
    before = origin_server.count("/product/7")
    code, body = curl(url)
    assert code == 200 and origin_server.count("/product/7") == before + 1  # a miss after the purge
    assert admin_json(s, "GET", "/cache/lookup?url=" + url)["objects"]
    # Soft: the object stays, invalidated, and is revalidated before use.
    r = admin_json(s, "POST", "/cache/purge", json.dumps({"urls": [url], "soft": True}))
    assert r["purged"] == 1 and r["urls"] == 1 and r["soft"] is True
    look = admin_json(s, "GET", "/cache/lookup?url=" + url)["objects"]
    assert len(look) == 1 and look[0]["invalidated"] is True
    before = origin_server.count("/product/7")
    code, _ = curl(url)
    assert code == 200 and origin_server.count("/product/7") == before + 1  # went to the origin
    code, _ = curl(url)
    assert code == 200 and origin_server.count("/product/7") == before + 1  # fresh again: a hit


@pytest.mark.skipif(REDIS_SERVER is None or REDIS_CLI is None, reason="redis-server not installed")
def test_purge_across_two_nodes_on_redis(spawn, write_config, workdir, origin_server):
    redis = RedisServer(workdir / "redis")
    try:
        a = node(spawn, write_config, origin_server, "a", redis)
        b = node(spawn, write_config, origin_server, "b", redis)

        def subscribers():
            reply = redis.call("PUBSUB", "NUMSUB", CHANNEL)
            return int(reply[1]) == 2

        wait_for(subscribers, what="both nodes subscribed to the purge channel")
        for s in (a, b):
            wait_for(lambda: admin_json(s, "GET", "/cache/stats")["purge_bus"]["subscribed"], what="subscribed")
        ida = admin_json(a, "GET", "/cache/stats")["purge_bus"]["node"]
        idb = admin_json(b, "GET", "/cache/stats")["purge_bus"]["node"]
        assert ida != idb

        r = admin_json(a, "POST", "/cache/purge", '{"tags":["product-3"],"prefixes":["/img/"]}')
        assert r["broadcast"] == {"channel": CHANNEL, "ok": True, "receivers": 2}, r
        wait_for(lambda: metric(b, "strata_cache_purge_messages_total", event="received") == 1, what="b received")
        wait_for(lambda: metric(a, "strata_cache_purge_messages_total", event="own") == 1, what="a saw its own")
        assert metric(a, "strata_cache_purge_messages_total", event="received") == 0  # not applied twice
        assert metric(a, "strata_cache_purges_total", kind="tag") == 1
        assert metric(b, "strata_cache_purges_total", kind="tag") == 1
        assert metric(b, "strata_cache_purges_total", kind="prefix") == 1
        assert metric(a, "strata_cache_purge_messages_total", event="sent") == 1

        # A third party (another tool, or a node of another version) publishing.
        assert int(redis.call("PUBLISH", CHANNEL, '{"node":"tool","urls":["http://h/x"],"soft":true}')) == 2
        for s in (a, b):
            wait_for(lambda: metric(s, "strata_cache_purges_total", kind="url") == 1, what="url purge applied")
        assert int(redis.call("PUBLISH", CHANNEL, "not json")) == 2
        for s in (a, b):
            wait_for(lambda: metric(s, "strata_cache_purge_messages_total", event="bad") == 1, what="bad counted")

        # Both nodes hold /product/9; a purge by tag on A reaches B's cache.
        assert cached_route_works(a, origin_server, "/product/9")
        assert cached_route_works(b, origin_server, "/product/9")
        n = origin_server.count("/product/9")
        r = admin_json(a, "POST", "/cache/purge", '{"tags":["product-9"]}')
        assert r["purged"] == 1 and r["broadcast"]["receivers"] == 2
        wait_for(lambda: metric(b, "strata_cache_purges_total", kind="tag") == 2, what="b applied")
        code, _ = curl(f"http://127.0.0.1:{b.port}/product/9")
        assert code == 200 and origin_server.count("/product/9") == n + 1  # B missed
        code, _ = curl(f"http://127.0.0.1:{a.port}/product/9")
        assert code == 200 and origin_server.count("/product/9") == n + 2  # A missed too

        # Redis gone: the purge stays local and says so.
        redis.kill()
        r = admin_json(a, "POST", "/cache/purge", '{"all":true}')
        assert r["broadcast"]["ok"] is False and r["broadcast"]["error"]
    finally:
        redis.kill()


@pytest.mark.skipif(REDIS_SERVER is None or REDIS_CLI is None, reason="redis-server not installed")
def test_purge_across_nodes_on_redis_cluster(spawn, write_config, origin_server, redis_cluster):
    """Cluster mode: the bus uses sharded pub/sub (SSUBSCRIBE/SPUBLISH on the channel's slot)."""
    block = ("redis:\n  mode: cluster\n  addresses: [" + ", ".join(f'"{x}"' for x in redis_cluster.addresses[:3]) +
             "]\n  connect_timeout: 500ms\n  reconnect_min: 50ms\n  reconnect_max: 500ms\n  topology_refresh: 2s")
    a = node(spawn, write_config, origin_server, "ca", block)
    b = node(spawn, write_config, origin_server, "cb", block)
    for s in (a, b):
        wait_for(lambda: admin_json(s, "GET", "/cache/stats")["purge_bus"]["subscribed"], what="subscribed")
    assert cached_route_works(b, origin_server, "/product/5")
    n = origin_server.count("/product/5")
    r = admin_json(a, "POST", "/cache/purge", '{"tags":["product-5"]}')
    assert r["broadcast"]["ok"] is True and r["broadcast"]["receivers"] == 2, r
    wait_for(lambda: metric(b, "strata_cache_purge_messages_total", event="received") == 1, what="b received")
    code, _ = curl(f"http://127.0.0.1:{b.port}/product/5")
    assert code == 200 and origin_server.count("/product/5") == n + 1  # B missed after A's purge
