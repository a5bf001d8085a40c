"""Hub connections across SIGHUP (they stay, new channel options apply to
new subscriptions) and SIGTERM (closed with 1012 "reconnect", spread over
hub.drain_spread)."""
import asyncio
import signal
import time

import websockets

from hubutil import HubClient, hub_config, run_async


def test_reload_keeps_hub_connections(spawn, write_config):
    path = write_config(hub_config())
    s = spawn("serve", "-c", path)

    async def go():
        a = await HubClient.connect(f"ws://127.0.0.1:{s.port}/hub")
        await a.call("subscribe", {"channel": "r"})
        # The reload drops client_publish in the default namespace.
        with open(path, "w") as f:
            f.write(hub_config().replace(
                '{name: "", history_size: 10, history_ttl: 5m, anonymous: true, client_publish: true}',
                '{name: "", history_size: 10, history_ttl: 5m, anonymous: true}'))
        s.signal(signal.SIGHUP)
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: s.wait_for_log(r"reload complete"))
        # Still connected, still subscribed.
        assert (await a.call("ping"))["result"] == {}
        # Publishing from a client is now refused (new options)...
        assert (await a.call("publish", {"channel": "r", "data": 1}))["error"]["code"] == 103
        # ...while "chat" still allows it.
        b = await HubClient.connect(f"ws://127.0.0.1:{s.port}/hub")
        assert (await b.call("publish", {"channel": "chat:x", "data": 1}))["result"]["offset"] == 1
        await a.close()
        await b.close()
    run_async(go())


def test_sigterm_closes_with_1012_spread(spawn, write_config):
    s = spawn("serve", "-c", write_config(hub_config(drain_spread="1s")))
    n = 20

    async def go():
        clients = [await HubClient.connect(f"ws://127.0.0.1:{s.port}/hub") for _ in range(n)]
        for c in clients:
            await c.call("subscribe", {"channel": "d"})
        t0 = time.monotonic()
        s.signal(signal.SIGTERM)
        times = []

        async def wait_close(c):
            try:
                while True:
                    await asyncio.wait_for(c.ws.recv(), 15)
            except websockets.ConnectionClosed:
                times.append(time.monotonic() - t0)
            return c.ws.close_code, c.ws.close_reason

        got = await asyncio.gather(*(wait_close(c) for c in clients))
        assert all(g == (1012, "reconnect") for g in got), got
        # Spread: not all at the same moment, all within the spread (+ slack).
        assert max(times) < 5, times
        assert max(times) - min(times) > 0.2, times
    run_async(go(), timeout=40)
    assert s.proc.wait(30) == 0
