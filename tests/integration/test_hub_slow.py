"""Backpressure on the h1 WebSocket fast path: a slow reader gets every
publication in order once it reads (writes resume after EAGAIN); a reader
that stops while the output queue overflows is closed with 4008."""
import json
import socket
import struct
import threading
import time

from conftest import curl

from hubws import HubClient, hub_config, run_async
from test_hub_conformance import Reader, handshake

BIG = "x" * 20000


def publish_many(port, channel, n):
    async def go():
        c = await HubClient.connect(f"ws://127.0.0.1:{port}/hub", max_size=None)
        for i in range(n):
            r = await c.call("publish", {"channel": channel, "data": {"i": i, "pad": BIG}})
            assert "result" in r, r
        await c.close()
    run_async(go(), timeout=120)


def subscriber(port, channel):
    s, _, rest = handshake(port, path=f"/hub?channels={channel}")
    r = Reader(s, rest)
    op, p = r.frame()
    assert op == 1 and json.loads(p)["push"]["subscribe"], p
    return s, r


def test_slow_reader_gets_everything_in_order(spawn, write_config):
    cfg = hub_config().replace("  drain_spread: 0s\n", "  drain_spread: 0s\n  out_queue: 32MiB\n")
    s = spawn("serve", "-c", write_config(cfg))
    sock, r = subscriber(s.port, "slow")
    try:
        n = 600  # ~12 MB: more than the loopback socket buffers hold
        publish_many(s.port, "slow", n)
        got = []
        while len(got) < n:
            op, p = r.frame()
            if op == 1:
                got.append(json.loads(p)["push"]["pub"]["data"]["i"])
        assert got == list(range(n))
    finally:
        sock.close()


def test_stalled_reader_is_closed_4008(spawn, write_config):
    cfg = hub_config().replace("  drain_spread: 0s\n", "  drain_spread: 0s\n  out_queue: 256KiB\n")
    s = spawn("serve", "-c", write_config(cfg))
    sock, r = subscriber(s.port, "stall")
    pub = threading.Thread(target=publish_many, args=(s.port, "stall", 800), daemon=True)
    pub.start()
    try:
        # Not reading until the hub gave up on the client: then the close
        # frame (queued behind a partly written frame, if any) must arrive
        # within the 2 s close handshake.
        deadline = time.time() + 90
        while True:
            _, m = curl(f"http://127.0.0.1:{s.ports['admin']}/metrics")
            if "strata_hub_slow_consumers_total 1" in m.decode():
                break
            assert time.time() < deadline and pub.is_alive(), "no slow consumer"
            time.sleep(0.1)
        sock.settimeout(20)
        code = None
        for _ in range(10000):
            op, p = r.frame()
            if op == 8:
                code = struct.unpack("!H", p[:2])[0]
                break
            assert op == 1, op
            json.loads(p)  # every frame before the close is intact
        assert code == 4008
    finally:
        sock.close()
        pub.join(120)
