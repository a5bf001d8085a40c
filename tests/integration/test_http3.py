"""HTTP/3 through strata with a real QUIC client (gtlsclient from Debian's
ngtcp2-client) in front of `strata origin`: byte-exact bodies, many streams,
0-RTT resumption with the 425 rule, migration and NAT rebinding with two
workers, key update, packet loss, congestion controllers, Retry, version
negotiation, drain, and Alt-Svc over TCP. All traffic is on loopback."""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import curl, origin, run
from h3util import (GTLS, UdpRecorder, gtls, h3_config, metric_sum, metrics, sha, statuses,
                    wait_until)

MIB = 1024 * 1024
# The "done when": migration and NAT rebinding succeed every time in
# a loop of this many runs, with two workers.
MIGRATION_RUNS = 50

# Routes: POST /echo opts into 0-RTT (early_data: true); everything else
# (e.g. POST /status/200) gets 425 in early data.
EARLY_ROUTES = """    - match: {prefix: "/echo"}
      early_data: true
      proxy: {cluster: app}
"""


def quiet_args(download=None):
    a = ["-q"]
    if download:
        a.append(f"--download={download}")
    return a


# Non-quiet output with the per-frame dumps off: HTTP headers, "Changing
# local address", "Initiate key update", "Early data was rejected" lines.
VERBOSE = ["--no-quic-dump", "--no-http-dump"]


@pytest.fixture
def h3(spawn, write_config, cert, workdir):
    """h3(**h3_config kwargs) -> (strata, origin): strata serving h1/h2/h3
    on one TLS port, proxying to a fresh `strata origin`."""
    def _start(**kw):
        o = origin(spawn)
        kw.setdefault("extra_routes", EARLY_ROUTES)
        s = spawn("serve", "-c", write_config(h3_config(o.port, cert, **kw)))
        s.origin = o
        return s
    return _start


def origin_bytes(o, n):
    code, body = curl(f"http://127.0.0.1:{o.port}/bytes/{n}")
    assert code == 200 and len(body) == n
    return body


def test_get_and_post_1mib_byte_exact(h3, workdir):
    s = h3()
    dl = workdir / "dl"
    dl.mkdir()
    gtls(s.port, f"/bytes/{MIB}", args=quiet_args(dl))
    got = (dl / str(MIB)).read_bytes()
    assert len(got) == MIB and sha(got) == sha(origin_bytes(s.origin, MIB))

    payload = os.urandom(MIB)
    src = workdir / "payload.bin"
    src.write_bytes(payload)
    gtls(s.port, "/echo", args=quiet_args(dl) + ["-m", "POST", "-d", str(src)])
    echoed = (dl / "echo").read_bytes()
    assert len(echoed) == MIB and sha(echoed) == sha(payload)

    ms = metrics(s.ports["admin"])
    assert metric_sum(ms, "strata_quic_handshakes_total", mode="1rtt") >= 2, ms
    # Both clients closed: no QUIC connection is left open.
    assert wait_until(lambda: metric_sum(metrics(s.ports["admin"]), "strata_quic_connections") == 0,
                      timeout=10), metrics(s.ports["admin"])


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_dual_stack_listener(h3, workdir, host):
    s = h3(address="[::]:0")
    dl = workdir / "dl"
    dl.mkdir()
    gtls(s.port, f"/bytes/{MIB}", host=host, args=quiet_args(dl))
    assert sha((dl / str(MIB)).read_bytes()) == sha(origin_bytes(s.origin, MIB))


def test_100_concurrent_streams_one_connection(h3):
    s = h3()
    before = metric_sum(metrics(s.ports["admin"]), "strata_quic_handshakes_total")
    _, out = gtls(s.port, "/bytes/1000", args=VERBOSE + ["-n", "100"], timeout=60)
    st = statuses(out)
    assert len(st) == 100 and set(st.values()) == {200}, (len(st), out[-2000:])
    after = metric_sum(metrics(s.ports["admin"]), "strata_quic_handshakes_total")
    assert after - before == 1  # one connection carried all 100 streams


def resume_files(workdir, tag):
    return workdir / f"{tag}.session", workdir / f"{tag}.tp"


def resume_args(sess, tp):
    return [f"--session-file={sess}", f"--tp-file={tp}"]


def test_resumption_0rtt_get_accepted_post_425(h3, workdir):
    s = h3()
    admin = s.ports["admin"]
    sess, tp = resume_files(workdir, "r")
    # First connection: full handshake; the client stores ticket + params.
    _, out = gtls(s.port, "/status/200", args=VERBOSE + resume_args(sess, tp))
    assert set(statuses(out).values()) == {200}, out[-2000:]
    assert sess.exists() and sess.stat().st_size > 0, "no session ticket received"
    assert tp.exists() and tp.stat().st_size > 0

    # Second: GET in 0-RTT is accepted, answered 200, and reaches the origin
    # with Early-Data: 1.
    m0 = metrics(admin)
    dl = workdir / "dl"
    dl.mkdir()
    _, out = gtls(s.port, "/headers", args=VERBOSE + resume_args(sess, tp) + [f"--download={dl}"])
    assert "Early data was rejected" not in out, out[-3000:]
    assert set(statuses(out).values()) == {200}, out[-2000:]
    m1 = metrics(admin)
    assert (metric_sum(m1, "strata_quic_handshakes_total", mode="0rtt")
            - metric_sum(m0, "strata_quic_handshakes_total", mode="0rtt")) == 1, m1
    assert (metric_sum(m1, "strata_quic_early_data_total", outcome="accepted")
            - metric_sum(m0, "strata_quic_early_data_total", outcome="accepted")) >= 1, m1
    seen = (dl / "headers").read_text().lower()
    assert '"early-data": "1"' in seen or '"early-data":"1"' in seen, seen

    # Third: POST in 0-RTT on a route without early_data -> 425 Too Early.
    body = workdir / "small.bin"
    body.write_bytes(b"x" * 100)
    m0 = metrics(admin)
    _, out = gtls(s.port, "/status/200",
                  args=VERBOSE + resume_args(sess, tp) + ["-m", "POST", "-d", str(body)])
    assert "Early data was rejected" not in out, out[-3000:]
    assert set(statuses(out).values()) == {425}, out[-2000:]
    m1 = metrics(admin)
    assert (metric_sum(m1, "strata_quic_early_data_total", outcome="too_early")
            - metric_sum(m0, "strata_quic_early_data_total", outcome="too_early")) == 1, m1

    # Fourth: POST in 0-RTT on the route that opts in (early_data: true).
    _, out = gtls(s.port, "/echo",
                  args=VERBOSE + resume_args(sess, tp) + ["-m", "POST", "-d", str(body)])
    assert "Early data was rejected" not in out, out[-3000:]
    assert set(statuses(out).values()) == {200}, out[-2000:]


def early_delta(m0, m1, outcome):
    return (metric_sum(m1, "strata_quic_early_data_total", outcome=outcome)
            - metric_sum(m0, "strata_quic_early_data_total", outcome=outcome))


def test_0rtt_captured_first_flight_replay_is_refused(h3, workdir):
    """An on-path attacker replays the client's captured first flight
    (Initial + 0-RTT, byte for byte) from another address: its early data
    must not be acted upon a second time."""
    s = h3()
    admin = s.ports["admin"]
    sess, tp = resume_files(workdir, "r")
    gtls(s.port, "/status/200", args=["-q"] + resume_args(sess, tp))
    relay = UdpRecorder(s.port)
    try:
        m0 = metrics(admin)
        _, out = gtls(relay.port, "/status/204", args=VERBOSE + resume_args(sess, tp),
                      authority=f"127.0.0.1:{s.port}")
        assert "Early data was rejected" not in out and set(statuses(out).values()) == {204}, out[-3000:]
        m1 = metrics(admin)
        assert early_delta(m0, m1, "accepted") == 1, m1
        assert len(relay.first_flight) >= 1
        # Let the original connection go away so the replay is a new one.
        assert wait_until(lambda: metric_sum(metrics(admin), "strata_quic_connections") == 0, timeout=10)
        relay.replay(listen_seconds=1.0)
    finally:
        relay.close()
    m2 = metrics(admin)
    assert early_delta(m1, m2, "accepted") == 0, m2
    assert early_delta(m1, m2, "replayed_hello") + early_delta(m1, m2, "replayed_request") >= 1, m2


# The issue asks for a guard "keyed on the ticket and request": the same
# ticket and the same request again (a fresh ClientHello) is a replay too.
def test_0rtt_ticket_reuse_same_request_is_refused(h3, workdir):
    s = h3()
    admin = s.ports["admin"]
    sess, tp = resume_files(workdir, "r")
    gtls(s.port, "/status/200", args=["-q"] + resume_args(sess, tp))
    saved = sess.read_bytes(), tp.read_bytes()
    _, out = gtls(s.port, "/status/204", args=VERBOSE + resume_args(sess, tp))
    assert "Early data was rejected" not in out and set(statuses(out).values()) == {204}, out[-3000:]
    m0 = metrics(admin)
    # The same ticket and the same early request once more.
    sess.write_bytes(saved[0])
    tp.write_bytes(saved[1])
    _, out = gtls(s.port, "/status/204", args=VERBOSE + resume_args(sess, tp), check=False)
    m1 = metrics(admin)
    replays = early_delta(m0, m1, "replayed_request") + early_delta(m0, m1, "replayed_hello")
    assert replays >= 1 and early_delta(m0, m1, "accepted") == 0, (
        {k: v for k, v in m1.items() if "early" in k or "handshakes" in k}, statuses(out))
    # Not served from early data: the client falls back to 1-RTT (204) or is told 425.
    assert statuses(out) and set(statuses(out).values()) <= {204, 425}, out[-3000:]


# ~2 x MIGRATION_RUNS x 0.4 s: about 40 s together.
@pytest.mark.parametrize("mode", ["migration", "nat_rebinding"])
def test_migration_two_workers_loop(h3, workdir, mode):
    """Each run uploads 1 MiB to /echo and downloads the echo; 30 ms after
    the handshake the client moves to a new local port (actively, or
    silently as a NAT rebinding). The client keeps sending, so the server
    must follow it to the new path; the echo must be byte-exact and arrive
    mostly on the new port."""
    s = h3(workers=2)
    admin = s.ports["admin"]
    # 4 MiB: the client must still be uploading when it moves 30 ms after
    # the handshake (a client that only waits after a silent NAT rebinding
    # never shows its new port; with 1 MiB a fast run had finished sending).
    payload = os.urandom(4 * MIB)
    src = workdir / "payload.bin"
    src.write_bytes(payload)
    want = sha(payload)
    m0 = metrics(admin)
    extra = ["--change-local-addr=30ms", "-m", "POST", "-d", str(src)]
    if mode == "nat_rebinding":
        extra.append("--nat-rebinding")
    failures = []
    t0 = time.time()
    for i in range(MIGRATION_RUNS):
        dl = workdir / f"dl{i}"
        dl.mkdir()
        rc, out = gtls(s.port, "/echo", args=VERBOSE + extra + [f"--download={dl}"],
                       timeout=20, check=False)
        m = re.search(r"Local address is now \[127\.0\.0\.1\]:(\d+)", out)
        on_new = len(re.findall(rf"Received packet: local=\[127\.0\.0\.1\]:{m.group(1)} ", out)) if m else 0
        got = (dl / "echo").read_bytes() if (dl / "echo").exists() else b""
        if rc != 0 or not m or on_new < 10 or list(statuses(out).values()) != [200] or sha(got) != want:
            failures.append((i, rc, bool(m), on_new, len(got), out[-1500:]))
        shutil.rmtree(dl)
        assert time.time() - t0 < 150, f"loop over its time budget after {i + 1} runs"
    assert not failures, f"{len(failures)}/{MIGRATION_RUNS} failed; first: {failures[0]}"
    m1 = metrics(admin)
    d = {k: m1.get(k, 0) - m0.get(k, 0) for k in m1 if k.startswith("strata_quic_")}
    migrations = (metric_sum(m1, "strata_quic_migrations_total")
                  - metric_sum(m0, "strata_quic_migrations_total"))
    assert migrations >= MIGRATION_RUNS, d
    assert metric_sum(m1, "strata_quic_path_validations_total", result="failed") == 0, d
    # With two workers some moved flows hash to the other worker's socket and
    # must be handed to their owner (P(never in 50 runs) ~ 2^-50).
    forwarded = (metric_sum(m1, "strata_quic_packets_forwarded_total")
                 - metric_sum(m0, "strata_quic_packets_forwarded_total"))
    assert forwarded > 0, d


def test_key_update_transfer_byte_exact(h3, workdir):
    s = h3()
    dl = workdir / "dl"
    dl.mkdir()
    # /delay keeps the connection busy past the key update at 20 ms.
    _, out = gtls(s.port, "/delay/300", f"/bytes/{MIB}",
                  args=VERBOSE + ["--key-update=20ms", f"--download={dl}"], timeout=30)
    assert "Initiate key update" in out, out[-3000:]
    assert set(statuses(out).values()) == {200} and len(statuses(out)) == 2, out[-3000:]
    assert sha((dl / str(MIB)).read_bytes()) == sha(origin_bytes(s.origin, MIB))


# Can take ~10 s: 5% loss each way on a 1 MiB download and upload.
def test_packet_loss_transfer_byte_exact(h3, workdir):
    s = h3()
    dl = workdir / "dl"
    dl.mkdir()
    loss = ["--tx-loss=0.05", "--rx-loss=0.05"]
    gtls(s.port, f"/bytes/{MIB}", args=quiet_args(dl) + loss, timeout=60)
    assert sha((dl / str(MIB)).read_bytes()) == sha(origin_bytes(s.origin, MIB))
    payload = os.urandom(MIB)
    src = workdir / "payload.bin"
    src.write_bytes(payload)
    gtls(s.port, "/echo", args=quiet_args(dl) + loss + ["-m", "POST", "-d", str(src)], timeout=60)
    assert sha((dl / "echo").read_bytes()) == sha(payload)


@pytest.mark.parametrize("server_cc", ["cubic", "bbr", "bbr2", "reno"])
def test_congestion_control_bbr_client(h3, workdir, server_cc):
    s = h3(quic={"congestion": server_cc})
    dl = workdir / "dl"
    dl.mkdir()
    gtls(s.port, f"/bytes/{MIB}", args=quiet_args(dl) + ["--cc=bbr"])
    assert sha((dl / str(MIB)).read_bytes()) == sha(origin_bytes(s.origin, MIB))


def test_retry_always(h3):
    s = h3(quic={"retry": "always"})
    m0 = metrics(s.ports["admin"])
    _, out = gtls(s.port, "/status/200", args=VERBOSE)
    assert set(statuses(out).values()) == {200}, out[-3000:]
    m1 = metrics(s.ports["admin"])
    assert (metric_sum(m1, "strata_quic_retry_sent_total")
            - metric_sum(m0, "strata_quic_retry_sent_total")) >= 1, m1


def test_new_token_is_sent(h3, workdir):
    """The server hands out a NEW_TOKEN token after the handshake (the client
    saves it in --token-file). Presenting it again cannot be tested with
    Debian's gtlsclient 0.12.1: its read_token() opens the file without
    std::ios::ate, reads 0 bytes and prints "Could not read token in ..."."""
    s = h3(quic={"retry": "always"})
    tok = workdir / "token"
    _, out = gtls(s.port, "/status/200", args=VERBOSE + [f"--token-file={tok}"])
    assert set(statuses(out).values()) == {200}, out[-3000:]
    assert "NEW_TOKEN" in out
    assert tok.exists() and "BEGIN QUIC TOKEN" in tok.read_text(), "no NEW_TOKEN saved"


def test_retry_never_sends_none(h3):
    s = h3(quic={"retry": "never"})
    gtls(s.port, "/status/200", args=["-q"])
    assert metric_sum(metrics(s.ports["admin"]), "strata_quic_retry_sent_total") == 0


def test_version_negotiation(h3):
    s = h3()
    # An unknown version first: strata answers Version Negotiation and the
    # client retries with v1.
    _, out = gtls(s.port, "/status/200",
                  args=VERBOSE + ["-v", "0x1a2a3a4a", "--preferred-versions=v1"])
    assert set(statuses(out).values()) == {200}, out[-3000:]
    assert metric_sum(metrics(s.ports["admin"]), "strata_quic_version_negotiation_total") >= 1


def test_sigterm_drains_inflight_h3_request(h3):
    s = h3()
    admin = s.ports["admin"]
    p = subprocess.Popen([GTLS, "--exit-on-all-streams-close", "--timeout=10s", *VERBOSE,
                          "127.0.0.1", str(s.port), f"https://127.0.0.1:{s.port}/delay/1500"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_until(lambda: metric_sum(metrics(admin), "strata_quic_streams") >= 1,
                          timeout=5), metrics(admin)
        s.signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
    out = out.decode(errors="replace")
    assert p.returncode == 0 and set(statuses(out).values()) == {200}, out[-3000:]
    assert s.proc.wait(20) == 0, s.text()[-3000:]


ALT_SVC_NONE = object()


def alt_svc(port, http="--http2"):
    r = run(["curl", "-sS", "-k", http, "-o", "/dev/null", "-D", "-",
             f"https://localhost:{port}/status/200"])
    for line in r.stdout.decode().splitlines():
        if line.lower().startswith("alt-svc:"):
            return line.split(":", 1)[1].strip()
    return ALT_SVC_NONE


def test_alt_svc_on_tcp_responses(h3):
    s = h3()
    want = f'h3=":{s.port}"; ma=86400'
    assert alt_svc(s.port, "--http2") == want
    assert alt_svc(s.port, "--http1.1") == want


def test_alt_svc_max_age_configurable(h3):
    s = h3(quic={"alt_svc_max_age": 3600})
    assert alt_svc(s.port) == f'h3=":{s.port}"; ma=3600'


def test_no_alt_svc_without_h3(h3):
    s = h3(protocols="[h1, h2]")
    assert alt_svc(s.port, "--http2") is ALT_SVC_NONE
    assert alt_svc(s.port, "--http1.1") is ALT_SVC_NONE


def gtls_popen(port, path, args=()):
    return subprocess.Popen([GTLS, "--exit-on-all-streams-close", "--timeout=10s", *VERBOSE, *args,
                             "127.0.0.1", str(port), f"https://127.0.0.1:{port}{path}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish(p, timeout=20):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate(timeout=5)
    return p.returncode, out.decode(errors="replace")


def test_per_source_connection_limit(h3):
    s = h3(quic={"max_connections_per_source": 2})
    admin = s.ports["admin"]
    slow = [gtls_popen(s.port, "/delay/1500") for _ in range(2)]
    try:
        assert wait_until(lambda: metric_sum(metrics(admin), "strata_quic_connections") == 2,
                          timeout=5), metrics(admin)
        # A third connection from the same source (127.0.0.0/24) is refused.
        rc, out = gtls(s.port, "/status/200", args=VERBOSE, timeout=15, check=False)
        assert 200 not in statuses(out).values(), out[-2000:]
        ms = metrics(admin)
        assert metric_sum(ms, "strata_quic_source_limited_total", reason="connections") >= 1, ms
    finally:
        results = [finish(p) for p in slow]
    for rc, out in results:
        assert rc == 0 and set(statuses(out).values()) == {200}, out[-2000:]
    # The slots are released when those connections close.
    assert wait_until(lambda: metric_sum(metrics(admin), "strata_quic_connections") == 0, timeout=10)
    _, out = gtls(s.port, "/status/200", args=VERBOSE)
    assert set(statuses(out).values()) == {200}, out[-2000:]


def test_per_source_handshake_rate(h3):
    s = h3(quic={"handshakes_per_second": 1, "handshake_burst": 2})
    admin = s.ports["admin"]
    codes = []
    for _ in range(4):  # well within one second on loopback
        _, out = gtls(s.port, "/status/200", args=VERBOSE, timeout=15, check=False)
        codes.append(sorted(statuses(out).values()))
    assert codes[:2] == [[200], [200]], codes
    assert [200] not in codes[2:], codes
    ms = metrics(admin)
    assert metric_sum(ms, "strata_quic_source_limited_total", reason="handshake_rate") >= 2, ms


def test_unknown_short_header_packet_gets_stateless_reset(h3):
    import socket
    s = h3()
    admin = s.ports["admin"]
    before = metric_sum(metrics(admin), "strata_quic_stateless_resets_total")
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    try:
        u.sendto(bytes([0x41]) + os.urandom(199), ("127.0.0.1", s.port))
        reply = u.recv(2048)
    finally:
        u.close()
    # RFC 9000 10.3: looks like a short-header packet, ends in a 16-byte
    # token, and is smaller than the packet that triggered it.
    assert 21 <= len(reply) < 200 and reply[0] & 0xC0 == 0x40, reply.hex()
    assert metric_sum(metrics(admin), "strata_quic_stateless_resets_total") == before + 1
