"""RFC 9218 extensible priorities (route `priority:`, docs/delivery.md)
observed in the order of DATA frames with a python3-h2 client: it opens
several streams for large responses with its stream windows closed (so every
stream has data waiting), opens them all at once and records which stream
each DATA frame belongs to. The more urgent stream completes first even when
it was opened last: by the route's default urgency, by the request's
`priority` field (which wins over the route's default) and by a
PRIORITY_UPDATE frame. The server advertises SETTINGS_NO_RFC7540_PRIORITIES.
Control: streams of equal urgency end in the order they were opened.
HTTP/3: gtlsclient's frame log shows the same for the route default (the
order in which each stream's last STREAM frame arrived)."""
import re
import socket
import struct
import time

import h2.config
import h2.connection
import h2.events
import h2.settings
import pytest

from conftest import origin
from h3util import gtls

SIZE = 1 << 21  # 2 MiB per response
NO_RFC7540_PRIORITIES = 0x9

CONFIG = """
workers: 1
listeners:
  - name: plain
    address: "127.0.0.1:0"
    protocols: [h1, h2c]
    routes: main
  - name: web
    address: "127.0.0.1:0"
    tls:
      certificates: [{{cert: "{crt}", key: "{key}"}}]
    protocols: [h1, h2, h3]
    routes: main
route_tables:
  main:
    - name: bg
      match: {{prefix: /bg/}}
      proxy: {{cluster: app, prefix_rewrite: /bytes/}}
      priority: background
    - name: hi
      match: {{prefix: /hi/}}
      proxy: {{cluster: app, prefix_rewrite: /bytes/}}
      priority: high
    - name: flat
      match: {{prefix: /flat/}}
      proxy: {{cluster: app, prefix_rewrite: /bytes/}}
clusters:
  app:
    endpoints: ["127.0.0.1:{port}"]
"""


@pytest.fixture
def server(spawn, write_config, cert):
    o = origin(spawn)
    return spawn("serve", "-c", write_config(CONFIG.format(port=o.port, crt=cert[0], key=cert[1])))


@pytest.fixture
def port(server):
    return server.ports["plain"]


class Recorder:
    """h2c (prior knowledge) client whose streams start with a zero window."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.deadline = time.time() + timeout
        cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.conn = h2.connection.H2Connection(config=cfg)
        self.conn.initiate_connection()
        self.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
        self.conn.increment_flow_control_window(1 << 30)
        self.flush()
        self.remote_settings = {}
        self.heads = {}
        self.frames = []  # (stream id, bytes) in arrival order
        self.ended = []   # stream ids in the order they ended

    def flush(self):
        out = self.conn.data_to_send()
        if out:
            self.sock.sendall(out)

    def get(self, path, priority=None):
        sid = self.conn.get_next_available_stream_id()
        h = [(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", path)]
        if priority:
            h.append(("priority", priority))
        self.conn.send_headers(sid, h, end_stream=True)
        self.flush()
        return sid

    def priority_update(self, sid, value):
        """A raw PRIORITY_UPDATE frame (type 0x10) on stream 0 (RFC 9218 7.1)."""
        payload = struct.pack(">I", sid) + value.encode()
        self.sock.sendall(struct.pack(">I", len(payload))[1:] + bytes([0x10, 0]) +
                          struct.pack(">I", 0) + payload)

    def pump(self):
        assert time.time() < self.deadline, "h2 client deadline"
        chunk = self.sock.recv(1 << 20)
        assert chunk, "connection closed"
        for ev in self.conn.receive_data(chunk):
            if isinstance(ev, h2.events.RemoteSettingsChanged):
                for k, v in ev.changed_settings.items():
                    self.remote_settings[int(k)] = v.new_value
            elif isinstance(ev, h2.events.ResponseReceived):
                self.heads[ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                self.frames.append((ev.stream_id, len(ev.data)))
            elif isinstance(ev, h2.events.StreamEnded):
                self.ended.append(ev.stream_id)
            elif isinstance(ev, h2.events.StreamReset):
                raise AssertionError(f"stream {ev.stream_id} reset {ev.error_code}")
        self.flush()

    def run(self, sids, before_open=None):
        """Waits for every response head (no DATA can flow yet), then opens
        every stream's window at once and reads to the end of all of them."""
        while len(self.heads) < len(sids):
            self.pump()
        assert not self.frames, "DATA flowed through a closed window"
        if before_open:
            before_open()
        for sid in sids:
            self.conn.increment_flow_control_window(1 << 30, stream_id=sid)
        self.flush()
        while len(self.ended) < len(sids):
            self.pump()
        got = {}
        for sid, n in self.frames:
            got[sid] = got.get(sid, 0) + n
        assert all(got.get(s) == SIZE for s in sids), got
        for s in sids:
            assert self.heads[s][":status"] == "200"
        return self.ended


def test_settings_no_rfc7540_priorities(port):
    c = Recorder(port)
    while NO_RFC7540_PRIORITIES not in c.remote_settings:
        c.pump()
    assert c.remote_settings[NO_RFC7540_PRIORITIES] == 1


def test_route_default_urgency_schedules_first(port):
    c = Recorder(port)
    bgs = [c.get(f"/bg/{SIZE}") for _ in range(3)]
    hi = c.get(f"/hi/{SIZE}")  # opened last
    ended = c.run(bgs + [hi])
    assert ended[0] == hi, (ended, c.frames[:40])
    # Most of the urgent stream went out before the background ones got going.
    first_hi_end = next(i for i, f in enumerate(c.frames) if f[0] == hi and
                        sum(n for s, n in c.frames[:i + 1] if s == hi) == SIZE)
    bg_bytes_before = sum(n for s, n in c.frames[:first_hi_end] if s != hi)
    assert bg_bytes_before < 3 * SIZE // 2, bg_bytes_before


def test_request_field_wins_over_route_default(port):
    c = Recorder(port)
    hi_asks_low = c.get(f"/hi/{SIZE}", priority="u=7")  # route says high, client says 7
    flats = [c.get(f"/flat/{SIZE}") for _ in range(2)]
    urgent = c.get(f"/flat/{SIZE}", priority="u=0")  # opened last
    ended = c.run([hi_asks_low] + flats + [urgent])
    assert ended[0] == urgent, ended
    assert ended[-1] == hi_asks_low, ended


def test_priority_update_frame(port):
    c = Recorder(port)
    sids = [c.get(f"/flat/{SIZE}") for _ in range(3)]
    last = sids[-1]
    ended = c.run(sids, before_open=lambda: c.priority_update(last, "u=0"))
    assert ended[0] == last, ended


def test_priority_update_before_headers_beats_route_default(port):
    """A PRIORITY_UPDATE for a stream not yet opened (RFC 9218 7.1) is the
    client's signal: the route default (background) must not replace it."""
    c = Recorder(port)
    flats = [c.get(f"/flat/{SIZE}") for _ in range(2)]
    c.priority_update(c.conn.get_next_available_stream_id(), "u=0")
    bg = c.get(f"/bg/{SIZE}")
    ended = c.run(flats + [bg])
    assert ended[0] == bg, ended


def test_equal_urgency_goes_in_stream_order(port):
    """The control: without priorities the last stream opened ends last."""
    c = Recorder(port)
    sids = [c.get(f"/flat/{SIZE}") for _ in range(4)]
    assert c.run(sids) == sids


H3_SIZE = 1 << 20


def h3_end_order(server, paths):
    """Stream ids in the order their last STREAM frame reached gtlsclient
    (the client's request streams only)."""
    _, out = gtls(server.ports["web"], *paths, args=["--no-http-dump", "--no-quic-dump"],
                  timeout=60)
    ids = re.findall(r"frm rx \d+ 1RTT STREAM\(0x[0-9a-f]+\) id=(0x[0-9a-f]+) .* uni=0", out)
    last = {}
    for i, sid in enumerate(ids):
        last[int(sid, 16)] = i
    assert len(last) == len(paths), (last, out[-2000:])
    return [sid for sid, _ in sorted(last.items(), key=lambda kv: kv[1])]


def test_h3_route_default_urgency(server):
    # Control: equal urgency, request streams 0, 4, 8, 12 end in that order.
    assert h3_end_order(server, [f"/flat/{H3_SIZE}"] * 4) == [0, 4, 8, 12]
    # The high-urgency stream, opened last, ends first.
    order = h3_end_order(server, [f"/bg/{H3_SIZE}"] * 3 + [f"/hi/{H3_SIZE}"])
    assert order[0] == 12, order
