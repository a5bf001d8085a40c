"""Hub JWT auth end to end with python3-websockets against the real binary:
good / expired / not-yet-valid / wrong key / alg confusion / aud-iss /
wrong-channel subscribe tokens, HS256, RS256 and ES256 (keys generated per
run, test-only). Every wait is bounded."""
import signal
import time

import pytest
import websockets

from hubjwt import b64url, ec_key, es256, hs256, public_pem, rs256, rsa_key
from hubutil import close_code, command, connect, is_subscribed, recv_until, run_async

SECRET = b"hub-jwt-test-secret"

CONFIG = """
workers: 2
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
hub:
  api_keys: [apikey-test-1]
  jwt:
    hs256_secret_file: "{d}/secret.txt"
    rs256_public_key_file: "{d}/rs.pem"
    es256_public_key_file: "{d}/es.pem"
    audience: strata-test
    issuer: issuer-test
  namespaces:
    - {{name: "", history_size: 10}}
    - {{name: priv, private_channels: true}}
route_tables:
  main:
    - match: {{prefix: "/hub/api"}}
      hub_api: {{}}
    - match: {{prefix: "/hub"}}
      hub: {{}}
"""

RSA = rsa_key()
EC = ec_key()


@pytest.fixture
def hub(spawn, write_config, workdir):
    (workdir / "secret.txt").write_bytes(SECRET + b"\n")
    (workdir / "rs.pem").write_bytes(public_pem(RSA))
    (workdir / "es.pem").write_bytes(public_pem(EC))
    return spawn("serve", "-c", write_config(CONFIG.format(d=workdir)))


def claims(user="u1", **kw):
    c = {"sub": user, "aud": "strata-test", "iss": "issuer-test", "exp": int(time.time()) + 600}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


async def connect_outcome(port, tok):
    """("ok", result) | ("error", code) | ("close", code) for a connect command."""
    ws = await connect(port)
    try:
        try:
            reply = await command(ws, {"id": 1, "connect": {"token": tok}})
        except websockets.ConnectionClosed as e:
            return ("close", e.rcvd.code if e.rcvd else None)
        if "result" in reply:
            return ("ok", reply["result"])
        return ("error", reply["error"]["code"])
    finally:
        await ws.close()


def outcome(port, tok):
    return run_async(connect_outcome(port, tok))


def refused(o, error_code, close):
    return o in (("error", error_code), ("close", close))


def test_good_tokens_all_algs(hub):
    for tok in (hs256(SECRET, claims("h", info={"name": "Ann"})), rs256(RSA, claims("r")), es256(EC, claims("e"))):
        kind, res = outcome(hub.port, tok)
        assert kind == "ok", (kind, res)
        assert res["user"] in ("h", "r", "e") and res["client"]
        assert 0 < res["expires_in"] <= 600


def test_expired_and_not_yet_valid(hub):
    o = outcome(hub.port, hs256(SECRET, claims(exp=int(time.time()) - 5)))
    assert refused(o, 109, 4002), o
    o = outcome(hub.port, hs256(SECRET, claims(nbf=int(time.time()) + 3600)))
    assert refused(o, 101, 4001), o


def test_wrong_key_alg_confusion_none(hub):
    bad = [
        hs256(b"not-the-secret", claims()),
        rs256(rsa_key(), claims()),
        es256(ec_key(), claims()),
        # HS256 "signed" with the RS256 public key as the HMAC secret.
        hs256(public_pem(RSA), claims()),
        hs256(public_pem(EC), claims()),
        # alg none, no signature.
        b64url(b'{"alg":"none","typ":"JWT"}') + "." + b64url(b'{"sub":"admin"}') + ".",
        "garbage",
    ]
    for tok in bad:
        o = outcome(hub.port, tok)
        assert refused(o, 101, 4001), (tok[:30], o)


def test_audience_and_issuer(hub):
    assert refused(outcome(hub.port, hs256(SECRET, claims(aud="other"))), 101, 4001)
    assert refused(outcome(hub.port, hs256(SECRET, claims(iss="other"))), 101, 4001)
    assert refused(outcome(hub.port, hs256(SECRET, claims(aud=None))), 101, 4001)


def test_token_in_url(hub):
    async def go():
        # Good token with a channels claim: subscribed server-side.
        tok = hs256(SECRET, claims(channels=["news"]))
        ws = await connect(hub.port, f"token={tok}")
        await recv_until(ws, is_subscribed("news"))
        await ws.close()
        # Expired / wrong-key token in the URL: refused with a close code (or 401 before the upgrade).
        for tok, code in ((hs256(SECRET, claims(exp=int(time.time()) - 5)), 4002),
                          (hs256(b"wrong", claims()), 4001)):
            try:
                ws = await connect(hub.port, f"token={tok}")
            except websockets.InvalidStatusCode as e:
                assert e.status_code == 401
                continue
            assert await close_code(ws) == code
    run_async(go())


def test_subscribe_token_for_private_channel(hub):
    async def go():
        ws = await connect(hub.port)
        r = await command(ws, {"id": 1, "connect": {"token": hs256(SECRET, claims("u1"))}})
        assert "result" in r, r
        # No subscribe token: refused.
        r = await command(ws, {"id": 2, "subscribe": {"channel": "priv:room"}})
        assert r["error"]["code"] in (101, 103), r
        # A token for another channel, for another user, or signed with a wrong key: refused.
        for sub_tok in (hs256(SECRET, claims("u1", channel="priv:other")),
                        hs256(SECRET, claims("u2", channel="priv:room")),
                        hs256(b"wrong", claims("u1", channel="priv:room"))):
            r = await command(ws, {"id": 3, "subscribe": {"channel": "priv:room", "token": sub_tok}})
            assert r["error"]["code"] in (101, 103), r
        # The right one.
        r = await command(ws, {"id": 4, "subscribe": {"channel": "priv:room",
                                                       "token": hs256(SECRET, claims("u1", channel="priv:room"))}})
        assert "result" in r, r
        await ws.close()
    run_async(go())


def test_keys_reread_on_reload(hub, workdir):
    old = hs256(SECRET, claims())
    new_secret = b"rotated-secret"
    assert outcome(hub.port, old)[0] == "ok"
    assert refused(outcome(hub.port, hs256(new_secret, claims())), 101, 4001)
    (workdir / "secret.txt").write_bytes(new_secret + b"\n")
    start = len(hub.text())
    hub.signal(signal.SIGHUP)
    # "reload complete" is logged once every worker applied the new generation (and verifier).
    hub.wait_for_log(r"reload complete", start=start)
    assert outcome(hub.port, hs256(new_secret, claims()))[0] == "ok"
    assert refused(outcome(hub.port, old), 101, 4001)


def sse_status(port, tok, channel="news"):
    """Status of an EventSource-style GET with ?token= and, on 200, the
    first events (the connect event names the token's user)."""
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(f"GET /hub?channels={channel}&token={tok} HTTP/1.1\r\nHost: x\r\n"
                  "Accept: text/event-stream\r\n\r\n".encode())
        data = b""
        deadline = time.time() + 10
        while b"event: connect" not in data and time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if data.startswith(b"HTTP/1.1 4"):
                break
        return int(data.split(b" ", 2)[1]), data.decode(errors="replace")
    finally:
        s.close()


def test_sse_token_good_expired_wrong_key(hub):
    status, text = sse_status(hub.port, hs256(SECRET, claims(user="sse-user")))
    assert status == 200 and '"user":"sse-user"' in text, text
    status, text = sse_status(hub.port, hs256(SECRET, claims(exp=int(time.time()) - 60)))
    assert status == 401 and "token expired" in text, text
    status, text = sse_status(hub.port, hs256(b"another-secret", claims()))
    assert status == 401 and "unauthorized" in text, text
