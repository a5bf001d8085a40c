"""The hub across nodes on a Redis Cluster of 3 masters and 3 replicas made
by `redis-cli --cluster create` (redis.mode: cluster, sharded pub/sub):
channels spread over the masters, publications on node A reach B and C in
order; a master killed with SIGKILL -> its replica takes over -> strata's
SSUBSCRIBEs come back on the new master and later publications are
delivered, with no strata restart. Every wait is bounded."""
import signal
import time

from hubnodes import hub_nodes, metric, redis_yaml  # noqa: F401
from hubutil import api, connect, is_pub, is_subscribed, recv_json, recv_until, run_async, wait_subscribed
from redisutil import needs_redis, redis_cluster, text  # noqa: F401

pytestmark = needs_redis

CHANNELS = [f"k{i}" for i in range(24)]


def cluster_yaml(c):
    return redis_yaml("cluster", c.addresses[:3])


def shard_channels(server):
    return [text(x) for x in server.call("PUBSUB", "SHARDCHANNELS")]


def master_with(cluster, channel):
    """The live master whose sharded pub/sub has strata's channel for `channel`."""
    for m in cluster.masters():
        if any(x.endswith("c:" + channel) for x in shard_channels(cluster.node(m))):
            return m
    return None


def test_cluster_spread_and_cross_node_delivery(redis_cluster, hub_nodes):
    a, b, c = hub_nodes(cluster_yaml(redis_cluster))

    async def go():
        subs = []
        for x in (b, c):
            ws = await connect(x.port, "channels=" + ",".join(CHANNELS))
            await wait_subscribed(ws, CHANNELS, 20)
            subs.append(ws)
        expect = {ch: [] for ch in CHANNELS}
        for k in range(4):
            cmds = [{"publish": {"channel": ch, "data": f"{ch}-{k}"}} for ch in CHANNELS]
            st, body = api(a.port, "batch", {"commands": cmds})
            assert st == 200, body
            for ch, rep in zip(CHANNELS, body["replies"]):
                assert "result" in rep, rep
                expect[ch].append((rep["result"]["offset"], f"{ch}-{k}"))
        for ws in subs:
            got = {ch: [] for ch in CHANNELS}
            for _ in range(len(CHANNELS) * 4):
                m = await recv_until(ws, lambda m: "push" in m and "pub" in m["push"], 15)
                p = m["push"]
                got[p["channel"]].append((p["pub"]["offset"], p["pub"]["data"]))
            assert got == expect
        # Sharded pub/sub: the subscriptions are spread over all three masters
        # (partition tags chosen for the slot ranges), none is a plain channel.
        per_master = {m: [ch for ch in CHANNELS if any(x.endswith("c:" + ch) for x in shard_channels(redis_cluster.node(m)))]
                      for m in redis_cluster.masters()}
        plain = [redis_cluster.node(m).call("PUBSUB", "CHANNELS", "*") for m in redis_cluster.masters()]
        for ws in subs:
            await ws.close()
        return per_master, plain
    per_master, plain = run_async(go(), 90)
    assert all(per_master.values()), per_master
    assert sorted(sum(per_master.values(), [])) == sorted(CHANNELS), per_master
    assert plain == [[], [], []], plain
    for x in (a, b, c):
        assert metric(x, "strata_hub_broker_publishes_total", result="local_fallback") == 0


def test_cluster_master_killed_resubscribed_without_restart(redis_cluster, hub_nodes):
    cl = redis_cluster
    a, b, c = hub_nodes(cluster_yaml(cl))
    pids = [x.proc.pid for x in (a, b, c)]

    async def go():
        subs = []
        for x in (b, c):
            ws = await connect(x.port, "channels=fo")
            await recv_until(ws, is_subscribed("fo"))
            subs.append(ws)
        st, p1 = api(a.port, "publish", {"channel": "fo", "data": "before"})
        assert st == 200, p1
        for ws in subs:
            m = await recv_until(ws, is_pub("fo"))
            assert m["push"]["pub"]["data"] == "before"
        victim = master_with(cl, "fo")
        assert victim, [(m, shard_channels(cl.node(m))) for m in cl.masters()]
        # Let the write reach the replica before the master dies.
        cl.node(victim).call("WAIT", 1, 2000)
        refreshes = [metric(x, "strata_redis_topology_refreshes_total") for x in (b, c)]
        cl.node(victim).kill(signal.SIGKILL)
        t0 = time.time()
        cl.wait_failover(victim, 30)
        failover_s = time.time() - t0
        # Publish on A until B and C see a publication through Redis again.
        seen = [None, None]
        deadline = time.time() + 40
        k = 0
        while None in seen and time.time() < deadline:
            api(a.port, "publish", {"channel": "fo", "data": f"after-{k}"})
            k += 1
            for i, ws in enumerate(subs):
                if seen[i] is not None:
                    continue
                try:
                    m = await recv_json(ws, 0.5)
                except Exception:
                    continue
                p = m.get("push", {})
                if "pub" in p and str(p["pub"]["data"]).startswith("after-"):
                    seen[i] = p["pub"]
        assert None not in seen, f"no delivery after failover within 40 s: {seen}"
        # Then steady: five more, in order, consecutive offsets, on both.
        res = []
        for i in range(5):
            st, body = api(a.port, "publish", {"channel": "fo", "data": f"post-{i}"})
            assert st == 200, body
            res.append(body["result"])
        for ws in subs:
            got = []
            while len(got) < 5:
                m = await recv_until(ws, lambda m: "push" in m, 15)
                p = m["push"]
                if "pub" in p and str(p["pub"]["data"]).startswith("post-"):
                    got.append(p["pub"])
            assert [g["data"] for g in got] == [f"post-{i}" for i in range(5)]
            assert [(g["offset"], g["epoch"]) for g in got] == [(r["offset"], r["epoch"]) for r in res]
        # The channel's sharded subscriptions are on a live master again.
        new = master_with(cl, "fo")
        for ws in subs:
            await ws.close()
        return victim, new, refreshes, failover_s
    victim, new, refreshes, failover_s = run_async(go(), 120)
    # No restart: same processes, still running.
    assert [x.proc.pid for x in (a, b, c)] == pids and all(x.proc.poll() is None for x in (a, b, c))
    assert new and new != victim, new
    for x, before in zip((b, c), refreshes):
        assert metric(x, "strata_redis_topology_refreshes_total") > before
    print(f"failover took {failover_s:.1f}s")
