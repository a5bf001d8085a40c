"""Admin endpoints, `strata check`, `strata version`, and the embedded default."""
import json
import re

from conftest import BIN, curl, run

CONFIG = """
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - match: {prefix: "/"}
      respond: {status: 200, body: "hello"}
"""


def test_admin_endpoints(spawn, write_config):
    s = spawn("serve", "-c", write_config(CONFIG))
    assert curl(f"http://127.0.0.1:{s.ports['web']}/")[1] == b"hello"
    a = f"http://127.0.0.1:{s.ports['admin']}"
    assert curl(f"{a}/healthz")[0] == 200
    assert curl(f"{a}/ready")[0] == 200
    code, body = curl(f"{a}/config")
    cfg = json.loads(body)
    assert code == 200 and cfg["listeners"][0]["name"] == "web"
    code, body = curl(f"{a}/metrics")
    text = body.decode()
    assert re.search(r'strata_requests_total\{[^}]*listener="web"[^}]*\} 1', text), text
    assert "strata_connections_active" in text
    assert "# TYPE strata_request_duration_seconds histogram" in text


def test_check_reports_file_line_column(write_config):
    good = write_config(CONFIG, "good.yaml")
    r = run([BIN, "check", "-c", good])
    assert b"ok" in r.stdout
    bad = write_config(CONFIG.replace("routes: main", "routes: main\n    colour: blue"), "bad.yaml")
    r = run([BIN, "check", "-c", bad], check=False)
    assert r.returncode != 0
    assert re.search(rb"bad\.yaml:6:5: .*colour", r.stderr), r.stderr


def test_version():
    r = run([BIN, "version"])
    assert b"strata" in r.stdout and b"OpenSSL" in r.stdout and b"nghttp2" in r.stdout


def test_embedded_default_serves_welcome_page(spawn, workdir):
    s = spawn("serve")
    r = run(["curl", "-sSk", "--http2", "-w", "\n%{http_version} %{http_code}", "https://localhost:8443/"])
    body, _, tail = r.stdout.rpartition(b"\n")
    assert tail.split() == [b"2", b"200"] and b"strata" in body
    r = run(["curl", "-sSk", "--http1.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "https://localhost:8443/"])
    assert r.stdout.split() == [b"1.1", b"200"]
    code, body = curl("http://127.0.0.1:8080/")
    assert code == 200 and b"strata" in body
    assert curl("http://127.0.0.1:9901/healthz")[0] == 200
    # The generated certificate is kept in the state directory and reused.
    certs = list((workdir / "state").rglob("self-signed.crt"))
    assert certs, "no generated certificate in the state dir"
