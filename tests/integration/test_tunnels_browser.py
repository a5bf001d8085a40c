"""Headless Chromium opens a WebSocket over HTTP/2 (RFC 8441) to strata and
echoes 1 MiB through it to `strata origin`'s HTTP/1.1 WebSocket echo. The
page is loaded over h2 (TLS), so the WebSocket rides that connection as an
extended CONNECT stream, which the server side confirms: the tunnel metric
counts carrier "HTTP/2" and the access log has a CONNECT over HTTP/2. The
page's result goes into <title>; an image on /delay/ holds the load event
(and so --dump-dom) while the WebSocket runs. Each run takes ~3-6 s."""
import json
import os
import re
import shutil
import time

import pytest

from conftest import curl, origin
from h3util import CHROMIUM, h3_config, spki_sha256
from test_http3_browser import chromium, title

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="chromium not installed")

PAGE = """<!doctype html><html><head><title>pending</title></head><body>
<img src="/delay/8000"><script>
var nav = performance.getEntriesByType('navigation')[0].nextHopProtocol;
var size = 1 << 20, sent = new Uint8Array(size);
for (var i = 0; i < size; i++) sent[i] = (i * 7 + 3) & 255;
var ws = new WebSocket('wss://' + location.host + '/ws');
ws.binaryType = 'arraybuffer';
ws.onopen = function () { ws.send('hello'); };
ws.onmessage = function (e) {
  if (typeof e.data === 'string') { ws.send(sent); return; }
  var got = new Uint8Array(e.data), same = got.length === size;
  for (var i = 0; same && i < size; i++) same = got[i] === sent[i];
  document.title = 'nav=' + nav + ' echo=' + (same ? 'ok' : 'bad:' + got.length);
  ws.close(1000);
};
ws.onerror = function () { document.title = 'nav=' + nav + ' error'; };
</script></body></html>"""


def test_chromium_websocket_over_h2(spawn, write_config, cert, workdir):
    o = origin(spawn)
    log = os.path.join(str(workdir), "access.log")
    routes = (f"""    - match: {{path: "/wspage"}}
      respond: {{status: 200, content_type: "text/html", body: {json.dumps(PAGE)}}}
""")
    cfg = h3_config(o.port, cert, protocols="[h1, h2]", extra_routes=routes)
    cfg += f'access_log: {{enabled: true, path: "{log}"}}\n'
    s = spawn("serve", "-c", write_config(cfg))
    dom = chromium(f"https://localhost:{s.ports['web']}/wspage", spki_sha256(cert[0]), "127.0.0.1")
    assert title(dom) == "nav=h2 echo=ok", dom

    _, body = curl(f"http://127.0.0.1:{s.ports['admin']}/metrics")
    text = body.decode()
    assert 'strata_tunnels_total{carrier="HTTP/2"} 1' in text, text
    assert 'strata_upgrade_tunnels_total{protocol="websocket"} 1' in text, text
    for _ in range(100):
        if "CONNECT" in open(log).read():
            break
        time.sleep(0.05)
    lines = [l for l in open(log).read().splitlines() if '"CONNECT"' in l]
    assert len(lines) == 1 and '"HTTP/2"' in lines[0] and '"/ws"' in lines[0], lines
