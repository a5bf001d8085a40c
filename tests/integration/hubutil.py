"""Helpers for the hub tests: a config with the hub on one listener, a
small JSON-protocol client over python3-websockets, the publish API over
HTTP (urllib, one connection per call) and admin reads. Every wait is
bounded."""
import asyncio
import json
import urllib.error
import urllib.request

import websockets

TIMEOUT = 20

HUB_CONFIG = """
workers: {workers}
admin: {{address: "127.0.0.1:0"}}
hub:
  heartbeat: {heartbeat}
  client_timeout: {client_timeout}
  drain_spread: {drain_spread}
  namespaces:
    - {{name: "", history_size: 10, history_ttl: 5m, anonymous: true, client_publish: true}}
    - {{name: chat, presence: true, join_leave: true, client_publish: true, anonymous: true,
        history_size: 3}}
    - {{name: closed, anonymous: false}}
route_tables:
  main:
    - {{match: {{prefix: /hub}}, hub: {{deflate: {deflate}}}}}
    - {{match: {{prefix: /}}, respond: {{body: "ok\\n"}}}}
listeners:
{listeners}
"""

PLAIN = "  - {name: web, address: 127.0.0.1:0, routes: main}\n"


def hub_config(workers=2, heartbeat="25s", client_timeout="60s", drain_spread="0s",
               deflate="false", listeners=PLAIN):
    return HUB_CONFIG.format(workers=workers, heartbeat=heartbeat, client_timeout=client_timeout,
                             drain_spread=drain_spread, deflate=deflate, listeners=listeners)


def run_async(coro, timeout=TIMEOUT):
    return asyncio.run(asyncio.wait_for(coro, timeout))


class HubClient:
    """One WebSocket hub client: commands with ids, pushes kept in order."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 1
        self.pushes = []

    @classmethod
    async def connect(cls, url, **kw):
        kw.setdefault("compression", None)
        kw.setdefault("open_timeout", 10)
        kw.setdefault("close_timeout", 5)
        return cls(await websockets.connect(url, **kw))

    async def call(self, method, params=None):
        i = self.next_id
        self.next_id += 1
        await self.ws.send(json.dumps({"id": i, method: params or {}}))
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if msg.get("id") == i:
                return msg
            assert "push" in msg, msg
            self.pushes.append(msg["push"])

    async def push(self):
        if self.pushes:
            return self.pushes.pop(0)
        msg = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert "push" in msg, msg
        return msg["push"]

    async def close(self):
        await self.ws.close()

def api(port, endpoint, body=None, key="k1", headers=None, method=None, prefix="/hub/api"):
    """(status, parsed JSON reply) of one publish API call."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(f"http://127.0.0.1:{port}{prefix}/{endpoint}", data=data,
                                 method=method or ("POST" if data is not None else "GET"))
    if key is not None:
        req.add_header("Authorization", f"apikey {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw


def admin_get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.status, json.loads(r.read())


async def connect(port, query="", path="/hub"):
    url = f"ws://127.0.0.1:{port}{path}" + (f"?{query}" if query else "")
    return await websockets.connect(url, open_timeout=10, close_timeout=5, compression=None)


async def recv_json(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws, pred, timeout=10, limit=100):
    """The first message for which pred(msg) is true (others skipped)."""
    for _ in range(limit):
        m = await recv_json(ws, timeout)
        if pred(m):
            return m
    raise AssertionError("no matching message")


async def command(ws, msg, timeout=10):
    """Sends a command with an id and returns its reply (pushes skipped)."""
    await ws.send(json.dumps(msg))
    return await recv_until(ws, lambda m: m.get("id") == msg["id"], timeout)


async def close_code(ws, timeout=10):
    """Waits for the server to close; returns the close code."""
    try:
        for _ in range(1000):
            await asyncio.wait_for(ws.recv(), timeout)
    except websockets.ConnectionClosed as e:
        return e.rcvd.code if e.rcvd else None
    raise AssertionError("connection not closed")


def is_pub(channel):
    return lambda m: "push" in m and m["push"].get("channel") == channel and "pub" in m["push"]


def is_subscribed(channel):
    return lambda m: "push" in m and m["push"].get("channel") == channel and "subscribe" in m["push"]
