"""Rate limits on routes (issue 15 items 2 and 8; docs/security.md "Rate
limits", "Limits across nodes"): 200 clients on distinct 127.0.0.N source
addresses (one /24) share one limit while clients of 127.0.1.0/24 do not;
429 carries Retry-After, RateLimit-Policy and RateLimit; a dry-run limit
passes everything but counts; a global limit across three strata nodes and
one real redis-server holds within 10% of its rate; Redis stopped -> each
node falls back to its local limit and says so in a metric. Every wait and
loop is bounded."""
import http.client
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from hubnodes import metric, redis_yaml, wait_metric  # noqa: F401
from redisutil import needs_redis, redis_standalone  # noqa: F401

CONFIG = """
workers: {workers}
listeners:
  - {{name: web, address: "127.0.0.1:0", routes: main}}
admin: {{address: "127.0.0.1:0"}}
{redis}
route_tables:
  main:
    - name: api
      match: {{prefix: /}}
      respond: {{status: 200, body: "ok\\n"}}
      security:
        rate_limits:
{limits}
"""


def config(limits, workers=2, redis=""):
    return CONFIG.format(workers=workers, redis=redis, limits=limits)


def get(port, source="127.0.0.1", path="/", timeout=10):
    """One HTTP/1.1 request from `source` (bound before connect). Returns
    (status, headers dict lower-case)."""
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers


def test_one_slash24_shares_a_limit_other_does_not(spawn, write_config):
    limits = ("          - {name: per-prefix, rate: 1, per: 1s, burst: 20}\n")
    s = spawn("serve", "-c", write_config(config(limits)))
    sources = [f"127.0.0.{n}" for n in range(1, 201)]
    t0 = time.time()
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(lambda src: get(s.port, src), sources))
    elapsed = time.time() - t0
    ok = [h for st, h in results if st == 200]
    refused = [h for st, h in results if st == 429]
    assert len(ok) + len(refused) == 200, [st for st, _ in results]
    # 20 of burst, plus at most one per elapsed second (rate 1/s).
    assert 20 <= len(ok) <= 20 + int(elapsed) + 1, (len(ok), elapsed)
    h = refused[0]
    assert 1 <= int(h["retry-after"]) <= 1, h
    assert h["ratelimit-policy"] == '"per-prefix";q=20;w=20', h
    assert re.fullmatch(r'"per-prefix";r=0;t=1', h["ratelimit"]), h
    assert h["x-strata-reason"] == "rate-limited", h
    # Another /24: its own burst.
    other = [get(s.port, f"127.0.1.{n}")[0] for n in range(1, 11)]
    assert other == [200] * 10, other
    assert metric(s, "strata_limit_requests_total", route="api", limit="per-prefix",
                  result="limited") == len(refused)
    assert metric(s, "strata_limit_keys", route="api", limit="per-prefix") == 2


def test_dry_run_passes_everything_but_counts(spawn, write_config):
    limits = ("          - {name: shadow, rate: 1, per: 1m, burst: 5, dry_run: true}\n")
    s = spawn("serve", "-c", write_config(config(limits)))
    statuses = [get(s.port, f"127.0.0.{n}")[0] for n in range(1, 31)]
    assert statuses == [200] * 30, statuses
    assert metric(s, "strata_limit_requests_total", route="api", limit="shadow",
                  result="dry_run_limited") == 25
    assert metric(s, "strata_limit_requests_total", route="api", limit="shadow", result="limited") == 0


def test_key_table_is_bounded(spawn, write_config):
    limits = ("          - {name: small, rate: 1, per: 1m, burst: 1, key: client_ip, max_keys: 8}\n")
    s = spawn("serve", "-c", write_config(config(limits)))
    for n in range(1, 21):
        assert get(s.port, f"127.0.2.{n}")[0] == 200
    assert metric(s, "strata_limit_keys", route="api", limit="small") == 8
    assert metric(s, "strata_limit_keys_evicted_total", route="api", limit="small") == 12


def test_state_survives_a_reload_of_an_unchanged_limit(spawn, write_config):
    import signal
    limits = "          - {name: keep, rate: 1, per: 1m, burst: 3}\n"
    path = write_config(config(limits))
    s = spawn("serve", "-c", path)
    assert [get(s.port)[0] for _ in range(4)] == [200, 200, 200, 429]
    # Same limit, another worker count: the keys are kept.
    write_config(config(limits, workers=1))
    start = len(s.text())
    s.signal(signal.SIGHUP)
    s.wait_for_log("reload complete", start=start)
    assert get(s.port)[0] == 429
    # A changed limit starts afresh.
    write_config(config("          - {name: keep, rate: 2, per: 1m, burst: 3}\n", workers=1))
    start = len(s.text())
    s.signal(signal.SIGHUP)
    s.wait_for_log("reload complete", start=start)
    assert get(s.port)[0] == 200


# ---------------------------------------------------------------- across nodes

def hammer(ports, seconds, threads_per_port=4):
    """Keep-alive GETs at every port from several threads for `seconds`.
    Returns (allowed, refused, elapsed)."""
    counts = {"ok": 0, "no": 0, "err": 0}
    lock = threading.Lock()
    stop_at = time.time() + seconds

    def run(port):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        ok = no = err = 0
        while time.time() < stop_at:
            try:
                c.request("GET", "/")
                r = c.getresponse()
                r.read()
                if r.status == 200:
                    ok += 1
                elif r.status == 429:
                    no += 1
                else:
                    err += 1
            except (OSError, http.client.HTTPException):
                err += 1
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.close()
        with lock:
            counts["ok"] += ok
            counts["no"] += no
            counts["err"] += err

    t0 = time.time()
    ts = [threading.Thread(target=run, args=(p,)) for p in ports for _ in range(threads_per_port)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(seconds + 30)
    return counts, time.time() - t0


@needs_redis
def test_global_limit_across_three_nodes_then_redis_stopped(spawn, write_config, redis_standalone):
    rate, burst, seconds = 50, 10, 4
    limits = (f"          - {{name: shared, rate: {rate}, per: 1s, burst: {burst}, key: route,"
              f" global: true, local_allowance: 0.1}}\n")
    redis = redis_yaml("standalone", [redis_standalone.address])
    nodes = [spawn("serve", "-c", write_config(config(limits, redis=redis), name=f"n{i}.yaml"))
             for i in range(3)]
    for n in nodes:
        wait_metric(n, "strata_limit_redis_mode", lambda v: v == 1, timeout=20)
    counts, elapsed = hammer([n.port for n in nodes], seconds)
    assert counts["err"] == 0, counts
    expected = rate * elapsed + burst
    print(f"global: allowed {counts['ok']}, refused {counts['no']} in {elapsed:.2f} s; expected {expected:.0f}")
    # Offered load well above the limit, or the test proves nothing.
    assert counts["ok"] + counts["no"] > 2 * expected, counts
    assert abs(counts["ok"] - expected) <= 0.1 * rate * elapsed, (counts, elapsed, expected)
    assert sum(metric(n, "strata_limit_redis_fallback_total") for n in nodes) == 0

    # Redis stopped: each node falls back to its own local limit.
    redis_standalone.kill()
    for n in nodes:
        get(n.port)  # the first report fails: the backend goes down
    for n in nodes:
        wait_metric(n, "strata_limit_redis_mode", lambda v: v == 0, timeout=20)
    counts, elapsed = hammer([n.port for n in nodes], 2)
    assert counts["err"] == 0, counts
    assert counts["no"] > 0, counts
    # Local: each node allows its own rate (3 nodes, so up to ~3x).
    local_expected = 3 * (rate * elapsed + burst)
    print(f"fallback: allowed {counts['ok']}, refused {counts['no']} in {elapsed:.2f} s; local bound {local_expected:.0f}")
    assert counts["ok"] <= 1.1 * local_expected + 3, (counts, elapsed)
    assert counts["ok"] > 1.5 * (rate * elapsed + burst), (counts, elapsed)
    for n in nodes:
        assert metric(n, "strata_limit_redis_fallback_total", route="api", limit="shared") > 0


# --- IPv6: hosts of one /64 share a limit, another /64 has its own ----------
# (the netns + veth fixture of test_security_addr.py)
from test_security_addr import netns6  # noqa: E402,F401  (pytest fixture)

NS6_CLIENT = r"""
import socket, sys
port = int(sys.argv[1])
def one(src):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((src, 0))
    s.connect(("2001:db8:1::1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    d = s.recv(4096)
    s.close()
    return int(d.split()[1]) if d.startswith(b"HTTP/1.1 ") else 0
print("same", [one(a) for a in ["2001:db8:1::10", "2001:db8:1::11"] * 3])
print("other", [one("2001:db8:2::10") for _ in range(4)])
"""


def test_ipv6_one_slash64_shares_a_limit(spawn, write_config, netns6, workdir):
    import subprocess
    limits = "          - {name: per-64, rate: 1, per: 1h, burst: 3}\n"
    cfg = config(limits).replace('address: "127.0.0.1:0", routes', 'address: "[2001:db8:1::1]:0", routes', 1)
    s = spawn("serve", "-c", write_config(cfg))
    script = workdir / "ns6_client.py"
    script.write_text(NS6_CLIENT)
    r = subprocess.run(["ip", "netns", "exec", netns6, "/usr/bin/python3", str(script), str(s.ports["web"])],
                       capture_output=True, timeout=60)
    lines = dict(l.split(" ", 1) for l in r.stdout.decode().strip().splitlines())
    assert lines["same"] == str([200, 200, 200, 429, 429, 429]), (r.stdout, r.stderr)
    assert lines["other"] == str([200, 200, 200, 429]), (r.stdout, r.stderr)
