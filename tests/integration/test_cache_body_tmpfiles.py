"""Large cached bodies in unnamed page-cache files (docs/cache.md, "Zero
copy"): by default a 300 KB object's body is an O_TMPFILE file in
<state_dir>/cache-bodies (seen in /proc/<pid>/fd as "<dir>/#<inode>
(deleted)", never as a name in the directory), /cache/lookup says
body_storage "tmpfile" and strata_cache_body_tmpfiles / _bytes count it;
hits over h1 (sendfile), h2c and a Range are byte-identical; a purge closes
the file. A configured zero_copy_dir is used; one that cannot be used
(a regular file) is logged and bodies go to memfds; `zero_copy_storage:
memfd` makes memfds. Every wait is bounded."""
import hashlib
import json
import os
import re
import time
import urllib.parse

from cache_origin import CacheOrigin
from conftest import curl, run

TOKEN = "tmpfile-token-0123456789"
SIZE = 300_000
PATH = f"/big/{SIZE}"

CONFIG = """
workers: 2
admin: {{address: "127.0.0.1:0", auth: {{token: {token}}}}}
cache: {{memory_bytes: 64MiB{extra}}}
listeners:
  - name: web
    address: "127.0.0.1:0"
    protocols: [h1, h2c]
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


def start(spawn, write_config, extra=""):
    o = CacheOrigin()
    s = spawn("serve", "-c", write_config(CONFIG.format(token=TOKEN, port=o.port, extra=extra)))
    s.origin = o
    return s


def fetch(url, *args):
    r = run(["curl", "-sS", "--max-time", "30", "-D", "-", "-o", "-", *args, url], timeout=40)
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode().lower(), body


def admin(s, path, *args):
    code, text = curl("-H", f"Authorization: Bearer {TOKEN}", *args, f"http://127.0.0.1:{s.ports['admin']}{path}")
    assert code == 200, text
    return text.decode()


def metric(s, name):
    m = re.search(rf"^{name} (\d+)$", admin(s, "/metrics"), re.M)
    return int(m.group(1)) if m else 0


def storage_of(s, url):
    objs = json.loads(admin(s, "/cache/lookup?url=" + urllib.parse.quote(url, safe="")))["objects"]
    assert len(objs) == 1, objs
    assert objs[0]["body_bytes"] == SIZE
    return objs[0]["body_storage"]


def body_fds(s):
    """Targets of strata's descriptors that are unnamed files ('#<inode> (deleted)')."""
    out = []
    d = f"/proc/{s.proc.pid}/fd"
    for fd in os.listdir(d):
        try:
            t = os.readlink(f"{d}/{fd}")
        except OSError:
            continue
        if re.search(r"/#\d+ \(deleted\)$", t):
            out.append(t)
    return out


def sha(b):
    return hashlib.sha256(b).hexdigest()


def serves_identical_hits(s, url):
    st, _, body = fetch(url)  # the miss stores it
    assert st == 200 and sha(body) == sha(expected())
    for _ in range(2):  # h1 on plain TCP: sendfile from the file
        st, head, body = fetch(url)
        assert st == 200 and "hit" in head and sha(body) == sha(expected())
    st, head, body = fetch(url, "--http2-prior-knowledge")  # the mapping
    assert st == 200 and "hit" in head and sha(body) == sha(expected())
    st, head, body = fetch(url, "-H", "Range: bytes=123456-200000")
    assert st == 206 and body == expected()[123456:200001]
    assert s.origin.hits(PATH) == 1


def test_default_bodies_are_unnamed_files_in_the_state_dir(spawn, write_config, workdir):
    s = start(spawn, write_config)
    try:
        url = f"http://127.0.0.1:{s.ports['web']}{PATH}"
        serves_identical_hits(s, url)
        assert storage_of(s, url) == "tmpfile"
        bodies = str(workdir / "state" / "cache-bodies")
        assert os.path.isdir(bodies) and os.listdir(bodies) == []  # nothing has a name there
        fds = body_fds(s)
        assert fds and all(t.startswith(bodies + "/#") for t in fds), fds
        assert metric(s, "strata_cache_body_tmpfiles") == 1
        assert metric(s, "strata_cache_body_tmpfile_bytes") == SIZE
        assert metric(s, "strata_cache_body_files") == 1
        assert metric(s, "strata_cache_body_tmpfile_failures_total") == 0
        # A purge drops the object and closes its file.
        admin(s, "/cache/purge", "-X", "POST", "-H", "content-type: application/json", "--data-binary",
              '{"all":true}')
        deadline = time.time() + 10
        while metric(s, "strata_cache_body_tmpfiles") != 0 or body_fds(s):
            assert time.time() < deadline, "the purged body's file is still open"
            time.sleep(0.05)
        assert metric(s, "strata_cache_body_tmpfile_bytes") == 0
    finally:
        s.origin.close()


def test_configured_directory(spawn, write_config, workdir):
    d = workdir / "elsewhere" / "bodies"
    s = start(spawn, write_config, f", zero_copy_dir: {d}")
    try:
        url = f"http://127.0.0.1:{s.ports['web']}{PATH}"
        serves_identical_hits(s, url)
        assert storage_of(s, url) == "tmpfile"
        fds = body_fds(s)
        assert fds and all(t.startswith(str(d) + "/#") for t in fds), fds
    finally:
        s.origin.close()


def test_unusable_directory_falls_back_to_memfds(spawn, write_config, workdir):
    plain = workdir / "not-a-dir"
    plain.write_text("x")
    s = start(spawn, write_config, f", zero_copy_dir: {plain}")
    try:
        assert re.search(r"large bodies go to memfds: .*not-a-dir", s.text())
        url = f"http://127.0.0.1:{s.ports['web']}{PATH}"
        serves_identical_hits(s, url)
        assert storage_of(s, url) == "memfd"
        assert metric(s, "strata_cache_body_files") == 1
        assert metric(s, "strata_cache_body_tmpfiles") == 0
        assert body_fds(s) == []
    finally:
        s.origin.close()


def test_memfd_storage_on_request(spawn, write_config):
    s = start(spawn, write_config, ", zero_copy_storage: memfd")
    try:
        url = f"http://127.0.0.1:{s.ports['web']}{PATH}"
        serves_identical_hits(s, url)
        assert storage_of(s, url) == "memfd"
        assert metric(s, "strata_cache_body_tmpfiles") == 0
    finally:
        s.origin.close()
