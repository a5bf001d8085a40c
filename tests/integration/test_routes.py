"""Route matching (host, path, method, headers) and the respond, files and
redirect actions, through real curl over h1 and h2."""
import os

import pytest

from conftest import curl, run

CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
route_tables:
  main:
    - match: {{hosts: ["api.example.com"], prefix: "/"}}
      respond: {{status: 200, body: "api"}}
    - match: {{hosts: ["*.example.com"], prefix: "/"}}
      respond: {{status: 200, body: "wildcard"}}
    - match: {{path: "/exact", methods: [POST]}}
      respond: {{status: 201, body: "posted"}}
    - match: {{regex: "/items/[0-9]+"}}
      respond: {{status: 200, body: "item"}}
    - match: {{prefix: "/h", headers: [{{name: x-flag, exact: "on"}}]}}
      respond: {{status: 200, body: "flag"}}
      response_headers: {{add: {{x-route: flagged}}}}
    - match: {{prefix: "/static/"}}
      files: {{root: "{root}"}}
    - match: {{prefix: "/old"}}
      redirect: {{status: 308, path: "/new"}}
    - match: {{prefix: "/"}}
      respond: {{status: 404, body: "none"}}
"""


@pytest.fixture
def server(spawn, write_config, workdir):
    root = workdir / "www"
    root.mkdir()
    (root / "index.html").write_text("<h1>index</h1>")
    (root / "data.bin").write_bytes(bytes(range(256)) * 400)
    (workdir / "secret.txt").write_text("secret")
    s = spawn("serve", "-c", write_config(CONFIG.format(root=root)))
    s.root = root
    return s


def test_host_matching(server):
    u = f"http://127.0.0.1:{server.port}/"
    assert curl("-H", "Host: api.example.com", u) == (200, b"api")
    assert curl("-H", "Host: API.example.com:8080", u) == (200, b"api")
    assert curl("-H", "Host: x.example.com", u) == (200, b"wildcard")
    assert curl("-H", "Host: example.org", u)[0] == 404


def test_method_regex_and_header_matching(server):
    u = f"http://127.0.0.1:{server.port}"
    assert curl("-X", "POST", f"{u}/exact") == (201, b"posted")
    assert curl(f"{u}/exact")[0] == 404
    assert curl(f"{u}/items/42") == (200, b"item")
    assert curl(f"{u}/items/x")[0] == 404
    r = run(["curl", "-sS", "-D", "-", "-H", "x-flag: on", f"{u}/h"])
    assert b"x-route: flagged" in r.stdout.lower() and r.stdout.endswith(b"flag")
    assert curl("-H", "x-flag: off", f"{u}/h")[0] == 404


def test_files_etag_range_conditional(server):
    u = f"http://127.0.0.1:{server.port}/static"
    assert curl(f"{u}/") == (200, b"<h1>index</h1>")
    code, body = curl(f"{u}/data.bin")
    assert code == 200 and body == (server.root / "data.bin").read_bytes()
    r = run(["curl", "-sS", "-D", "-", "-o", "/dev/null", f"{u}/data.bin"])
    headers = r.stdout.decode().lower()
    etag = [l.split(": ", 1)[1].strip() for l in headers.splitlines() if l.startswith("etag:")][0]
    assert "last-modified:" in headers
    assert curl("-H", f"If-None-Match: {etag}", f"{u}/data.bin")[0] == 304
    code, body = curl("-H", "Range: bytes=10-19", f"{u}/data.bin")
    assert code == 206 and body == bytes(range(10, 20))
    assert curl("-H", "Range: bytes=999999-", f"{u}/data.bin")[0] == 416
    assert curl("--path-as-is", f"{u}/../secret.txt")[0] in (400, 403, 404)
    assert curl(f"{u}/%2e%2e/secret.txt")[0] in (400, 403, 404)
    r = run(["curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
             "-H", "Range: bytes=0-99", f"{u}/data.bin"])
    assert r.stdout.split() == [b"2", b"206"]


def test_redirect(server):
    r = run(["curl", "-sS", "-D", "-", "-o", "/dev/null", f"http://127.0.0.1:{server.port}/old?a=1"])
    text = r.stdout.decode().lower()
    assert text.startswith("http/1.1 308")
    assert "location: " in text and "/new?a=1" in text
