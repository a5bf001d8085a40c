"""An HTTP/2 connection over TLS with no stream releases its TLS stream's
buffers (the transport hibernates, as a parked HTTP/1.1 connection's does)
and its write buffer while it waits for the socket's readability; the next
frame from the client, a write of the server's own (GOAWAY at the idle
timeout or on a graceful stop) or the client leaving all work from there.
Clients: python3-h2 over Python's ssl (ALPN h2), and curl."""
import signal
import socket
import ssl
import time

import h2.config
import h2.connection
import h2.events
import pytest

from conftest import curl, wait_admin_metric as wait_metric

CONFIG = """
workers: 1
listeners:
  - name: tls
    address: "127.0.0.1:0"
    routes: main
    tls:
      certificates: [{cert: "%s", key: "%s"}]
admin:
  address: "127.0.0.1:0"
timeouts:
  idle: %s
route_tables:
  main:
    - match: {prefix: "/big"}
      respond: {status: 200, body: "%s"}
    - match: {prefix: "/"}
      respond: {status: 200, body: "ok"}
"""
BIG = "x" * 60000
HIB = "strata_tls_hibernating_connections"


class Client:
    """One h2 connection over TLS."""

    def __init__(self, server):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", server.ports["tls"]), timeout=5)
        self.s = ctx.wrap_socket(raw, server_hostname="localhost")
        assert self.s.selected_alpn_protocol() == "h2"
        self.c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.c.initiate_connection()
        self.s.sendall(self.c.data_to_send())

    def events(self, until, seconds=10):
        """Reads frames until until(events) or the peer closes; returns the events."""
        got = []
        end = time.time() + seconds
        self.s.settimeout(0.5)
        while not until(got) and time.time() < end:
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                continue
            except (ssl.SSLError, OSError):
                break
            if not d:
                got.append("eof")
                break
            for e in self.c.receive_data(d):
                got.append(e)
                if isinstance(e, h2.events.DataReceived):
                    self.c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
            out = self.c.data_to_send()
            if out:
                self.s.sendall(out)
        return got

    def get(self, path, split=False):
        sid = self.c.get_next_available_stream_id()
        self.c.send_headers(sid, [(":method", "GET"), (":path", path), (":scheme", "https"),
                                  (":authority", "localhost")], end_stream=True)
        out = self.c.data_to_send()
        if split:  # the HEADERS frame in two TLS records with a pause between them
            self.s.sendall(out[:5])
            time.sleep(0.3)
            self.s.sendall(out[5:])
        else:
            self.s.sendall(out)
        ev = self.events(lambda g: any(isinstance(e, h2.events.StreamEnded) and e.stream_id == sid for e in g))
        status = [dict(e.headers).get(":status") for e in ev
                  if isinstance(e, h2.events.ResponseReceived) and e.stream_id == sid]
        body = b"".join(e.data for e in ev if isinstance(e, h2.events.DataReceived) and e.stream_id == sid)
        return (status[0] if status else None), body


@pytest.fixture
def server(spawn, write_config, cert):
    return spawn("serve", "-c", write_config(CONFIG % (cert[0], cert[1], "60s", BIG)))


def test_idle_h2_connections_hibernate_and_wake(server):
    clients = [Client(server) for _ in range(4)]
    for cl in clients:
        assert cl.get("/first") == ("200", b"ok")
    assert wait_metric(server, HIB, lambda v: v >= 4) == 4
    # Woken by a request: the same TLS connection goes on, a large answer
    # (the write buffer grows again) included.
    assert clients[0].get("/second") == ("200", b"ok")
    assert clients[0].get("/big") == ("200", BIG.encode())
    # A request whose HEADERS frame arrives in two records.
    assert clients[1].get("/split", split=True) == ("200", b"ok")
    # A PING wakes the reader and the writer answers it.
    clients[2].c.ping(b"12345678")
    clients[2].s.sendall(clients[2].c.data_to_send())
    ev = clients[2].events(lambda g: any(isinstance(e, h2.events.PingAckReceived) for e in g))
    assert any(isinstance(e, h2.events.PingAckReceived) for e in ev)
    # All four hibernate again; one leaves while hibernated.
    assert wait_metric(server, HIB, lambda v: v >= 4) == 4
    clients[3].s.close()
    assert wait_metric(server, HIB, lambda v: v <= 3) == 3
    # curl over h2 on a fresh connection still works beside them.
    code, body = curl(f"https://127.0.0.1:{server.ports['tls']}/", "-k", "--http2")[:2]
    assert body == b"ok"
    # A graceful stop writes GOAWAY to hibernated connections and closes them.
    server.signal(signal.SIGTERM)
    for cl in clients[:3]:
        ev = cl.events(lambda g: "eof" in g, seconds=15)
        assert any(isinstance(e, h2.events.ConnectionTerminated) for e in ev), ev
    server.proc.wait(20)


def test_idle_timeout_reaches_a_hibernated_h2_connection(spawn, write_config, cert):
    server = spawn("serve", "-c", write_config(CONFIG % (cert[0], cert[1], "1s", BIG)))
    cl = Client(server)
    assert cl.get("/") == ("200", b"ok")
    t0 = time.time()
    # The watchdog's GOAWAY is the first write after hibernation: the writer
    # wakes the stream while the reader waits on the socket.
    ev = cl.events(lambda g: "eof" in g, seconds=10)
    assert any(isinstance(e, h2.events.ConnectionTerminated) for e in ev), ev
    assert time.time() - t0 < 8
    assert wait_metric(server, HIB, lambda v: v == 0) == 0
