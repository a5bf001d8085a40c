"""Integration harness: runs the real strata binary on port 0 against real
clients (curl, nghttp, h2load, wrk, python3-h2). Every wait is bounded."""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("STRATA_BIN", str(ROOT / "build" / "strata"))
LISTEN_RE = re.compile(r"listener (\S+) on (\S+) \((tls|tcp)\)")


class Strata:
    """One strata process. `ports[name]` is the bound port of each listener."""

    def __init__(self, args, workdir, env=None, ready_timeout=30):
        self.args = [BIN] + list(args)
        self.workdir = Path(workdir)
        self.log_path = self.workdir / f"strata-{int(time.time()*1e6)}.log"
        self.log = open(self.log_path, "w+")
        e = dict(os.environ)
        e.setdefault("STRATA_STATE_DIR", str(self.workdir / "state"))
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        if env:
            e.update(env)
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT, env=e)
        self.ports = {}
        self.wait_ready(ready_timeout)

    def text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, pattern, timeout=20, start=0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            t = self.text()
            if re.search(pattern, t[start:]):
                return t
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {pattern!r}; log:\n{self.text()[-4000:]}")

    def wait_ready(self, timeout):
        t = self.wait_for_log(r" ready \(", timeout)
        for name, addr, _kind in LISTEN_RE.findall(t):
            self.ports[name] = int(addr.rsplit(":", 1)[1])

    @property
    def port(self):
        """Port of the first non-admin listener."""
        for n, p in self.ports.items():
            if n != "admin":
                return p
        raise KeyError("no listener")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=40):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise AssertionError("strata did not exit after SIGTERM:\n" + self.text()[-4000:])
        out = self.text()
        assert "ERROR: AddressSanitizer" not in out, out[-6000:]
        assert "runtime error:" not in out, out[-6000:]
        assert "ERROR: LeakSanitizer" not in out, out[-6000:]
        return self.proc.returncode


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


@pytest.fixture
def spawn(workdir):
    """spawn(args...) -> Strata; all are stopped (SIGTERM) at teardown and
    must exit 0 without sanitizer reports."""
    procs = []

    def _spawn(*args, **kw):
        p = Strata(args, workdir, **kw)
        procs.append(p)
        return p

    yield _spawn
    errors = []
    for p in reversed(procs):
        try:
            rc = p.stop()
            if rc != 0:
                errors.append(f"{p.args} exited {rc}:\n{p.text()[-3000:]}")
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n".join(errors)


@pytest.fixture
def write_config(workdir):
    def _write(text, name="strata.yaml"):
        p = workdir / name
        p.write_text(text)
        return str(p)
    return _write


@pytest.fixture(scope="session")
def cert(tmp_path_factory):
    """A self-signed localhost certificate: (cert_path, key_path)."""
    d = tmp_path_factory.mktemp("cert")
    crt, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(crt), "-days", "30", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"],
        check=True, capture_output=True)
    return str(crt), str(key)


def run(cmd, timeout=120, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} failed rc={r.returncode}\nstdout={r.stdout[-3000:]!r}\nstderr={r.stderr[-3000:]!r}")
    return r


def curl(*args, timeout=60, check=True):
    """curl -sS with the status code appended on the last line."""
    r = run(["curl", "-sS", "--max-time", str(timeout), "-w", "\n%{http_code}"] + list(args),
            timeout=timeout + 10, check=check)
    body, _, code = r.stdout.rpartition(b"\n")
    return int(code or 0), body


def admin_metric(server, name):
    """The value of metric `name` (full sample name, labels included) on
    the server's admin listener ("admin" port), 0 when absent."""
    text = curl(f"http://127.0.0.1:{server.ports['admin']}/metrics")[1].decode()
    m = re.search(r"^%s (\d+)" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else 0


def wait_admin_metric(server, name, ok, timeout=10):
    """Polls admin_metric(name) until ok(value); returns the last value seen."""
    deadline = time.time() + timeout
    v = admin_metric(server, name)
    while not ok(v) and time.time() < deadline:
        time.sleep(0.05)
        v = admin_metric(server, name)
    return v


def raw_request(port, data, read_timeout=5.0, host="127.0.0.1"):
    """Sends raw bytes, returns everything read until close or timeout."""
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(read_timeout)
    try:
        if data:
            s.sendall(data)
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except socket.timeout:
                break
            if not c:
                break
            chunks.append(c)
        return b"".join(chunks)
    finally:
        s.close()


def status_of(resp: bytes) -> int:
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return int(m.group(1)) if m else 0


def origin(spawn, *extra, workers=1):
    return spawn("origin", "--listen", "127.0.0.1:0", "--workers", str(workers), *extra)


def proxy(spawn, origins, *extra, workers=1):
    args = ["proxy", "--listen", "127.0.0.1:0", "--workers", str(workers)]
    for o in origins:
        args += ["--to", f"127.0.0.1:{o.port}"]
    return spawn(*args, *extra)
