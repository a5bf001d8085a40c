#!/usr/bin/python3
"""Where the one-channel fan-out latency comes from: one strata server (1
worker, CPU 1), N WebSocket subscribers of one channel (`strata load --hub
ws`, CPU 0, P processes), a publisher at RATE pubs/s in requests of BATCH
publications (CPU 0). Prints, for the publishing window (publisher start to
the last delivery): per-process CPU utilisation (utime+stime / wall) of the
server, of every subscriber process and of the publisher, CPU µs per
delivery, the subscribers' publish-to-delivery p50/p99, and the server's own
view from its admin /metrics: strata_hub_fanout_seconds (one publication
handed to all its local subscribers) and strata_hub_delivery_latency_seconds.
Also the load average (the machine may be shared: CPU time per delivery is
more robust than latency under contention).

usage: bench/hub/fanout_probe.py [--strata build/strata] [--subs 10000]
         [--rate 100] [--batch 10] [--duration 5] [--processes 1]
         [--client-strata BIN] [--no-pin]
`--client-strata`: the binary used for the load tool (default: --strata), so
two servers can be compared with the same client. Raise `ulimit -n` first
(the script tries)."""
import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TCK = os.sysconf("SC_CLK_TCK")
KEY = "bench-probe-key-01"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / TCK
    except OSError:
        return None


def cpu_stat():
    """{cpuN: (busy ticks, softirq ticks, total ticks)} from /proc/stat."""
    out = {}
    for line in open("/proc/stat"):
        f = line.split()
        if f[0].startswith("cpu") and f[0] != "cpu":
            v = [int(x) for x in f[1:]]
            idle = v[3] + v[4]
            out[f[0]] = (sum(v[:8]) - idle, v[6], sum(v[:8]))
    return out


def ksoftirqd():
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                name = (d / "comm").read_text().strip()
            except OSError:
                continue
            if name.startswith("ksoftirqd/"):
                out[name] = int(d.name)
    return out


def tree(pid):
    out = [pid]
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for k in kids:
        out += tree(int(k))
    return out


def metrics(admin):
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=5).read().decode()
    except Exception:
        return ""


def hist_buckets(text, name):
    """({le: cumulative count}, count, sum) of a Prometheus histogram."""
    buckets, count, total = {}, 0.0, 0.0
    for line in text.splitlines():
        if line.startswith(name + "_bucket"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
        elif line.startswith(name + "_count"):
            count = float(line.rsplit(" ", 1)[1])
        elif line.startswith(name + "_sum"):
            total = float(line.rsplit(" ", 1)[1])
    return buckets, count, total


def hist_window(before, after, name):
    """count, mean and bucket-bound p50/p99 (ms) of what was observed between two scrapes."""
    b0, c0, s0 = hist_buckets(before, name)
    b1, c1, s1 = hist_buckets(after, name)
    n = c1 - c0
    if n <= 0:
        return None

    def q(p):
        for le in sorted(b1):
            if b1[le] - b0.get(le, 0) >= p * n:
                return le * 1e3
        return None
    return {"count": n, "mean_ms": (s1 - s0) / n * 1e3, "p50_le_ms": q(0.5), "p99_le_ms": q(0.99),
            "max_le_ms": q(1.0)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=str(ROOT / "build" / "strata"))
    ap.add_argument("--client-strata", default=None)
    ap.add_argument("--subs", type=int, default=10000)
    ap.add_argument("--rate", type=int, default=100, help="publications/s")
    ap.add_argument("--batch", type=int, default=10, help="publications per request")
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--processes", type=int, default=1, help="subscriber processes")
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--syscalls", action="store_true",
                    help="count the server's and the subscribers' syscalls in the window (perf stat tracepoints)")
    ap.add_argument("--perf", metavar="DIR", help="perf record -g the server and the subscribers into DIR")
    a = ap.parse_args()
    client = a.client_strata or a.strata
    pin = (lambda c: ["taskset", "-c", str(c)]) if not a.no_pin else (lambda c: [])
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    except Exception:
        pass
    d = Path(tempfile.mkdtemp(prefix="strata-probe-"))
    port, admin = free_port(), free_port()
    (d / "c.yaml").write_text(f"""
workers: 1
admin: {{address: "127.0.0.1:{admin}"}}
listeners:
  - {{name: h1, address: "127.0.0.1:{port}", routes: main}}
hub:
  api_keys: ["{KEY}"]
  namespaces:
    - {{name: "", anonymous: true}}
route_tables:
  main:
    - {{match: {{prefix: "/hub/api"}}, hub_api: {{}}}}
    - {{match: {{prefix: "/hub"}}, hub: {{}}}}
""")
    srv = subprocess.Popen(pin(1) + [a.strata, "--log-level", "warn", "serve", "-c", str(d / "c.yaml")],
                           stdout=open(d / "srv.log", "w"), stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    sub = subprocess.Popen(pin(0) + [client, "load", "--hub", "ws", "-c", str(a.subs), "--channel", "fan",
                                     "--processes", str(a.processes),
                                     "--ready-file", str(d / "ready"), "--json", "--idle-exit", "2",
                                     "-D", str(a.duration + 60), "--connect-concurrency", "256",
                                     f"ws://127.0.0.1:{port}/hub?channels={{channel}}"],
                           stdout=open(d / "sub.json", "w"), stderr=open(d / "sub.err", "w"))
    try:
        for _ in range(1200):
            if (d / "ready").exists() or sub.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        sub_pids = tree(sub.pid)
        srv_pid = srv.pid
        per = max(1, a.batch)
        body = '{"channel":"{channel}","data":{payload}}'
        url = f"http://127.0.0.1:{port}/hub/api/publish"
        if per > 1:
            body = '{"commands":[' + ",".join(['{"publish":{"channel":"{channel}","data":{payload}}}'] * per) + "]}"
            url = f"http://127.0.0.1:{port}/hub/api/batch"
        m0 = metrics(admin)
        perfs = []
        if a.syscalls:
            ev = ",".join(f"syscalls:sys_enter_{x}" for x in
                          ("writev", "write", "sendto", "sendmsg", "recvfrom", "read", "epoll_ctl", "epoll_wait"))
            for who, pid in [("server", srv_pid)] + [("subscriber", p) for p in sub_pids]:
                out = d / f"perf-{pid}.txt"
                perfs.append((who, pid, out, subprocess.Popen(["perf", "stat", "-x", ",", "-e", ev, "-p", str(pid),
                                                               "-o", str(out)], stderr=subprocess.DEVNULL)))
        if a.perf:
            Path(a.perf).mkdir(parents=True, exist_ok=True)
            for who, pid in [("server", srv_pid), ("sub", sub_pids[-1])]:
                perfs.append((None, pid, None, subprocess.Popen(
                    ["perf", "record", "-g", "-p", str(pid), "-o", f"{a.perf}/{who}.perf"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        kso = ksoftirqd()
        k0 = {n: cpu(p) for n, p in kso.items()}
        st0 = cpu_stat()
        c0 = {p: cpu(p) for p in [srv_pid] + sub_pids}
        t0 = time.time()
        load0 = os.getloadavg()
        pub = subprocess.Popen(pin(0) + [client, "load", "--hub", "pub", "-c", "4", "-m", "8", "-D", str(a.duration),
                                         "--channel", "fan", "--payload-size", "100",
                                         "--rate", str(max(1, a.rate // per)), "--body", body,
                                         "--api-key", KEY, "--json", url],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Publisher CPU: sample it just before it exits (poll its stat).
        pub_cpu = 0.0
        while pub.poll() is None:
            v = cpu(pub.pid)
            if v is not None:
                pub_cpu = v
            time.sleep(0.05)
        pub_out = pub.stdout.read()
        # Drain: wait until the deliveries stop (server CPU flat), at most 30 s.
        last, t_end = None, time.time()
        for _ in range(300):
            v = cpu(srv_pid)
            if last is not None and v == last:
                break
            last, t_end = v, time.time()
            time.sleep(0.1)
        c1 = {p: cpu(p) for p in [srv_pid] + sub_pids}
        st1 = cpu_stat()
        k1 = {n: cpu(p) for n, p in kso.items()}
        for _, _, _, pp in perfs:
            pp.send_signal(signal.SIGINT)
            pp.wait(10)
        wall = t_end - t0
        m1 = metrics(admin)
        load1 = os.getloadavg()
        sub.wait(120)
        rep = json.loads((d / "sub.json").read_text())
    finally:
        if sub.poll() is None:
            sub.kill()
        srv.send_signal(signal.SIGTERM)
        try:
            srv.wait(20)
        except subprocess.TimeoutExpired:
            srv.kill()
    n = rep["deliveries"]["total"]
    srv_s = c1[srv_pid] - c0[srv_pid]
    subs_s = {p: (c1[p] or 0) - (c0[p] or 0) for p in sub_pids}
    print(f"load average before {load0[0]:.2f} after {load1[0]:.2f}; subscribers {a.subs} in {a.processes} "
          f"process(es); {a.rate} pubs/s in requests of {per} for {a.duration} s")
    print(f"deliveries {n} ({rep['deliveries']['per_second']:.0f}/s); client p50 {rep['delivery_ms']['p50']} "
          f"p99 {rep['delivery_ms']['p99']} max {rep['delivery_ms']['max']} ms; closed {rep['subscribers']['closed']}")
    print(f"window {wall:.2f} s: server cpu {srv_s:.2f} s ({srv_s / wall * 100:.0f}%), "
          f"{srv_s / max(1, n) * 1e6:.3f} us/delivery")
    tot = 0.0
    for p, s in subs_s.items():
        tot += s
        print(f"  subscriber pid {p}: cpu {s:.2f} s ({s / wall * 100:.0f}%)")
    print(f"  subscribers total {tot:.2f} s ({tot / wall * 100:.0f}% of one core), {tot / max(1, n) * 1e6:.3f} us/delivery")
    print(f"  publisher cpu {pub_cpu:.2f} s ({pub_cpu / wall * 100:.0f}%)")
    for c in sorted(st1):
        busy = st1[c][0] - st0[c][0]
        soft = st1[c][1] - st0[c][1]
        tot = max(1, st1[c][2] - st0[c][2])
        print(f"  {c}: busy {busy / tot * 100:.0f}% (every process, other users of the machine included), "
              f"softirq {soft / tot * 100:.1f}%")
    for n in sorted(k0):
        if k0[n] is not None and k1.get(n) is not None:
            print(f"  {n}: cpu {k1[n] - k0[n]:.2f} s")
    for name in ("strata_hub_fanout_seconds", "strata_hub_delivery_latency_seconds"):
        h = hist_window(m0, m1, name)
        if h:
            print(f"  server {name} in the window: count {h['count']:.0f} mean {h['mean_ms']:.2f} ms "
                  f"p50 <= {h['p50_le_ms']} ms p99 <= {h['p99_le_ms']} ms max <= {h['max_le_ms']} ms")
    for who, pid, out, _ in perfs:
        if who is None:
            continue
        counts = {}
        for line in Path(out).read_text().splitlines():
            f = line.split(",")
            if len(f) > 2 and f[2].startswith("syscalls:sys_enter_") and f[0].isdigit():
                counts[f[2][len("syscalls:sys_enter_"):]] = int(f[0])
        total = sum(v for k, v in counts.items() if k != "epoll_wait") + counts.get("epoll_wait", 0)
        print(f"  {who} {pid} syscalls per delivery {total / max(1, n):.3f}: " +
              ", ".join(f"{k} {v / max(1, n):.3f}" for k, v in counts.items() if v))
    try:
        pj = json.loads(pub_out)
        print(f"  publisher: {pj.get('publish', {})}")
    except Exception:
        pass


if __name__ == "__main__":
    main()
