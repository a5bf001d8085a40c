"""strata plan: the source's example and --from-metrics against a live strata."""
import json
import subprocess

from conftest import BIN, origin, proxy, run


def test_plan_source_example_text():
    r = run([BIN, "plan"], timeout=30)
    out = r.stdout.decode()
    assert "Required bandwidth: 8569.34 Mbps" in out, out
    assert "652.34" in out and "bits per second" in out
    assert "corrected model (h3" in out


def test_plan_from_metrics_of_a_live_strata(spawn):
    o = origin(spawn)
    p = proxy(spawn, [o], "--admin", "127.0.0.1:0")
    admin = p.ports["admin"]
    # Load through the proxy while plan samples its /metrics twice.
    load = subprocess.Popen([BIN, "load", "-D", "6", "-c", "4", "--h1", f"http://127.0.0.1:{p.port}/bytes/1000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        r = run([BIN, "plan", "--json", "--protocol", "h1", "--from-metrics", f"http://127.0.0.1:{admin}",
                 "--sample-seconds", "2"], timeout=30)
    finally:
        out, err = load.communicate(timeout=60)
    assert load.returncode == 0, err
    rep = json.loads(r.stdout)
    assert rep["source"]["total_rps"] == 50000
    note = rep["measured"]
    assert note.startswith(f"measured from http://127.0.0.1:{admin}"), note
    assert "over the sampling interval" in note, note
    c = rep["corrected"]
    # A proxied h1 request costs some microseconds of CPU, not the built-in 22.0 exactly.
    assert 1 < c["cpu_us_per_request"] < 50_000, c
    assert c["cpu_us_per_request"] != 22.0
    assert c["cores_recommended"] == c["cpu_cores"] * 1.5
    if "memory per connection =" in note:
        assert c["memory_per_connection"] > 0
    assert c["protocol"] == "h1" and c["connections"] == 600_000


def test_plan_from_metrics_unreachable_is_an_error():
    r = run([BIN, "plan", "--from-metrics", "http://127.0.0.1:1"], check=False, timeout=30)
    assert r.returncode == 1
    assert b"strata plan:" in r.stderr
