"""Tunnels over HTTP/3 (RFC 9220 extended CONNECT): strata's own client
(`strata ws-probe --h3`, ngtcp2 + nghttp3) opens a WebSocket on one request
stream of a QUIC connection to strata's h3 listener, which makes the
HTTP/1.1 Upgrade to `strata origin`'s /ws echo; 1 MiB is echoed in masked
binary frames and checked byte for byte, a plain GET flows on the same
connection meanwhile, and the server side counts the tunnel as carried by
HTTP/3. Every wait is bounded."""
import json
import os
import time

import pytest

from conftest import BIN, origin, run
from h3util import metric_sum, metrics, wait_until

MIB = 1024 * 1024

CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    tls:
      certificates: [{{cert: "{crt}", key: "{key}"}}]
    protocols: [h1, h2, h3]
    routes: main
admin:
  address: "127.0.0.1:0"
access_log: {{enabled: true, path: "{log}"}}
limits: {{max_body: 65536}}
route_tables:
  main:
    - match: {{prefix: "/"}}
      proxy: {{cluster: app}}
clusters:
  app:
    endpoints: ["127.0.0.1:{origin}"]
"""


@pytest.fixture
def edge(spawn, write_config, workdir, cert):
    o = origin(spawn)
    log = os.path.join(str(workdir), "access.log")
    s = spawn("serve", "-c", write_config(CONFIG.format(crt=cert[0], key=cert[1],
                                                        origin=o.port, log=log)))
    s.access_log = log
    return s


def ws_probe(port, *args, path="/ws", timeout=60, check=True):
    r = run([BIN, "ws-probe", "--h3", f"https://localhost:{port}{path}", *args],
            timeout=timeout, check=check)
    lines = r.stdout.decode().strip().splitlines()
    assert lines, r.stderr[-2000:]
    return r.returncode, json.loads(lines[-1])


@pytest.mark.h3
def test_websocket_over_h3_echoes_1mib_beside_a_get(edge):
    port = edge.ports["web"]
    rc, rep = ws_probe(port, "--bytes", str(MIB), "--frame", "16384", "--get", "/",
                       "--timeout", "30")
    assert rc == 0 and rep["ok"], rep
    assert rep["protocol"] == "h3" and rep["status"] == 200, rep
    assert rep["connect_protocol"] == 1, rep   # SETTINGS_ENABLE_CONNECT_PROTOCOL
    assert rep["bytes_echoed"] == MIB, rep
    assert rep["close_code"] == 1000 and rep["tunnel_ended"], rep
    # The GET on the same QUIC connection while the tunnel was busy.
    assert rep["get_status"] == 200 and rep["get_bytes"] == len(b"strata origin\n"), rep

    # The server carried it as an HTTP/3 tunnel, upgraded to a WebSocket.
    ms = metrics(edge.ports["admin"])
    assert metric_sum(ms, "strata_tunnels_total", carrier="HTTP/3") == 1, ms
    assert metric_sum(ms, "strata_tunnels_total", carrier="HTTP/2") == 0, ms
    assert metric_sum(ms, "strata_upgrade_tunnels_total", protocol="websocket") == 1, ms
    lines = wait_until(lambda: [l for l in open(edge.access_log).read().splitlines()
                                if "CONNECT" in l])
    assert lines and '"HTTP/3"' in lines[0] and '"status":200' in lines[0], lines


@pytest.mark.h3
def test_websocket_over_h3_small_frames_and_failures(edge):
    port = edge.ports["web"]
    # Odd sizes: frames of 7 bytes with 125/126-boundary-free lengths.
    rc, rep = ws_probe(port, "--bytes", "1000", "--frame", "7")
    assert rc == 0 and rep["bytes_echoed"] == 1000, rep
    # The origin answers 404 instead of upgrading: the client reports the
    # status and exits non-zero without echoing anything.
    rc, rep = ws_probe(port, "--bytes", "100", "--timeout", "10", path="/status/404",
                       check=False)
    assert rc != 0 and not rep["ok"], rep
    assert rep["status"] == 404 and rep["bytes_echoed"] == 0, rep
    # The origin answers "/" with a plain 200 and no Upgrade: relayed, that
    # 200 would tell the client the tunnel is open, so strata answers 502.
    rc, rep = ws_probe(port, "--bytes", "100", "--timeout", "10", path="/", check=False)
    assert rc != 0 and not rep["ok"] and rep["bytes_echoed"] == 0, rep
    assert rep["status"] == 502, rep
    # Nothing listens for QUIC here: bounded by --timeout.
    t0 = time.time()
    rc, rep = ws_probe(1, "--timeout", "1", check=False)
    assert rc != 0 and not rep["ok"] and time.time() - t0 < 20, rep
