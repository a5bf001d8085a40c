"""HTTP/3 under packet loss: `strata load --h3` against strata's own h3
listener through a lossy, delaying UDP relay on loopback (lossy_udp.py:
seeded drops in each direction, fixed one-way delay; no root needed).

What `strata lab hol` found (docs/labs.md, hol): h3 far behind h2 under
loss. The server's loss recovery was sound (every drop detected, none
spuriously; gtlsclient saw the same speed as our client); the gap was the
congestion controllers: the kernel's TCP here runs BBR, our QUIC listener
CUBIC, whose window settles at a few packets under random loss (1 MiB
through 2% loss at 60 ms RTT: 0.18-0.27x its no-loss speed). These tests
keep the loss path honest: with a BBR controller (BBRv2 is the default)
a bulk download keeps most of its speed, and with CUBIC requests still
complete in bounded time. Every run is bounded (load --timeout,
subprocess timeout, relay lifetime)."""
import json
import subprocess
import time

import pytest

from conftest import BIN, run
from h3util import free_port, udp_bound
from lossy_udp import LossyRelay

SITE = """
listeners:
  - name: edge
    address: "127.0.0.1:{port}"
    tls:
      certificates: [{{cert: "{crt}", key: "{key}"}}]
    protocols: [h1, h2, h3]
    routes: main
{quic}
{limits}
route_tables:
  main:
    - files: {{root: "{root}"}}
"""

ONE_WAY_MS = 30  # RTT 60 ms: long enough that the window, not the CPU, sets the pace


def serve_files(spawn, write_config, workdir, cert, quic="", limits=""):
    crt, key = cert
    root = workdir / "www"
    root.mkdir(exist_ok=True)
    (root / "bulk").write_bytes(bytes((i * 7919) & 0xFF for i in range(1 << 20)))
    (root / "obj").write_bytes(b"x" * 16384)
    (root / "big").write_bytes(bytes((i * 31) & 0xFF for i in range(4 << 20)))
    port = free_port()
    srv = spawn("serve", "-c", write_config(SITE.format(port=port, crt=crt, key=key, root=root,
                                                        quic=quic, limits=limits)))
    deadline = time.time() + 10
    while not udp_bound(port):
        assert time.time() < deadline, "no UDP listener for h3"
        time.sleep(0.02)
    serve_files.last = srv
    return port


def fetch(port, path, n, loss, seed=3):
    """Runs one `strata load --h3 -c 1 -n n -m n` through a relay with
    `loss`; returns (report, seconds after the handshake)."""
    relay = LossyRelay(port, loss=loss, one_way_ms=ONE_WAY_MS, seed=seed, max_seconds=90)
    try:
        r = run([BIN, "load", "--json", "--h3", "-c", "1", "-n", str(n), "-m", str(n),
                 "--timeout", "40", "--connect-timeout", "10",
                 f"https://127.0.0.1:{relay.port}/{path}"], timeout=80, check=False)
    finally:
        relay.close()
    rep = json.loads(r.stdout)
    assert rep["requests"]["succeeded"] == n, (rep, relay.dropped, r.stderr[-2000:])
    if loss:
        assert sum(relay.dropped.values()) > 0, "the relay dropped nothing: no loss tested"
    secs = rep["elapsed_s"] - rep["handshake_ms"]["max"] / 1000
    return rep, secs


@pytest.mark.h3
@pytest.mark.parametrize("cc", ["bbr", "bbr2"])
def test_h3_bulk_keeps_most_of_its_speed_under_2pct_loss(spawn, write_config, workdir, cert, cc):
    port = serve_files(spawn, write_config, workdir, cert, quic=f"    quic: {{congestion: {cc}}}")
    _, clean = fetch(port, "bulk", 1, 0.0)
    rep, lossy = fetch(port, "bulk", 1, 0.02)
    assert rep["bytes"]["body"] == 1 << 20
    ratio = clean / lossy
    # Measured: BBR/BBRv2 0.57-0.62 (ASan); CUBIC 0.18-0.27 (so this can fail: a
    # loss-recovery stall, lost retransmissions or a timer not re-armed
    # would show as CUBIC-like figures or worse).
    assert ratio >= 0.35, f"1 MiB: {clean:.2f} s without loss, {lossy:.2f} s with 2% (x{ratio:.2f})"


@pytest.mark.h3
@pytest.mark.parametrize("cc", ["default", "cubic"])
def test_h3_page_of_50_objects_completes_under_5pct_loss(spawn, write_config, workdir, cert, cc):
    quic = "" if cc == "default" else f"    quic: {{congestion: {cc}}}"
    port = serve_files(spawn, write_config, workdir, cert, quic=quic)
    rep, secs = fetch(port, "obj", 50, 0.05, seed=11)
    assert rep["bytes"]["body"] == 50 * 16384
    # CUBIC measured 3-7 s here (release build); a stall would hit the bound.
    assert secs < 25, f"50 x 16 KiB through 5% loss took {secs:.1f} s ({cc})"


@pytest.mark.h3
def test_h3_bulk_over_a_long_path_is_not_held_to_one_stream_buffer_per_rtt(
        spawn, write_config, workdir, cert):
    """A response stream's backlog (limits.stream_buffer) counts the body not
    yet put into packets; bytes in flight wait for their ACK on top of it,
    as TCP's wait in the kernel's send buffer. Counting them against the
    buffer held a stream to stream_buffer per round trip: 64 KiB per 60 ms
    here, about 1.1 MB/s (measured with that code: 4 MiB in 2.2 s, 1.9 MB/s,
    1.74x that cap; now 0.7 s, 5.6 MB/s). The bar is 2.2x the cap: on
    2026-12-06 this machine had runs of every build (release and ASan,
    before and after session 20) at 2.69-2.75 MB/s (2.46-2.52x), which a
    2.5x bar failed about half the time under ASan."""
    port = serve_files(spawn, write_config, workdir, cert, limits="limits: {stream_buffer: 65536}")
    rep, secs = fetch(port, "big", 1, 0.0)
    assert rep["bytes"]["body"] == 4 << 20
    cap = 65536 / (2 * ONE_WAY_MS / 1000)  # bytes/s if in-flight bytes counted
    rate = (4 << 20) / secs
    assert rate > 2.2 * cap, f"4 MiB at 60 ms RTT: {secs:.2f} s, {rate / 1e6:.2f} MB/s (cap {cap / 1e6:.2f})"


@pytest.mark.h3
def test_drain_does_not_wait_for_a_client_that_vanished_mid_download(
        spawn, write_config, workdir, cert):
    """A client that disappears without CONNECTION_CLOSE (a phone leaving
    Wi-Fi; here the relay is shut mid-download) stops acknowledging. On
    SIGTERM its connection still had a response in flight, so the drain
    waited for the QUIC idle timeout (30 s: measured 30.1 s before
    quic.drain_probe_timeouts). Now three probe timeouts without an ACK
    close it."""
    port = serve_files(spawn, write_config, workdir, cert)
    srv = serve_files.last
    (workdir / "www" / "huge").write_bytes(b"h" * (64 << 20))
    relay = LossyRelay(port, loss=0.0, one_way_ms=ONE_WAY_MS, seed=5, max_seconds=60)
    load = subprocess.Popen([BIN, "load", "--h3", "-c", "1", "-n", "1", "-m", "1", "--timeout", "30",
                             f"https://127.0.0.1:{relay.port}/huge"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while relay.forwarded["down"] < 200:  # the response is flowing
            assert time.time() < deadline and load.poll() is None, relay.forwarded
            time.sleep(0.02)
        relay.close()  # the client's path is gone: no more ACKs, no CONNECTION_CLOSE
        t0 = time.time()
        assert srv.stop(timeout=40) == 0
        took = time.time() - t0
    finally:
        load.kill()
        load.wait(5)
    assert took < 12, f"drain took {took:.1f} s"
