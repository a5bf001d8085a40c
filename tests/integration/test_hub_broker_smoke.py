"""The multi-node hub on a real redis-server (hub.broker.type redis,
docs/hub.md "Multi-node"): two strata nodes on one Redis. A publication on
node A reaches a WebSocket subscriber on node B in order; with Redis
killed, B keeps delivering its own publications with local positions;
when Redis is back B's subscriber gets ONE recovered:false push and
delivery continues from Redis. (The full suite is tests/integration of
the redis-tests branch; this is the smoke test of the broker.)"""
import shutil
import socket
import subprocess
import time

import pytest

from hubws import HubClient, hub_config, run_async

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Redis:
    def __init__(self, port):
        self.port = port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None


@pytest.fixture
def redis():
    r = Redis(free_port())
    r.start()
    yield r
    r.stop()


def broker_config(redis_port):
    cfg = hub_config(workers=2)
    cfg = cfg.replace("hub:\n", "hub:\n  broker: {type: redis, prefix: smoke}\n", 1)
    return (f'redis:\n  addresses: ["127.0.0.1:{redis_port}"]\n'
            "  reconnect_min: 50ms\n  reconnect_max: 200ms\n  command_timeout: 500ms\n" + cfg)


def wait_redis_up(node, workers=2):
    """Every worker's Redis command connection is up (the client logs it)."""
    for w in range(workers):
        node.wait_for_log(rf"redis hub w{w} 127\.0\.0\.1:\d+: connected", timeout=10)


def url(p):
    return f"ws://127.0.0.1:{p.port}/hub"


async def next_push(c, timeout=10):
    return await asyncio_wait(c.push(), timeout)


async def asyncio_wait(coro, timeout):
    import asyncio
    return await asyncio.wait_for(coro, timeout)


def test_publication_on_a_reaches_subscriber_on_b_in_order(spawn, write_config, redis):
    path = write_config(broker_config(redis.port))
    a = spawn("serve", "-c", path)
    b = spawn("serve", "-c", path)
    wait_redis_up(a)
    wait_redis_up(b)

    async def go():
        sb = await HubClient.connect(url(b))
        r = await sb.call("subscribe", {"channel": "news"})
        assert "result" in r, r
        epoch = r["result"]["epoch"]
        start = r["result"]["offset"]
        pa = await HubClient.connect(url(a))
        for i in range(1, 21):
            r = await pa.call("publish", {"channel": "news", "data": i})
            assert r["result"] == {"offset": start + i, "epoch": epoch}, r
        got = [await next_push(sb) for _ in range(20)]
        assert [p["pub"]["data"] for p in got] == list(range(1, 21)), got
        assert [p["pub"]["offset"] for p in got] == list(range(start + 1, start + 21))
        # Recovery on A of what was published (history in the Redis stream).
        ra = await HubClient.connect(url(a))
        r = await ra.call("subscribe", {"channel": "news", "since": {"offset": start + 15, "epoch": epoch}})
        assert r["result"]["recovered"] is True and r["result"]["missed"] == 5, r
        await sb.close()
        await pa.close()
        await ra.close()
    run_async(go(), timeout=30)


def test_redis_down_local_delivery_then_not_recovered(spawn, write_config, redis):
    path = write_config(broker_config(redis.port))
    b = spawn("serve", "-c", path)
    wait_redis_up(b)

    async def go():
        sb = await HubClient.connect(url(b))
        r = await sb.call("subscribe", {"channel": "news"})
        epoch = r["result"]["epoch"]
        pb = await HubClient.connect(url(b))
        r = await pb.call("publish", {"channel": "news", "data": "before"})
        assert r["result"]["epoch"] == epoch, r
        assert (await next_push(sb))["pub"]["data"] == "before"
        redis.stop()
        # Local delivery continues, with positions in a local epoch.
        local = None
        for _ in range(100):
            r = await pb.call("publish", {"channel": "news", "data": "during"})
            if "result" in r and "~" in r["result"]["epoch"]:
                local = r["result"]
                break
            await asyncio_wait(__import__("asyncio").sleep(0.05), 1)
        assert local is not None, r
        p = await next_push(sb)
        while p.get("pub", {}).get("data") != "during":
            p = await next_push(sb)
        assert p["pub"]["epoch"] == local["epoch"]
        redis.start()
        # Redis back (empty: a new epoch): one recovered:false push.
        p = await next_push(sb, timeout=15)
        while "subscribe" not in p:
            assert p.get("pub", {}).get("data") == "during", p
            p = await next_push(sb, timeout=15)
        assert p["subscribe"]["recovered"] is False, p
        assert "~" not in p["subscribe"]["epoch"]
        new_epoch = p["subscribe"]["epoch"]
        # Then publications flow through Redis again.
        for _ in range(100):
            r = await pb.call("publish", {"channel": "news", "data": "after"})
            if r["result"]["epoch"] == new_epoch:
                break
        assert r["result"]["epoch"] == new_epoch, r
        p = await next_push(sb)
        while p.get("pub", {}).get("epoch") != new_epoch:
            p = await next_push(sb)
        assert p["pub"]["data"] == "after" and p["pub"]["offset"] == r["result"]["offset"], p
        await sb.close()
        await pb.close()
    run_async(go(), timeout=60)
