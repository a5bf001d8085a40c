"""A small HTTP/2 (h2c prior knowledge) client over python3-h2 for the
tunnel tests: extended CONNECT (RFC 8441) with WebSocket frames, raw frame
injection for the bad cases, and a gRPC-like server. Every wait is bounded."""
import os
import socket
import struct
import time

import h2.config
import h2.connection
import h2.events
import h2.settings

ENABLE_CONNECT_PROTOCOL = 0x8


class H2Client:
    def __init__(self, port, timeout=20, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.deadline = time.time() + timeout
        cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                        validate_outbound_headers=False,
                                        normalize_outbound_headers=False)
        self.conn = h2.connection.H2Connection(config=cfg)
        self.conn.initiate_connection()
        # Large windows: 1 MiB messages flow without per-frame updates.
        self.conn.increment_flow_control_window(1 << 24)
        self.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 24})
        self.flush()
        self.remote_settings = {}
        self.data = {}       # stream id -> bytearray
        self.headers = {}    # stream id -> list of header tuples
        self.ended = set()
        self.resets = {}     # stream id -> error code
        self.goaway = None

    def flush(self):
        out = self.conn.data_to_send()
        if out:
            self.sock.sendall(out)

    def pump(self):
        """Reads once and handles events; False on EOF."""
        if time.time() > self.deadline:
            raise AssertionError("h2 client deadline")
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            raise AssertionError("h2 client read timed out")
        if not chunk:
            return False
        for ev in self.conn.receive_data(chunk):
            if isinstance(ev, h2.events.RemoteSettingsChanged):
                for k, v in ev.changed_settings.items():
                    self.remote_settings[int(k)] = v.new_value
            elif isinstance(ev, h2.events.ResponseReceived):
                self.headers[ev.stream_id] = ev.headers
            elif isinstance(ev, h2.events.DataReceived):
                self.data.setdefault(ev.stream_id, bytearray()).extend(ev.data)
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                self.ended.add(ev.stream_id)
            elif isinstance(ev, h2.events.StreamReset):
                self.resets[ev.stream_id] = ev.error_code
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.goaway = ev.error_code
        self.flush()
        return True

    def until(self, cond):
        while not cond():
            if not self.pump():
                raise AssertionError("connection closed")

    def status(self, sid):
        for k, v in self.headers.get(sid, []):
            if k == ":status":
                return int(v)
        return None

    def header(self, sid, name):
        for k, v in self.headers.get(sid, []):
            if k == name:
                return v
        return None

    def request(self, headers, end_stream=True):
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, headers, end_stream=end_stream)
        self.flush()
        return sid

    def send(self, sid, data, end_stream=False):
        view = memoryview(data)
        while True:
            window = self.conn.local_flow_control_window(sid)
            size = min(len(view), window, self.conn.max_outbound_frame_size)
            if size == 0 and len(view) > 0:
                self.pump()
                continue
            self.conn.send_data(sid, bytes(view[:size]),
                                end_stream=end_stream and size == len(view))
            self.flush()
            view = view[size:]
            if not view:
                return

    def take(self, sid, n):
        """Waits for n bytes on `sid` and removes them."""
        self.until(lambda: len(self.data.get(sid, b"")) >= n)
        buf = self.data[sid]
        out = bytes(buf[:n])
        del buf[:n]
        return out

    def close(self):
        self.sock.close()


# --- WebSocket frames (RFC 6455), client side -------------------------------

def ws_frame(opcode, payload, fin=True):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    # Mask with numpy-free XOR: 4-byte-wise via int arithmetic.
    m = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(m, "big")).to_bytes(n, "big") if n else b""
    return head + mask + masked


def ws_read(client, sid):
    """One unmasked server frame: (fin, opcode, payload)."""
    b0, b1 = client.take(sid, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", client.take(sid, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", client.take(sid, 8))[0]
    assert not b1 & 0x80, "server frames are not masked"
    return bool(b0 & 0x80), b0 & 0x0F, client.take(sid, n)


def ws_message(client, sid):
    """A whole message (continuation frames joined): (opcode, payload)."""
    fin, op, data = ws_read(client, sid)
    out = bytearray(data)
    while not fin:
        fin, _, more = ws_read(client, sid)
        out.extend(more)
    return op, bytes(out)


def connect_websocket(client, port, path="/ws", extra=()):
    client.until(lambda: ENABLE_CONNECT_PROTOCOL in client.remote_settings)
    assert client.remote_settings[ENABLE_CONNECT_PROTOCOL] == 1
    sid = client.request([(":method", "CONNECT"), (":protocol", "websocket"),
                          (":scheme", "http"), (":path", path),
                          (":authority", f"127.0.0.1:{port}"),
                          ("sec-websocket-version", "13"), *extra], end_stream=False)
    client.until(lambda: sid in client.headers or sid in client.resets)
    return sid
