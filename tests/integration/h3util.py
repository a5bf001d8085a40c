"""Helpers for the HTTP/3 integration tests: a YAML config with an h3
listener in front of `strata origin`, a bounded gtlsclient runner, a
/metrics parser and Chromium's SPKI pin. Every wait is bounded."""
import base64
import hashlib
import json
import re
import socket
import subprocess
import time

from conftest import curl, run

GTLS = "gtlsclient"
CHROMIUM = "/usr/bin/chromium"


def h3_config(origin_port, cert, *, workers=1, address="127.0.0.1:0", protocols="[h1, h2, h3]",
              quic=None, extra_routes="", second_listener=""):
    """A serve config: listener `web` (TLS, `protocols`) proxying to the
    origin; `/early/` opts into unsafe methods in 0-RTT; `/page` and
    `/ping` answer directly. `quic` is a dict rendered as the quic: block."""
    quic_block = ""
    if quic:
        quic_block = "    quic: " + json.dumps(quic) + "\n"
    return f"""
workers: {workers}
listeners:
  - name: web
    address: "{address}"
    tls:
      certificates: [{{cert: "{cert[0]}", key: "{cert[1]}"}}]
    protocols: {protocols}
    routes: main
{quic_block}{second_listener}
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
{extra_routes}    - match: {{prefix: "/early/"}}
      early_data: true
      proxy: {{cluster: app}}
    - match: {{prefix: "/"}}
      proxy: {{cluster: app}}
clusters:
  app:
    endpoints: ["127.0.0.1:{origin_port}"]
"""


def gtls(port, *paths, host="127.0.0.1", args=(), timeout=30, check=True, authority=None):
    """Runs gtlsclient against https://HOST:PORT/PATH... and returns
    (returncode, combined stdout+stderr text). Exits when all streams close
    (or after `timeout` seconds: an AssertionError)."""
    h = f"[{host}]" if ":" in host else host
    auth = authority or f"{h}:{port}"
    uris = [f"https://{auth}{p}" for p in paths]
    cmd = [GTLS, "--exit-on-all-streams-close", "--timeout=10s", "--handshake-timeout=10s",
           *args, host, str(port), *uris]
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + (e.stderr or b"")
        raise AssertionError(f"{cmd} timed out after {timeout}s; tail:\n"
                             f"{out.decode(errors='replace')[-3000:]}")
    out = (r.stdout + r.stderr).decode(errors="replace")
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} exited {r.returncode}; tail:\n{out[-3000:]}")
    return r.returncode, out


STATUS_RE = re.compile(r"http: stream (0x[0-9a-f]+) \[:status: (\d{3})\]")


def statuses(out):
    """{stream_id: status} from gtlsclient's non-quiet output."""
    return {s: int(c) for s, c in STATUS_RE.findall(out)}


def sha(data):
    return hashlib.sha256(data).hexdigest()


METRIC_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")


def metrics(admin_port):
    """{'name{labels}': value} from the admin listener's /metrics."""
    code, body = curl(f"http://127.0.0.1:{admin_port}/metrics")
    assert code == 200, body[:500]
    out = {}
    for line in body.decode().splitlines():
        if line.startswith("#"):
            continue
        m = METRIC_RE.match(line.strip())
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def metric_sum(ms, name, **labels):
    """Sum of every series of `name` whose labels include `labels`."""
    total = 0.0
    for k, v in ms.items():
        base, _, lab = k.partition("{")
        if base != name:
            continue
        if all(f'{lk}="{lv}"' in lab for lk, lv in labels.items()):
            total += v
    return total


def spki_sha256(cert_path):
    """base64(sha256(SubjectPublicKeyInfo DER)) for Chromium's
    --ignore-certificate-errors-spki-list."""
    pub = run(["openssl", "x509", "-in", cert_path, "-pubkey", "-noout"]).stdout
    der = run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def wait_until(fn, timeout=10.0, step=0.05):
    """Polls fn() until truthy or timeout; returns the last value."""
    deadline = time.time() + timeout
    v = fn()
    while not v and time.time() < deadline:
        time.sleep(step)
        v = fn()
    return v


class UdpRecorder:
    """A loopback UDP relay between one QUIC client and the server that
    records the client's first flight (every datagram it sends before the
    server's first reply): what an on-path attacker would capture to replay
    0-RTT. Runs in a thread for at most `max_seconds`."""

    def __init__(self, server_port, max_seconds=30):
        import select
        import socket
        import threading
        self._select = select.select
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.connect(("127.0.0.1", server_port))
        self.server_port = server_port
        self.first_flight = []
        self._replied = False
        self._client = None
        self._stop = threading.Event()
        self._deadline = time.time() + max_seconds
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set() and time.time() < self._deadline:
            r, _, _ = self._select([self.front, self.back], [], [], 0.05)
            if self.front in r:
                data, self._client = self.front.recvfrom(65535)
                if not self._replied:
                    self.first_flight.append(data)
                self.back.send(data)
            if self.back in r:
                try:
                    data = self.back.recv(65535)
                except OSError:  # ICMP port unreachable after the server left
                    continue
                self._replied = True
                if self._client:
                    self.front.sendto(data, self._client)

    def close(self):
        self._stop.set()
        self._t.join(5)
        self.front.close()
        self.back.close()

    def replay(self, listen_seconds=1.0):
        """Sends the recorded first flight again from a fresh socket and
        returns how many datagrams the server sent back within listen_seconds."""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", self.server_port))
        s.settimeout(0.1)
        for d in self.first_flight:
            s.send(d)
        n = 0
        deadline = time.time() + listen_seconds
        while time.time() < deadline:
            try:
                s.recv(65535)
                n += 1
            except (socket.timeout, OSError):
                pass
        s.close()
        return n


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1 (bounded tries)."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise AssertionError("no port free for TCP and UDP")


def udp_bound(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", port))
        return False
    except OSError:
        return True
    finally:
        s.close()
