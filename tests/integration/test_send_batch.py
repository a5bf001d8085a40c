"""Batched sends (io/send_batch.hpp, limits.send_batch_bytes): under load
from real clients the proxy's small writes go out many to one system call,
every response intact; a pipelining client that does not read for a while
still gets every byte of every response, in order (the part a full socket
did not take is written through the event loop); `send_batch_bytes: 0`
turns batching off."""
import re
import socket
import subprocess
import time

from conftest import BIN, admin_metric, curl, origin

CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - match: {prefix: "/"}
      proxy: {cluster: origin}
clusters:
  origin:
    endpoints: ["127.0.0.1:%d"]
%s
"""


def start(spawn, write_config, extra=""):
    o = origin(spawn)
    return spawn("serve", "-c", write_config(CONFIG % (o.port, extra)))


def test_wrk_load_goes_out_in_batches(spawn, write_config):
    server = start(spawn, write_config)
    url = f"http://127.0.0.1:{server.ports['web']}/bytes/100"
    r = subprocess.run(["wrk", "-t1", "-c32", "-d2s", url], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    done = int(re.search(r"(\d+) requests in", r.stdout).group(1))
    assert done > 1000, r.stdout
    assert "Non-2xx" not in r.stdout and "Socket errors" not in r.stdout, r.stdout
    sends = admin_metric(server, "strata_send_batch_sends_total")
    flushes = admin_metric(server, "strata_send_batch_flushes_total")
    # Each request: the upstream request and the response, both batched.
    assert sends >= done, (sends, done)
    assert flushes * 2 < sends, (flushes, sends)  # more than two writes per system call on average
    assert admin_metric(server, "strata_send_batch_unavailable_total") == 0


def test_pipelining_client_that_stops_reading_gets_every_byte(spawn, write_config):
    server = start(spawn, write_config)
    n, size = 500, 15000  # 7.5 MB: more than the proxy's send buffer (tcp_wmem max 4 MB) holds
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", server.ports["web"]))
    try:
        s.sendall(b"".join(b"GET /bytes/%d?i=%d HTTP/1.1\r\nHost: a\r\n\r\n" % (size, i) for i in range(n)))
        time.sleep(1.5)  # the proxy fills our window and its send buffer
        buf = b""
        deadline = time.monotonic() + 20
        for i in range(n):
            while b"\r\n\r\n" not in buf:
                assert time.monotonic() < deadline, i
                c = s.recv(65536)
                assert c, ("closed before response", i)
                buf += c
            head, _, buf = buf.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), (i, head[:80])
            length = int(re.search(rb"(?im)^content-length: *(\d+)", head).group(1))
            assert length == size, (i, length)
            while len(buf) < length:
                c = s.recv(65536)
                assert c, ("closed inside a body", i)
                buf += c
            buf = buf[length:]
        assert buf == b""
    finally:
        s.close()
    # The proxy's socket took some writes only in part at least once.
    assert admin_metric(server, "strata_send_batch_rests_total") > 0


def test_zero_turns_batching_off(spawn, write_config):
    server = start(spawn, write_config, "limits: {send_batch_bytes: 0}")
    for _ in range(20):
        status, body = curl(f"http://127.0.0.1:{server.ports['web']}/bytes/100")[:2]
        assert status == 200 and len(body) == 100
    assert admin_metric(server, "strata_send_batch_sends_total") == 0


def test_a_too_small_batch_is_a_config_error(spawn, write_config, tmp_path):
    path = write_config(CONFIG % (1, "limits: {send_batch_bytes: 100}"))
    r = subprocess.run([BIN, "check", "-c", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "send_batch_bytes" in r.stderr + r.stdout and ":" in r.stderr + r.stdout
