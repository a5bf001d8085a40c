#!/usr/bin/python3
"""Who limits the one-channel fan-out: CPU seconds of the strata server during
the publishing window (and of the clients over their life), at several rates.
usage: bench/hub/fanout_cpu.py build/strata [N=10000] [RATES=20,50,100] [WORKERS=1] [SERVER_CPUS=1]
(raise `ulimit -n` to 20000 first). Server pinned to SERVER_CPUS, clients to CPU 0."""
import json, resource, os, signal, socket, subprocess, sys, tempfile, time
STRATA = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
RATES = [int(x) for x in sys.argv[3].split(",")] if len(sys.argv) > 3 else [20, 50, 100]
WORKERS = int(sys.argv[4]) if len(sys.argv) > 4 else 1
SRV_CPU = sys.argv[5] if len(sys.argv) > 5 else "1"
TCK = os.sysconf("SC_CLK_TCK")

def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TCK

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

for rate in RATES:
    d = tempfile.mkdtemp()
    port = free_port()
    open(f"{d}/c.yaml", "w").write(f"""
workers: {WORKERS}
listeners:
  - {{name: h1, address: "127.0.0.1:{port}", routes: main}}
hub:
  api_keys: ["benchkey-123"]
  namespaces:
    - {{name: "", anonymous: true}}
route_tables:
  main:
    - {{match: {{prefix: "/hub/api"}}, hub_api: {{}}}}
    - {{match: {{prefix: "/hub"}}, hub: {{}}}}
""")
    srv = subprocess.Popen(["taskset", "-c", SRV_CPU, STRATA, "--log-level", "warn", "serve", "-c", f"{d}/c.yaml"])
    time.sleep(1)
    sub = subprocess.Popen(["taskset", "-c", "0", STRATA, "load", "--hub", "ws", "-c", str(N), "--channel", "fan",
                            "--ready-file", f"{d}/ready", "--json", "--idle-exit", "3", "-D", "70",
                            "--connect-concurrency", "256", f"ws://127.0.0.1:{port}/hub?channels={{channel}}"],
                           stdout=open(f"{d}/sub.json", "w"), stderr=subprocess.DEVNULL)
    for _ in range(600):
        if os.path.exists(f"{d}/ready"): break
        time.sleep(0.1)
    time.sleep(0.5)
    s0, t0 = cpu(srv.pid), time.time()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN); c0 = r0.ru_utime + r0.ru_stime
    pub = subprocess.run(["taskset", "-c", "0", STRATA, "load", "--hub", "pub", "-c", "4", "-m", "8", "-D", "5",
                          "--channel", "fan", "--payload-size", "100", "--rate", str(rate),
                          "--body", '{"channel":"{channel}","data":{payload}}', "--api-key", "benchkey-123", "--json",
                          f"http://127.0.0.1:{port}/hub/api/publish"], capture_output=True, text=True)
    sub.wait(120)
    s1, t1 = cpu(srv.pid), time.time()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN); c1 = r1.ru_utime + r1.ru_stime
    srv.send_signal(signal.SIGTERM); srv.wait(60)
    rep = json.load(open(f"{d}/sub.json"))
    wall = rep["deliveries"]["total"] / max(1, rep["deliveries"]["per_second"])
    print(f"rate {rate}/s x {N}: deliveries/s {rep['deliveries']['per_second']:.0f} total {rep['deliveries']['total']} "
          f"p50 {rep['delivery_ms']['p50']} p99 {rep['delivery_ms']['p99']} ms; "
          f"server cpu {s1 - s0:.2f}s over {t1 - t0:.1f}s wall (incl. 3 s idle-exit); "
          f"clients (subs+pub, whole life) cpu {c1 - c0:.2f}s; server us/delivery {(s1 - s0) / max(1, rep['deliveries']['total']) * 1e6:.2f}", flush=True)
