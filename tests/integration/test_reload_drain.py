"""SIGHUP reloads under load lose nothing; a bad config is refused; SIGTERM
drains in-flight requests."""
import re
import signal
import socket
import subprocess
import threading
import time

from conftest import curl, origin, run

CONFIG = """
workers: 2
listeners:
  - name: web
    address: "127.0.0.1:{port}"
    routes: main
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - match: {{prefix: "/"}}
      proxy: {{cluster: app}}
clusters:
  app:
    endpoints: ["127.0.0.1:{origin}"]
"""


def test_twenty_reloads_under_wrk(spawn, write_config):
    o = origin(spawn, workers=1)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    path = write_config(CONFIG.format(port=port, origin=o.port))
    s = spawn("serve", "-c", path)
    assert s.ports["web"] == port
    wrk = subprocess.Popen(["wrk", "-t", "1", "-c", "16", "-d", "8s", f"http://127.0.0.1:{port}/bytes/64"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    for _ in range(20):
        s.signal(signal.SIGHUP)
        time.sleep(0.3)
    out, _ = wrk.communicate(timeout=60)
    out = out.decode()
    s.wait_for_log(r"(reload complete[\s\S]*){20}")
    assert "Socket errors" not in out, out
    assert "Non-2xx" not in out, out
    m = re.search(r"(\d+) requests in", out)
    assert m and int(m.group(1)) > 100, out
    # Still serving, and the reload counter says 20.
    assert curl(f"http://127.0.0.1:{port}/status/200")[0] == 200
    code, metrics = curl(f"http://127.0.0.1:{s.ports['admin']}/metrics")
    assert 'strata_config_reloads_total{outcome="ok"} 20' in metrics.decode()


def test_bad_reload_keeps_running_config(spawn, write_config):
    o = origin(spawn)
    path = write_config(CONFIG.format(port=0, origin=o.port))
    s = spawn("serve", "-c", path)
    port = s.ports["web"]
    write_config("listeners: [ {name: web, address: 'nope', routes: missing} ]\nbogus_key: 1\n")
    s.signal(signal.SIGHUP)
    t = s.wait_for_log(r"reload refused")
    assert re.search(r"strata\.yaml:\d+:\d+", t), t[-2000:]
    assert curl(f"http://127.0.0.1:{port}/status/200")[0] == 200


def test_sigterm_lets_inflight_request_finish(spawn, write_config):
    o = origin(spawn)
    path = write_config(CONFIG.format(port=0, origin=o.port))
    s = spawn("serve", "-c", path)
    port = s.ports["web"]
    result = {}

    def client():
        result["r"] = curl(f"http://127.0.0.1:{port}/delay/2000", timeout=30)

    th = threading.Thread(target=client)
    th.start()
    time.sleep(0.5)
    s.signal(signal.SIGTERM)
    th.join(30)
    assert result["r"][0] == 200
    assert s.proc.wait(30) == 0
    # New connections are refused once draining finished.
    r = run(["curl", "-sS", "--max-time", "3", f"http://127.0.0.1:{port}/"], check=False)
    assert r.returncode != 0
