"""Idle HTTP/1.1 keep-alive connections park (no coroutine, no buffer) a
moment after their last request, wake for the next one, and are closed at
once by a graceful stop; the same over TLS."""
import re
import signal
import socket
import ssl
import time

import pytest
from conftest import curl

CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
  - name: tls
    address: "127.0.0.1:0"
    routes: main
    tls:
      certificates: [{cert: "%s", key: "%s"}]
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - match: {prefix: "/"}
      respond: {status: 200, body: "ok"}
"""


def metric(server, name):
    text = curl(f"http://127.0.0.1:{server.ports['admin']}/metrics")[1].decode()
    m = re.search(r"^%s (\d+)" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else 0


def get(s, path):
    s.sendall(b"GET %s HTTP/1.1\r\nHost: a\r\n\r\n" % path.encode())
    buf = b""
    while b"\r\n\r\nok" not in buf:
        chunk = s.recv(4096)
        assert chunk, buf
        buf += chunk
    assert buf.startswith(b"HTTP/1.1 200 "), buf
    return buf


def wait_parked(server, n, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if metric(server, "strata_http1_parked_connections") >= n:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def server(spawn, write_config, cert):
    return spawn("serve", "-c", write_config(CONFIG % cert))


def connect(server, tls):
    s = socket.create_connection(("127.0.0.1", server.ports["tls" if tls else "web"]), timeout=5)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["http/1.1"])
        s = ctx.wrap_socket(s, server_hostname="localhost")
    return s


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_idle_connection_parks_and_wakes(server, tls):
    conns = [connect(server, tls) for _ in range(5)]
    for s in conns:
        get(s, "/first")
    # The admin scrape itself is a connection that may park too: >= 5.
    assert wait_parked(server, 5), metric(server, "strata_http1_parked_connections")
    for s in conns:  # each parked connection wakes for its next request
        get(s, "/second")
        get(s, "/third")
    for s in conns:
        s.close()


def test_graceful_stop_closes_parked_connections(server):
    conns = [connect(server, False) for _ in range(3)]
    for s in conns:
        get(s, "/")
    assert wait_parked(server, 3)
    t0 = time.time()
    server.signal(signal.SIGTERM)
    for s in conns:
        s.settimeout(10)
        assert s.recv(100) == b""  # closed by the drain, not by timeouts.idle
        s.close()
    assert time.time() - t0 < 5
    server.proc.wait(20)


def test_parked_tls_connections_release_their_stream(server):
    """A parked TLS connection keeps only its SSL object and socket (Asio's
    stream, record buffers and BIO pair released: the bulk of an idle TLS
    connection's memory); the next request rebuilds the stream on the same
    TLS session, and a graceful stop still closes it."""
    conns = [connect(server, True) for _ in range(4)]
    for s in conns:
        get(s, "/first")
    assert wait_parked(server, 4)
    deadline = time.time() + 10
    while time.time() < deadline and metric(server, "strata_tls_hibernating_connections") < 4:
        time.sleep(0.05)
    assert metric(server, "strata_tls_hibernating_connections") == 4
    for s in conns[:2]:  # woken: the same TLS connection goes on
        get(s, "/second")
        get(s, "/third")
    # A request split over two TLS records with a pause between them.
    s = conns[2]
    s.sendall(b"GET /split HTTP/1.1\r\n")
    time.sleep(0.3)
    s.sendall(b"Host: a\r\n\r\n")
    buf = b""
    while b"\r\n\r\nok" not in buf:
        chunk = s.recv(4096)
        assert chunk, buf
        buf += chunk
    assert buf.startswith(b"HTTP/1.1 200 "), buf
    # All four park (and hibernate) again.
    deadline = time.time() + 10
    while time.time() < deadline and metric(server, "strata_tls_hibernating_connections") < 4:
        time.sleep(0.05)
    assert metric(server, "strata_tls_hibernating_connections") == 4
    conns[3].close()  # the client leaves while hibernated: the gauge follows
    deadline = time.time() + 10
    while time.time() < deadline and metric(server, "strata_tls_hibernating_connections") > 3:
        time.sleep(0.05)
    assert metric(server, "strata_tls_hibernating_connections") == 3
    server.signal(signal.SIGTERM)
    for s in conns[:3]:
        s.settimeout(10)
        try:
            assert s.recv(100) == b""  # close_notify then EOF
        except (ssl.SSLError, ConnectionResetError):
            pass
        s.close()
    server.proc.wait(20)
