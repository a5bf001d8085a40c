"""HTTP/1.1 bad input gets the stated status and never a crash or hang."""
import re
import socket
import time

import pytest

from conftest import curl, raw_request, status_of

CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
limits:
  max_body: 1KiB
timeouts:
  header: 1s
route_tables:
  main:
    - match: {prefix: "/echo"}
      proxy: {cluster: origin}
    - match: {prefix: "/"}
      respond: {status: 200, body: "ok"}
clusters:
  origin:
    endpoints: ["127.0.0.1:%d"]
"""

CASES = [
    ("cl_and_te", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("duplicate_cl", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    ("bad_chunk_size", b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
    ("obs_fold", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n", 400),
    ("bare_cr", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r2\r\n\r\n", 400),
    ("nul_in_header", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\x002\r\n\r\n", 400),
    ("ctl_in_header", b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\x01\r\n\r\n", 400),
    ("long_request_line", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    ("big_header", b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 40000 + b"\r\n\r\n", 431),
    ("many_headers", b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(150)) + b"\r\n", 431),
    ("body_over_limit", b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000, 413),
]


@pytest.fixture
def server(spawn, write_config):
    o = spawn("origin", "--listen", "127.0.0.1:0", "--workers", "1")
    return spawn("serve", "-c", write_config(CONFIG % o.port))


@pytest.mark.parametrize("name,data,status", CASES, ids=[c[0] for c in CASES])
def test_bad_request_rejected(server, name, data, status):
    resp = raw_request(server.ports["web"], data, read_timeout=5)
    assert status_of(resp) == status, resp[:300]
    # The server is still fine.
    assert curl(f"http://127.0.0.1:{server.ports['web']}/")[0] == 200


def test_bad_input_counted(server):
    port = server.ports["web"]
    for _, data, _ in CASES:
        raw_request(port, data, read_timeout=5)
    text = curl(f"http://127.0.0.1:{server.ports['admin']}/metrics")[1].decode()
    total = sum(int(v) for v in re.findall(r'strata_http1_bad_requests_total\{[^}]*\} (\d+)', text))
    assert total >= len(CASES) - 1, text


def test_slowloris_closed_after_header_timeout(server):
    s = socket.create_connection(("127.0.0.1", server.ports["web"]), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
    t0 = time.time()
    closed = False
    s.settimeout(0.2)
    while time.time() - t0 < 5:
        try:
            s.sendall(b"X-Slow: 1\r\n")
            d = s.recv(4096)
            if d == b"" or d.startswith(b"HTTP/1.1 408"):
                closed = True
                break
        except socket.timeout:
            continue
        except OSError:
            closed = True
            break
    s.close()
    assert closed and time.time() - t0 < 3.5


def test_pipelining_and_keepalive(server):
    port = server.ports["web"]
    req = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    resp = raw_request(port, req * 3 + b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert resp.count(b"HTTP/1.1 200") == 4
