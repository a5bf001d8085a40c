"""WebSocket (HTTP/1.1 Upgrade) end to end: python3-websockets -> strata
proxy/serve -> strata origin /ws. Every wait is bounded."""
import asyncio
import os
import signal

import websockets

from conftest import curl, origin, proxy, raw_request, status_of

TIMEOUT = 20


def run_async(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


async def echo_session(port, big=1 << 20):
    """Text, a `big` binary message byte-exact, ping/pong, clean close."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None,
                                  compression=None, open_timeout=10, close_timeout=10) as ws:
        await ws.send("hello, strata")
        assert await ws.recv() == "hello, strata"
        payload = os.urandom(big)
        await ws.send(payload)
        got = await ws.recv()
        assert isinstance(got, bytes) and got == payload
        pong = await ws.ping(b"are-you-there")
        await asyncio.wait_for(pong, 10)
        await ws.close()
        assert ws.close_code == 1000


def test_websocket_echo_through_proxy(spawn):
    o = origin(spawn)
    p = proxy(spawn, [o], "--admin", "127.0.0.1:0")
    run_async(echo_session(p.port))
    # A plain request on the same route still works.
    code, body = curl(f"http://127.0.0.1:{p.port}/")
    assert code == 200 and body == b"strata origin\n"
    code, metrics = curl(f"http://127.0.0.1:{p.ports['admin']}/metrics")
    text = metrics.decode()
    assert 'strata_upgrade_tunnels_total{protocol="websocket"} 1' in text, text
    assert "strata_upgrade_tunnels_active 0" in text, text


def test_websocket_direct_to_origin(spawn):
    o = origin(spawn)
    run_async(echo_session(o.port, big=200_000))


def test_refused_upgrade_is_relayed(spawn):
    o = origin(spawn)
    p = proxy(spawn, [o])
    # /ws without Upgrade: the origin says 426, relayed as is.
    code, _ = curl(f"http://127.0.0.1:{p.port}/ws")
    assert code == 426
    # An Upgrade the origin ignores: its 200 comes back as a normal response.
    resp = raw_request(p.port, b"GET /status/200 HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\n"
                               b"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                               b"Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
                       read_timeout=1.0)
    assert status_of(resp) == 200, resp
    assert b"status 200" in resp


CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
route_tables:
  main:
    - match: {{prefix: "/"}}
      proxy: {{cluster: app}}
clusters:
  app:
    endpoints: ["127.0.0.1:{origin}"]
"""


def test_websocket_survives_reload(spawn, write_config):
    o = origin(spawn)
    path = write_config(CONFIG.format(origin=o.port))
    s = spawn("serve", "-c", path)
    port = s.ports["web"]

    async def session():
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None,
                                      compression=None, open_timeout=10) as ws:
            await ws.send("before")
            assert await ws.recv() == "before"
            before = s.text().count("reload complete")
            s.signal(signal.SIGHUP)
            for _ in range(200):
                if s.text().count("reload complete") > before:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("no reload:\n" + s.text()[-3000:])
            # New requests use the new config; the open stream is untouched.
            assert curl(f"http://127.0.0.1:{port}/")[0] == 200
            await ws.send("after")
            assert await ws.recv() == "after"
            data = os.urandom(300_000)
            await ws.send(data)
            assert await ws.recv() == data
            await ws.close()
            assert ws.close_code == 1000

    run_async(session())
