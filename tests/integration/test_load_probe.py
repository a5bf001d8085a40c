"""strata load / strata probe against `strata origin` (real binary, port 0)."""
import json
import statistics

import pytest

from conftest import BIN, origin, run


def load_json(*args, timeout=120):
    r = run([BIN, "load", "--json", *args], timeout=timeout)
    return json.loads(r.stdout)


@pytest.mark.parametrize("proto", ["--h1", "--h2"])
def test_load_2000_requests(spawn, proto):
    o = origin(spawn)
    rep = load_json("-n", "2000", "-c", "4", proto, f"http://127.0.0.1:{o.port}/")
    assert rep["protocol"] == proto[2:]
    assert rep["requests"]["succeeded"] == 2000, rep
    assert rep["requests"]["failed"] == 0, rep
    assert rep["status"] == {"200": 2000}
    assert sum(rep["errors"].values()) == 0, rep["errors"]
    lat = rep["latency_ms"]
    assert lat["count"] == 2000
    assert 0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99_9"] <= lat["max"]
    assert rep["requests"]["per_second"] > 0
    assert rep["bytes"]["read"] > 0
    assert rep["connect_ms"]["count"] >= 4


def test_load_h2_streams_and_threads(spawn):
    o = origin(spawn, workers=2)
    rep = load_json("-n", "3000", "-c", "4", "-m", "8", "-t", "2", "--h2",
                    f"http://127.0.0.1:{o.port}/bytes/100")
    assert rep["requests"]["succeeded"] == 3000, rep
    assert rep["bytes"]["body"] == 3000 * 100


def test_load_duration_open_loop_counts_from_intended_time(spawn):
    # 20 req/s for 1 s against a 100 ms endpoint: every latency includes the
    # server's 100 ms; the run takes the requested duration.
    o = origin(spawn)
    rep = load_json("-D", "1", "-c", "2", "--rate", "20", "--h1",
                    f"http://127.0.0.1:{o.port}/delay/100")
    ok = rep["requests"]["succeeded"]
    assert 14 <= ok <= 21, rep
    assert rep["latency_ms"]["min"] >= 99, rep["latency_ms"]
    assert sum(rep["errors"].values()) == 0


def test_load_counts_5xx_and_connect_errors(spawn):
    o = origin(spawn)
    rep = load_json("-n", "50", "-c", "2", f"http://127.0.0.1:{o.port}/status/503")
    assert rep["status"] == {"503": 50}
    assert rep["status_class"]["5xx"] == 50
    # A closed port: connect errors, nothing succeeds, exit code 2.
    r = run([BIN, "load", "--json", "-n", "10", "-c", "1", "http://127.0.0.1:1/"], check=False)
    assert r.returncode == 2
    rep = json.loads(r.stdout)
    assert rep["errors"]["connect"] >= 1
    assert rep["requests"]["succeeded"] == 0


def probe_json(*args):
    r = run([BIN, "probe", "--json", *args], timeout=60)
    return json.loads(r.stdout)


def test_probe_server_processing(spawn):
    o = origin(spawn)
    rep = probe_json(f"http://127.0.0.1:{o.port}/delay/300")
    a = rep["attempts"][0]
    assert a["status"] == 200 and a["protocol"] == "h1"
    assert 295 <= a["ttfb_ms"] <= 400, a
    assert 295 <= a["phases_ms"]["wait"] <= 400
    assert a["connect_ms"] < 50
    assert [d["code"] for d in rep["diagnosis"]] == ["server_processing"]
    assert rep["attempts"][0]["dns"]["answers"] == [{"type": "A", "address": "127.0.0.1"}]


def test_probe_h2c_repeats_and_5xx(spawn):
    o = origin(spawn)
    rep = probe_json("-n", "3", "--h2", f"http://127.0.0.1:{o.port}/status/502")
    assert len(rep["attempts"]) == 3
    assert all(a["protocol"] == "h2" and a["status"] == 502 for a in rep["attempts"])
    s = rep["summary_ms"]["total"]
    assert s["min"] <= s["median"] <= s["max"]
    assert "server_error" in [d["code"] for d in rep["diagnosis"]]


def test_probe_tls_resumption_and_chain(spawn, cert):
    crt, key = cert
    o = origin(spawn, "--tls-cert", crt, "--tls-key", key)
    rep = probe_json("-n", "2", f"https://localhost:{o.port}/")
    a, b = rep["attempts"]
    assert a["tls"]["alpn"] == "h2" and a["protocol"] == "h2"
    assert a["tls"]["version"].startswith("TLS")
    assert a["tls"]["resumed"] is False and b["tls"]["resumed"] is True
    assert "CN=localhost" in a["certificates"][0]["subject"]
    assert "DNS:localhost" in a["certificates"][0]["sans"]
    assert a["scts"]["count"] == 0


def test_probe_agrees_with_curl(spawn):
    # Interleaved samples; the minimum is the measurement least disturbed by
    # scheduling noise on a busy machine, the median checks the typical case.
    o = origin(spawn)
    url = f"http://127.0.0.1:{o.port}/delay/50"
    ours, theirs = [], []
    for _ in range(9):
        a = probe_json(url)["attempts"][0]
        ours.append((a["connect_ms"], a["ttfb_ms"]))
        r = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{time_connect} %{time_starttransfer}", url])
        c, t = (float(x) * 1000 for x in r.stdout.split())
        theirs.append((c, t))
    for i in (0, 1):
        mine, curl = min(x[i] for x in ours), min(x[i] for x in theirs)
        assert abs(mine - curl) <= max(2.0, 0.1 * curl), (i, ours, theirs)
    mine = statistics.median(x[1] for x in ours)
    curl = statistics.median(x[1] for x in theirs)
    assert abs(mine - curl) <= max(2.0, 0.1 * curl), (ours, theirs)


def test_load_tls_alpn_and_forced_h1(spawn, cert):
    crt, key = cert
    o = origin(spawn, "--tls-cert", crt, "--tls-key", key)
    rep = load_json("-n", "500", "-c", "2", "-m", "4", f"https://localhost:{o.port}/")
    assert rep["protocol"] == "h2" and rep["requests"]["succeeded"] == 500
    assert rep["tls_ms"]["count"] == 2 and rep["tls_ms"]["min"] > 0
    rep = load_json("-n", "500", "-c", "2", "--h1", f"https://localhost:{o.port}/bytes/5000")
    assert rep["protocol"] == "h1" and rep["requests"]["succeeded"] == 500
    assert rep["bytes"]["body"] == 500 * 5000


@pytest.mark.parametrize("proto", ["--h1", "--h2"])
def test_load_request_timeout_is_counted(spawn, proto):
    o = origin(spawn)
    r = run([BIN, "load", "--json", "-n", "3", "-c", "1", "--timeout", "0.2", proto,
             f"http://127.0.0.1:{o.port}/delay/2000"], check=False, timeout=30)
    rep = json.loads(r.stdout)
    assert rep["errors"]["timeout"] == 3, rep
    assert rep["requests"]["failed"] == 3


def test_load_post_body(spawn, workdir):
    o = origin(spawn)
    body = workdir / "body.bin"
    body.write_bytes(b"x" * 3000)
    for proto in ("--h1", "--h2"):
        rep = load_json("-n", "100", "-c", "2", "-d", str(body), proto,
                        f"http://127.0.0.1:{o.port}/echo")
        assert rep["requests"]["succeeded"] == 100, rep
        assert rep["bytes"]["body"] == 100 * 3000


def test_load_source_binds_each_connection_to_its_address():
    # A tiny HTTP/1.1 server that records each connection's peer address.
    import socket
    import threading
    peers = []
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(30)

    def serve(c):
        with c:
            buf = b""
            while True:
                d = c.recv(4096)
                if not d:
                    return
                buf += d
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")

    def accept():
        try:
            for _ in range(3):
                c, a = srv.accept()
                peers.append(a[0])
                threading.Thread(target=serve, args=(c,), daemon=True).start()
        except OSError:
            pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    port = srv.getsockname()[1]
    try:
        rep = load_json("-n", "30", "-c", "3", "--h1", "--source", "127.0.7.1", "--source",
                        "127.0.7.2", f"http://127.0.0.1:{port}/")
        assert rep["status"] == {"200": 30}, rep
        # connection i binds sources[i % 2]
        assert sorted(peers) == ["127.0.7.1", "127.0.7.1", "127.0.7.2"], peers
    finally:
        srv.close()
    r = run([BIN, "load", "-n", "1", "--source", "nonsense", f"http://127.0.0.1:{port}/"],
            check=False)
    assert r.returncode == 1 and b"--source: not an IP address: nonsense" in r.stderr, r.stderr
