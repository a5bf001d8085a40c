"""`strata load --hub` (subscriber and publisher modes) against the real
hub: WebSocket and SSE subscribers over h1, h2 (h2c and TLS) and h3, worker
processes, the publisher's stamped payloads and the report's counts, and
failures (no hub on the path, a wrong API key). Small N so it runs in the
normal suite; bench/hub/run does the big runs. Every wait is bounded."""
import json
import signal
import subprocess
import time

import pytest

from conftest import BIN

KEY = "load-hub-key-01"

CONFIG = """
workers: 2
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
  - name: tls
    address: "127.0.0.1:0"
    routes: main
    protocols: [h1, h2, h3]
    tls:
      certificates: [{{cert: "{crt}", key: "{key}"}}]
hub:
  api_keys: ["{api_key}"]
  namespaces:
    - {{name: "", anonymous: true}}
route_tables:
  main:
    - match: {{prefix: "/hub/api"}}
      hub_api: {{}}
    - match: {{prefix: "/hub"}}
      hub: {{}}
    - match: {{prefix: "/"}}
      respond: {{status: 404, body: "none\\n"}}
"""


@pytest.fixture
def hub(spawn, write_config, cert):
    return spawn("serve", "-c", write_config(CONFIG.format(crt=cert[0], key=cert[1], api_key=KEY)))


def wait_file(path, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if path.exists():
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def subscribers(workdir, *args):
    ready = workdir / f"ready-{time.time_ns()}"
    p = subprocess.Popen([BIN, "load", "--json", "--ready-file", str(ready), *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p, ready


def finish(p, timeout=60):
    out, err = p.communicate(timeout=timeout)
    assert out, err
    return p.returncode, json.loads(out)


def publish(port, n, *args):
    r = subprocess.run([BIN, "load", "--hub", "pub", "--json", "-n", str(n), "--api-key", KEY, *args,
                        f"http://127.0.0.1:{port}/hub/api/publish"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def check_subs(rep, n, per_sub, protocol, mode="ws"):
    s = rep["subscribers"]
    assert rep["mode"] == mode and rep["protocol"] == protocol, rep
    assert s["attempted"] == n and s["established"] == n, rep
    assert s["failed"] == 0 and s["closed"] == 0 and s["unfinished"] == 0, rep
    assert rep["deliveries"]["total"] == n * per_sub, rep
    assert rep["delivery_ms"]["count"] == n * per_sub
    assert 0 <= rep["delivery_ms"]["p50"] <= rep["delivery_ms"]["p99"] <= rep["delivery_ms"]["max"] < 10000
    assert rep["connect_ms"]["count"] == n
    assert s["connects_per_second"] > 0
    assert all(v == 0 for v in rep["errors"].values()), rep


def test_ws_h1_subscribers_in_two_processes_get_every_publication(hub, workdir):
    port = hub.ports["web"]
    p, ready = subscribers(workdir, "--hub", "ws", "-c", "50", "--processes", "2", "--messages", "20",
                           "-D", "30", "--channel", "news", f"ws://127.0.0.1:{port}/hub?channels={{channel}}")
    wait_file(ready, p)
    pub = publish(port, 20, "--channel", "news", "--payload-size", "100")
    assert pub["publish"]["succeeded"] == 20 and pub["publish"]["failed"] == 0, pub
    assert pub["status"] == {"200": 20}
    rc, rep = finish(p)
    assert rc == 0
    assert rep["processes"] == 2
    check_subs(rep, 50, 20, "h1")
    # each message: the pub push around a 100-byte payload
    assert rep["deliveries"]["bytes"] >= 50 * 20 * 100
    # the hub's own messages (the URL subscription's subscribe push) are not deliveries
    assert rep["deliveries"]["other_messages"] >= 50


@pytest.mark.parametrize("mode,proto,scheme,listener", [
    ("sse", "--h1", "http", "web"),
    ("ws", "--h2", "ws", "web"),       # h2c prior knowledge, RFC 8441
    ("sse", "--h2", "https", "tls"),
    ("ws", "--h1", "wss", "tls"),
])
def test_subscribers_over_each_transport_with_two_channels(hub, workdir, mode, proto, scheme, listener):
    port = hub.ports[listener]
    n = 20
    p, ready = subscribers(workdir, "--hub", mode, proto, "-c", str(n), "--channels", "2", "--messages", "5",
                           "-D", "30", "--channel", "c", f"{scheme}://127.0.0.1:{port}/hub?channels={{channel}}")
    wait_file(ready, p)
    # 10 publications rotate over c-0 and c-1: 5 each, every subscriber sees 5
    pub = publish(hub.ports["web"], 10, "--channels", "2", "--channel", "c")
    assert pub["publish"]["succeeded"] == 10
    rc, rep = finish(p)
    assert rc == 0
    check_subs(rep, n, 5, proto[2:], mode)


@pytest.mark.h3
@pytest.mark.parametrize("mode,scheme", [("ws", "wss"), ("sse", "https")])
def test_subscribers_over_h3(hub, workdir, mode, scheme):
    port = hub.ports["tls"]
    p, ready = subscribers(workdir, "--hub", mode, "--h3", "-c", "10", "--messages", "5", "-D", "30",
                           "--channel", "q", f"{scheme}://localhost:{port}/hub?channels={{channel}}")
    wait_file(ready, p)
    publish(hub.ports["web"], 5, "--channel", "q")
    rc, rep = finish(p)
    assert rc == 0
    check_subs(rep, 10, 5, "h3", mode)


def test_hold_until_signal_then_report(hub, workdir):
    port = hub.ports["web"]
    p, ready = subscribers(workdir, "--hub", "ws", "-c", "30", f"ws://127.0.0.1:{port}/hub?channels=idle")
    wait_file(ready, p)
    time.sleep(0.3)
    assert p.poll() is None  # holds with no -D / --messages / --idle-exit
    p.send_signal(signal.SIGINT)
    rc, rep = finish(p)
    assert rc == 0
    s = rep["subscribers"]
    assert s["established"] == 30 and s["closed"] == 0 and s["failed"] == 0, rep
    assert rep["deliveries"]["total"] == 0


def test_failures_are_counted(hub, workdir):
    port = hub.ports["web"]
    # no hub on this path: the 404 is a failed handshake
    r = subprocess.run([BIN, "load", "--json", "--hub", "ws", "-c", "5", "-D", "1",
                        f"ws://127.0.0.1:{port}/other"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    rep = json.loads(r.stdout)
    assert rep["subscribers"]["failed"] == 5 and rep["errors"]["handshake"] == 5, rep
    assert rep["refused_status"] == {"404": 5}, rep
    # a wrong API key: every publication refused with 401
    r = subprocess.run([BIN, "load", "--json", "--hub", "pub", "-n", "3", "--api-key", "wrong-key-123",
                        f"http://127.0.0.1:{port}/hub/api/publish"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    rep = json.loads(r.stdout)
    assert rep["publish"]["succeeded"] == 0 and rep["publish"]["failed"] == 3 and rep["status"] == {"401": 3}, rep
    # nothing listening
    r = subprocess.run([BIN, "load", "--json", "--hub", "sse", "-c", "3", "-D", "1", "http://127.0.0.1:1/hub"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert json.loads(r.stdout)["errors"]["connect"] == 3


def test_usage_errors(workdir):
    for args in (["--hub", "pub", "http://127.0.0.1:1/x"],                # neither -n nor -D
                 ["--hub", "sse", "-D", "1", "ws://127.0.0.1:1/x"],        # SSE wants http(s)
                 ["--hub", "ws", "--h3", "-D", "1", "ws://127.0.0.1:1/x"]):  # h3 wants TLS
        r = subprocess.run([BIN, "load", *args], capture_output=True, text=True, timeout=30)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert "strata load:" in r.stderr
