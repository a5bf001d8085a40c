"""Idle HTTP/1.1 keep-alive connections park (no coroutine, no buffer) a
moment after their last request, wake for the next one, and are closed at
once by a graceful stop; the same over TLS."""
import signal
import socket
import ssl
import time

import pytest
from conftest import admin_metric as metric, wait_admin_metric as wait_metric

# A TLS listener (cert, key), added to the configurations below.
TLS_LISTENER = """  - name: tls
    address: "127.0.0.1:0"
    routes: main
    tls:
      certificates: [{cert: "%s", key: "%s"}]
"""
CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
""" + TLS_LISTENER + """admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - match: {prefix: "/"}
      respond: {status: 200, body: "ok"}
"""


def read_ok(s):
    """Reads one 200 "ok" answer from `s`."""
    buf = b""
    while b"\r\n\r\nok" not in buf:
        chunk = s.recv(4096)
        assert chunk, buf
        buf += chunk
    assert buf.startswith(b"HTTP/1.1 200 "), buf
    return buf


def get(s, path):
    s.sendall(b"GET %s HTTP/1.1\r\nHost: a\r\n\r\n" % path.encode())
    return read_ok(s)




def wait_parked(server, n, timeout=10):
    return wait_metric(server, "strata_http1_parked_connections", lambda v: v >= n, timeout) >= n


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


# Plain-TCP parked connections are records in the worker's parking store
# (conn/http1_parked.hpp): the socket object is gone, the fd waits in an
# epoll set, and a new connection is built on it when it is readable.

def test_pipelined_requests_arrive_on_a_parked_connection(server):
    s = connect(server, False)
    get(s, "/first")
    assert wait_parked(server, 1)
    s.sendall(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n")
    buf = b""
    deadline = time.time() + 10
    while buf.count(b"HTTP/1.1 200 ") < 2 and time.time() < deadline:
        chunk = s.recv(4096)
        assert chunk, buf
        buf += chunk
    assert buf.count(b"HTTP/1.1 200 ") == 2, buf
    get(s, "/after")  # and it parks and wakes again
    s.close()


def test_parked_connections_count_as_active(server):
    conns = [connect(server, False) for _ in range(4)]
    for s in conns:
        get(s, "/")
    assert wait_parked(server, 4)
    assert metric(server, 'strata_connections_active{listener="web"}') == 4
    for s in conns:
        s.close()


def test_python_keepalive_client_reuses_a_parked_connection(server):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", server.ports["web"], timeout=5)
    c.request("GET", "/one")
    r = c.getresponse()
    assert r.status == 200 and r.read() == b"ok"
    sock = c.sock
    assert wait_parked(server, 1)
    c.request("GET", "/two")
    r = c.getresponse()
    assert r.status == 200 and r.read() == b"ok"
    assert c.sock is sock  # the same TCP connection, woken from the store
    c.close()


SHORT_IDLE = """
workers: 1
timeouts:
  idle: 1s
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - match: {prefix: "/"}
      respond: {status: 200, body: "%s"}
"""


def test_idle_timeout_closes_parked_connections(spawn, write_config):
    server = spawn("serve", "-c", write_config(SHORT_IDLE % "ok"))
    conns = [connect(server, False) for _ in range(3)]
    for s in conns:
        get(s, "/")
    t0 = time.time()
    for s in conns:
        s.settimeout(10)
        assert s.recv(100) == b""  # closed by timeouts.idle while parked
        s.close()
    assert time.time() - t0 < 8
    assert metric(server, 'strata_http1_timeouts_total{kind="idle"}') >= 3
    assert metric(server, 'strata_connections_active{listener="web"}') <= 1  # the scrape


def test_reload_keeps_parked_connections_on_the_new_config(spawn, write_config):
    path = write_config(SHORT_IDLE.replace("idle: 1s", "idle: 60s") % "ok")
    server = spawn("serve", "-c", path)
    s = connect(server, False)
    buf = get(s, "/")
    assert buf.endswith(b"\r\n\r\nok"), buf
    assert wait_parked(server, 1)
    with open(path, "w") as f:
        f.write(SHORT_IDLE.replace("idle: 1s", "idle: 60s") % "ok-new")
    server.signal(signal.SIGHUP)
    server.wait_for_log(r"reload complete")
    buf = get(s, "/")  # the parked connection wakes into the new generation
    assert buf.endswith(b"\r\n\r\nok-new"), buf
    s.close()

def test_parked_tls_connections_release_their_stream(server):
    """A parked TLS connection keeps only its SSL object and socket (Asio's
    stream, record buffers and BIO pair released: the bulk of an idle TLS
    connection's memory); the next request rebuilds the stream on the same
    TLS session, and a graceful stop still closes it."""
    hib = "strata_tls_hibernating_connections"
    conns = [connect(server, True) for _ in range(4)]
    for s in conns:
        get(s, "/first")
    assert wait_parked(server, 4)
    assert wait_metric(server, hib, lambda v: v >= 4) == 4
    for s in conns[:2]:  # woken: the same TLS connection goes on
        get(s, "/second")
        get(s, "/third")
    # A request split over two TLS records with a pause between them.
    s = conns[2]
    s.sendall(b"GET /split HTTP/1.1\r\n")
    time.sleep(0.3)
    s.sendall(b"Host: a\r\n\r\n")
    read_ok(s)
    # All four park (and hibernate) again.
    assert wait_metric(server, hib, lambda v: v >= 4) == 4
    conns[3].close()  # the client leaves while hibernated: the gauge follows
    assert wait_metric(server, hib, lambda v: v <= 3) == 3
    server.signal(signal.SIGTERM)
    for s in conns[:3]:
        s.settimeout(10)
        try:
            assert s.recv(100) == b""  # close_notify then EOF
        except (ssl.SSLError, ConnectionResetError):
            pass
        s.close()
    server.proc.wait(20)


def test_parked_tls_records_time_out_and_follow_a_reload(spawn, write_config, cert):
    """Parked TLS connections are fd records holding their SSL: timeouts.idle
    closes them (and frees the SSL: the hibernating gauge drops); across a
    reload a parked TLS connection wakes into the new configuration on the
    same TLS session."""
    cfg = SHORT_IDLE.replace("admin:\n", TLS_LISTENER + "admin:\n")
    path = write_config(cfg % (cert[0], cert[1], "ok"))
    server = spawn("serve", "-c", path)
    hib = "strata_tls_hibernating_connections"
    conns = [connect(server, True) for _ in range(3)]
    for s in conns:
        get(s, "/")
    assert wait_metric(server, hib, lambda v: v >= 3) == 3
    t0 = time.time()
    for s in conns:
        s.settimeout(10)
        try:
            assert s.recv(100) == b""  # closed by timeouts.idle while parked
        except (ssl.SSLError, ConnectionResetError):
            pass
        s.close()
    assert time.time() - t0 < 8
    assert wait_metric(server, hib, lambda v: v == 0) == 0
    # Reload: a parked TLS record wakes into the new generation.
    with open(path, "w") as f:
        f.write(cfg.replace("idle: 1s", "idle: 60s") % (cert[0], cert[1], "ok"))
    server.signal(signal.SIGHUP)
    server.wait_for_log(r"reload complete")
    with open(path, "w") as f:
        f.write(cfg.replace("idle: 1s", "idle: 60s") % (cert[0], cert[1], "ok-new"))
    s = connect(server, True)
    buf = get(s, "/")
    assert buf.endswith(b"\r\n\r\nok"), buf
    assert wait_metric(server, hib, lambda v: v >= 1) >= 1
    seen = len(server.text())
    server.signal(signal.SIGHUP)
    server.wait_for_log(r"reload complete", start=seen)
    buf = get(s, "/")
    assert buf.endswith(b"\r\n\r\nok-new"), buf
    s.close()
