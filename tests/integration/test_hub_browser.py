"""Headless Chromium runs the hub demo page (examples/hub/public/index.html
with the embedded /hub/strata-hub.js client) over WebSocket (HTTP/1.1 and
HTTP/2, RFC 8441) and EventSource (HTTP/1.1, HTTP/2, HTTP/3), receives
publications made through the publish API, recovers exactly the missed
publications after a reconnect, reports "missed" when the gap is beyond the
history, and two browsers on different transports see each other's
messages. Driven over the DevTools protocol (tests/integration/cdp.py)."""
import json
import os
import shutil
import time
import urllib.request

import pytest

from cdp import Browser
from conftest import curl
from h3util import CHROMIUM, spki_sha256

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="chromium not installed")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "examples", "hub", "public"))
KEY = "browser-test-key"


def hub_config(cert):
    return f"""
workers: 2
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
  - name: tls
    address: "127.0.0.1:0"
    tls:
      certificates: [{{cert: "{cert[0]}", key: "{cert[1]}"}}]
    protocols: [h1, h2, h3]
    routes: main
admin:
  address: "127.0.0.1:0"
hub:
  api_keys: [{KEY}]
  namespaces:
    - {{name: "", history_size: 100, anonymous: true}}
    - {{name: chat, history_size: 100, anonymous: true, client_publish: true, presence: true, join_leave: true}}
    - {{name: short, history_size: 2, anonymous: true}}
route_tables:
  main:
    - match: {{prefix: /hub/api}}
      hub_api: {{}}
    - match: {{prefix: /hub}}
      hub: {{deflate: true}}    # as in the demo: Chromium negotiates permessage-deflate
    - match: {{prefix: /}}
      files: {{root: "{ROOT}"}}
"""


@pytest.fixture
def hub(spawn, write_config, cert):
    return spawn("serve", "-c", write_config(hub_config(cert)))


def publish(s, channel, text):
    req = urllib.request.Request(
        f"http://127.0.0.1:{s.ports['web']}/hub/api/publish",
        data=json.dumps({"channel": channel, "data": {"text": text, "from": "api"}}).encode(),
        headers={"authorization": f"apikey {KEY}", "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
        return json.load(r)["result"]


def page_url(s, cert, proto, transport, channel):
    q = f"/?transport={transport}&channel={channel}&name=b-{transport}"
    if proto == "h1":
        return f"http://localhost:{s.ports['web']}{q}", {}
    opts = {"spki": spki_sha256(cert[0])}
    if proto == "h3":
        opts["force_quic"] = f"localhost:{s.ports['tls']}"
    return f"https://localhost:{s.ports['tls']}{q}", opts


def log_lines(b):
    return b.eval("Array.from(document.querySelectorAll('#log li')).map(li => li.textContent)")


def wait_subscribed(b):
    b.wait("window.stratahub && stratahub.hub.state === 'connected' && stratahub.sub.position !== null",
           what="the page to subscribe")


def wait_lines(b, pred, what, timeout=20):
    deadline = time.time() + timeout
    while True:
        lines = log_lines(b)
        if pred(lines):
            return lines
        assert time.time() < deadline, f"timed out waiting for {what}: {lines}"
        time.sleep(0.1)


def pubs(lines):
    return [l.split(":", 1)[1].split("#")[0].strip() for l in lines if l.startswith("api:")]


@pytest.mark.parametrize("transport,proto", [("websocket", "h1"), ("websocket", "h2"),
                                             ("sse", "h1"), ("sse", "h2"), ("sse", "h3")])
def test_demo_page_receives_api_publications(hub, cert, transport, proto):
    url, opts = page_url(hub, cert, proto, transport, "news")
    with Browser(url, **opts) as b:
        wait_subscribed(b)
        nav = b.eval("performance.getEntriesByType('navigation')[0].nextHopProtocol")
        assert nav == {"h1": "http/1.1", "h2": "h2", "h3": "h3"}[proto], nav
        if transport == "websocket":
            ext = b.eval("stratahub.hub.ws.extensions")
            assert "permessage-deflate" in ext, ext
        for i in range(3):
            publish(hub, "news", f"m{i}")
        lines = wait_lines(b, lambda ls: len(pubs(ls)) >= 3, "3 publications")
        assert pubs(lines) == ["m0", "m1", "m2"], lines
    _, body = curl(f"http://127.0.0.1:{hub.ports['admin']}/metrics")
    assert "strata_hub_deliveries_total" in body.decode()


def disconnect_page(b, transport):
    # The client reconnects on its own after its backoff: make it long enough
    # for the test to publish while the page is away.
    if transport == "websocket":
        b.eval("stratahub.hub.opts.minDelay = 2500; stratahub.hub.opts.maxDelay = 2500; stratahub.hub.ws.close(); 1")
    else:
        b.eval("stratahub.hub.es.close(); stratahub.hub.es = null; 1")
    b.wait("stratahub.hub.state !== 'connected' || stratahub.hub.es === null", what="the page to go away")


def reconnect_page(b, transport):
    if transport == "sse":
        b.eval("stratahub.hub._openSse(); 1")


@pytest.mark.parametrize("transport", ["websocket", "sse"])
def test_reconnect_recovers_exactly_the_missed_publications(hub, cert, transport):
    url, opts = page_url(hub, cert, "h1", transport, "chat:rec")
    with Browser(url, **opts) as b:
        wait_subscribed(b)
        publish(hub, "chat:rec", "a1")
        publish(hub, "chat:rec", "a2")
        wait_lines(b, lambda ls: len(pubs(ls)) >= 2, "the first 2")
        disconnect_page(b, transport)
        for t in ("b1", "b2", "b3"):
            publish(hub, "chat:rec", t)
        reconnect_page(b, transport)
        lines = wait_lines(b, lambda ls: len(pubs(ls)) >= 5, "the missed 3")
        publish(hub, "chat:rec", "c1")
        lines = wait_lines(b, lambda ls: len(pubs(ls)) >= 6, "a live one after recovery")
        assert pubs(lines) == ["a1", "a2", "b1", "b2", "b3", "c1"], lines
        assert not any("missed" in l for l in lines), lines


@pytest.mark.parametrize("transport", ["websocket", "sse"])
def test_gap_beyond_history_is_reported_not_replayed(hub, cert, transport):
    url, opts = page_url(hub, cert, "h1", transport, "short:gap")
    with Browser(url, **opts) as b:
        wait_subscribed(b)
        publish(hub, "short:gap", "a1")
        wait_lines(b, lambda ls: len(pubs(ls)) >= 1, "the first one")
        disconnect_page(b, transport)
        for i in range(4):
            publish(hub, "short:gap", f"b{i}")   # history keeps 2: b0, b1 are gone
        reconnect_page(b, transport)
        lines = wait_lines(b, lambda ls: any("missed" in l for l in ls), "the 'missed' notice")
        publish(hub, "short:gap", "c1")
        lines = wait_lines(b, lambda ls: "c1" in pubs(ls), "a live one after the gap")
        assert pubs(lines) == ["a1", "c1"], lines


def test_websocket_and_eventsource_browsers_see_each_other(hub, cert):
    url_ws, opts = page_url(hub, cert, "h2", "websocket", "chat:lobby")
    url_sse, _ = page_url(hub, cert, "h2", "sse", "chat:lobby")
    with Browser(url_ws, **opts) as a, Browser(url_sse, **opts) as b:
        wait_subscribed(a)
        wait_subscribed(b)
        a.eval("stratahub.hub.publish('chat:lobby', {text: 'from-ws', from: 'A'}).then(() => 1)")
        b.eval("stratahub.hub.publish('chat:lobby', {text: 'from-sse', from: 'B'}).then(() => 1)")
        for br in (a, b):
            lines = wait_lines(br, lambda ls: any("A: from-ws" in l for l in ls) and
                               any("B: from-sse" in l for l in ls), "both messages")
            assert sum("from-ws" in l for l in lines) == 1 and sum("from-sse" in l for l in lines) == 1, lines
        # presence: the WebSocket browser joined and the SSE one is counted too
        pres = a.eval("stratahub.hub.presence('chat:lobby')")
        assert pres["num_clients"] == 2, pres
