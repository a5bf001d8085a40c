"""Edge security, the client address part (docs/security.md "Client address,
connection limits, allow/deny"): connection limits per /24 and per /64, the
PROXY protocol v1/v2 (good, malformed, late; before TLS; to upstreams),
X-Forwarded-For from trusted peers only, listener deny before TLS, route
allow/deny. Clients bind 127.0.0.x source addresses (all of 127/8 is
loopback); the IPv6 test builds a network namespace and a veth pair."""
import json
import re
import shutil
import socket
import ssl
import struct
import subprocess
import time
import uuid

import pytest

from conftest import curl, origin, run

METRIC_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")


def metric(admin_port, name, **labels):
    """Sum of the series of `name` whose labels include `labels`."""
    code, body = curl(f"http://127.0.0.1:{admin_port}/metrics")
    assert code == 200
    total = 0.0
    for line in body.decode().splitlines():
        m = METRIC_RE.match(line.strip())
        if not m or m.group(1) != name:
            continue
        lab = m.group(2) or ""
        if all(f'{k}="{v}"' in lab for k, v in labels.items()):
            total += float(m.group(3))
    return total


def connect_from(src, port, host="127.0.0.1", timeout=5):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((host, port))
    return s


def read_all(s, timeout=5):
    """Everything until close (or `timeout`); b"" when closed without a byte."""
    s.settimeout(timeout)
    out = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = s.recv(65536)
        except OSError:  # timeout, reset, TLS EOF without close_notify
            break
        if not c:
            break
        out += c
    return out


def get(s, path="/", extra=b""):
    """One keep-alive GET on an open socket; the status, or 0 when the
    connection was closed without an answer."""
    try:
        s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n" + extra + b"\r\n")
        buf = b""
        while b"\r\n\r\n" not in buf:
            c = s.recv(65536)
            if not c:
                return 0
            buf += c
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        return 0
    m = re.match(rb"HTTP/1\.1 (\d{3})", buf)
    head, _, body = buf.partition(b"\r\n\r\n")
    n = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < n:
        body += s.recv(65536)
    return int(m.group(1))


def origin_headers(resp: bytes):
    head, _, body = resp.partition(b"\r\n\r\n")
    assert re.match(rb"HTTP/1\.1 200", head), resp[:300]
    return {k.lower(): v for k, v in json.loads(body)["headers"].items()}


# --- connection limits per prefix --------------------------------------------

LIMIT_CONFIG = """
workers: 2
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
    security:
      connections: {max_per_prefix: 20}
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - respond: {status: 200, body: "ok"}
"""


def test_connection_limit_per_24(spawn, write_config):
    s = spawn("serve", "-c", write_config(LIMIT_CONFIG))
    port, admin = s.ports["web"], s.ports["admin"]
    held, statuses = [], []
    try:
        # 200 clients spread over 127.0.0.1 .. 127.0.0.200: one /24.
        for i in range(1, 201):
            c = connect_from(f"127.0.0.{i}", port)
            statuses.append(get(c))
            held.append(c)
        assert statuses.count(200) == 20, statuses
        assert statuses.count(0) == 180
        # Another /24 is unaffected while the first one is full.
        other = []
        for i in range(1, 21):
            c = connect_from(f"127.0.1.{i}", port)
            other.append(get(c))
            held.append(c)
        assert other == [200] * 20
        assert metric(admin, "strata_limit_connections_refused_total", listener="web") == 180
        assert metric(admin, "strata_limit_connections_tracked", listener="web") == 2
        # Closing admitted connections frees their slots.
        for c in held[:5]:
            c.close()
        deadline = time.time() + 10
        ok = 0
        while time.time() < deadline and ok == 0:
            c = connect_from("127.0.0.250", port)
            ok = get(c) == 200
            held.append(c)
        assert ok
    finally:
        for c in held:
            c.close()


# --- IPv6: one /64 shares, another does not (netns + veth) ------------------

NS_CLIENT = r"""
import socket, sys, re
port = int(sys.argv[1])
def one(src):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((src, 0))
    s.connect(("2001:db8:1::1", port))
    try:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        d = s.recv(4096)
    except (ConnectionResetError, socket.timeout):
        d = b""
    return s, (200 if d.startswith(b"HTTP/1.1 200") else 0)
held = []
def run(srcs):
    out = []
    for a in srcs:
        s, st = one(a)
        held.append(s)
        out.append(st)
    return out
# Two hosts of one /64 share its 3 slots; a second /64 has its own.
print("same", run(["2001:db8:1::10", "2001:db8:1::11"] * 3))
print("other", run(["2001:db8:2::10"] * 4))
"""


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


@pytest.fixture
def netns6():
    """A namespace whose veth peer holds 2001:db8:1::10, ::11 (one /64) and
    2001:db8:2::10 (another /64); the host side holds 2001:db8:1::1."""
    if not shutil.which("ip"):
        pytest.skip("iproute2 'ip' is not installed")
    tag = uuid.uuid4().hex[:6]
    ns, host_if, ns_if = f"strata{tag}", f"vsh{tag}", f"vsn{tag}"
    r = _ip("netns", "add", ns, check=False)
    if r.returncode != 0:
        pytest.skip(f"'ip netns add' is unavailable here: {r.stderr.strip()}")
    try:
        _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _ip("link", "set", ns_if, "netns", ns)
        _ip("addr", "add", "2001:db8:1::1/64", "dev", host_if, "nodad")
        _ip("addr", "add", "2001:db8:2::1/64", "dev", host_if, "nodad")
        _ip("link", "set", host_if, "up")
        for a in ("2001:db8:1::10/64", "2001:db8:1::11/64", "2001:db8:2::10/64"):
            _ip("-n", ns, "addr", "add", a, "dev", ns_if, "nodad")
        _ip("-n", ns, "link", "set", ns_if, "up")
        _ip("-n", ns, "link", "set", "lo", "up")
        yield ns
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot build the veth pair: {e.stderr.strip()}")
    finally:
        _ip("link", "del", host_if, check=False)
        _ip("netns", "del", ns, check=False)


def test_connection_limit_per_64_in_netns(spawn, write_config, netns6, workdir):
    cfg = LIMIT_CONFIG.replace('"127.0.0.1:0"\n    routes', '"[2001:db8:1::1]:0"\n    routes', 1)
    cfg = cfg.replace("max_per_prefix: 20", "max_per_prefix: 3")
    s = spawn("serve", "-c", write_config(cfg))
    script = workdir / "ns_client.py"
    script.write_text(NS_CLIENT)
    r = run(["ip", "netns", "exec", netns6, "/usr/bin/python3", str(script), str(s.ports["web"])],
            timeout=60)
    lines = dict(l.split(" ", 1) for l in r.stdout.decode().strip().splitlines())
    assert lines["same"] == str([200, 200, 200, 0, 0, 0]), r.stdout
    assert lines["other"] == str([200, 200, 200, 0]), r.stdout
    assert metric(s.ports["admin"], "strata_limit_connections_refused_total", listener="web") == 4


# --- PROXY protocol -----------------------------------------------------------

def v2_header(src, sport, dst, dport, cmd=0x21):
    fam = socket.AF_INET6 if ":" in src else socket.AF_INET
    a = socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) + struct.pack("!HH", sport, dport)
    return (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([cmd, 0x21 if fam == socket.AF_INET6 else 0x11])
            + struct.pack("!H", len(a)) + a)


PROXY_CONFIG = """
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
    security:
      client: {proxy_protocol: any, proxy_protocol_timeout: 400ms}
  - name: tls
    address: "127.0.0.1:0"
    routes: main
    tls: {certificates: [{cert: "CERT", key: "KEY"}]}
    protocols: [h1]
    security:
      client: {proxy_protocol: v2}
admin:
  address: "127.0.0.1:0"
clusters:
  o:
    endpoints: [{address: "127.0.0.1:OPORT"}]
route_tables:
  main:
    - proxy: {cluster: o}
"""


def proxy_setup(spawn, write_config, cert):
    o = origin(spawn)
    cfg = PROXY_CONFIG.replace("OPORT", str(o.port)).replace("CERT", cert[0]).replace("KEY", cert[1])
    return spawn("serve", "-c", write_config(cfg))


REQ = b"GET /headers HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"


def test_proxy_protocol_v1_v2_good(spawn, write_config, cert):
    s = proxy_setup(spawn, write_config, cert)
    port = s.ports["web"]
    c = connect_from("127.0.0.1", port)
    c.sendall(b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\n" + REQ)
    h = origin_headers(read_all(c))
    assert h["x-real-ip"] == "203.0.113.7" and h["x-forwarded-for"] == "203.0.113.7"
    c = connect_from("127.0.0.1", port)
    c.sendall(v2_header("2001:db8::7", 4444, "2001:db8::1", 80) + REQ)
    h = origin_headers(read_all(c))
    assert h["x-real-ip"] == "2001:db8::7"
    # v2 LOCAL (a balancer's own health check): the socket peer is the client.
    c = connect_from("127.0.0.1", port)
    c.sendall(b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00" + REQ)
    assert origin_headers(read_all(c))["x-real-ip"] == "127.0.0.1"
    # Before TLS: the header, then the handshake.
    raw = connect_from("127.0.0.1", s.ports["tls"])
    raw.sendall(v2_header("198.51.100.9", 1000, "127.0.0.1", 443))
    ctx = ssl.create_default_context(cafile=cert[0])
    with ctx.wrap_socket(raw, server_hostname="localhost") as t:
        t.sendall(REQ)
        assert origin_headers(read_all(t))["x-real-ip"] == "198.51.100.9"
    assert metric(s.ports["admin"], "strata_security_proxy_protocol_errors_total") == 0


def test_proxy_protocol_malformed_missing_late(spawn, write_config, cert):
    s = proxy_setup(spawn, write_config, cert)
    port, admin = s.ports["web"], s.ports["admin"]
    cases = [
        (b"PROXY TCP4 203.0.113.7 127.0.0.1 99999 80\r\n" + REQ, "bad_v1"),
        (b"PROXY TCP4 2001:db8::1 127.0.0.1 1 80\r\n" + REQ, "bad_v1"),
        (b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x04abcd" + REQ, "bad_v2"),
        (REQ, "bad_signature"),  # no header at all
    ]
    for data, reason in cases:
        c = connect_from("127.0.0.1", port)
        c.sendall(data)
        assert read_all(c) == b"", data  # closed without an answer
        c.close()
        assert metric(admin, "strata_security_proxy_protocol_errors_total", listener="web",
                      reason=reason) >= 1, reason
    # A header that never comes: closed after proxy_protocol_timeout.
    c = connect_from("127.0.0.1", port)
    c.sendall(b"PROXY TCP4 ")
    t0 = time.time()
    assert read_all(c, timeout=10) == b""
    assert time.time() - t0 < 5
    assert metric(admin, "strata_security_proxy_protocol_errors_total", listener="web",
                  reason="timeout") == 1
    # v1 on a v2-only (TLS) listener.
    c = connect_from("127.0.0.1", s.ports["tls"])
    c.sendall(b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 443\r\n")
    assert read_all(c) == b""
    assert metric(admin, "strata_security_proxy_protocol_errors_total", listener="tls",
                  reason="version") == 1
    assert metric(admin, "strata_security_proxy_protocol_errors_total", listener="web") == 5


def test_proxy_protocol_to_upstream(spawn, write_config):
    """strata A (cluster proxy_protocol: v2) -> strata B (listener
    proxy_protocol: v2) -> origin: B takes A's client from the header."""
    o = origin(spawn)
    b_cfg = f"""
listeners:
  - name: b
    address: "127.0.0.1:0"
    routes: main
    security:
      client: {{proxy_protocol: v2}}
clusters:
  o:
    endpoints: [{{address: "127.0.0.1:{o.port}"}}]
route_tables:
  main:
    - proxy: {{cluster: o}}
"""
    b = spawn("serve", "-c", write_config(b_cfg, "b.yaml"))
    a_cfg = f"""
listeners:
  - name: a
    address: "127.0.0.1:0"
    routes: main
clusters:
  b:
    proxy_protocol: v2
    endpoints: [{{address: "127.0.0.1:{b.ports['b']}"}}]
route_tables:
  main:
    - proxy: {{cluster: b}}
"""
    a = spawn("serve", "-c", write_config(a_cfg, "a.yaml"))
    for src in ("127.0.0.5", "127.0.0.6", "127.0.0.5"):
        c = connect_from(src, a.ports["a"])
        c.sendall(REQ)
        h = origin_headers(read_all(c))
        assert h["x-real-ip"] == src, h  # B saw A's client, not A
        c.close()


# --- trusted X-Forwarded-For, route allow/deny --------------------------------

XFF_CONFIG = """
access_log: {enabled: true, path: "LOGPATH", format: json}
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
    security:
      client: {trusted_proxies: [127.0.0.2]}
admin:
  address: "127.0.0.1:0"
clusters:
  o:
    endpoints: [{address: "127.0.0.1:OPORT"}]
route_tables:
  main:
    - match: {prefix: /deny}
      respond: {status: 200, body: "in"}
      security:
        access: {deny: [203.0.113.0/24]}
    - match: {prefix: /allow}
      respond: {status: 200, body: "in"}
      security:
        access: {allow: [198.51.100.0/24, 127.0.0.1]}
    - proxy: {cluster: o}
"""


def xff_get(src, port, path, xff=None):
    c = connect_from(src, port)
    extra = f"X-Forwarded-For: {xff}\r\n".encode() if xff else b""
    c.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n".encode() + extra + b"\r\n")
    out = read_all(c)
    c.close()
    return out


def test_xff_only_from_trusted_peers_and_route_access(spawn, write_config, workdir):
    o = origin(spawn)
    log = workdir / "access.log"
    s = spawn("serve", "-c", write_config(XFF_CONFIG.replace("OPORT", str(o.port))
                                          .replace("LOGPATH", str(log))))
    port, admin = s.ports["web"], s.ports["admin"]
    # Untrusted peer: its header is not believed (it is only passed along).
    h = origin_headers(xff_get("127.0.0.1", port, "/headers", "203.0.113.9"))
    assert h["x-real-ip"] == "127.0.0.1"
    assert h["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    # Trusted peer: the rightmost untrusted hop is the client.
    h = origin_headers(xff_get("127.0.0.2", port, "/headers", "198.51.100.1, 203.0.113.9"))
    assert h["x-real-ip"] == "203.0.113.9"
    assert h["x-forwarded-for"] == "198.51.100.1, 203.0.113.9, 127.0.0.2"
    # Route deny uses the client address.
    r = xff_get("127.0.0.2", port, "/deny", "203.0.113.9")
    assert r.startswith(b"HTTP/1.1 403") and r.endswith(b"forbidden: client address not allowed\n"), r
    assert xff_get("127.0.0.1", port, "/deny", "203.0.113.9").startswith(b"HTTP/1.1 200")
    assert xff_get("127.0.0.2", port, "/deny", "192.0.2.1").startswith(b"HTTP/1.1 200")
    # Route allow.
    assert xff_get("127.0.0.2", port, "/allow", "198.51.100.4").startswith(b"HTTP/1.1 200")
    assert xff_get("127.0.0.1", port, "/allow").startswith(b"HTTP/1.1 200")
    assert xff_get("127.0.0.3", port, "/allow").startswith(b"HTTP/1.1 403")
    assert xff_get("127.0.0.2", port, "/allow", "192.0.2.1").startswith(b"HTTP/1.1 403")
    assert metric(admin, "strata_security_access_denied_total", where="route") == 3
    # The access log's peer is the client address (the writer thread flushes soon).
    deadline = time.time() + 10
    peers = []
    while time.time() < deadline and len(peers) < 9:  # one line per request above
        peers = [json.loads(l)["peer"] for l in log.read_text().splitlines()] if log.exists() else []
        time.sleep(0.05)
    assert peers[:3] == ["127.0.0.1", "203.0.113.9", "203.0.113.9"], peers


# --- listener allow/deny before TLS -------------------------------------------

def test_listener_deny_before_tls(spawn, write_config, cert):
    cfg = f"""
listeners:
  - name: tls
    address: "127.0.0.1:0"
    routes: main
    tls: {{certificates: [{{cert: "{cert[0]}", key: "{cert[1]}"}}]}}
    protocols: [h1]
    security:
      access: {{deny: [127.0.0.3/32]}}
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - respond: {{status: 200, body: "ok"}}
"""
    s = spawn("serve", "-c", write_config(cfg))
    port, admin = s.ports["tls"], s.ports["admin"]
    ctx = ssl.create_default_context(cafile=cert[0])
    with ctx.wrap_socket(connect_from("127.0.0.1", port), server_hostname="localhost") as t:
        assert get(t) == 200
    hs0 = metric(admin, "strata_tls_handshakes_total")
    c = connect_from("127.0.0.3", port)
    with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
        ctx.wrap_socket(c, server_hostname="localhost")
    c.close()
    # Not one TLS byte came back and no handshake was attempted.
    c = connect_from("127.0.0.3", port)
    hello = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(hello[0], hello[1], server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    c.sendall(hello[1].read())
    assert read_all(c) == b""
    c.close()
    assert metric(admin, "strata_tls_handshakes_total") == hs0
    assert metric(admin, "strata_security_access_denied_total", where="listener") == 2
