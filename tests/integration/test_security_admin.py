"""The admin API as an attack surface (issue 15 item 10, docs/security.md
"The admin API"): a config holding every kind of secret (admin token,
Redis password, hub API keys inline and from a file, the hub's JWT secret
file, a credential header added upstream) is served; /config and strata's
whole log (stdout + stderr at debug level, through a failing Redis AUTH, a
SIGHUP reload and requests with right and wrong credentials) must contain
none of the secret values. An admin listener on 0.0.0.0 without auth is a
config error naming file:line:column; with a token every admin request,
read or write, needs it (401 + WWW-Authenticate, counted); with client
certificates the admin listener speaks TLS and refuses clients without a
certificate from the configured CA. Every wait is bounded."""
import re
import secrets
import signal
import subprocess
import time
import urllib.request

import pytest

from conftest import BIN, curl
from redisutil import REDIS_SERVER, RedisServer

def _secret(prefix):
    return f"{prefix}-{secrets.token_hex(12)}"


ADMIN_TOKEN = _secret("admtok")
REDIS_PASSWORD = _secret("redispw")       # what strata sends
REDIS_REAL_PASSWORD = _secret("redisrealpw")  # what the server wants: AUTH fails
HUB_API_KEY = _secret("hubkey")
HUB_FILE_KEY = _secret("hubfilekey")
HUB_JWT_SECRET = _secret("hubjwt")
UPSTREAM_SECRET = _secret("upstreambearer")
SECRETS = [ADMIN_TOKEN, REDIS_PASSWORD, HUB_API_KEY, HUB_FILE_KEY, HUB_JWT_SECRET, UPSTREAM_SECRET]

CONFIG = """
workers: 2
access_log: {{enabled: true}}
listeners:
  - {{name: web, address: "127.0.0.1:0", routes: main}}
admin:
  address: "0.0.0.0:0"
  auth: {{token: {admin_token}}}
redis:
  addresses: ["{redis}"]
  password: {redis_password}
  connect_timeout: 500ms
  reconnect_min: 50ms
  reconnect_max: 200ms
hub:
  api_keys: [{hub_key}]
  api_keys_file: {keys_file}
  jwt: {{hs256_secret_file: {jwt_file}}}
  broker: {{type: redis}}
  namespaces: [{{name: "", anonymous: true}}]
clusters:
  b: {{endpoints: ["127.0.0.1:9"]}}
route_tables:
  main:
    - match: {{prefix: /up}}
      proxy: {{cluster: b}}
      request_headers: {{add: {{authorization: "Bearer {upstream}"}}}}
    - {{match: {{prefix: /hub/api}}, hub_api: {{}}}}
    - {{match: {{prefix: /hub}}, hub: {{}}}}
"""


def admin_get(port, path, token=None, method="GET"):
    args = ["-X", method] if method != "GET" else []
    if token is not None:
        args += ["-H", f"Authorization: Bearer {token}"]
    return curl("-D", "-", *args, f"http://127.0.0.1:{port}{path}")


def metric(text, name, **labels):
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture
def secret_node(spawn, write_config, workdir):
    if REDIS_SERVER is None:
        pytest.skip("redis-server not installed")
    redis = RedisServer(workdir / "redis")
    redis.call("CONFIG", "SET", "requirepass", REDIS_REAL_PASSWORD)
    keys = workdir / "keys.txt"
    keys.write_text(HUB_FILE_KEY + "\n")
    jwt = workdir / "jwt.secret"
    jwt.write_text(HUB_JWT_SECRET + "\n")
    path = write_config(CONFIG.format(admin_token=ADMIN_TOKEN, redis=redis.address, redis_password=REDIS_PASSWORD,
                                      hub_key=HUB_API_KEY, keys_file=keys, jwt_file=jwt, upstream=UPSTREAM_SECRET))
    s = spawn("--log-level", "debug", "serve", "-c", path)
    yield s
    redis.kill()


def test_no_secret_in_config_or_logs(secret_node):
    s = secret_node
    port = s.ports["admin"]
    # Redis refuses the (wrong) password: strata logs it, without the password.
    s.wait_for_log(r"redis .*AUTH failed", 20)
    # /config with the token: every secret redacted, paths shown.
    code, body = admin_get(port, "/config", ADMIN_TOKEN)
    assert code == 200, body
    text = body.decode()
    assert "<redacted>" in text
    assert "keys.txt" in text and "jwt.secret" in text  # paths are fine
    for sec in SECRETS:
        assert sec not in text, f"/config shows a secret: {sec}"
    # Exercise logging paths: wrong and right credentials on the admin and
    # the hub API, a request carrying the upstream credential, a reload.
    assert admin_get(port, "/metrics", "not-the-token-0123456789")[0] == 401
    assert admin_get(port, "/metrics")[0] == 401
    for key in (HUB_API_KEY, HUB_FILE_KEY, "wrong-key"):
        curl("-X", "POST", "-H", f"Authorization: apikey {key}", "--data", '{"channel":"a","data":1}',
             f"http://127.0.0.1:{s.port}/hub/api/publish", check=False)
    curl(f"http://127.0.0.1:{s.port}/up/x", check=False)
    mark = len(s.text())
    s.signal(signal.SIGHUP)
    s.wait_for_log(r"reload complete|reload refused", 20, start=mark)
    s.wait_for_log(r"redis .*AUTH failed", 20, start=mark)
    assert admin_get(port, "/healthz", ADMIN_TOKEN)[0] == 200
    assert s.stop() == 0
    log = s.text()
    assert "AUTH failed" in log
    assert "/hub/api/publish" in log and "/up/x" in log  # the access log (stdout) is scanned too
    for sec in SECRETS:
        assert sec not in log, f"the log shows a secret: {sec}\n{log[-3000:]}"


def test_token_required_for_reads_and_writes(secret_node):
    port = secret_node.ports["admin"]
    code, head = admin_get(port, "/config")
    assert code == 401
    assert re.search(rb'(?i)www-authenticate: Bearer realm="strata admin"', head), head
    assert admin_get(port, "/config", "x" * 30)[0] == 401
    assert admin_get(port, "/config", ADMIN_TOKEN + "x")[0] == 401
    assert admin_get(port, "/healthz", ADMIN_TOKEN)[0] == 200
    # Writes need it too (any method: refused before routing).
    assert admin_get(port, "/security/penalties", method="DELETE")[0] == 401
    assert admin_get(port, "/", method="POST")[0] == 401
    assert admin_get(port, "/", ADMIN_TOKEN, method="POST")[0] == 405
    code, body = admin_get(port, "/metrics", ADMIN_TOKEN)
    assert code == 200
    text = body.decode()
    assert metric(text, "strata_admin_auth_failures_total", reason="missing") >= 3
    assert metric(text, "strata_admin_auth_failures_total", reason="wrong") >= 2


NO_AUTH = """listeners:
  - {name: web, address: "127.0.0.1:0"}
route_tables: {t: [{respond: {}}]}
admin:
  address: 0.0.0.0:0
"""


def test_non_loopback_admin_without_auth_is_a_config_error(write_config):
    path = write_config(NO_AUTH, "noauth.yaml")
    want = f"{path}:5:12: admin address 0.0.0.0:0 is not a loopback address: set admin.auth"
    r = subprocess.run([BIN, "check", "-c", path], capture_output=True, timeout=30)
    assert r.returncode == 1 and want in r.stderr.decode(), r
    r = subprocess.run([BIN, "serve", "-c", path], capture_output=True, timeout=30)
    assert r.returncode == 1 and want in (r.stdout + r.stderr).decode(), r
    # Loopback without auth: starts (as before).
    path = write_config(NO_AUTH.replace("0.0.0.0:0", "127.0.0.1:0"), "loop.yaml")
    r = subprocess.run([BIN, "check", "-c", path], capture_output=True, timeout=30)
    assert r.returncode == 0, r


def _openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def _ca(d, name):
    key, crt = d / f"{name}-ca.key", d / f"{name}-ca.pem"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
             "-out", str(crt), "-days", "2", "-subj", f"/CN={name} CA")
    return key, crt


def _leaf(d, name, ca_key, ca_crt, ext=""):
    key, csr, crt = d / f"{name}.key", d / f"{name}.csr", d / f"{name}.pem"
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
             "-out", str(csr), "-subj", f"/CN={name}")
    extfile = d / f"{name}.ext"
    extfile.write_text(ext or "basicConstraints=CA:FALSE\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
             "-out", str(crt), "-days", "2", "-extfile", str(extfile))
    return key, crt


def test_client_certificate_admin(spawn, write_config, workdir):
    ca_key, ca = _ca(workdir, "admin")
    other_key, other_ca = _ca(workdir, "other")
    srv_key, srv = _leaf(workdir, "server", ca_key, ca, "subjectAltName=IP:127.0.0.1\n")
    good_key, good = _leaf(workdir, "operator", ca_key, ca)
    bad_key, bad = _leaf(workdir, "intruder", other_key, other_ca)
    path = write_config(f"""listeners:
  - {{name: web, address: "127.0.0.1:0"}}
route_tables: {{t: [{{respond: {{}}}}]}}
admin:
  address: 0.0.0.0:0
  auth: {{client_ca_file: {ca}, cert_file: {srv}, key_file: {srv_key}}}
""")
    s = spawn("serve", "-c", path)
    assert re.search(r"listener admin on \S+ \(tls\)", s.text())
    url = f"https://127.0.0.1:{s.ports['admin']}/healthz"
    code, body = curl("--cacert", str(ca), "--cert", str(good), "--key", str(good_key), url)
    assert (code, body) == (200, b"ok\n")
    for extra in ([], ["--cert", str(bad), "--key", str(bad_key)]):
        code, _ = curl("--cacert", str(ca), *extra, url, check=False)
        assert code == 0, extra  # the handshake (or the first read) fails: no HTTP answer
    # Plain HTTP on the TLS port gets no admin answer either.
    code, _ = curl(f"http://127.0.0.1:{s.ports['admin']}/healthz", check=False)
    assert code in (0, 400)
    code, body = curl("--cacert", str(ca), "--cert", str(good), "--key", str(good_key),
                      f"https://127.0.0.1:{s.ports['admin']}/metrics")
    assert code == 200
    assert metric(body.decode(), "strata_admin_auth_failures_total", reason="client_certificate") >= 1


def test_token_over_tls_admin(spawn, write_config, workdir, cert):
    crt, key = cert
    path = write_config(f"""listeners:
  - {{name: web, address: "127.0.0.1:0"}}
route_tables: {{t: [{{respond: {{}}}}]}}
admin:
  address: 0.0.0.0:0
  auth: {{token: {ADMIN_TOKEN}, cert_file: {crt}, key_file: {key}}}
""")
    s = spawn("serve", "-c", path)
    assert re.search(r"listener admin on \S+ \(tls\)", s.text())
    url = f"https://127.0.0.1:{s.ports['admin']}/config"
    assert curl("--cacert", crt, url)[0] == 401
    code, body = curl("--cacert", crt, "--http2", "-H", f"Authorization: Bearer {ADMIN_TOKEN}", url)
    assert code == 200 and ADMIN_TOKEN.encode() not in body and b"<redacted>" in body
