"""Bad input from Redis (issue 12 "Bad input"): strata's node points at a
fake Redis (fakeredis_server.py) that completes the handshake and then
answers every data command with a malformed reply, a reply larger than
redis.max_reply, a reply of the wrong type, or stops reading altogether.
Each case must give a clear log line and a metric on the admin listener,
while the node keeps serving its local hub clients (a WebSocket publish
reaches a local subscriber; pings are answered at once) and exits cleanly
(conftest's spawn checks exit 0 and no sanitizer report). Every wait is
bounded."""
import re
import time

import pytest

from fakeredis_server import FakeRedis
from hubnodes import hub_nodes, metric, redis_yaml, wait_metric  # noqa: F401
from hubutil import command, connect, is_pub, recv_until, run_async

# mode -> (log line pattern, (metric, labels))
CASES = {
    "malformed": (r"(?i)redis.*(protocol|malformed)", ("strata_redis_bad_replies_total", {"kind": "malformed"})),
    "too_large": (r"(?i)redis.*(too.large|max_reply)", ("strata_redis_bad_replies_total", {"kind": "too_large"})),
    "wrong_type": (r"(?i)redis.*(wrong|unexpected).*(type|reply|shape)", ("strata_redis_bad_replies_total", {"kind": "wrong_type"})),
    "stall": (r"(?i)redis.*(time ?out|timed out)", ("strata_redis_commands_total", {"result": "timeout"})),
}


@pytest.fixture
def fake_redis():
    made = []

    def _make(mode):
        f = FakeRedis(mode).start()
        made.append(f)
        return f
    yield _make
    for f in made:
        f.stop()


@pytest.mark.parametrize("mode", list(CASES))
def test_bad_redis_logged_counted_and_local_hub_keeps_working(mode, fake_redis, hub_nodes):
    fake = fake_redis(mode)
    log_re, (mname, labels) = CASES[mode]
    [node] = hub_nodes(redis_yaml("standalone", [fake.address], max_reply=262144, command_timeout="500ms",
                                  connect_timeout="500ms"), n=1)

    async def go():
        sub = await connect(node.port)
        t0 = time.time()
        r = await command(sub, {"id": 1, "subscribe": {"channel": "x"}}, 15)
        assert "result" in r, r
        subscribe_s = time.time() - t0
        pub = await connect(node.port)
        publish_errors = []
        for i in range(3):
            r = await command(pub, {"id": 10 + i, "publish": {"channel": "x", "data": f"m{i}"}}, 15)
            if "result" not in r:
                publish_errors.append(r)
                continue
            m = await recv_until(sub, is_pub("x"), 15)
            assert m["push"]["pub"]["data"] == f"m{i}", m
            assert m["push"]["pub"]["offset"] == r["result"]["offset"], (m, r)
        # The workers are not stalled: pings come back at once.
        for ws in (sub, pub):
            t0 = time.time()
            assert (await command(ws, {"id": 99, "ping": {}}, 5))["result"] == {}
            assert time.time() - t0 < 2
        for ws in (sub, pub):
            await ws.close()
        return subscribe_s, publish_errors
    subscribe_s, publish_errors = run_async(go(), 90)
    assert fake.bad_sent > 0, f"strata sent no data command to the fake: {fake.commands[:20]}"
    v = wait_metric(node, mname, lambda v: v >= 1, 15, **labels)
    text = node.wait_for_log(log_re, 15)
    line = next(l for l in text.splitlines() if re.search(log_re, l))
    print(f"{mode}: {mname}{labels}={v}, subscribe took {subscribe_s:.2f}s, log: {line[:200]}")
    # Still serving metrics and still alive after all of it.
    assert node.proc.poll() is None
    # A Redis that answers garbage is as good as down: local clients keep
    # publishing to each other (local fallback), they do not get errors.
    assert not publish_errors, (f"{mode}: local publish failed while Redis misbehaved "
                                f"(local_fallback={metric(node, 'strata_hub_broker_publishes_total', result='local_fallback')}, "
                                f"error={metric(node, 'strata_hub_broker_publishes_total', result='error')}): {publish_errors}")
