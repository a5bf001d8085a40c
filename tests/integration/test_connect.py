"""Plain CONNECT (RFC 9110 9.3.6) through strata, off by default: a route's
`connect` list allows host:port targets; over HTTP/1.1 (the connection
becomes the tunnel after 200) and over HTTP/2 (one stream's DATA both
ways); a target not listed gets 403, a route without the list 405. The
tunnel carries an HTTP/1.1 request to `strata origin`. Every wait is bounded."""
import socket
import time

from conftest import origin
from h2tunnel import H2Client

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
    - match: {{methods: [CONNECT], host: "127.0.0.1"}}
      connect: ["127.0.0.1:{origin}"]
    - match: {{prefix: "/"}}
      proxy: {{cluster: app}}
clusters:
  app:
    endpoints: ["127.0.0.1:{origin}"]
"""

GET = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def read_until(sock, marker, limit=1 << 16):
    buf = b""
    deadline = time.time() + 10
    while marker not in buf and len(buf) < limit and time.time() < deadline:
        c = sock.recv(65536)
        if not c:
            break
        buf += c
    return buf


def read_to_eof(sock):
    out = b""
    deadline = time.time() + 10
    while time.time() < deadline:
        c = sock.recv(65536)
        if not c:
            break
        out += c
    return out


def serve(spawn, write_config):
    o = origin(spawn)
    s = spawn("serve", "-c", write_config(CONFIG.format(origin=o.port)))
    return s, o


def test_connect_over_h1(spawn, write_config):
    s, o = serve(spawn, write_config)
    sock = socket.create_connection(("127.0.0.1", s.ports["web"]), timeout=10)
    target = f"127.0.0.1:{o.port}".encode()
    sock.sendall(b"CONNECT " + target + b" HTTP/1.1\r\nHost: " + target + b"\r\n\r\n")
    head = read_until(sock, b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"content-length" not in head.lower() and b"transfer-encoding" not in head.lower()
    rest = head.split(b"\r\n\r\n", 1)[1]
    sock.sendall(GET)
    resp = rest + read_to_eof(sock)
    assert resp.startswith(b"HTTP/1.1 200") and resp.endswith(b"strata origin\n"), resp
    sock.close()

    # A target the route does not list.
    sock = socket.create_connection(("127.0.0.1", s.ports["web"]), timeout=10)
    sock.sendall(b"CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n")
    assert read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 403")
    sock.close()


def test_connect_over_h2(spawn, write_config):
    s, o = serve(spawn, write_config)
    c = H2Client(s.ports["web"])
    sid = c.request([(":method", "CONNECT"), (":authority", f"127.0.0.1:{o.port}")],
                    end_stream=False)
    c.until(lambda: sid in c.headers or sid in c.resets)
    assert c.status(sid) == 200, (c.headers.get(sid), c.resets)
    c.send(sid, GET)
    c.until(lambda: sid in c.ended or sid in c.resets)
    body = bytes(c.data.get(sid, b""))
    assert body.startswith(b"HTTP/1.1 200") and body.endswith(b"strata origin\n"), body
    # The origin closed its side (Connection: close): END_STREAM came; ours ends the stream.
    c.send(sid, b"", end_stream=True)

    # Not listed: 403; a second stream on the same connection.
    sid2 = c.request([(":method", "CONNECT"), (":authority", "127.0.0.1:1")], end_stream=False)
    c.until(lambda: sid2 in c.headers or sid2 in c.resets)
    assert c.status(sid2) == 403
    c.close()
