"""103 Early Hints (route `early_hints:`, docs/delivery.md) with real
clients: curl -v sees the route's 103 before the 200 on HTTP/1.1 and HTTP/2,
gtlsclient sees it on HTTP/3, HTTP/1.0 never gets one; an upstream's 103 is
relayed unless the route says `relay: false`; `remember` learns the
preload links of a final response and hints them on the next request for
the URL; strata_early_hints_sent_total counts each source."""
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import raw_request, run
from h3util import gtls, metric_sum, metrics

UP_LINK = "</up.css>; rel=preload; as=style"
FINAL_LINKS = "</app.js>; rel=preload; as=script, </print.css>; rel=stylesheet"


class Origin:
    """A loopback HTTP/1.1 origin: every GET answers a 103 with UP_LINK,
    then 200 with FINAL_LINKS in its Link field."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self.wfile.write(f"HTTP/1.1 103 Early Hints\r\nLink: {UP_LINK}\r\n\r\n".encode())
                self.wfile.flush()
                body = b"hello\n"
                self.send_response(200)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(body)))
                self.send_header("link", FINAL_LINKS)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    tls:
      certificates: [{{cert: "{crt}", key: "{key}"}}]
    protocols: [h1, h2, h3]
    routes: main
  - name: plain
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
route_tables:
  main:
    - name: hinted
      match: {{path: /hinted}}
      respond: {{status: 200, body: "page\\n"}}
      early_hints:
        links: ["</a.css>; rel=preload; as=style", "<https://cdn.example>; rel=preconnect"]
    - name: norelay
      match: {{prefix: /norelay/}}
      proxy: {{cluster: app}}
      early_hints: {{relay: false}}
    - name: learn
      match: {{prefix: /learn/}}
      proxy: {{cluster: app}}
      early_hints: {{remember: true, relay: false, remember_max_urls: 100}}
    - name: relayed
      match: {{prefix: /}}
      proxy: {{cluster: app}}
clusters:
  app:
    endpoints: ["127.0.0.1:{port}"]
"""


@pytest.fixture
def env(spawn, write_config, cert):
    o = Origin()
    try:
        s = spawn("serve", "-c", write_config(CONFIG.format(port=o.port, crt=cert[0], key=cert[1])))
        yield s
    finally:
        o.close()


def curl_v(port, path, *flags):
    """curl -v over TLS; returns the response lines curl printed ("< ...")."""
    r = run(["curl", "-sS", "-v", "-k", "--max-time", "20", "-o", "/dev/null", *flags,
             f"https://127.0.0.1:{port}{path}"], timeout=30)
    return [l[2:].strip() for l in r.stderr.decode(errors="replace").splitlines() if l.startswith("< ")]


def blocks(lines):
    """[(status line, [fields])] of each response head curl printed."""
    out = []
    for l in lines:
        if l.startswith("HTTP/"):
            out.append((l, []))
        elif l and out:
            out[-1][1].append(l.lower())
    return out


@pytest.mark.parametrize("flag,version", [("--http1.1", "HTTP/1.1"), ("--http2", "HTTP/2")])
def test_route_links_as_103_before_200_curl(env, flag, version):
    heads = blocks(curl_v(env.ports["web"], "/hinted", flag))
    assert [h[0].split()[:2] for h in heads] == [[version, "103"], [version, "200"]], heads
    assert heads[0][1] == ["link: </a.css>; rel=preload; as=style",
                           "link: <https://cdn.example>; rel=preconnect"], heads


def test_route_links_as_103_on_http3_gtlsclient(env):
    _, out = gtls(env.ports["web"], "/hinted", args=["--no-quic-dump", "--no-http-dump"])
    statuses = re.findall(r"\[:status: (\d{3})\]", out)
    assert statuses == ["103", "200"], out[-3000:]
    assert "[link: </a.css>; rel=preload; as=style]" in out, out[-3000:]
    # The 103's fields come before the final status.
    assert out.index("[link: </a.css>") < out.index("[:status: 200]")


def test_never_to_http10(env):
    lines = run(["curl", "-sS", "-v", "--http1.0", "--max-time", "20", "-o", "/dev/null",
                 f"http://127.0.0.1:{env.ports['plain']}/hinted"], timeout=30).stderr.decode()
    assert "103" not in "".join(l for l in lines.splitlines() if l.startswith("< HTTP")), lines
    raw = raw_request(env.ports["plain"], b"GET /hinted HTTP/1.0\r\nHost: x\r\n\r\n")
    assert raw.startswith(b"HTTP/1.0 200") or raw.startswith(b"HTTP/1.1 200"), raw[:200]
    assert b" 103 " not in raw
    # The same on HTTP/1.1 over the cleartext listener does get it.
    raw11 = raw_request(env.ports["plain"], b"GET /hinted HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert raw11.startswith(b"HTTP/1.1 103 Early Hints\r\n"), raw11[:300]


@pytest.mark.parametrize("flag", ["--http1.1", "--http2"])
def test_upstream_103_relayed_unless_relay_false(env, flag):
    heads = blocks(curl_v(env.ports["web"], "/any", flag))
    assert [h[0].split()[1] for h in heads] == ["103", "200"], heads
    assert heads[0][1] == ["link: " + UP_LINK], heads
    heads = blocks(curl_v(env.ports["web"], "/norelay/x", flag))
    assert [h[0].split()[1] for h in heads] == ["200"], heads


def test_remember_hints_learned_preloads(env):
    port = env.ports["web"]
    first = blocks(curl_v(port, "/learn/page?v=1", "--http2"))
    assert [h[0].split()[1] for h in first] == ["200"], first  # nothing learned yet
    second = blocks(curl_v(port, "/learn/page?v=1", "--http2"))
    assert [h[0].split()[1] for h in second] == ["103", "200"], second
    assert second[0][1] == ["link: </app.js>; rel=preload; as=script"], second  # not the stylesheet
    other = blocks(curl_v(port, "/learn/other", "--http1.1"))
    assert [h[0].split()[1] for h in other] == ["200"], other


def test_metrics_by_source(env):
    port = env.ports["web"]
    m0 = metrics(env.ports["admin"])
    curl_v(port, "/hinted", "--http2")
    curl_v(port, "/any", "--http1.1")
    curl_v(port, "/norelay/x", "--http1.1")  # dropped: not counted
    curl_v(port, "/learn/m", "--http1.1")
    curl_v(port, "/learn/m", "--http1.1")
    m1 = metrics(env.ports["admin"])

    def delta(route, source):
        n = "strata_early_hints_sent_total"
        return (metric_sum(m1, n, route=route, source=source) -
                metric_sum(m0, n, route=route, source=source))

    assert delta("hinted", "config") == 1
    assert delta("relayed", "upstream") == 1
    assert delta("norelay", "upstream") == 0
    assert delta("learn", "remember") == 1
