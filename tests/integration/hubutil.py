"""Helpers for the hub tests: a config with the hub on one listener and a
small JSON-protocol client over python3-websockets."""
import asyncio
import json

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
