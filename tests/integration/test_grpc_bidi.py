"""Full-duplex proxying: a gRPC-like bidirectional stream (our python3-h2
client and server, h2c on both sides) ping-pongs 1,000 messages through
strata; the server sends each reply only after its request arrived and the
client sends the next request only after the reply, so a proxy that relays
one direction at a time stalls. Every wait is bounded."""
import socket
import struct
import threading
import time

import h2.config
import h2.connection
import h2.events

from h2tunnel import H2Client

MESSAGES = 1000

CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
route_tables:
  main:
    - match: {{prefix: "/"}}
      proxy: {{cluster: grpc, timeout: 60s}}
clusters:
  grpc:
    protocol: h2c
    endpoints: ["127.0.0.1:{port}"]
"""


def grpc_message(payload):
    return struct.pack("!BI", 0, len(payload)) + payload


class PingPongServer(threading.Thread):
    """h2c server: on each stream, answers every complete gRPC message with
    "pong <payload>" as soon as it arrived; trailers when the client ends."""

    def __init__(self):
        super().__init__(daemon=True)
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.lsock.settimeout(30)
        self.port = self.lsock.getsockname()[1]
        self.received = 0
        self.error = None

    def run(self):
        try:
            sock, _ = self.lsock.accept()
            sock.settimeout(30)
            conn = h2.connection.H2Connection(
                config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
            conn.initiate_connection()
            sock.sendall(conn.data_to_send())
            bufs = {}
            deadline = time.time() + 60
            while time.time() < deadline:
                data = sock.recv(65536)
                if not data:
                    return
                for ev in conn.receive_data(data):
                    if isinstance(ev, h2.events.RequestReceived):
                        conn.send_headers(ev.stream_id, [(":status", "200"),
                                                         ("content-type", "application/grpc")])
                        bufs[ev.stream_id] = bytearray()
                    elif isinstance(ev, h2.events.DataReceived):
                        conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                        b = bufs[ev.stream_id]
                        b.extend(ev.data)
                        while len(b) >= 5:
                            n = struct.unpack("!I", b[1:5])[0]
                            if len(b) < 5 + n:
                                break
                            msg = bytes(b[5:5 + n])
                            del b[:5 + n]
                            self.received += 1
                            conn.send_data(ev.stream_id, grpc_message(b"pong " + msg))
                    elif isinstance(ev, h2.events.StreamEnded):
                        conn.send_headers(ev.stream_id, [("grpc-status", "0")], end_stream=True)
                out = conn.data_to_send()
                if out:
                    sock.sendall(out)
        except Exception as e:  # reported by the test
            self.error = e


def test_grpc_bidi_ping_pong_through_strata(spawn, write_config):
    srv = PingPongServer()
    srv.start()
    s = spawn("serve", "-c", write_config(CONFIG.format(port=srv.port)))
    c = H2Client(s.ports["web"], timeout=60)
    sid = c.request([(":method", "POST"), (":scheme", "http"), (":path", "/echo.Echo/Bidi"),
                     (":authority", "x"), ("content-type", "application/grpc"),
                     ("te", "trailers")], end_stream=False)
    start = time.time()
    for i in range(MESSAGES):
        payload = b"ping %d" % i
        c.send(sid, grpc_message(payload))
        head = c.take(sid, 5)
        n = struct.unpack("!I", head[1:5])[0]
        assert c.take(sid, n) == b"pong " + payload, i
    took = time.time() - start
    c.send(sid, b"", end_stream=True)
    c.until(lambda: sid in c.ended or sid in c.resets)
    assert sid in c.ended, c.resets
    assert c.status(sid) == 200
    c.close()
    assert srv.error is None, srv.error
    assert srv.received == MESSAGES
    # One round trip is well under a millisecond on loopback; a relay that
    # waited for a timeout between messages would take far longer.
    assert took < 30, took
