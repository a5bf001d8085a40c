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


def test_lab_hol_directions(tmp_path):
    # Reduced: two losses, two RTTs, one repetition. The verdict on the
    # source's numbers is recorded in docs/labs.md; here only the direction
    # every transport must show: loss costs bulk throughput.
    svg = tmp_path / "hol.svg"
    r = run([BIN, "lab", "hol", "--rtt", "20", "--rtt2", "60", "--losses", "0,3", "--repeat", "1", "--json",
             "--svg", str(svg)], timeout=240)
    rep = json.loads(r.stdout)
    cells = {(c["rtt_ms"], c["loss_pct"], c["proto"]): c for c in rep["cells"]}
    assert len(cells) == 8, cells.keys()
    for c in cells.values():
        assert c["failures"] == 0 and c["page_median_ms"] > 0 and c["bulk_median_mbps"] > 0, c
    for rtt in (20, 60):
        for proto in ("h2", "h3"):
            assert cells[(rtt, 3, proto)]["bulk_median_mbps"] < cells[(rtt, 0, proto)]["bulk_median_mbps"], (rtt, proto)
    # A longer RTT costs the loss-free page time on both.
    for proto in ("h2", "h3"):
        assert cells[(60, 0, proto)]["page_median_ms"] > cells[(20, 0, proto)]["page_median_ms"], proto
    assert "claim" in rep["verdict"] and rep["confidence"]
    assert svg.read_text().startswith("<svg")


def test_lab_migration_directions(tmp_path):
    # h3 continues the download on one connection across the address change
    # (strata validated the new path); h2's TCP connection breaks and the
    # download is resumed on a second one. Both files intact.
    svg = tmp_path / "migration.svg"
    r = run([BIN, "lab", "migration", "--rtt", "40", "--repeat", "1", "--json", "--svg", str(svg)], timeout=240)
    rep = json.loads(r.stdout)
    runs = {v["proto"]: v["runs"][0] for v in rep["variants"]}
    assert runs["h3"]["intact"] and runs["h3"]["connections"] == 1 and runs["h3"]["migrations"] >= 1, runs
    assert runs["h2"]["intact"] and runs["h2"]["connections"] == 2, runs
    assert runs["h2"]["baseline_ms"] > 0 and runs["h3"]["baseline_ms"] > 0, runs
    assert rep["confirmed"], rep["verdict"]
    assert svg.read_text().startswith("<svg")


def test_lab_hol_bad_losses_is_an_error():
    r = run([BIN, "lab", "hol", "--losses", "0,x"], check=False)
    assert r.returncode != 0
    assert b"--losses" in r.stderr
