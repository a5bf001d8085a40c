"""Shared by bench/run and bench/alloc/measure: ports, the LD_PRELOAD
allocation counter (bench/alloc/count_alloc.c) and syscall counting with
`perf stat` on the syscall tracepoints. Nothing here starts a proxy."""
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Syscalls named apart in the breakdown; the total is raw_syscalls:sys_enter.
PERF_EVENTS = ["epoll_wait", "epoll_pwait", "io_uring_enter", "recvfrom", "sendmsg", "sendto", "read", "write",
               "readv", "writev", "recvmsg", "epoll_ctl", "timerfd_settime", "accept", "accept4", "close",
               "futex"]
# Reads that return EAGAIN (-11): a speculative read that found nothing.
EAGAIN_EVENTS = ["recvfrom", "read", "readv", "recvmsg"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} never opened")


def build_counter(tmp):
    """Compiles count_alloc.c into tmp; returns the .so path for LD_PRELOAD."""
    so = Path(tmp) / "count_alloc.so"
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(so), str(ROOT / "bench/alloc/count_alloc.c")],
                   check=True)
    return so


def counter_env(so, out):
    """Environment for a process with the counter preloaded, writing to `out`."""
    Path(out).write_text("")
    return dict(os.environ, LD_PRELOAD=str(so), COUNT_ALLOC_OUT=str(out))


def read_alloc_count(pid, out, timeout=5):
    """Asks the preloaded counter of `pid` (SIGUSR2) for its allocation count,
    appended as a line to `out`; returns it."""
    out = Path(out)
    before = len(out.read_text().splitlines())
    os.kill(pid, signal.SIGUSR2)
    end = time.time() + timeout
    while time.time() < end:
        lines = out.read_text().splitlines()
        if len(lines) > before:
            return int(re.match(r"allocs=(\d+)", lines[-1]).group(1))
        time.sleep(0.01)
    raise RuntimeError("no count from the preloaded counter")


class PerfStat:
    """`perf stat` attached to `pids` (every thread of each) while a block
    runs: `with PerfStat(pids, out) as ps: run()`, then ps.result() ->
    (events: names of syscalls counted apart, or "all")
    {"total": n, "calls": {name: n}, "eagain": {name: n}, "accepted": n}.
    `accepted` counts accept/accept4 that returned a descriptor (what an
    origin counts as new connections). No ptrace: the traced processes run
    at their untraced speed."""

    def __init__(self, pids, out, events=PERF_EVENTS, eagain=EAGAIN_EVENTS, accepted=False):
        self.out = Path(out)
        args = ["perf", "stat", "-x", ",", "-o", str(self.out), "-p", ",".join(str(p) for p in pids),
                "-e", "raw_syscalls:sys_enter"]
        if events == "all":  # one counter per syscall: the full breakdown
            args += ["-e", "syscalls:sys_enter_*"]
        else:
            for e in events:
                args += ["-e", f"syscalls:sys_enter_{e}"]
        for e in eagain:
            args += ["-e", f"syscalls:sys_exit_{e}", "--filter", "ret == -11"]
        if accepted:
            for e in ("accept", "accept4"):
                args += ["-e", f"syscalls:sys_exit_{e}", "--filter", "ret >= 0"]
        self.args = args

    def __enter__(self):
        self.p = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # attached to every thread before the load starts
        return self

    def __exit__(self, *exc):
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
        return False

    def result(self):
        res = {"total": 0, "calls": {}, "eagain": {}, "accepted": 0}
        for line in self.out.read_text().splitlines():
            parts = line.split(",")
            if len(parts) < 3 or not parts[0].strip().isdigit():
                continue
            count, ev = int(parts[0]), parts[2]
            if ev == "raw_syscalls:sys_enter":
                res["total"] = count
            elif ev in ("syscalls:sys_exit_accept", "syscalls:sys_exit_accept4"):
                res["accepted"] += count
            elif ev.startswith("syscalls:sys_exit_"):
                res["eagain"][ev[len("syscalls:sys_exit_"):]] = count
            elif ev.startswith("syscalls:sys_enter_") and count:
                res["calls"][ev[len("syscalls:sys_enter_"):]] = count
        res["calls"]["(other)"] = res["total"] - sum(res["calls"].values())
        return res


def perf_usable():
    """True when perf can count syscall tracepoints here."""
    try:
        r = subprocess.run(["perf", "stat", "-x", ",", "-e", "raw_syscalls:sys_enter", "true"],
                           capture_output=True, text=True, timeout=30)
        return r.returncode == 0 and "not supported" not in r.stderr and "<not" not in r.stderr
    except (OSError, subprocess.TimeoutExpired):
        return False
