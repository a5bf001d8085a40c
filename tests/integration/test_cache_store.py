"""The edge cache's process store in the real binary: created when a route
is cached, its gauges on /metrics, reconfigured and released by SIGHUP
reloads, a bad top-level `cache:` refused with file:line:column, an
unusable disk directory logged while the store keeps running in memory."""
import re
import signal

from conftest import curl, origin

CONFIG = """
workers: 2
listeners:
  - {{name: web, address: "127.0.0.1:0", routes: main}}
admin:
  address: "127.0.0.1:0"
{storage}
route_tables:
  main:
    - match: {{prefix: "/"}}
      proxy: {{cluster: app}}
{route_cache}
clusters:
  app:
    endpoints: ["127.0.0.1:{origin}"]
"""


def config(o, storage="", cached=True):
    return CONFIG.format(storage=storage, route_cache="      cache: {}" if cached else "", origin=o.port)


def metric(s, name):
    code, body = curl(f"http://127.0.0.1:{s.ports['admin']}/metrics")
    assert code == 200
    m = re.search(rf"^{name} (\d+)$", body.decode(), re.M)
    return int(m.group(1)) if m else None


def test_store_lifecycle_across_reloads(spawn, write_config, workdir):
    o = origin(spawn)
    path = write_config(config(o, "cache: {memory_bytes: 4MiB, policy: lru}"))
    s = spawn("serve", "-c", path)
    s.wait_for_log(r"cache: store of 4194304 bytes in memory, policy lru")
    assert metric(s, "strata_cache_objects") == 0
    assert metric(s, "strata_cache_bytes") == 0
    assert metric(s, "strata_cache_evictions_total") == 0
    assert metric(s, "strata_cache_disk_objects") == 0
    assert curl(f"http://127.0.0.1:{s.port}/status/200")[0] == 200

    # New limits and policy on reload: the same store, reconfigured.
    write_config(config(o, "cache: {memory_bytes: 8MiB, policy: tinylfu}"))
    s.signal(signal.SIGHUP)
    s.wait_for_log(r"cache: store reconfigured: 8388608 bytes in memory, policy tinylfu")

    # A disk directory that cannot be created: logged, memory only, serving.
    bad = workdir / "file-not-dir"
    bad.write_text("x")
    write_config(config(o, f"cache: {{disk: {{path: {bad}/sub}}}}"))
    s.signal(signal.SIGHUP)
    s.wait_for_log(r"cache: disk tier refused, memory only: .*file-not-dir/sub")
    s.wait_for_log(r"(reload complete[\s\S]*){2}")
    assert curl(f"http://127.0.0.1:{s.port}/status/200")[0] == 200

    # A bad `cache:` is refused with its location; the running config stays.
    write_config(config(o, "cache:\n  memory_bytes: 1MiB\n  max_object_bytes: 2MiB"))
    s.signal(signal.SIGHUP)
    t = s.wait_for_log(r"reload refused")
    assert re.search(r"strata\.yaml:\d+:\d+: max_object_bytes: 2097152 exceeds memory_bytes 1048576", t), t[-2000:]

    # No cached route any more: the store is released.
    write_config(config(o, cached=False))
    s.signal(signal.SIGHUP)
    s.wait_for_log(r"cache: no cached route; the store is released")
    assert curl(f"http://127.0.0.1:{s.port}/status/200")[0] == 200


def test_no_store_without_a_cached_route(spawn, write_config):
    o = origin(spawn)
    s = spawn("serve", "-c", write_config(config(o, "cache: {memory_bytes: 4MiB}", cached=False)))
    assert curl(f"http://127.0.0.1:{s.port}/status/200")[0] == 200
    assert "cache: store of" not in s.text()
