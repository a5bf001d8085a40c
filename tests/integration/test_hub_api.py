"""The hub's publish API (route action hub_api) end to end: urllib/curl
publishers, python3-websockets subscribers of the real binary, 2 workers
(API calls and subscribers land on either). Every wait is bounded."""
import asyncio
import json

import pytest

from conftest import curl
from hubjwt import hs256
from hubutil import (admin_get, api, close_code, command, connect, is_pub, is_subscribed, recv_until,
                     run_async)

SECRET = b"hub-api-test-secret"

CONFIG = """
workers: 2
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
admin:
  address: "127.0.0.1:0"
hub:
  api_keys: [k1]
  max_message: 2048
  jwt: {{hs256_secret_file: "{secret}"}}
  namespaces:
    - {{name: "", history_size: 10, anonymous: true}}
    - {{name: chat, history_size: 10, presence: true, anonymous: true}}
route_tables:
  main:
    - match: {{prefix: "/hub/api"}}
      hub_api: {{}}
    - match: {{prefix: "/hub"}}
      hub: {{}}
"""


@pytest.fixture
def hub(spawn, write_config, workdir):
    (workdir / "secret.txt").write_bytes(SECRET + b"\n")
    return spawn("serve", "-c", write_config(CONFIG.format(secret=workdir / "secret.txt")))


def token(user, **claims):
    return hs256(SECRET, {"sub": user, **claims})


def test_api_key_required(hub):
    for key in (None, "wrong", "k1x"):
        st, body = api(hub.port, "publish", {"channel": "a", "data": 1}, key=key)
        assert st == 401, (key, st, body)
        assert body["error"]["code"] == 101
    # curl with a Bearer scheme: refused too.
    code, body = curl("-X", "POST", "-H", "Authorization: Bearer k1", "--data", '{"channel":"a","data":1}',
                      f"http://127.0.0.1:{hub.port}/hub/api/publish")
    assert code == 401 and json.loads(body)["error"]["code"] == 101
    st, hist = api(hub.port, "history?channel=a")
    assert st == 200 and hist["result"]["publications"] == []


def test_publish_reaches_subscriber_compactly(hub):
    async def go():
        ws = await connect(hub.port, "channels=news")
        await recv_until(ws, is_subscribed("news"))
        code, body = curl("-X", "POST", "-H", "Authorization: apikey k1", "--data-binary",
                          '{"channel": "news",\n "data": {"text": "hi\\nthere", "n": [1,  2]}}',
                          f"http://127.0.0.1:{hub.port}/hub/api/publish")
        assert code == 200, body
        res = json.loads(body)["result"]
        m = await recv_until(ws, is_pub("news"))
        assert m["push"]["pub"]["data"] == {"text": "hi\nthere", "n": [1, 2]}
        assert m["push"]["pub"]["offset"] == res["offset"] and m["push"]["pub"]["epoch"] == res["epoch"]
        await ws.close()
    run_async(go())


def test_errors_and_limits(hub):
    st, body = api(hub.port, "publish", b"{not json")
    assert st == 400 and body["error"]["code"] == 107
    st, body = api(hub.port, "publish", {"data": 1})
    assert st == 400 and body["error"]["code"] == 107
    st, body = api(hub.port, "publish", {"channel": "nons:x", "data": 1})
    assert st == 400 and body["error"]["code"] == 102
    st, body = api(hub.port, "publish", {"channel": "a", "data": "x" * 3000})
    assert st == 413 and body["error"]["code"] == 106
    st, body = api(hub.port, "publish", b'{"channel":"a","data":"' + b"x" * 40000 + b'"}')
    assert st == 413
    st, body = api(hub.port, "nothing", {})
    assert st == 404
    st, _ = api(hub.port, "publish")  # GET
    assert st == 405


def test_idempotency_key(hub):
    first = api(hub.port, "publish", {"channel": "idem", "data": 1, "idempotency_key": "k-1"})
    assert first[0] == 200
    # Repeats (new connections, so either worker) get the first reply, nothing is published again.
    for _ in range(6):
        assert api(hub.port, "publish", {"channel": "idem", "data": 2, "idempotency_key": "k-1"}) == first
    hdr = api(hub.port, "publish", {"channel": "idem", "data": 3}, headers={"Idempotency-Key": "h-1"})
    for _ in range(4):
        assert api(hub.port, "publish", {"channel": "idem", "data": 3}, headers={"Idempotency-Key": "h-1"}) == hdr
    assert hdr[1]["result"]["offset"] == first[1]["result"]["offset"] + 1
    st, hist = api(hub.port, "history?channel=idem")
    assert st == 200
    assert [p["data"] for p in hist["result"]["publications"]] == [1, 3]


def test_broadcast_and_batch(hub):
    async def go():
        ws = await connect(hub.port, "channels=b1,b2")
        await recv_until(ws, is_subscribed("b1"))
        await recv_until(ws, is_subscribed("b2"))
        st, body = api(hub.port, "broadcast", {"channels": ["b1", "b2"], "data": {"all": True}})
        assert st == 200, body
        resp = body["result"]["responses"]
        assert [r["channel"] for r in resp] == ["b1", "b2"] and all("offset" in r for r in resp)
        got = {}
        for _ in range(2):
            m = await recv_until(ws, lambda m: "push" in m and "pub" in m["push"])
            got[m["push"]["channel"]] = m["push"]["pub"]["data"]
        assert got == {"b1": {"all": True}, "b2": {"all": True}}
        st, body = api(hub.port, "batch", {"commands": [
            {"publish": {"channel": "b1", "data": "one"}},
            {"publish": {"channel": "b1", "data": "two"}},
            {"broadcast": {"channels": ["b2"], "data": "three"}},
            {"publish": {"channel": "nons:x", "data": 0}}]})
        assert st == 200, body
        replies = body["replies"]
        assert replies[0]["result"]["offset"] + 1 == replies[1]["result"]["offset"]
        assert replies[2]["result"]["responses"][0]["channel"] == "b2"
        assert replies[3]["error"]["code"] == 102
        m1 = await recv_until(ws, is_pub("b1"))
        m2 = await recv_until(ws, is_pub("b1"))
        assert [m1["push"]["pub"]["data"], m2["push"]["pub"]["data"]] == ["one", "two"]
        await ws.close()
    run_async(go())


def test_disconnect_user_closes_with_4005(hub):
    async def go():
        a = await connect(hub.port, f"token={token('u1')}&channels=chat:room")
        b = await connect(hub.port, f"token={token('u2')}&channels=chat:room")
        for ws in (a, b):
            await recv_until(ws, is_subscribed("chat:room"))
        # Presence through the API and the admin listener.
        st, body = api(hub.port, "presence?channel=chat%3Aroom")
        assert st == 200 and body["result"]["num_clients"] == 2 and body["result"]["num_users"] == 2
        assert sorted(c["user"] for c in body["result"]["clients"].values()) == ["u1", "u2"]
        st, pres = admin_get(hub.ports["admin"], "/hub/presence?channel=chat%3Aroom")
        assert st == 200 and pres["num_clients"] == 2
        st, chans = admin_get(hub.ports["admin"], "/hub/channels")
        room = [c for c in chans["channels"] if c["name"] == "chat:room"]
        assert room and room[0]["subscribers"] == 2
        st, body = api(hub.port, "disconnect", {"user": "u1", "reason": "bye"})
        assert st == 200 and body == {"result": {}}
        assert await close_code(a) == 4005
        # u2 is still there and still receives.
        api(hub.port, "publish", {"channel": "chat:room", "data": "after"})
        m = await recv_until(b, is_pub("chat:room"))
        assert m["push"]["pub"]["data"] == "after"
        # Unsubscribe u2 from the channel through the API: no more publications.
        st, _ = api(hub.port, "unsubscribe", {"user": "u2", "channel": "chat:room"})
        assert st == 200
        for _ in range(50):
            st, body = api(hub.port, "presence?channel=chat%3Aroom")
            if body["result"]["num_clients"] == 0:
                break
            await asyncio.sleep(0.02)
        assert body["result"]["num_clients"] == 0
        reply = await command(b, {"id": 1, "ping": {}})
        assert reply == {"id": 1, "result": {}}
        await b.close()
    run_async(go())
