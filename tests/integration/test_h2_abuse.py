"""HTTP/2 abuse: rapid reset, CONTINUATION flood, SETTINGS/PING floods and
oversized header lists end in GOAWAY/RST with bounded memory; the server
keeps serving. Raw frames come from python3-h2 (Debian)."""
import re
import socket
import struct
import time

import h2.config
import h2.connection
import h2.events
import pytest

from conftest import curl

CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
limits:
  h2_max_resets_per_second: 50
  h2_max_control_frames_per_second: 200
  h2_max_continuations: 8
route_tables:
  main:
    - match: {prefix: "/"}
      respond: {status: 200, body: "ok"}
"""


@pytest.fixture
def server(spawn, write_config):
    return spawn("serve", "-c", write_config(CONFIG))


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    c.initiate_connection()
    s.sendall(c.data_to_send())
    return s, c


def read_events(s, c, seconds=3.0):
    """Reads until the peer closes or `seconds` pass; returns h2 events."""
    events = []
    s.settimeout(0.2)
    end = time.time() + seconds
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not d:
            break
        try:
            events += c.receive_data(d)
        except Exception:
            break
        out = c.data_to_send()
        if out:
            try:
                s.sendall(out)
            except OSError:
                break
    return events


def goaway_code(events):
    for e in events:
        if isinstance(e, h2.events.ConnectionTerminated):
            return e.error_code
    return None


def metrics(server):
    return curl(f"http://127.0.0.1:{server.ports['admin']}/metrics")[1].decode()


def frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


HDRS = [(":method", "GET"), (":path", "/"), (":scheme", "http"), (":authority", "a")]


def test_rapid_reset(server):
    s, c = connect(server.ports["web"])
    try:
        for i in range(500):
            sid = c.get_next_available_stream_id()
            c.send_headers(sid, HDRS)
            c.reset_stream(sid)
        s.sendall(c.data_to_send())
    except (OSError, Exception):
        pass
    events = read_events(s, c)
    s.close()
    assert goaway_code(events) == 11  # ENHANCE_YOUR_CALM
    assert re.search(r'strata_http2_abuse_total\{kind="rapid_reset"\} [1-9]', metrics(server))
    assert curl("--http2-prior-knowledge", f"http://127.0.0.1:{server.ports['web']}/")[0] == 200


def test_continuation_flood(server):
    s = socket.create_connection(("127.0.0.1", server.ports["web"]), timeout=5)
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b""))
    # HEADERS without END_HEADERS followed by endless CONTINUATION frames.
    s.sendall(frame(1, 0x1, 1, b"\x82"))  # :method GET, END_STREAM, no END_HEADERS
    closed = False
    try:
        for _ in range(2000):
            s.sendall(frame(9, 0, 1, b"\x40\x01a\x01b"))  # literal header a: b
    except OSError:
        closed = True
    s.settimeout(2)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (socket.timeout, OSError):
        pass
    s.close()
    assert closed or data  # a GOAWAY arrived or the connection was cut
    assert re.search(r'strata_http2_abuse_total\{kind="continuation_flood"\} [1-9]', metrics(server))


@pytest.mark.parametrize("kind", ["ping", "settings"])
def test_control_frame_flood(server, kind):
    s, c = connect(server.ports["web"])
    try:
        for i in range(5000):
            if kind == "ping":
                c.ping(struct.pack(">Q", i))
            else:
                c.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 100})
        s.sendall(c.data_to_send())
    except OSError:
        pass
    events = read_events(s, c)
    s.close()
    assert re.search(r'strata_http2_abuse_total\{kind="(ping|settings|control)_flood"\} [1-9]', metrics(server)), metrics(server)
    assert curl("--http2-prior-knowledge", f"http://127.0.0.1:{server.ports['web']}/")[0] == 200


def test_header_list_over_limit(server):
    s, c = connect(server.ports["web"])
    big = [(f"x-h{i}", "v" * 1000) for i in range(64)]  # 64 KB > 32 KiB default
    c.send_headers(1, HDRS + big, end_stream=True)
    s.sendall(c.data_to_send())
    events = read_events(s, c, seconds=2)
    s.close()
    statuses = [dict(e.headers).get(":status") for e in events if isinstance(e, h2.events.ResponseReceived)]
    resets = [e for e in events if isinstance(e, h2.events.StreamReset)]
    assert statuses == ["431"] or resets or goaway_code(events) is not None, events
    assert curl("--http2-prior-knowledge", f"http://127.0.0.1:{server.ports['web']}/")[0] == 200
