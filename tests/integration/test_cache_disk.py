"""The cache's disk tier through the real binary (docs/cache.md "Disk
tier"): with a small memory tier, objects evicted from memory are written
to disk and served from there; after a restart (SIGTERM, start again on
the same directory) they are still hits (no new origin request); a purge
through the admin API reaches the disk; a torn file left in the directory
is removed at start. Every wait is bounded."""
import json
from pathlib import Path

import pytest

from tagged_origin import Origin
from conftest import curl

CONFIG = """
workers: 2
listeners:
  - {{name: web, address: "127.0.0.1:0", routes: main}}
admin:
  address: "127.0.0.1:0"
cache:
  memory_bytes: 64KiB
  max_object_bytes: 16KiB
  policy: lru
  disk: {{path: "{disk}", max_bytes: 1MiB}}
clusters:
  o: {{endpoints: ["127.0.0.1:{origin}"]}}
route_tables:
  main:
    - match: {{prefix: /}}
      proxy: {{cluster: o}}
      cache: {{}}
"""

N = 40  # 4 KiB objects: far more than 64 KiB of memory holds


@pytest.fixture
def origin_server():
    o = Origin()
    yield o
    o.stop()


def stats(s):
    code, out = curl(f"http://127.0.0.1:{s.ports['admin']}/cache/stats")
    assert code == 200
    return json.loads(out)


def get(s, path):
    # One Host for both runs: the key holds the authority, and the port changes.
    code, body = curl("-H", "Host: cache.test", f"http://127.0.0.1:{s.port}{path}")
    assert code == 200
    return body


def test_disk_tier_survives_restart(spawn, write_config, workdir, origin_server):
    disk = workdir / "cache-disk"
    path = write_config(CONFIG.format(disk=disk, origin=origin_server.port))
    s = spawn("serve", "-c", path)
    for i in range(N):
        get(s, f"/big/{i}")
    assert all(origin_server.count(f"/big/{i}") == 1 for i in range(N))
    st = stats(s)
    assert st["enabled"] and st["disk_objects"] > 0, st
    assert len(list(disk.rglob("*.obj"))) == st["disk_objects"]
    # The first ones went to disk first: still hits.
    assert get(s, "/big/0").startswith(b"/big/0 #1")
    assert origin_server.count("/big/0") == 1
    on_disk_before = stats(s)["disk_objects"]
    assert s.stop() == 0

    # A crash leftover and a torn object file: removed at start.
    (disk / ".tmp-1-1.tmp").write_bytes(b"partial")
    victim = sorted(disk.rglob("*.obj"))[0]
    torn = victim.parent / (victim.parent.name + "f" * 30 + ".obj")
    torn.write_bytes(victim.read_bytes()[:100])

    s2 = spawn("serve", "-c", path)
    st = stats(s2)
    assert st["disk_objects"] >= on_disk_before - 1 and st["objects"] == 0, st
    assert not (disk / ".tmp-1-1.tmp").exists()
    assert not torn.exists()
    hits = 0
    for i in range(N):
        before = origin_server.count(f"/big/{i}")
        body = get(s2, f"/big/{i}")
        assert body.startswith(f"/big/{i} #".encode())
        hits += origin_server.count(f"/big/{i}") == before
    assert hits >= on_disk_before - 1, (hits, on_disk_before)  # served from disk after the restart

    # A purge by prefix reaches the disk.
    before = {i: origin_server.count(f"/big/{i}") for i in range(N)}
    code, out = curl("-X", "POST", "--data-binary", '{"prefixes":["/big/"]}',
                     f"http://127.0.0.1:{s2.ports['admin']}/cache/purge")
    assert code == 200, out
    r = json.loads(out)
    assert r["purged"] >= N - 1, r
    assert stats(s2)["disk_objects"] == 0
    assert not list(disk.rglob("*.obj"))
    get(s2, "/big/0")
    assert origin_server.count("/big/0") == before[0] + 1
