"""Rules with penalties (docs/security.md "Rules and penalties") against the
real binary: the source's two rules ("more than 50 new connections per IP
per minute -> rate limit for an hour"; "0-RTT requests > 1000/hour with
repeated request hashes -> block for two hours") with small thresholds and
durations of seconds trigger, hold for their duration and release; block
(403), block_close (connection closed, also at accept), tarpit (delayed
answers), the status_4xx counter, the admin API (list, delete), the
strata_rule_* metrics and the start/end log lines. Loopback only; every
wait is bounded."""
import json
import socket
import time

from conftest import curl, run
from h3util import gtls, metric_sum, metrics, statuses

ROUTES = """
route_tables:
  main:
    - {match: {prefix: /missing}, respond: {status: 404, body: "missing\\n"}}
    - {match: {prefix: /}, respond: {status: 200, body: "ok\\n"}}
"""


def plain_config(rules):
    return f"""
listeners:
  - {{name: web, address: "127.0.0.1:0", routes: main}}
admin:
  address: "127.0.0.1:0"
{ROUTES}
security:
  rules:
{rules}
"""


def h3_rules_config(cert, rules):
    return f"""
listeners:
  - name: web
    address: "127.0.0.1:0"
    tls:
      certificates: [{{cert: "{cert[0]}", key: "{cert[1]}"}}]
    protocols: [h1, h2, h3]
    routes: main
admin:
  address: "127.0.0.1:0"
{ROUTES}
security:
  rules:
{rules}
"""


def http_get(port, path="/", source="127.0.0.1", timeout=10.0):
    """One request on a new connection from `source`: (status, seconds,
    response head). Status 0: the connection was closed without an answer."""
    t0 = time.monotonic()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        try:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        except OSError:
            return 0, time.monotonic() - t0, ""
        data = b""
        while True:
            try:
                c = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not c:
                break
            data += c
    finally:
        s.close()
    dt = time.monotonic() - t0
    if not data.startswith(b"HTTP/1.1 "):
        return 0, dt, ""
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    return int(head.split()[1]), dt, head


def status(port, path="/", source="127.0.0.1"):
    return http_get(port, path, source)[0]


def penalties(admin):
    code, body = curl(f"http://127.0.0.1:{admin}/security/penalties")
    assert code == 200, body
    return json.loads(body)


def wait_released(admin, rule, timeout=15):
    """Polls the admin list until `rule` has no penalty; returns seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not [p for p in penalties(admin) if p["rule"] == rule]:
            return time.monotonic() - t0
        time.sleep(0.1)
    raise AssertionError(f"penalty of {rule} not released after {timeout}s: {penalties(admin)}")


def test_connection_flood_rule_rate_limits_then_releases(spawn, write_config):
    # The source's first rule, scaled: > 5 new connections per IP per minute
    # -> rate limit (1 request per 10 s) for 3 s.
    s = spawn("serve", "-c", write_config(plain_config("""
    - name: connection-flood
      counter: new_connections
      key: client_ip
      window: 1m
      threshold: 5
      action: rate_limit
      penalty_rate: 1
      penalty_per: 10s
      penalty_burst: 1
      duration: 3s
""")))
    web, admin = s.port, s.ports["admin"]
    for _ in range(5):
        assert status(web) == 200
    assert penalties(admin) == []
    # The 6th connection starts the penalty: its request spends the one token.
    assert status(web) == 200
    started = time.monotonic()
    s.wait_for_log(r"rule connection-flood penalty start: key=127\.0\.0\.1 action=rate_limit")
    [p] = penalties(admin)
    assert (p["rule"], p["key"], p["action"]) == ("connection-flood", "127.0.0.1", "rate_limit"), p
    assert 2.0 < p["remaining"] <= 3.0, p
    code, _, head = http_get(web)
    assert code == 429 and "retry-after: 10" in head.lower(), head
    assert status(web, source="127.0.0.2") == 200  # another client is not limited
    m = metrics(admin)
    assert metric_sum(m, "strata_rule_penalties_total", rule="connection-flood", action="rate_limit") == 1
    assert metric_sum(m, "strata_rule_active_penalties", rule="connection-flood") == 1
    assert metric_sum(m, "strata_rule_hits_total", rule="connection-flood") >= 6
    assert metric_sum(m, "strata_rule_keys", rule="connection-flood") >= 1
    # Held for its duration, then released.
    while time.monotonic() - started < 2.0:
        assert status(web) == 429
        time.sleep(0.2)
    wait_released(admin, "connection-flood")
    assert time.monotonic() - started >= 2.5
    for _ in range(3):
        assert status(web) == 200
    s.wait_for_log(r"rule connection-flood penalty end: key=127\.0\.0\.1 reason=expired")
    assert metric_sum(metrics(admin), "strata_rule_active_penalties", rule="connection-flood") == 0


def test_replayed_early_data_rule_blocks_then_releases(spawn, write_config, cert, workdir):
    # The source's second rule, scaled: 0-RTT requests repeating a request
    # hash, more than 2 per minute -> block for 3 s. Real 0-RTT over HTTP/3.
    s = spawn("serve", "-c", write_config(h3_rules_config(cert, """
    - name: early-data-replay
      counter: replayed_early_data
      key: client_ip
      window: 1m
      threshold: 2
      action: block
      duration: 3s
""")))
    web, admin = s.port, s.ports["admin"]
    sess, tp = workdir / "r.session", workdir / "r.tp"
    resume = [f"--session-file={sess}", f"--tp-file={tp}", "--no-quic-dump", "--no-http-dump"]
    _, out = gtls(web, "/ticket", args=resume)  # full handshake: stores a ticket
    assert set(statuses(out).values()) == {200}, out[-2000:]

    def early_get(path):
        m0 = metric_sum(metrics(admin), "strata_quic_early_data_total", outcome="accepted")
        _, out = gtls(web, path, args=resume, check=False)
        m1 = metric_sum(metrics(admin), "strata_quic_early_data_total", outcome="accepted")
        assert "Early data was rejected" not in out and m1 - m0 == 1, out[-2000:]
        return list(statuses(out).values())

    assert early_get("/a") == [200]   # first sight of GET /a: not a replay
    assert early_get("/b") == [200]
    assert early_get("/a") == [200]   # repeat 1
    assert early_get("/a") == [200]   # repeat 2
    assert penalties(admin) == []
    assert early_get("/a") == [403]   # repeat 3 > 2: blocked
    started = time.monotonic()
    s.wait_for_log(r"rule early-data-replay penalty start: key=127\.0\.0\.1 action=block "
                   r"counter=replayed_early_data")
    [p] = penalties(admin)
    assert (p["key"], p["action"]) == ("127.0.0.1", "block"), p
    # Every request of the client is refused while it holds (h1 over TLS too).
    code, _ = curl("-k", f"https://127.0.0.1:{web}/other", check=False)
    assert code == 403
    wait_released(admin, "early-data-replay")
    assert time.monotonic() - started >= 2.5
    code, _ = curl("-k", f"https://127.0.0.1:{web}/other", check=False)
    assert code == 200
    s.wait_for_log(r"rule early-data-replay penalty end: key=127\.0\.0\.1 reason=expired")
    m = metrics(admin)
    assert metric_sum(m, "strata_rule_penalties_total", rule="early-data-replay", action="block") == 1


def test_status_4xx_block_admin_list_and_delete(spawn, write_config):
    s = spawn("serve", "-c", write_config(plain_config("""
    - name: scanner
      counter: status_4xx
      window: 1m
      threshold: 2
      action: block
      duration: 1h
""")))
    web, admin = s.port, s.ports["admin"]
    for _ in range(3):
        assert status(web, "/missing/x") == 404
    code, _, head = http_get(web, "/page")
    assert code == 403 and "x-strata-reason: rule-block" in head.lower(), head
    assert status(web, "/page", source="127.0.1.1") == 200  # another /24
    [p] = penalties(admin)
    assert (p["rule"], p["key"], p["action"]) == ("scanner", "127.0.0.0/24", "block"), p
    assert p["remaining"] > 3500
    m = metrics(admin)
    assert metric_sum(m, "strata_rule_active_penalties", rule="scanner") == 1
    assert metric_sum(m, "strata_rule_hits_total", rule="scanner") == 3
    # Lift it through the admin API.
    code, body = curl("-X", "DELETE",
                      f"http://127.0.0.1:{admin}/security/penalties?rule=scanner&key=127.0.0.0%2F24")
    assert code == 200 and json.loads(body) == {"removed": 1}, body
    assert penalties(admin) == []
    assert status(web, "/page") == 200
    s.wait_for_log(r"rule scanner penalty end: key=127\.0\.0\.0/24 reason=removed")
    assert metric_sum(metrics(admin), "strata_rule_active_penalties", rule="scanner") == 0
    code, _ = curl("-X", "DELETE", f"http://127.0.0.1:{admin}/security/penalties?rule=nope", check=False)
    assert code == 404


def test_block_close_closes_requests_and_new_connections(spawn, write_config):
    s = spawn("serve", "-c", write_config(plain_config("""
    - name: closer
      key: client_ip
      threshold: 2
      action: block
      block_close: true
      duration: 1h
""")))
    web = s.port
    assert status(web) == 200
    assert status(web) == 200
    assert status(web) == 0      # the 3rd request: closed without an answer
    assert status(web) == 0      # closed at accept now
    assert status(web, source="127.0.0.2") == 200
    m = metrics(s.ports["admin"])
    assert metric_sum(m, "strata_rule_penalties_total", rule="closer", action="block") == 1


def test_tarpit_delays_answers(spawn, write_config):
    s = spawn("serve", "-c", write_config(plain_config("""
    - name: slowdown
      key: client_ip
      threshold: 1
      action: tarpit
      tarpit_delay: 800ms
      duration: 1h
""")))
    web = s.port
    assert status(web) == 200
    code, dt, _ = http_get(web)   # the 2nd starts the penalty and is delayed already
    assert code == 200 and dt >= 0.8, dt
    code, dt, _ = http_get(web)
    assert code == 200 and dt >= 0.8, dt
    code, dt, _ = http_get(web, source="127.0.0.2")
    assert code == 200 and dt < 0.8, dt


def test_penalty_survives_reload_of_unchanged_rule(spawn, write_config):
    """A SIGHUP reload with the rule unchanged keeps its penalties; a reload
    that changes the rule starts it empty."""
    import signal
    rule = """
    - name: kept
      counter: status_4xx
      threshold: {threshold}
      duration: 1h
"""
    path = write_config(plain_config(rule.format(threshold=1)))
    s = spawn("serve", "-c", path)
    web, admin = s.port, s.ports["admin"]
    assert status(web, "/missing") == 404
    assert status(web, "/missing") == 404
    assert status(web) == 403
    # Same rules, another route: the penalty stays.
    write_config(plain_config(rule.format(threshold=1)).replace(
        "- {match: {prefix: /}", "- {match: {path: /new}, respond: {status: 200}}\n    - {match: {prefix: /}"))
    s.signal(signal.SIGHUP)
    s.wait_for_log(r"reload complete")
    assert status(web) == 403
    assert [p["key"] for p in penalties(admin)] == ["127.0.0.0/24"]
    # The rule changes: its state starts empty.
    write_config(plain_config(rule.format(threshold=5)))
    s.signal(signal.SIGHUP)
    s.wait_for_log(r"(reload complete[\s\S]*){2}")
    assert penalties(admin) == []
    assert status(web) == 200
    s.wait_for_log(r"rule kept penalty end: key=127\.0\.0\.0/24 reason=rule_changed")


def test_credential_keys_shown_hashed_in_listing_and_logs(spawn, write_config):
    """A rule keyed on the Authorization header: the penalty listing and the
    log lines show sha256:<16 hex>, never the token; DELETE by that hash
    lifts it (docs/security.md "Secrets")."""
    import hashlib
    token = "Bearer tok-3f9a-do-not-log"
    s = spawn("serve", "-c", write_config(plain_config("""
    - name: by-token
      counter: status_4xx
      key: [header:authorization]
      window: 1m
      threshold: 1
      action: block
      duration: 1h
""")))
    web, admin = s.port, s.ports["admin"]
    for _ in range(2):
        curl("-H", f"Authorization: {token}", f"http://127.0.0.1:{web}/missing/x", check=False)
    code, _ = curl("-H", f"Authorization: {token}", f"http://127.0.0.1:{web}/page", check=False)
    assert code == 403
    code, _ = curl("-H", "Authorization: Bearer another", f"http://127.0.0.1:{web}/page", check=False)
    assert code == 200
    shown = "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    [p] = penalties(admin)
    assert (p["rule"], p["key"]) == ("by-token", shown), p
    s.wait_for_log(r"rule by-token penalty start: key=" + shown)
    code, body = curl("-X", "DELETE", f"http://127.0.0.1:{admin}/security/penalties?rule=by-token&key={shown}")
    assert code == 200 and json.loads(body) == {"removed": 1}, body
    s.wait_for_log(r"rule by-token penalty end: key=" + shown + " reason=removed")
    code, _ = curl("-H", f"Authorization: {token}", f"http://127.0.0.1:{web}/page", check=False)
    assert code == 200
    assert "tok-3f9a" not in s.text()
