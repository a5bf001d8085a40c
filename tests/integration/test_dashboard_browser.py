"""The admin dashboard (/dashboard, embedded in the binary) in headless
Chromium over the DevTools protocol (cdp.py): it loads, shows the listener
and the cluster of the test's configuration, and its request counter moves
while `strata load` runs through the gateway. The screenshot is kept under
the test's tmp dir (path printed)."""
import json
import shutil
import subprocess
import urllib.request

import pytest

from cdp import Browser
from conftest import BIN, origin
from h3util import CHROMIUM

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="chromium not installed")


def test_stats_endpoint_is_json(spawn, write_config):
    o = origin(spawn)
    gw = spawn("serve", "-c", write_config(config(o.port)))
    with urllib.request.urlopen(f"http://127.0.0.1:{gw.ports['admin']}/stats", timeout=5) as r:
        assert r.headers["content-type"] == "application/json"
        j = json.load(r)
    assert j["draining"] is False
    m = j["metrics"]
    assert m["strata_request_duration_seconds"]["type"] == "histogram"
    assert m["strata_request_duration_seconds"]["bounds"][-1] == "+Inf"
    assert m["process_cpu_seconds_total"]["samples"][0]["value"] > 0
    assert {s["labels"]["listener"] for s in m["strata_connections_active"]["samples"]} >= {"web"}
    with urllib.request.urlopen(f"http://127.0.0.1:{gw.ports['admin']}/dashboard", timeout=5) as r:
        assert r.headers["content-type"].startswith("text/html")
        assert b"strata dashboard" in r.read()


def config(origin_port):
    return f"""
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
clusters:
  backend:
    endpoints: [127.0.0.1:{origin_port}]
route_tables:
  main:
    - proxy: {{cluster: backend}}
"""


def test_dashboard_shows_config_and_counts_requests(spawn, write_config, tmp_path):
    o = origin(spawn)
    gw = spawn("serve", "-c", write_config(config(o.port)))
    admin = gw.ports["admin"]
    # The browser resolves only "localhost" (cdp.py), to 127.0.0.1.
    with Browser(f"http://localhost:{admin}/dashboard") as b:
        try:
            b.wait("window.strataDashboard && window.strataDashboard.ticks >= 1", what="a first update")
        except AssertionError:
            raise AssertionError(b.eval("window.strataDashboard && window.strataDashboard.lastError"))
        b.wait("document.querySelector('#listeners tr[data-listener=web]') !== null", what="the web listener")
        row = b.eval("document.querySelector('#listeners tr[data-listener=web]').textContent")
        assert "127.0.0.1:" in row, row
        b.wait("document.querySelector('#clusters tr[data-cluster=backend]') !== null", what="the backend cluster")
        before = b.eval("window.strataDashboard.totalRequests")
        shown_before = b.eval("document.getElementById('req-total').textContent")
        load = subprocess.Popen([BIN, "load", "-D", "4", "-c", "2", "--h1", f"http://127.0.0.1:{gw.port}/"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            # The counter moves during the run, not only after it.
            b.wait(f"window.strataDashboard.totalRequests > {before} + 50", timeout=15,
                   what="the request counter to move")
            assert load.poll() is None, "load finished before the dashboard saw it"
            b.wait("parseFloat(document.getElementById('rps').textContent.replace(/,/g, '')) > 0", timeout=10,
                   what="a non-zero requests/s")
            b.wait("document.querySelector('#clusters tr[data-cluster=backend]').textContent.includes('closed')",
                   what="the backend's breaker state")
            shot = b.screenshot(str(tmp_path / "dashboard.png"))
        finally:
            out, err = load.communicate(timeout=60)
        assert load.returncode == 0, err
        shown_after = b.eval("document.getElementById('req-total').textContent")
        assert shown_after != shown_before
        cluster = b.eval("document.querySelector('#clusters tr[data-cluster=backend]').textContent")
        assert f"127.0.0.1:{o.port}" in cluster, cluster
        assert b.eval("document.getElementById('error').textContent") == ""
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    print(f"dashboard screenshot: {shot}")
