"""The hub's WebSocket protocol end to end (docs/hub.md "Wire protocol"):
python3-websockets clients against the real binary. Publishing uses client
publish (namespaces with client_publish: true)."""
import asyncio
import json
import time

import pytest
import websockets

from conftest import curl
from hubws import HubClient, hub_config, run_async


def url(p, q=""):
    return f"ws://127.0.0.1:{p.port}/hub{q}"


@pytest.fixture
def hub(spawn, write_config):
    return spawn("serve", "-c", write_config(hub_config()))


def test_subscribe_publish_unsubscribe_ping(hub):
    async def go():
        a = await HubClient.connect(url(hub))
        b = await HubClient.connect(url(hub))
        c = await a.call("connect", {})  # optional here (anonymous allowed)
        assert c["result"]["user"] == "" and int(c["result"]["client"]) > 0, c
        assert (await a.call("connect", {}))["error"]["code"] == 107  # only once
        r = await a.call("subscribe", {"channel": "news"})
        assert r["result"]["recoverable"] is True and r["result"]["offset"] == 0, r
        epoch = r["result"]["epoch"]
        r = await b.call("publish", {"channel": "news", "data": {"text": "hi"}})
        assert r["result"] == {"offset": 1, "epoch": epoch}, r
        p = await a.push()
        assert p == {"channel": "news", "pub": {"offset": 1, "epoch": epoch, "data": {"text": "hi"}}}
        assert (await a.call("ping"))["result"] == {}
        assert (await a.call("subscribe", {"channel": "news"}))["error"]["code"] == 105
        assert (await a.call("unsubscribe", {"channel": "news"}))["result"] == {}
        assert (await a.call("unsubscribe", {"channel": "news"}))["error"]["code"] == 110
        await b.call("publish", {"channel": "news", "data": 2})
        # a is no longer subscribed: the next thing it gets is the ping reply.
        assert (await a.call("ping"))["result"] == {}
        assert a.pushes == []
        h = await a.call("history", {"channel": "news"})
        assert [x["data"] for x in h["result"]["publications"]] == [{"text": "hi"}, 2], h
        await a.close()
        await b.close()
    run_async(go())


def test_recover_and_not_recovered(hub):
    async def go():
        pub = await HubClient.connect(url(hub))
        r = await pub.call("publish", {"channel": "chat:room", "data": "m1"})
        epoch = r["result"]["epoch"]
        for i in range(2, 6):
            await pub.call("publish", {"channel": "chat:room", "data": f"m{i}"})
        # History 3 in "chat": since offset 3 recovers 4 and 5.
        c = await HubClient.connect(url(hub))
        r = await c.call("subscribe", {"channel": "chat:room", "since": {"offset": 3, "epoch": epoch}})
        assert r["result"]["recovered"] is True and r["result"]["missed"] == 2, r
        got = [(await c.push())["pub"]["data"] for _ in range(2)]
        assert got == ["m4", "m5"]
        await pub.call("publish", {"channel": "chat:room", "data": "m6"})
        while True:  # skip join/leave of other clients
            p = await c.push()
            if "pub" in p:
                break
        assert p["pub"]["data"] == "m6" and p["pub"]["offset"] == 6
        # Offset 1 is gone (history 3): not recovered, nothing replayed.
        d = await HubClient.connect(url(hub))
        r = await d.call("subscribe", {"channel": "chat:room", "since": {"offset": 1, "epoch": epoch}})
        assert r["result"]["recovered"] is False and r["result"]["missed"] == 0, r
        # Another epoch: not recovered either.
        e = await HubClient.connect(url(hub))
        r = await e.call("subscribe", {"channel": "chat:room", "since": {"offset": 5, "epoch": "nope"}})
        assert r["result"]["recovered"] is False, r
        assert (await d.call("ping"))["result"] == {} and [x for x in d.pushes if "pub" in x] == []
        for x in (pub, c, d, e):
            await x.close()
    run_async(go())


def test_url_channels_and_since(hub):
    async def go():
        pub = await HubClient.connect(url(hub))
        r = await pub.call("publish", {"channel": "feed", "data": 1})
        epoch = r["result"]["epoch"]
        await pub.call("publish", {"channel": "feed", "data": 2})
        c = await HubClient.connect(url(hub, f"?channels=feed&since={epoch}:1"))
        p = await c.push()
        assert p["channel"] == "feed" and p["subscribe"]["recovered"] is True, p
        p = await c.push()
        assert p["pub"]["data"] == 2
        await pub.call("publish", {"channel": "feed", "data": 3})
        assert (await c.push())["pub"]["data"] == 3
        # Two channels from the URL, no since.
        m = await HubClient.connect(url(hub, "?channels=chat%3Ax,feed"))
        subs = []
        for _ in range(4):
            p = await m.push()
            if "subscribe" in p:
                subs.append(p["channel"])
            if len(subs) == 2:
                break
        assert sorted(subs) == ["chat:x", "feed"], subs
        # A server-side subscription that fails closes the connection.
        bad = await HubClient.connect(url(hub, "?channels=nope%3Ax"))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(bad.ws.recv(), 10)
        assert bad.ws.close_code == 4000
        for x in (pub, c, m):
            await x.close()
    run_async(go())


def test_presence_join_leave(hub):
    async def go():
        a = await HubClient.connect(url(hub))
        await a.call("subscribe", {"channel": "chat:p"})
        b = await HubClient.connect(url(hub))
        r = await b.call("subscribe", {"channel": "chat:p"})
        assert "result" in r, r
        own = await a.push()  # a's own join comes first
        j = await a.push()
        assert "join" in own and "join" in j and j["channel"] == "chat:p", (own, j)
        assert own["join"]["client"] != j["join"]["client"]
        pr = await a.call("presence", {"channel": "chat:p"})
        assert pr["result"]["num_clients"] == 2, pr
        await b.close()
        l = await a.push()
        assert "leave" in l and l["leave"]["client"] == j["join"]["client"], l
        # Presence is off in the default namespace.
        assert (await a.call("presence", {"channel": "news"}))["error"]["code"] == 108
        await a.close()
    run_async(go())


def test_protocol_errors(hub):
    async def go():
        c = await HubClient.connect(url(hub))
        await c.ws.send(json.dumps({"id": 1, "frobnicate": {}}))
        r = json.loads(await c.ws.recv())
        assert r == {"id": 1, "error": {"code": 104, "message": "unknown method 'frobnicate'"}}, r
        assert (await c.call("subscribe", {"channel": "closed:x"}))["error"]["code"] == 103
        assert (await c.call("subscribe", {"channel": "nope:x"}))["error"]["code"] == 102
        assert (await c.call("subscribe", {}))["error"]["code"] == 107
        assert (await c.call("publish", {"channel": "closed:x", "data": 1}))["error"]["code"] == 103
        # An id that is not a positive integer: closed with 4000.
        await c.ws.send(json.dumps({"id": -1, "ping": {}}))
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(c.ws.recv(), 10)
        assert c.ws.close_code == 4000
        d = await HubClient.connect(url(hub))
        await d.ws.send("{not json")
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(d.ws.recv(), 10)
        assert d.ws.close_code == 4000
    run_async(go())


def test_not_a_hub_request_gets_400(hub):
    code, body = curl(f"http://127.0.0.1:{hub.port}/hub")
    assert code == 400, body


def test_deflate(spawn, write_config):
    s = spawn("serve", "-c", write_config(hub_config(deflate="true")))

    async def go():
        a = await HubClient.connect(url(s), compression="deflate")
        assert a.ws.extensions, "permessage-deflate not negotiated"
        await a.call("subscribe", {"channel": "z"})
        b = await HubClient.connect(url(s))
        await b.call("publish", {"channel": "z", "data": {"x": "y" * 500}})
        p = await a.push()
        assert p["pub"]["data"] == {"x": "y" * 500}
        await a.close()
        await b.close()
    run_async(go())


def test_websocket_over_h2(hub):
    """RFC 8441 extended CONNECT on h2c: subscribe, receive a publication."""
    from h2tunnel import H2Client, connect_websocket, ws_frame, ws_message
    c = H2Client(hub.port)
    try:
        sid = connect_websocket(c, hub.port, path="/hub?channels=h2ch")
        assert c.status(sid) == 200
        op, msg = ws_message(c, sid)
        assert op == 1 and json.loads(msg)["push"]["channel"] == "h2ch", msg
        c.send(sid, ws_frame(1, json.dumps({"id": 1, "ping": {}}).encode()))
        op, msg = ws_message(c, sid)
        assert json.loads(msg) == {"id": 1, "result": {}}

        async def pub():
            p = await HubClient.connect(url(hub))
            await p.call("publish", {"channel": "h2ch", "data": "over h2"})
            await p.close()
        run_async(pub())
        op, msg = ws_message(c, sid)
        assert json.loads(msg)["push"]["pub"]["data"] == "over h2", msg
        # A close from the client is echoed.
        import struct
        c.send(sid, ws_frame(8, struct.pack("!H", 1000)))
        op, msg = ws_message(c, sid)
        assert op == 8 and struct.unpack("!H", msg[:2])[0] == 1000
    finally:
        c.close()


def test_websocket_over_tls_h1(spawn, write_config, cert):
    import ssl
    listeners = ("  - name: web\n    address: 127.0.0.1:0\n    routes: main\n"
                 f"    tls: {{certificates: [{{cert: \"{cert[0]}\", key: \"{cert[1]}\"}}]}}\n"
                 "    protocols: [h1]\n")
    s = spawn("serve", "-c", write_config(hub_config(listeners=listeners)))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE

    async def go():
        a = await HubClient.connect(f"wss://localhost:{s.port}/hub", ssl=ctx)
        await a.call("subscribe", {"channel": "t"})
        r = await a.call("publish", {"channel": "t", "data": "tls"})
        assert "result" in r, r
        assert (await a.push())["pub"]["data"] == "tls"
        await a.close()
        assert a.ws.close_code == 1000
    run_async(go())


def test_websocket_over_h3(spawn, write_config, cert):
    """RFC 9220 via `strata ws-probe --h3`: the handshake (200), a client
    close echoed with 1000, and a binary message answered with 1003."""
    from conftest import BIN, run
    listeners = ("  - name: web\n    address: 127.0.0.1:0\n    routes: main\n"
                 f"    tls: {{certificates: [{{cert: \"{cert[0]}\", key: \"{cert[1]}\"}}]}}\n"
                 "    protocols: [h1, h2, h3]\n")
    s = spawn("serve", "-c", write_config(hub_config(listeners=listeners)))

    def probe(*args):
        r = run([BIN, "ws-probe", "--h3", f"https://localhost:{s.port}/hub", "--timeout", "15",
                 *args], timeout=60, check=False)
        lines = r.stdout.decode().strip().splitlines()
        assert lines, r.stderr[-2000:]
        return r.returncode, json.loads(lines[-1])

    rc, rep = probe("--bytes", "0")
    assert rc == 0 and rep["close_code"] == 1000, rep
    rc, rep = probe("--bytes", "10")
    assert rep["close_code"] == 1003, rep


def test_silent_client_pinged_then_closed_4009_and_metrics(spawn, write_config):
    """A raw client that never answers: pings every heartbeat, then 4009
    after client_timeout; the connection gauge counts it meanwhile."""
    from test_hub_conformance import Reader, handshake
    s = spawn("serve", "-c", write_config(hub_config(heartbeat="200ms", client_timeout="700ms")))
    sock, _, rest = handshake(s.port, path="/hub?channels=m")
    try:
        code, metrics = curl(f"http://127.0.0.1:{s.ports['admin']}/metrics")
        assert 'strata_hub_connections{transport="websocket_h1"} 1' in metrics.decode(), metrics
        r = Reader(sock, rest)
        ops = []
        for _ in range(20):
            op, p = r.frame()
            ops.append(op)
            if op == 8:
                break
        assert ops[0] == 1 and 9 in ops, ops  # the subscribe push, then pings
        assert ops[-1] == 8 and int.from_bytes(p[:2], "big") == 4009, (ops, p)
    finally:
        sock.close()
    deadline = time.time() + 10
    while True:
        _, metrics = curl(f"http://127.0.0.1:{s.ports['admin']}/metrics")
        if 'strata_hub_connections{transport="websocket_h1"} 0' in metrics.decode():
            break
        assert time.time() < deadline, metrics
        time.sleep(0.05)


def test_fanout_to_many_h1_subscribers_in_order_and_timed(spawn, write_config):
    """Enough HTTP/1.1 WebSocket subscribers on one worker that a fan-out
    takes several write slices (512 connections each): every subscriber
    gets every publication once and in order, and each write cycle is
    observed in strata_hub_fanout_seconds."""
    s = spawn("serve", "-c", write_config(hub_config(workers=1)))
    n, pubs = 600, 5  # > 512: two write slices; under the usual 1024 open files

    def fanout_count():
        _, m = curl(f"http://127.0.0.1:{s.ports['admin']}/metrics")
        for line in m.decode().splitlines():
            if line.startswith("strata_hub_fanout_seconds_count"):
                return int(float(line.split()[-1]))
        return None

    async def go():
        subs = await asyncio.gather(*[HubClient.connect(url(s, "?channels=fan")) for _ in range(n)])
        for c in subs:  # the server-side subscription's push
            first = await c.push()
            assert first["channel"] == "fan" and "subscribe" in first, first
        before = fanout_count()
        assert before is not None
        pub = await HubClient.connect(url(s))
        for i in range(pubs):
            r = await pub.call("publish", {"channel": "fan", "data": i})
            assert r["result"]["offset"] == i + 1, r
        for c in subs:
            got = [(await c.push())["pub"]["data"] for _ in range(pubs)]
            assert got == list(range(pubs)), got
        after = fanout_count()
        assert after > before, (before, after)
        await asyncio.gather(*[c.close() for c in subs + [pub]])
    run_async(go(), timeout=120)
