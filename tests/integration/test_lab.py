"""strata lab handshake, reduced (2 repetitions): two network namespaces
joined by strata's own TUN delay relay (no netem needed), strata serving in
one, `strata probe` connecting from the other. Asserts the directions:
h3 0-RTT < h3 1-RTT < h2 + TLS 1.3 <= h1 + TLS 1.2 in time to first byte,
and the TCP connect takes about one RTT. Needs root and /dev/net/tun."""
import json
import os
import shutil

import pytest

from conftest import BIN, run

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/dev/net/tun") or not shutil.which("ip"),
                                reason="strata lab needs root, /dev/net/tun and iproute2")

RTT = 80


def test_lab_handshake_directions(tmp_path):
    svg = tmp_path / "handshake.svg"
    r = run([BIN, "lab", "handshake", "--rtt", str(RTT), "--repeat", "2", "--json", "--svg", str(svg)], timeout=120)
    rep = json.loads(r.stdout)
    med = {v["name"]: v["median_ms"] for v in rep["variants"]}
    assert all(m is not None for m in med.values()), rep
    assert med["h3 0-RTT"] < med["h3 1-RTT"] < med["h2 + TLS 1.3"] <= med["h1 + TLS 1.2"] + RTT / 2, med
    assert med["h1 + TLS 1.3"] < med["h1 + TLS 1.2"], med
    # The relay delays the TCP handshake too: connect is one round trip.
    connect = [c for v in rep["variants"] for c in v["connect_ms"]]
    assert connect and all(RTT * 0.9 <= c <= RTT * 2 for c in connect), connect
    # Round trips (with-RTT minus no-delay runs): the same order.
    rts = {v["name"]: v["round_trips"] for v in rep["variants"]}
    assert rts["h3 0-RTT"] < rts["h3 1-RTT"] < rts["h2 + TLS 1.3"], rts
    assert rts["h3 0-RTT"] < 1.7 and rts["h1 + TLS 1.2"] > 2.7, rts
    assert svg.read_text().startswith("<svg")
    print(json.dumps(rts))


def test_lab_unknown_experiment_is_an_error():
    r = run([BIN, "lab", "nope"], check=False)
    assert r.returncode == 2
    assert b"handshake" in r.stderr


def test_lab_breaker_directions(tmp_path):
    # Reduced: 2 windows per phase. The origin fails with slow 500s, then heals.
    svg = tmp_path / "breaker.svg"
    r = run([BIN, "lab", "breaker", "--rtt", "2", "--repeat", "1", "--json", "--svg", str(svg)], timeout=150)
    rep = json.loads(r.stdout)
    phases = [w["phase"] for w in rep["windows"]]
    assert phases == ["healthy"] * 2 + ["failing"] * 2 + ["healed"] * 2, phases
    healthy = rep["windows"][0]
    assert healthy["with"]["errors"] == 0 and healthy["without"]["errors"] == 0, healthy
    failing = rep["windows"][3]
    # Both fail; with the breaker open the failures are fast.
    assert failing["without"]["errors"] == failing["without"]["requests"] > 0, failing
    assert failing["with"]["p50_ms"] < failing["without"]["p50_ms"] / 4, failing
    assert failing["with"]["requests"] > failing["without"]["requests"], failing
    # Healed: through half-open back to closed, no errors at the end.
    assert rep["transitions"]["half_open"] >= 1 and rep["transitions"]["closed"] >= 1, rep["transitions"]
    last = rep["windows"][-1]
    assert last["state"] == "closed" and last["with"]["errors"] == 0, last
    assert rep["confirmed"], rep["verdict"]
    assert svg.read_text().startswith("<svg")
