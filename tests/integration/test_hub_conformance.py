"""RFC 6455 conformance of the hub's WebSocket endpoint, live: a raw socket
does the h1 handshake, then sends one bad (or tricky) input per category
and the test asserts the close code strata answers with."""
import base64
import json
import os
import socket
import struct

import pytest

from hubutil import hub_config

KEY = base64.b64encode(b"0123456789abcdef").decode()


def handshake(port, path="/hub", extensions=None):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    ext = f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else ""
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{ext}\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        c = s.recv(4096)
        assert c, head
        head += c
    head, _, rest = head.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    import hashlib
    accept = base64.b64encode(hashlib.sha1((KEY + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                           .encode()).digest())
    assert b"sec-websocket-accept: " + accept.lower() in head.lower(), head
    return s, head.decode(), rest


def frame(opcode, payload=b"", fin=True, rsv=0, mask=True, length=None):
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload) if length is None else length
    if n < 126:
        h = bytes([b0, (0x80 if mask else 0) | n])
    elif n < 65536:
        h = bytes([b0, (0x80 if mask else 0) | 126]) + struct.pack("!H", n)
    else:
        h = bytes([b0, (0x80 if mask else 0) | 127]) + struct.pack("!Q", n)
    if not mask:
        return h + payload
    key = os.urandom(4)
    return h + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class Reader:
    def __init__(self, sock, rest=b""):
        self.s = sock
        self.buf = rest

    def need(self, n):
        while len(self.buf) < n:
            c = self.s.recv(65536)
            if not c:
                raise EOFError(self.buf)
            self.buf += c
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self):
        b0, b1 = self.need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.need(8))[0]
        assert not b1 & 0x80
        return b0 & 0x0F, self.need(n)

    def close_code(self):
        """Frames until a close: its code (None for an empty close)."""
        for _ in range(100):
            op, p = self.frame()
            if op == 8:
                return struct.unpack("!H", p[:2])[0] if len(p) >= 2 else None
        raise AssertionError("no close frame")


@pytest.fixture(scope="module")
def hub_port(tmp_path_factory):
    import conftest
    d = tmp_path_factory.mktemp("conf")
    cfg = d / "strata.yaml"
    cfg.write_text(hub_config(workers=1).replace(
        "  drain_spread: 0s\n", "  drain_spread: 0s\n  max_frame: 4KiB\n  max_message: 8KiB\n"
    ).replace("hub: {deflate: false}", "hub: {deflate: false}}\n    - {match: {prefix: /z}, "
              "hub: {deflate: true}"))
    s = conftest.Strata(["serve", "-c", str(cfg)], d)
    yield s.port
    assert s.stop() == 0


CASES = [
    ("rsv2 set", [frame(1, b"{}", rsv=2)], 1002),
    ("rsv1 without deflate", [frame(1, b"{}", rsv=4)], 1002),
    ("reserved opcode 3", [frame(3, b"x")], 1002),
    ("reserved control opcode 0xB", [frame(0xB, b"")], 1002),
    ("unmasked client frame", [frame(1, b"{}", mask=False)], 1002),
    ("ping over 125 bytes", [frame(9, b"p" * 126)], 1002),
    ("fragmented ping", [frame(9, b"p", fin=False)], 1002),
    ("continuation first", [frame(0, b"x")], 1002),
    ("text inside a fragmented text", [frame(1, b"{", fin=False), frame(1, b"}")], 1002),
    ("non-minimal length", [bytes([0x81, 0x80 | 126]) + struct.pack("!H", 5) + b"\0\0\0\0" + b"hello"], 1002),
    ("64-bit length with msb", [bytes([0x81, 0x80 | 127]) + struct.pack("!Q", 1 << 63) + b"\0\0\0\0"], 1002),
    ("close with 1 byte", [frame(8, b"\x03")], 1002),
    ("close code 1005", [frame(8, struct.pack("!H", 1005))], 1002),
    ("close code 999", [frame(8, struct.pack("!H", 999))], 1002),
    ("close reason not UTF-8", [frame(8, struct.pack("!H", 1000) + b"\xff")], 1007),
    ("text not UTF-8", [frame(1, b"\"\xc3\x28\"")], 1007),
    ("text UTF-8 split bad across fragments", [frame(1, b"\xe2\x82", fin=False), frame(0, b"\x28")], 1007),
    ("frame over max_frame", [frame(1, b"a" * 5000)], 1009),
    ("message over max_message", [frame(1, b"a" * 4000, fin=False), frame(0, b"a" * 4000, fin=False),
                                  frame(0, b"a" * 4000)], 1009),
    ("binary message", [frame(2, b"\x00\x01")], 1003),
    ("bad JSON", [frame(1, b"{nope")], 4000),
    ("id zero", [frame(1, b'{"id":0,"ping":{}}')], 4000),
    ("a JSON array", [frame(1, b"[1]")], 4000),
    ("normal close is echoed", [frame(8, struct.pack("!H", 1000) + b"bye")], 1000),
    ("close 4321 is echoed", [frame(8, struct.pack("!H", 4321))], 4321),
    ("empty close gets an empty close", [frame(8, b"")], None),
]


@pytest.mark.parametrize("name,frames,code", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_close_code(hub_port, name, frames, code):
    s, _, rest = handshake(hub_port)
    try:
        for f in frames:
            s.sendall(f)
        assert Reader(s, rest).close_code() == code
    finally:
        s.close()


def test_fragments_ping_between_and_pong(hub_port):
    s, _, rest = handshake(hub_port)
    r = Reader(s, rest)
    try:
        cmd = json.dumps({"id": 7, "ping": {}}).encode()
        s.sendall(frame(1, cmd[:5], fin=False) + frame(9, b"hey") + frame(0, cmd[5:9], fin=False)
                  + frame(0, cmd[9:]))
        op, p = r.frame()
        assert (op, p) == (0xA, b"hey")
        op, p = r.frame()
        assert op == 1 and json.loads(p) == {"id": 7, "result": {}}
    finally:
        s.close()


def test_deflate_negotiation_and_bad_compressed_data(hub_port):
    # Not offered on a route without deflate.
    s, head, _ = handshake(hub_port, extensions="permessage-deflate")
    s.close()
    assert "sec-websocket-extensions" not in head.lower()
    s, head, rest = handshake(hub_port, path="/z", extensions="permessage-deflate; client_max_window_bits")
    try:
        assert "permessage-deflate" in head and "server_no_context_takeover" in head, head
        # RSV1 with garbage that is not deflate data.
        s.sendall(frame(1, b"\xff\xff\xff\xff\xff", rsv=4))
        assert Reader(s, rest).close_code() == 1007
    finally:
        s.close()


def test_bad_handshakes(hub_port):
    import conftest
    r = conftest.raw_request(hub_port, (
        "GET /hub HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 8\r\nConnection: close\r\n\r\n").encode())
    assert conftest.status_of(r) == 426 and b"sec-websocket-version: 13" in r.lower(), r
    r = conftest.raw_request(hub_port, (
        "GET /hub HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\n\r\n").encode())
    assert conftest.status_of(r) == 400, r
