"""Upstream HTTP/1.1 responses go through the strict codec::http1
ResponseParser: the smuggling vectors answered by an origin are refused
(502 to the client), never relayed; valid framings still pass."""
import socket
import threading

import pytest

from conftest import curl, raw_request, status_of

# Path -> the raw bytes a hostile or broken origin answers with.
REFUSED = {
    "/cl-te": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled",
    "/dup-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 25\r\n\r\nhello",
    "/obs-fold": b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
    "/bare-lf": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "/bare-cr": b"HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 0\r\nContent-Length: 2\r\n\r\nok",
    "/nul": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok",
    "/bad-status": b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok",
    "/http2-status": b"HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/te-gzip": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked, gzip\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    "/204-body": b"HTTP/1.1 204 No Content\r\nContent-Length: 8\r\n\r\nsmuggled",
    "/huge-head": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (80 * 1024) + b"\r\nContent-Length: 2\r\n\r\nok",
    "/space-colon": b"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
}
ACCEPTED = {
    "/chunked": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n", b"hello world"),
    "/close": (b"HTTP/1.0 200 OK\r\nX-A: b\r\n\r\nuntil close", b"until close"),
    "/interim": (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine",
                 b"fine"),
    "/same-cl": (b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nsame", b"same"),
}


@pytest.fixture
def hostile_origin():
    """A raw TCP origin: reads one request head, answers with the canned
    bytes for its path, closes."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(128)
    stop = threading.Event()

    def serve(conn):
        with conn:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode()
            answer = REFUSED.get(path) or ACCEPTED.get(path, (b"HTTP/1.1 404 Not Found\r\n"
                                                              b"Content-Length: 0\r\n\r\n",))[0]
            try:
                conn.sendall(answer)
                conn.shutdown(socket.SHUT_WR)
                conn.recv(1)
            except OSError:
                pass

    def loop():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    yield srv.getsockname()[1]
    stop.set()
    srv.close()


def test_smuggling_vectors_from_the_upstream_are_refused_with_502(spawn, hostile_origin):
    p = spawn("proxy", "--listen", "127.0.0.1:0", "--workers", "1",
              "--to", f"127.0.0.1:{hostile_origin}")
    for path in REFUSED:
        resp = raw_request(p.port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode(),
                           read_timeout=10)
        assert status_of(resp) == 502, (path, resp[:300])
        assert b"smuggled" not in resp and b"X-A" not in resp and b"x-a" not in resp, (path, resp)
        # Exactly one response came back on the connection.
        assert resp.count(b"HTTP/1.1 ") == 1, (path, resp)


def test_valid_framings_from_the_upstream_still_pass(spawn, hostile_origin):
    p = spawn("proxy", "--listen", "127.0.0.1:0", "--workers", "1",
              "--to", f"127.0.0.1:{hostile_origin}")
    for path, (_raw, body) in ACCEPTED.items():
        code, got = curl(f"http://127.0.0.1:{p.port}{path}")
        assert (code, got) == (200, body), (path, code, got)
