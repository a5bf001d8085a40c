"""The hub across nodes on three standalone Redis shards (redis.mode:
shards, channels spread by jump hash of their partition): channels land on
every shard, all keys and the pub/sub channel of one channel on one shard,
and publications on node A reach subscribers on B and C, in order per
channel. Every wait is bounded."""
from hubnodes import hub_nodes, metric, redis_yaml  # noqa: F401
from hubutil import api, connect, is_pub, recv_until, run_async, wait_subscribed
from redisutil import needs_redis, redis_shards, text  # noqa: F401

pytestmark = needs_redis

CHANNELS = [f"s{i}" for i in range(24)]
PER_CHANNEL = 5


def test_shards_spread_and_cross_node_delivery(redis_shards, hub_nodes):
    a, b, c = hub_nodes(redis_yaml("shards", [s.address for s in redis_shards]))

    async def go():
        subs = []
        for x in (b, c):
            ws = await connect(x.port, "channels=" + ",".join(CHANNELS))
            await wait_subscribed(ws, CHANNELS, 20)
            subs.append(ws)
        expect = {ch: [] for ch in CHANNELS}
        for k in range(PER_CHANNEL):
            cmds = [{"publish": {"channel": ch, "data": f"{ch}-{k}"}} for ch in CHANNELS]
            st, body = api(a.port, "batch", {"commands": cmds})
            assert st == 200, body
            for ch, rep in zip(CHANNELS, body["replies"]):
                assert "result" in rep, rep
                expect[ch].append((rep["result"]["offset"], f"{ch}-{k}"))
        for ws in subs:
            got = {ch: [] for ch in CHANNELS}
            for _ in range(len(CHANNELS) * PER_CHANNEL):
                m = await recv_until(ws, lambda m: "push" in m and "pub" in m["push"], 15)
                p = m["push"]
                got[p["channel"]].append((p["pub"]["offset"], p["pub"]["data"]))
            assert got == expect
        # Still live after: one more on C reaches B.
        st, _ = api(c.port, "publish", {"channel": CHANNELS[0], "data": "last"})
        assert st == 200
        m = await recv_until(subs[0], is_pub(CHANNELS[0]), 15)
        assert m["push"]["pub"]["data"] == "last"
        # While subscribed: each channel's pub/sub channel is on one shard.
        pubsubs = {}
        for i, s in enumerate(redis_shards):
            for p in s.call("PUBSUB", "CHANNELS", "strata*"):
                p = text(p)
                for ch in CHANNELS:
                    if p.endswith("c:" + ch):
                        assert ch not in pubsubs, (ch, pubsubs[ch], i)
                        pubsubs[ch] = i
        for ws in subs:
            await ws.close()
        return pubsubs
    pubsubs = run_async(go(), 90)
    # Every shard holds some channels; each channel's stream and pub/sub
    # channel are on exactly one shard, the same one.
    streams = {}
    for i, s in enumerate(redis_shards):
        for k in s.call("KEYS", "strata*"):
            k = text(k)
            for ch in CHANNELS:
                if k.endswith("s:" + ch):
                    assert ch not in streams, (ch, streams[ch], i)
                    streams[ch] = i
    assert sorted(streams) == sorted(CHANNELS), streams
    assert streams == pubsubs
    assert set(streams.values()) == {0, 1, 2}, streams
    for x in (a, b, c):
        assert metric(x, "strata_hub_broker_publishes_total", result="local_fallback") == 0
