"""Tunnels over HTTP/2 (RFC 8441 extended CONNECT): a python3-h2 client
opens a WebSocket on one stream of an h2c connection to strata, which
makes the HTTP/1.1 Upgrade to `strata origin`'s /ws echo; other streams
on the connection keep flowing; the tunnel survives a SIGHUP; bad extended
CONNECTs get a clear status or reset. Every wait is bounded."""
import os
import re
import signal
import time

from conftest import curl, origin
from h2tunnel import (ENABLE_CONNECT_PROTOCOL, H2Client, connect_websocket, ws_frame,
                      ws_message)

CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
access_log: {{enabled: true, path: "{log}"}}
limits: {{{limits}}}
route_tables:
  main:
    - match: {{prefix: "/"}}
      proxy: {{cluster: app}}
clusters:
  app:
    endpoints: ["127.0.0.1:{origin}"]
"""


def serve(spawn, write_config, workdir, limits="max_body: 65536"):
    o = origin(spawn)
    log = os.path.join(str(workdir), "access.log")
    s = spawn("serve", "-c", write_config(CONFIG.format(origin=o.port, log=log, limits=limits)))
    return s, log


def metric(s, name):
    _, body = curl(f"http://127.0.0.1:{s.ports['admin']}/metrics")
    return body.decode()


def test_websocket_over_h2_echoes_1mib_beside_other_streams(spawn, write_config, workdir):
    s, log = serve(spawn, write_config, workdir)
    c = H2Client(s.ports["web"])
    sid = connect_websocket(c, s.ports["web"])
    assert c.status(sid) == 200, (c.headers.get(sid), c.resets)
    assert c.header(sid, "sec-websocket-accept") is None  # the h1 handshake stays upstream
    assert sid not in c.ended

    c.send(sid, ws_frame(1, b"hello over h2"))
    assert ws_message(c, sid) == (1, b"hello over h2")
    # Over max_body (64 KiB) on purpose: a tunnel is not a request body.
    payload = os.urandom(1 << 20)
    c.send(sid, ws_frame(2, payload))
    # Another stream on the same connection while the tunnel is busy.
    get = c.request([(":method", "GET"), (":scheme", "http"), (":path", "/"),
                     (":authority", "x")])
    op, got = ws_message(c, sid)
    assert op == 2 and got == payload
    c.until(lambda: get in c.ended)
    assert c.status(get) == 200 and bytes(c.data[get]) == b"strata origin\n"
    # Close handshake, then both ends of the stream.
    c.send(sid, ws_frame(8, b"\x03\xe8"))
    op, _ = ws_message(c, sid)
    assert op == 8
    c.send(sid, b"", end_stream=True)
    c.until(lambda: sid in c.ended or sid in c.resets)
    assert sid in c.ended, c.resets
    c.close()

    text = metric(s, "strata_tunnels_total")
    assert 'strata_tunnels_total{carrier="HTTP/2"} 1' in text, text
    assert 'strata_upgrade_tunnels_total{protocol="websocket"} 1' in text, text
    for _ in range(100):
        if "CONNECT" in open(log).read():
            break
        time.sleep(0.05)
    lines = [l for l in open(log).read().splitlines() if "CONNECT" in l]
    assert lines and '"HTTP/2"' in lines[0] and '"status":200' in lines[0], lines


def test_websocket_over_h2_survives_reload(spawn, write_config, workdir):
    s, _ = serve(spawn, write_config, workdir)
    c = H2Client(s.ports["web"], timeout=30)
    sid = connect_websocket(c, s.ports["web"])
    assert c.status(sid) == 200
    c.send(sid, ws_frame(1, b"before"))
    assert ws_message(c, sid) == (1, b"before")
    before = s.text().count("reload complete")
    s.signal(signal.SIGHUP)
    s.wait_for_log(r"reload complete", start=0)
    for _ in range(200):
        if s.text().count("reload complete") > before:
            break
        time.sleep(0.05)
    assert s.text().count("reload complete") > before
    data = os.urandom(300_000)
    c.send(sid, ws_frame(2, data))
    assert ws_message(c, sid) == (2, data)
    c.send(sid, ws_frame(1, b"after"))
    assert ws_message(c, sid) == (1, b"after")
    c.close()


def test_extended_connect_bad_cases(spawn, write_config, workdir):
    s, _ = serve(spawn, write_config, workdir)
    port = s.ports["web"]
    # Plain CONNECT (no :protocol) where the route does not allow it: 405.
    c = H2Client(port)
    sid = c.request([(":method", "CONNECT"), (":authority", "example.com:443")], end_stream=False)
    c.until(lambda: sid in c.headers or sid in c.resets)
    assert c.status(sid) == 405, (c.headers.get(sid), c.resets)

    # :protocol on a method other than CONNECT: the stream is reset (PROTOCOL_ERROR).
    sid = c.request([(":method", "GET"), (":protocol", "websocket"), (":scheme", "http"),
                     (":path", "/ws"), (":authority", "x")])
    c.until(lambda: sid in c.resets or sid in c.headers)
    assert c.resets.get(sid) == 1, (c.headers.get(sid), c.resets)

    # The origin answers the Upgrade with a plain 200 (no 101): relayed, it
    # would tell the client the tunnel is open; strata answers 502.
    sid = connect_websocket(c, port, path="/")
    c.until(lambda: sid in c.headers or sid in c.resets)
    assert c.status(sid) == 502, (c.headers.get(sid), c.resets)

    # DATA after END_STREAM on a tunnel: the stream is reset (STREAM_CLOSED).
    sid = connect_websocket(c, port)
    assert c.status(sid) == 200
    # END_STREAM, then a raw DATA frame on the same stream, in one write.
    c.conn.end_stream(sid)
    frame = bytes([0, 0, 5, 0, 0]) + sid.to_bytes(4, "big") + b"hello"
    c.sock.sendall(c.conn.data_to_send() + frame)
    c.until(lambda: sid in c.resets or c.goaway is not None)
    assert c.resets.get(sid) == 5 or c.goaway == 5, (c.resets, c.goaway)
    c.close()

    # The connection-level behaviour stays sane: a new connection works.
    assert curl(f"http://127.0.0.1:{port}/")[0] == 200


def test_protocol_without_the_setting_is_reset(spawn, write_config, workdir):
    s, _ = serve(spawn, write_config, workdir, limits="h2_extended_connect: false")
    c = H2Client(s.ports["web"])
    c.until(lambda: 0x3 in c.remote_settings)  # the server's SETTINGS arrived
    assert ENABLE_CONNECT_PROTOCOL not in c.remote_settings
    sid = c.request([(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
                     (":path", "/ws"), (":authority", "x"), ("sec-websocket-version", "13")],
                    end_stream=False)
    c.until(lambda: sid in c.resets or sid in c.headers)
    assert c.resets.get(sid) == 1, (c.headers.get(sid), c.resets)  # PROTOCOL_ERROR
    # The connection survives: a plain request on it still works.
    get = c.request([(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "x")])
    c.until(lambda: get in c.ended)
    assert c.status(get) == 200
    c.close()
