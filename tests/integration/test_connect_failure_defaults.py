"""Safe defaults (issue 10): `strata proxy --to a --to b --to c` with no
resilience settings at all. One origin is killed (SIGKILL) while `strata
load` runs; a request that cannot connect goes to another origin whatever
its method, and the dead origin is skipped after consecutive connect
failures, so fewer than 0.1% of the requests fail. (Requests that the
dying origin had already received when it was killed can fail; with 4
connections that is a few at most, so the run is long enough for 0.1% to
mean something even on the sanitizer build.)"""
import json
import signal
import subprocess
import time

from conftest import BIN, Strata, curl


def metric(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_one_origin_killed_under_load_costs_under_a_tenth_of_a_percent(spawn, workdir):
    # The victim is not spawned through the fixture: it dies by SIGKILL.
    victim = Strata(["origin", "--listen", "127.0.0.1:0", "--workers", "1", "--id", "o0"], workdir)
    try:
        others = [spawn("origin", "--listen", "127.0.0.1:0", "--workers", "1", "--id", f"o{i}")
                  for i in (1, 2)]
        ports = [victim.port] + [o.port for o in others]
        args = ["proxy", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"]
        for p in ports:
            args += ["--to", f"127.0.0.1:{p}"]
        gw = spawn(*args)
        load = subprocess.Popen([BIN, "load", "--json", "--h1", "-D", "8", "-c", "4",
                                 f"http://127.0.0.1:{gw.port}/bytes/64"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(10)
        killed = time.time()
        out, err = load.communicate(timeout=60)
        after_kill = time.time() - killed
    finally:
        if victim.proc.poll() is None:
            victim.proc.kill()
            victim.proc.wait(10)
    rep = json.loads(out)
    req = rep["requests"]
    bad_status = sum(n for code, n in rep["status"].items() if not code.startswith("2"))
    failed = req["failed"] + bad_status
    total = req["total"]
    metrics = curl(f"http://127.0.0.1:{gw.ports['admin']}/metrics")[1].decode()
    resends = metric(metrics, "strata_upstream_connect_failure_retries_total")
    skips = metric(metrics, "strata_upstream_connect_failure_skips_total")
    _, body = curl(f"http://127.0.0.1:{gw.ports['admin']}/clusters")
    dead = [e for e in json.loads(body)["upstream"]["endpoints"]
            if e["address"].endswith(f":{ports[0]}")][0]
    print(f"\n{total} requests in {rep['elapsed_s']:.1f} s ({after_kill:.1f} s after the kill): "
          f"{failed} failed ({100.0 * failed / max(total, 1):.3f}%), statuses {rep['status']}, "
          f"errors {rep.get('errors')}; {resends:.0f} connect-failure resends, {skips:.0f} skips; "
          f"dead endpoint ejected on {dead['ejected_on_workers']} workers")
    print("\n".join(l for l in metrics.splitlines()
                    if l.startswith(("strata_upstream_requests_total", "strata_upstream_stale"))))
    assert total >= 2000, rep
    assert failed < total * 0.001, rep
    assert resends >= 1 and skips >= 1, (resends, skips)
    assert dead["ejected"], dead
