"""The hub's SSE transport (docs/hub.md "SSE"): curl -N on HTTP/1.1 and
HTTP/2 (h2c prior knowledge and TLS), Last-Event-ID recovery, heartbeats.
Publications come from a WebSocket client (client publish)."""
import json
import os
import select
import subprocess
import time

import pytest

from hubnodes import Sse as SseReader
from hubws import HubClient, hub_config, run_async

LINE_TIMEOUT = 15


class Sse(SseReader):
    """curl -N reading an event stream; events parsed as they come
    (event() from hubnodes.Sse)."""

    def __init__(self, url, *args, headers=()):
        cmd = ["curl", "-sN", "--max-time", "60", "-H", "Accept: text/event-stream"]
        for h in headers:
            cmd += ["-H", h]
        self.p = subprocess.Popen(cmd + list(args) + [url], stdout=subprocess.PIPE)
        self.buf = b""

    def until(self, key, timeout=LINE_TIMEOUT):
        deadline = time.time() + timeout
        while True:
            ev = self.event(max(0.1, deadline - time.time()))
            if key in ev:
                return ev

    def rest(self, timeout=LINE_TIMEOUT):
        """Everything until the stream ends."""
        out = self.buf
        deadline = time.time() + timeout
        while time.time() < deadline:
            r, _, _ = select.select([self.p.stdout], [], [], deadline - time.time())
            if not r:
                continue
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return out
            out += chunk
        raise AssertionError(f"stream did not end: {out!r}")

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(10)


def publish(port, channel, *datas):
    async def go():
        c = await HubClient.connect(f"ws://127.0.0.1:{port}/hub")
        out = [(await c.call("publish", {"channel": channel, "data": d}))["result"] for d in datas]
        await c.close()
        return out
    return run_async(go())


@pytest.fixture
def hub(spawn, write_config):
    return spawn("serve", "-c", write_config(hub_config(heartbeat="1s", client_timeout="3s")))


@pytest.mark.parametrize("proto", ["h1", "h2c"])
def test_sse_stream_publications_and_heartbeat(hub, proto):
    args = ["--http2-prior-knowledge"] if proto == "h2c" else []
    s = Sse(f"http://127.0.0.1:{hub.port}/hub?channels=news", *args)
    try:
        assert s.event() == {"retry": "3000"}
        c = s.event()
        assert c["event"] == "connect" and json.loads(c["data"])["user"] == ""
        sub = s.event()
        assert sub["event"] == "subscribe"
        d = json.loads(sub["data"])
        assert d["channel"] == "news" and d["offset"] == 0
        [r] = publish(hub.port, "news", {"n": 1})
        ev = s.until("id")
        assert ev["id"] == f"{r['epoch']}:{r['offset']}"
        assert json.loads(ev["data"]) == {"channel": "news", "offset": r["offset"],
                                          "epoch": r["epoch"], "data": {"n": 1}}
        assert s.until("comment", timeout=5)["comment"] == "ping"
    finally:
        s.close()


def test_sse_last_event_id_recovers(hub):
    rs = publish(hub.port, "log", "a", "b", "c")
    epoch = rs[0]["epoch"]
    s = Sse(f"http://127.0.0.1:{hub.port}/hub?channels=log",
            headers=[f"Last-Event-ID: {epoch}:1"])
    try:
        ev = s.event()
        while ev.get("event") != "subscribe":
            ev = s.event()
        assert json.loads(ev["data"])["recovered"] is True
        got = [json.loads(s.until("id")["data"])["data"] for _ in range(2)]
        assert got == ["b", "c"]
    finally:
        s.close()
    # A position no longer in history (10 kept): not recovered, no replay.
    publish(hub.port, "log", *[f"x{i}" for i in range(12)])
    s = Sse(f"http://127.0.0.1:{hub.port}/hub?channels=log",
            headers=[f"Last-Event-ID: {epoch}:1"])
    try:
        ev = s.event()
        while ev.get("event") != "subscribe":
            ev = s.event()
        assert json.loads(ev["data"])["recovered"] is False
        [r] = publish(hub.port, "log", "live")
        ev = s.until("id")
        assert json.loads(ev["data"])["data"] == "live"
    finally:
        s.close()


def test_sse_over_tls_h2(spawn, write_config, cert):
    listeners = ("  - name: web\n    address: 127.0.0.1:0\n    routes: main\n"
                 f"    tls: {{certificates: [{{cert: \"{cert[0]}\", key: \"{cert[1]}\"}}]}}\n"
                 "    protocols: [h1, h2]\n"
                 "  - {name: plain, address: 127.0.0.1:0, routes: main}\n")
    s_ = spawn("serve", "-c", write_config(hub_config(listeners=listeners)))
    s = Sse(f"https://localhost:{s_.ports['web']}/hub?channels=t", "--http2", "-k")
    try:
        ev = s.event()
        while ev.get("event") != "subscribe":
            ev = s.event()
        publish(s_.ports["plain"], "t", 42)
        assert json.loads(s.until("id")["data"])["data"] == 42
    finally:
        s.close()


def test_sse_drain_sends_disconnect(spawn, write_config):
    import signal
    h = spawn("serve", "-c", write_config(hub_config(drain_spread="200ms")))
    s = Sse(f"http://127.0.0.1:{h.port}/hub?channels=x")
    try:
        ev = s.event()
        while ev.get("event") != "subscribe":
            ev = s.event()
        h.signal(signal.SIGTERM)
        rest = s.rest()
        assert b'event: disconnect\ndata: {"code":1012,"reason":"reconnect"}' in rest, rest
        h.proc.wait(30)
    finally:
        s.close()


def test_sse_over_h3_until_drain(spawn, write_config, cert):
    """HTTP/3: `strata probe --h3` holds an event stream that the drain ends
    (retry, connect, subscribe, disconnect events: about 200 bytes)."""
    import signal
    import threading
    from conftest import BIN, run
    listeners = ("  - name: web\n    address: 127.0.0.1:0\n    routes: main\n"
                 f"    tls: {{certificates: [{{cert: \"{cert[0]}\", key: \"{cert[1]}\"}}]}}\n"
                 "    protocols: [h1, h2, h3]\n")
    s = spawn("serve", "-c", write_config(hub_config(listeners=listeners)))
    t = threading.Timer(2.0, lambda: s.signal(signal.SIGTERM))
    t.start()
    try:
        r = run([BIN, "probe", "--h3", "-H", "Accept: text/event-stream", "--json", "--timeout", "15",
                 f"https://localhost:{s.port}/hub?channels=a"], timeout=40)
    finally:
        t.cancel()
    rep = json.loads(r.stdout)["attempts"][0]
    assert rep["protocol"] == "h3" and rep["status"] == 200, rep
    assert 180 <= rep["body_bytes"] <= 260, rep
    assert s.proc.wait(30) == 0
