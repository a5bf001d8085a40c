"""`strata proxy` in front of `strata origin`: bodies byte-exact over h1,
h2 over TLS and h2c; h2load with zero failures; forwarding headers."""
import hashlib
import json
import os
import re
import time

import pytest

from conftest import curl, origin, proxy, run

MIB = 1024 * 1024


def expected_bytes(n):
    # Fetch the origin's pattern directly as the reference.
    return None


def test_get_and_post_1mib_h1(spawn, workdir):
    o = origin(spawn)
    p = proxy(spawn, [o])
    direct = curl(f"http://127.0.0.1:{o.port}/bytes/{MIB}")
    via = curl(f"http://127.0.0.1:{p.port}/bytes/{MIB}")
    assert direct[0] == 200 and via[0] == 200
    assert len(via[1]) == MIB and via[1] == direct[1]
    payload = os.urandom(MIB)
    f = workdir / "payload.bin"
    f.write_bytes(payload)
    code, body = curl("--data-binary", f"@{f}", "-H", "content-type: application/octet-stream",
                      f"http://127.0.0.1:{p.port}/echo")
    assert code == 200
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(payload).hexdigest()


def test_get_and_post_1mib_h2_tls(spawn, workdir, cert):
    o = origin(spawn)
    p = proxy(spawn, [o], "--tls-cert", cert[0], "--tls-key", cert[1])
    url = f"https://localhost:{p.port}"
    r = run(["curl", "-sS", "--http2", "--cacert", cert[0], "-o", "/dev/null",
             "-w", "%{http_version} %{http_code} %{size_download}", f"{url}/bytes/{MIB}"])
    assert r.stdout.decode().split() == ["2", "200", str(MIB)]
    payload = os.urandom(MIB)
    f = workdir / "payload.bin"
    f.write_bytes(payload)
    out = workdir / "out.bin"
    r = run(["curl", "-sS", "--http2", "--cacert", cert[0], "--data-binary", f"@{f}", "-o", str(out),
             "-w", "%{http_version} %{http_code}", f"{url}/echo"])
    assert r.stdout.decode().split() == ["2", "200"]
    assert out.read_bytes() == payload


def test_get_and_post_1mib_h2c(spawn, workdir):
    o = origin(spawn)
    p = proxy(spawn, [o])
    url = f"http://127.0.0.1:{p.port}"
    r = run(["curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null",
             "-w", "%{http_version} %{http_code} %{size_download}", f"{url}/bytes/{MIB}"])
    assert r.stdout.decode().split() == ["2", "200", str(MIB)]
    payload = os.urandom(MIB)
    f = workdir / "payload.bin"
    f.write_bytes(payload)
    out = workdir / "out.bin"
    r = run(["curl", "-sS", "--http2-prior-knowledge", "--data-binary", f"@{f}", "-o", str(out),
             "-w", "%{http_version} %{http_code}", f"{url}/echo"])
    assert r.stdout.decode().split() == ["2", "200"]
    assert out.read_bytes() == payload


def test_h2c_upgrade(spawn):
    o = origin(spawn)
    p = proxy(spawn, [o])
    r = run(["curl", "-sS", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
             f"http://127.0.0.1:{p.port}/bytes/1000"])
    assert r.stdout.decode().split() == ["2", "200"]


def test_h2load_zero_failures_tls(spawn, cert):
    o = origin(spawn)
    p = proxy(spawn, [o], "--tls-cert", cert[0], "--tls-key", cert[1])
    r = run(["h2load", "-n", "20000", "-c", "8", "-m", "16", f"https://127.0.0.1:{p.port}/bytes/100"],
            timeout=300)
    out = r.stdout.decode()
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", out)
    assert m, out
    assert m.group(4) == "20000" and m.group(5) == "0" and m.group(6) == "0", out
    assert re.search(r"status codes: 20000 2xx", out), out


def test_h2load_zero_failures_h2c(spawn):
    o = origin(spawn)
    p = proxy(spawn, [o])
    r = run(["h2load", "-n", "20000", "-c", "8", "-m", "16", f"http://127.0.0.1:{p.port}/bytes/100"],
            timeout=300)
    out = r.stdout.decode()
    assert "20000 succeeded, 0 failed, 0 errored" in out, out


def test_forwarding_headers_and_traceparent(spawn):
    o = origin(spawn)
    p = proxy(spawn, [o])
    code, body = curl(f"http://127.0.0.1:{p.port}/headers")
    assert code == 200
    h = {k.lower(): v for k, v in json.loads(body)["headers"].items()}
    assert h["x-forwarded-for"] == "127.0.0.1"
    assert h["x-forwarded-proto"] == "http"
    assert h["x-real-ip"] == "127.0.0.1"
    assert "strata" in h["via"]
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}", h["traceparent"])
    assert h.get("x-request-id")
    # An incoming traceparent keeps its trace id and gets a new span id.
    tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    code, body = curl("-H", f"traceparent: {tp}", "-H", "x-forwarded-for: 10.1.2.3",
                      f"http://127.0.0.1:{p.port}/headers")
    h = {k.lower(): v for k, v in json.loads(body)["headers"].items()}
    parts = h["traceparent"].split("-")
    assert parts[1] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert parts[2] != "00f067aa0ba902b7"
    assert h["x-forwarded-for"] == "10.1.2.3, 127.0.0.1"


def test_upstream_down_is_502(spawn):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = spawn("proxy", "--listen", "127.0.0.1:0", "--workers", "1", "--to", f"127.0.0.1:{port}")
    code, _ = curl(f"http://127.0.0.1:{p.port}/")
    assert code == 502


def test_keepalive_connection_reuses_its_buffer_across_heads_and_bodies_h1(spawn, workdir):
    """One keep-alive connection: a 3 KB head, a chunked 300 KB upload, a
    small request, then a 20 KB head. The read buffer grows from 1 KiB for
    the heads, to 16 KiB for the chunked body, and is given back while the
    connection idles between requests; every request still arrives whole."""
    o = origin(spawn)
    p = proxy(spawn, [o])
    url = f"http://127.0.0.1:{p.port}"
    payload = os.urandom(300_000)
    f = workdir / "payload.bin"
    f.write_bytes(payload)
    out = workdir / "echo.bin"
    fmt = "%{http_code} %{num_connects}\\n"
    r = run(["curl", "-sS", "-o", "/dev/null", "-w", fmt, "-H", "x-big: " + "a" * 3000, f"{url}/bytes/10",
             "--next", "-sS", "-o", str(out), "-w", fmt, "-H", "transfer-encoding: chunked",
             "-H", "content-type: application/octet-stream", "--data-binary", f"@{f}", f"{url}/echo",
             "--next", "-sS", "-o", "/dev/null", "-w", fmt, f"{url}/bytes/10",
             "--next", "-sS", "-o", "/dev/null", "-w", fmt, "-H", "x-huge: " + "b" * 20000, f"{url}/bytes/10"])
    assert r.stdout.decode().split("\n")[:4] == ["200 1", "200 0", "200 0", "200 0"]
    assert out.read_bytes() == payload


def _closing_origin(send_408=False):
    """An HTTP/1.1 origin that answers one request per connection as if it
    kept the connection alive (no `Connection: close`), then closes it 50 ms
    later (with `send_408`, after an unsolicited `408 Request Timeout`, as
    servers do when they time out an idle connection): every connection the
    proxy pools goes stale."""
    import socket
    import threading
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    seen = []

    def handle(c):
        with c:
            c.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = c.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            need = int(m.group(1)) if m else 0
            while len(rest) < need:
                chunk = c.recv(65536)
                if not chunk:
                    return
                rest += chunk
            seen.append(head.split(b" ")[0])
            body = b"served " + head.split(b" ")[0] + b" " + str(len(rest)).encode()
            c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            time.sleep(0.05)
            if send_408:
                c.sendall(b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")

    def loop():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(c,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return srv, seen


@pytest.mark.parametrize("send_408", [False, True], ids=["fin", "408-then-fin"])
def test_pooled_connection_closed_by_the_upstream_is_not_used_h1(spawn, write_config, send_408):
    """GETs take pooled connections without a liveness probe and are resent
    on a fresh connection when the pooled one turns out closed or answers
    with the 408 it sent before closing (counted in
    strata_upstream_stale_connection_retries_total); a POST with a body
    probes first, so it is never sent into a closed connection."""
    srv, seen = _closing_origin(send_408)
    try:
        port = srv.getsockname()[1]
        gw = spawn("serve", "-c", write_config(
            "workers: 1\nadmin: {address: \"127.0.0.1:0\"}\n"
            "listeners:\n  - {name: web, address: \"127.0.0.1:0\", routes: main}\n"
            "route_tables:\n  main:\n    - match: {prefix: \"/\"}\n      proxy: {cluster: c}\n"
            f"clusters:\n  c:\n    endpoints: [\"127.0.0.1:{port}\"]\n"))
        url = f"http://127.0.0.1:{gw.port}"
        for i in range(10):
            code, body = curl(f"{url}/g{i}")
            assert (code, body) == (200, b"served GET 0"), (i, code, body)
            time.sleep(0.15)  # the origin has closed the pooled connection by now
            code, body = curl("--data-binary", "x" * 100, f"{url}/p{i}")
            assert (code, body) == (200, b"served POST 100"), (i, code, body)
            time.sleep(0.15)
        assert seen.count(b"POST") == 10 and seen.count(b"GET") == 10
        metrics = curl(f"http://127.0.0.1:{gw.ports['admin']}/metrics")[1].decode()
        m = re.search(r'strata_upstream_stale_connection_retries_total\{cluster="c"\} (\d+)', metrics)
        assert m and int(m.group(1)) >= 5, metrics[-3000:]
    finally:
        srv.close()


TLS_MIDDLE = """
workers: 1
listeners:
  - name: tls
    address: "127.0.0.1:0"
    tls:
      certificates: [{{cert: "{crt}", key: "{key}"}}]
    protocols: [h1]
    routes: main
route_tables:
  main:
    - name: all
      match: {{prefix: /}}
      proxy: {{cluster: origin}}
clusters:
  origin:
    endpoints: ["127.0.0.1:{port}"]
"""

TLS_FRONT = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - name: all
      match: {{prefix: /}}
      proxy: {{cluster: middle}}
clusters:
  middle:
    endpoints: ["127.0.0.1:{port}"]
    tls: true
    sni: localhost
"""


def test_h1_upstream_over_tls(spawn, write_config, workdir, cert):
    """HTTP/1.1 to a TLS upstream (cluster `tls: true`): request heads and
    bodies (Content-Length and chunked) go through TLS byte-exact, and
    keep-alive requests reuse one upstream connection (one handshake)."""
    o = origin(spawn)
    mid = spawn("serve", "-c", write_config(TLS_MIDDLE.format(port=o.port, crt=cert[0], key=cert[1])))
    front = spawn("serve", "-c", write_config(TLS_FRONT.format(port=mid.ports["tls"])))
    url = f"http://127.0.0.1:{front.ports['web']}"
    urls = []
    for n in (100, 5000, 70000, 100, 1):
        urls += ["-o", "/dev/null", f"{url}/bytes/{n}"]
    r = run(["curl", "-sS", "-w", "%{http_code} %{size_download}\\n"] + urls)
    assert r.stdout.decode().split("\n")[:5] == ["200 100", "200 5000", "200 70000", "200 100", "200 1"]
    payload = os.urandom(300_000)
    f = workdir / "payload.bin"
    f.write_bytes(payload)
    for extra in ([], ["-H", "transfer-encoding: chunked"]):
        code, body = curl("--data-binary", f"@{f}", *extra, f"{url}/echo")
        assert code == 200 and body == payload, extra
    text = curl(f"http://127.0.0.1:{front.ports['admin']}/metrics")[1].decode()
    ok = [l for l in text.splitlines()
          if l.startswith('strata_upstream_tls_handshakes_total{outcome="ok"}')]
    assert ok and float(ok[0].split()[-1]) == 1, ok
