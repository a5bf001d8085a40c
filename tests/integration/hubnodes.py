"""Several strata nodes sharing one Redis (issue 12): configs that differ
only in their (port 0) listener and admin ports and share the `redis:`
section, started through conftest's `spawn` (STRATA_BIN); an SSE reader
(curl -N) and Prometheus /metrics helpers for the admin listener. Every
wait is bounded."""
import json
import os
import re
import select
import subprocess
import time
import urllib.request

import pytest

API_KEY = "apikey-test-1"

NODE_CONFIG = """
workers: {workers}
listeners:
  - {{name: web, address: "127.0.0.1:0", routes: main}}
admin: {{address: "127.0.0.1:0"}}
{redis}
hub:
  api_keys: [{api_key}]
  out_queue: {out_queue}
  heartbeat: {heartbeat}
  broker: {{type: redis, prefix: {prefix}, partitions: {partitions}}}
  namespaces:
    - {{name: "", history_size: {history}, history_ttl: 5m, anonymous: true, client_publish: true}}
    - {{name: chat, history_size: {history}, history_ttl: 5m, presence: true, join_leave: true,
        anonymous: true, client_publish: true}}
route_tables:
  main:
    - {{match: {{prefix: /hub/api}}, hub_api: {{}}}}
    - {{match: {{prefix: /hub}}, hub: {{}}}}
"""


def redis_yaml(mode, addresses, connect_timeout="500ms", command_timeout="1s", reconnect_min="50ms",
               reconnect_max="500ms", max_reply=None, topology_refresh="2s", extra=""):
    """The shared `redis:` section (short timeouts and backoff: tests wait
    for reconnects)."""
    lines = ["redis:", f"  mode: {mode}",
             "  addresses: [" + ", ".join(f'"{a}"' for a in addresses) + "]",
             f"  connect_timeout: {connect_timeout}", f"  command_timeout: {command_timeout}",
             f"  reconnect_min: {reconnect_min}", f"  reconnect_max: {reconnect_max}"]
    if mode == "cluster":
        lines.append(f"  topology_refresh: {topology_refresh}")
    if max_reply is not None:
        lines.append(f"  max_reply: {max_reply}")
    return "\n".join(lines) + ("\n" + extra if extra else "") + "\n"


def node_config(redis, workers=2, prefix="strata", partitions=128, history=100, out_queue="1MiB",
                heartbeat="25s"):
    return NODE_CONFIG.format(workers=workers, redis=redis, api_key=API_KEY, prefix=prefix,
                              partitions=partitions, history=history, out_queue=out_queue,
                              heartbeat=heartbeat)


@pytest.fixture
def hub_nodes(spawn, write_config):
    """hub_nodes(redis_section, n=3, **node_config options) -> [Strata]; the
    configs are node-a.yaml, node-b.yaml, ... in the test's workdir.
    `redis_section` may be a list: one section per node."""
    def _start(redis, n=3, env=None, **kw):
        nodes = []
        for i in range(n):
            section = redis[i] if isinstance(redis, list) else redis
            path = write_config(node_config(section, **kw), name=f"node-{chr(97 + i)}.yaml")
            nodes.append(spawn("serve", "-c", path, env=env))
        return nodes
    return _start


# ---------------------------------------------------------------- metrics


def metrics_text(node):
    with urllib.request.urlopen(f"http://127.0.0.1:{node.ports['admin']}/metrics", timeout=10) as r:
        return r.read().decode()


SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)', re.M)


def metric(node, name, **labels):
    """Sum of the samples of `name` whose labels include `labels` (0 when absent)."""
    total = 0.0
    for n, lab, val in SAMPLE_RE.findall(metrics_text(node)):
        if n != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', lab or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(val)
    return total


def wait_metric(node, name, pred, timeout=20, **labels):
    """Waits until pred(value) holds; returns the value."""
    deadline = time.time() + timeout
    v = None
    while time.time() < deadline:
        v = metric(node, name, **labels)
        if pred(v):
            return v
        time.sleep(0.1)
    raise AssertionError(f"{name}{labels} = {v}: condition not met within {timeout}s")


# ---------------------------------------------------------------- SSE


class Sse:
    """curl -N reading one event stream; events parsed as they come."""

    def __init__(self, url, headers=(), max_time=120):
        cmd = ["curl", "-sN", "--max-time", str(max_time), "-H", "Accept: text/event-stream"]
        for h in headers:
            cmd += ["-H", h]
        self.p = subprocess.Popen(cmd + [url], stdout=subprocess.PIPE)
        self.buf = b""

    def event(self, timeout=15):
        """The next event as a dict of its fields ("comment" for ': x')."""
        deadline = time.time() + timeout
        while b"\n\n" not in self.buf:
            left = deadline - time.time()
            assert left > 0, f"no SSE event within {timeout}s; have {self.buf[-500:]!r}"
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                assert chunk, f"SSE stream ended; have {self.buf[-500:]!r}"
                self.buf += chunk
        raw, self.buf = self.buf.split(b"\n\n", 1)
        ev = {}
        for line in raw.decode().split("\n"):
            if line.startswith(":"):
                ev["comment"] = line[1:].strip()
            else:
                k, _, v = line.partition(": ")
                ev[k] = v
        return ev

    def next_named(self, name, timeout=15):
        """The next event with `event: name` (others skipped)."""
        deadline = time.time() + timeout
        while True:
            ev = self.event(max(0.1, deadline - time.time()))
            if ev.get("event") == name:
                return ev

    def next_pub(self, timeout=15):
        """The next publication or subscribe event (comments skipped)."""
        deadline = time.time() + timeout
        while True:
            ev = self.event(max(0.1, deadline - time.time()))
            if "id" in ev or ev.get("event") == "subscribe":
                return ev

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(10)


def sse_url(node, query):
    return f"http://127.0.0.1:{node.port}/hub?{query}"


def sse_data(ev):
    return json.loads(ev["data"])
