"""The hub protocol from a node client on the npm `ws` package (installed
by scripts/deps.sh under bench/hub/node_modules): permessage-deflate
negotiated (route deflate on) or not (off), connect, subscribe, client
publish delivered in order, presence, history, ping, an unknown method
(104), unsubscribe, and bad JSON closing with 4000."""
import json
import os
import shutil
import subprocess

import pytest

from hubws import hub_config

HERE = os.path.dirname(os.path.abspath(__file__))
WS_DIR = os.path.abspath(os.path.join(HERE, "..", "..", "bench", "hub", "node_modules"))

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.exists(os.path.join(WS_DIR, "ws", "package.json")),
    reason="node or the npm ws package missing (scripts/deps.sh installs both)")


def run_client(port, channel):
    r = subprocess.run(["node", os.path.join(HERE, "hub_node_client.js"), WS_DIR,
                        f"ws://127.0.0.1:{port}/hub", channel],
                       capture_output=True, timeout=30)
    events = {}
    for line in r.stdout.decode().splitlines():
        e = json.loads(line)
        events[e["event"]] = e
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return events


@pytest.mark.parametrize("deflate", ["true", "false"])
def test_node_ws_client_protocol(spawn, write_config, deflate):
    s = spawn("serve", "-c", write_config(hub_config(deflate=deflate)))
    ev = run_client(s.port, "chat:node")
    negotiated = "permessage-deflate" in ev["open"]["extensions"]
    assert negotiated == (deflate == "true"), ev["open"]
    assert ev["connect"]["reply"]["result"]["client"]
    sub = ev["subscribe"]["reply"]["result"]
    assert sub["recoverable"] is True and sub["offset"] == 0, sub
    pubs = ev["pubs"]["pubs"]
    assert [p["data"]["n"] for p in pubs] == [0, 1, 2], pubs
    assert [p["offset"] for p in pubs] == [1, 2, 3] and len({p["epoch"] for p in pubs}) == 1, pubs
    pres = ev["presence"]["reply"]["result"]
    assert pres["num_clients"] == 1, pres
    hist = ev["history"]["reply"]["result"]
    assert [p["offset"] for p in hist["publications"]] == [1, 2, 3], hist   # chat keeps 3
    assert ev["ping"]["reply"] == {"id": ev["ping"]["reply"]["id"], "result": {}}
    assert ev["unknown"]["reply"]["error"]["code"] == 104, ev["unknown"]
    assert "result" in ev["unsubscribe"]["reply"], ev["unsubscribe"]
    assert ev["close"]["code"] == 4000, ev["close"]
