"""Helpers for the hub integration tests: the publish API over HTTP
(urllib, one connection per call, so with several workers calls land on
different workers) and WebSocket clients of the hub protocol
(python3-websockets). Every wait is bounded."""
import asyncio
import json
import urllib.error
import urllib.request

import websockets

TIMEOUT = 20


def run_async(coro, timeout=TIMEOUT):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def api(port, endpoint, body=None, key="apikey-test-1", headers=None, method=None, prefix="/hub/api"):
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


async def wait_subscribed(ws, channels, timeout=10):
    """Waits for the server-side subscribe push of every channel (any order:
    channels have different owners)."""
    left = set(channels)
    for _ in range(100):
        if not left:
            return
        m = await recv_json(ws, timeout)
        if "push" in m and "subscribe" in m["push"]:
            left.discard(m["push"]["channel"])
    raise AssertionError(f"not subscribed: {left}")
