"""Real redis-server processes for the hub-on-Redis tests (issue 12): a
standalone server, three standalone shards, a 3-master 3-replica cluster
made with `redis-cli --cluster create`, a Redis inside a network namespace
reached over veth pairs (partitioned and healed by the test), kill/restart
helpers and a small raw RESP client for PUBLISH/CONFIG/CLUSTER/DEBUG from
tests. Every wait is bounded; every process and namespace is cleaned up at
teardown, also when the test fails."""
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")

needs_redis = pytest.mark.skipif(REDIS_SERVER is None or REDIS_CLI is None,
                                 reason="redis-server / redis-cli not installed (Debian package redis-server)")


def free_port(host="127.0.0.1"):
    s = socket.socket()
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def free_cluster_port():
    """A port p with p + 10000 (the cluster bus) free too."""
    for _ in range(200):
        p = random.randint(20000, 54000)
        ok = True
        for q in (p, p + 10000):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", q))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return p
    raise AssertionError("no free port pair for a cluster node")


class RespError(Exception):
    """An error reply (-ERR ...)."""


class Resp:
    """A minimal blocking RESP2 client: enough for tests (commands, replies,
    pub/sub messages). Not a library: no pipelining beyond send/read."""

    def __init__(self, host, port, timeout=5.0, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.buf = b""

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def send(self, *args):
        self.sock.sendall(self.encode(*args))

    def _fill(self):
        c = self.sock.recv(65536)
        if not c:
            raise ConnectionError("redis closed the connection")
        self.buf += c

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise AssertionError(f"bad RESP line {line!r}")

    def call(self, *args):
        self.send(*args)
        r = self.read()
        if isinstance(r, RespError):
            raise r
        return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def info(host, port, section=""):
    """INFO <section> as a dict."""
    c = Resp(host, port)
    try:
        raw = text(c.call("INFO", section) if section else c.call("INFO"))
    finally:
        c.close()
    out = {}
    for line in raw.splitlines():
        if ":" in line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k] = v
    return out


class RedisServer:
    """One redis-server on `port` with its files in `dir`. `netns`: run it
    inside that network namespace (ip netns exec), bound to `host`."""

    def __init__(self, dir, port=None, host="127.0.0.1", extra=(), netns=None):
        self.dir = Path(dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = port or free_port()
        self.extra = list(extra)
        self.netns = netns
        self.proc = None
        self.starts = 0
        self.start()

    @property
    def address(self):
        return f"{self.host}:{self.port}"

    def args(self):
        a = [REDIS_SERVER, "--port", str(self.port), "--bind", self.host, "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--protected-mode", "no",
             "--logfile", str(self.dir / "redis.log"), "--daemonize", "no"] + self.extra
        return (["ip", "netns", "exec", self.netns] if self.netns else []) + a

    def start(self, timeout=15):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        self.proc = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.wait_up(timeout)

    def ping(self):
        if self.netns:
            r = subprocess.run(["ip", "netns", "exec", self.netns, REDIS_CLI, "-h", self.host, "-p",
                                str(self.port), "PING"], capture_output=True, timeout=5)
            return r.stdout.strip() == b"PONG"
        c = Resp(self.host, self.port, timeout=1)
        try:
            return c.call("PING") == "PONG"
        finally:
            c.close()

    def wait_up(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if self.ping():
                    return
            except (OSError, ConnectionError, RespError, subprocess.TimeoutExpired):
                pass
            time.sleep(0.05)
        raise AssertionError(f"redis on {self.address} did not start; log:\n{self.log()[-2000:]}")

    def log(self):
        try:
            return (self.dir / "redis.log").read_text(errors="replace")
        except OSError:
            return ""

    def client(self, **kw):
        return Resp(self.host, self.port, **kw)

    def call(self, *args):
        c = self.client()
        try:
            return c.call(*args)
        finally:
            c.close()

    def kill(self, sig=signal.SIGKILL):
        """Kills the server (SIGKILL by default: no goodbye to clients)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def restart(self, timeout=15):
        """Starts it again on the same port and dir (empty: no persistence)."""
        self.kill()
        self.start(timeout)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        self.kill(signal.SIGTERM)


# ---------------------------------------------------------------- cluster


class RedisCluster:
    """Six nodes made into 3 masters + 3 replicas by redis-cli --cluster create."""

    def __init__(self, dir, masters=3, replicas=1, node_timeout_ms=1000):
        self.dir = Path(dir)
        self.nodes = []
        try:
            self._create(masters, replicas, node_timeout_ms)
        except BaseException:
            self.stop()
            raise

    def _create(self, masters, replicas, node_timeout_ms):
        n = masters * (1 + replicas)
        for i in range(n):
            port = free_cluster_port()
            self.nodes.append(RedisServer(self.dir / f"node{i}", port=port, extra=[
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", str(node_timeout_ms),
                # Tests kill masters: a replica must take over at once.
                "--cluster-replica-validity-factor", "0"]))
        r = subprocess.run([REDIS_CLI, "--cluster", "create"] + [s.address for s in self.nodes]
                           + ["--cluster-replicas", str(replicas), "--cluster-yes"],
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"redis-cli --cluster create failed: {r.stdout[-2000:]!r} {r.stderr[-2000:]!r}")
        self.wait_ok(30, expect_masters=masters)

    @property
    def addresses(self):
        return [s.address for s in self.nodes]

    def alive_nodes(self):
        return [s for s in self.nodes if s.alive()]

    def slots(self, via=None):
        """[(start, end, master_address, [replica_addresses])] from CLUSTER SLOTS."""
        for s in ([via] if via else self.alive_nodes()):
            try:
                raw = s.call("CLUSTER", "SLOTS")
            except (OSError, ConnectionError, RespError):
                continue
            out = []
            for e in raw:
                m = e[2]
                reps = [f"{text(r[0])}:{r[1]}" for r in e[3:]]
                out.append((e[0], e[1], f"{text(m[0])}:{m[1]}", reps))
            return sorted(out)
        return []

    def masters(self):
        return sorted({m for _, _, m, _ in self.slots()})

    def node(self, address):
        for s in self.nodes:
            if s.address == address:
                return s
        raise KeyError(address)

    def wait_ok(self, timeout=30, expect_masters=3):
        """Every live node says cluster_state:ok, all 16384 slots are served
        by `expect_masters` live masters, each with a connected replica."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                states = [info_cluster(s) for s in self.alive_nodes()]
                slots = self.slots()
                covered = sum(e - b + 1 for b, e, _, _ in slots)
                masters = {m for _, _, m, _ in slots}
                live = {s.address for s in self.alive_nodes()}
                last = (states, covered, masters)
                if (all(st.get("cluster_state") == "ok" for st in states) and covered == 16384
                        and len(masters) == expect_masters and masters <= live
                        and all(self.replica_linked(m) for m in masters)):
                    return
            except (OSError, ConnectionError, RespError):
                pass
            time.sleep(0.1)
        raise AssertionError(f"cluster not ok within {timeout}s: {last}")

    def replica_linked(self, master_address):
        inf = info(*split(master_address), "replication")
        return int(inf.get("connected_slaves", "0")) >= 1 and "state=online" in inf.get("slave0", "")

    def master_of_slot(self, slot):
        for b, e, m, reps in self.slots():
            if b <= slot <= e:
                return m, reps
        raise KeyError(slot)

    def wait_failover(self, old_master, timeout=30):
        """After old_master died: waits until its slots are served by another
        live node and every live node says cluster_state:ok. Returns the new
        master's address."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                slots = self.slots()
                live = {s.address for s in self.alive_nodes()}
                ms = {m for _, _, m, _ in slots}
                states = [info_cluster(s).get("cluster_state") for s in self.alive_nodes()]
                if (slots and old_master not in ms and ms <= live
                        and sum(e - b + 1 for b, e, _, _ in slots) == 16384
                        and all(st == "ok" for st in states)):
                    return ms
            except (OSError, ConnectionError, RespError):
                pass
            time.sleep(0.1)
        raise AssertionError(f"no failover of {old_master} within {timeout}s: {self.slots()}")

    def stop(self):
        for s in self.nodes:
            s.kill()


def split(address):
    h, _, p = address.rpartition(":")
    return h, int(p)


def info_cluster(server):
    """CLUSTER INFO as a dict."""
    out = {}
    for line in text(server.call("CLUSTER", "INFO")).splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def key_slot(key):
    """Redis Cluster's slot of a key (CRC16 XMODEM of the hash tag or key)."""
    if isinstance(key, str):
        key = key.encode()
    s = key.find(b"{")
    if s >= 0:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            key = key[s + 1:e]
    crc = 0
    for b in key:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc % 16384


# ---------------------------------------------------------------- netns partition


def _ip(*args, check=True):
    r = subprocess.run(["ip"] + list(args), capture_output=True, timeout=10)
    if check and r.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {r.stderr.decode().strip()}")
    return r


def netns_available():
    """(ok, reason): root and `ip netns` usable."""
    if os.geteuid() != 0:
        return False, "not root: network namespaces need CAP_NET_ADMIN"
    if shutil.which("ip") is None:
        return False, "iproute2 (ip) missing"
    name = f"srt-probe-{os.getpid()}"
    try:
        _ip("netns", "add", name)
        _ip("netns", "del", name)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"ip netns unusable: {e}"
    return True, ""


class NetnsRedis:
    """A redis-server inside its own network namespace, reached from the host
    over `links` veth pairs: link i is host 10.213.<b+i>.1/30 <-> ns
    10.213.<b+i>.2/30, so two strata nodes can use two different links and
    one of them can be partitioned alone. partition(i) takes the namespace
    side of link i down: the host side keeps its address and route, packets
    are dropped silently (connects time out, like a real partition);
    heal(i) brings it back."""

    def __init__(self, dir, links=2):
        tag = f"{os.getpid() % 10000}{random.randint(0, 99):02d}"
        self.ns = f"srt{tag}"
        base = random.randint(1, 200)
        self.links = []
        self.redis = None
        try:
            _ip("netns", "add", self.ns)
            _ip("netns", "exec", self.ns, "ip", "link", "set", "lo", "up")
            for i in range(links):
                host_if, ns_if = f"srt{tag}h{i}", f"srt{tag}n{i}"
                net = f"10.213.{base + i}"
                _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
                self.links.append((host_if, ns_if, f"{net}.1", f"{net}.2"))
                _ip("link", "set", ns_if, "netns", self.ns)
                _ip("addr", "add", f"{net}.1/30", "dev", host_if)
                _ip("link", "set", host_if, "up")
                _ip("netns", "exec", self.ns, "ip", "addr", "add", f"{net}.2/30", "dev", ns_if)
                _ip("netns", "exec", self.ns, "ip", "link", "set", ns_if, "up")
            self.redis = RedisServer(dir, port=6379, host="0.0.0.0", netns=self.ns)
            for i in range(links):
                self.wait_reachable(i)
        except BaseException:
            self.cleanup()
            raise

    def address(self, link):
        return f"{self.links[link][3]}:6379"

    def wait_reachable(self, link, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                c = Resp(self.links[link][3], 6379, timeout=1)
                try:
                    if c.call("PING") == "PONG":
                        return
                finally:
                    c.close()
            except (OSError, ConnectionError):
                time.sleep(0.05)
        raise AssertionError(f"redis not reachable over link {link}")

    def call(self, *args, link=0):
        c = Resp(self.links[link][3], 6379)
        try:
            return c.call(*args)
        finally:
            c.close()

    def partition(self, link):
        _ip("netns", "exec", self.ns, "ip", "link", "set", self.links[link][1], "down")

    def heal(self, link):
        _ip("netns", "exec", self.ns, "ip", "link", "set", self.links[link][1], "up")
        self.wait_reachable(link)

    def cleanup(self):
        if self.redis is not None:
            self.redis.kill()
        for host_if, _, _, _ in self.links:
            _ip("link", "del", host_if, check=False)
        _ip("netns", "del", self.ns, check=False)


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def redis_standalone(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("redis-server not installed")
    r = RedisServer(tmp_path / "redis")
    yield r
    r.kill()


@pytest.fixture
def redis_shards(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("redis-server not installed")
    shards = []
    try:
        for i in range(3):
            shards.append(RedisServer(tmp_path / f"shard{i}"))
        yield shards
    finally:
        for s in shards:
            s.kill()


@pytest.fixture
def redis_cluster(tmp_path):
    if REDIS_SERVER is None or REDIS_CLI is None:
        pytest.skip("redis-server / redis-cli not installed")
    c = None
    try:
        c = RedisCluster(tmp_path / "cluster")
        yield c
    finally:
        if c is not None:
            for s in c.nodes:
                s.kill()


@pytest.fixture
def netns_redis(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("redis-server not installed")
    ok, why = netns_available()
    if not ok:
        pytest.skip(why)
    n = NetnsRedis(tmp_path / "nsredis")
    try:
        yield n
    finally:
        n.cleanup()
