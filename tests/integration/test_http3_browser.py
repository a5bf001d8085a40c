"""Headless Chromium against strata's HTTP/3: a page loaded over QUIC reports
nextHopProtocol "h3"; a page loaded over h2 learns h3 from Alt-Svc and its
later requests use h3; over 127.0.0.1 and ::1 (a dual-stack [::]:0
listener). The page's script writes what it saw into the DOM, read back
with --dump-dom (no driver needed). Each Chromium run takes ~3-5 s."""
import json
import re
import shutil
import tempfile

import pytest

from conftest import origin, run
from h3util import CHROMIUM, h3_config, spki_sha256

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="chromium not installed")

# The navigation's protocol goes into <title>.
PAGE = """<!doctype html><html><head><title>none</title></head><body><script>
document.title = performance.getEntriesByType('navigation')[0].nextHopProtocol;
</script></body></html>"""

# Synchronous XHRs hold the load event (so --dump-dom waits for them). Each
# one goes through the proxy to the origin's /delay/100, which gives
# Chromium's background QUIC job time to connect after it saw Alt-Svc.
# Stops 3 requests after the first h3 one; at most 40 requests (~4 s).
ALTSVC_PAGE = """<!doctype html><html><head><title>none</title></head><body>
<pre id="out"></pre><script>
var nav = performance.getEntriesByType('navigation')[0].nextHopProtocol;
var seen = [], after = -1;
for (var i = 0; i < 40 && (after < 0 || i < after + 3); i++) {
  var u = new URL('/delay/100?i=' + i, location.href).href;
  var x = new XMLHttpRequest();
  x.open('GET', u, false);
  try { x.send(); } catch (e) { seen.push('error'); continue; }
  var e = performance.getEntriesByName(u);
  var p = e.length ? e[e.length - 1].nextHopProtocol : 'none';
  seen.push(x.status + ':' + p);
  if (p === 'h3' && after < 0) after = i;
}
document.title = 'done';
document.getElementById('out').textContent = 'nav=' + nav + ' xhr=' + seen.join(',');
</script></body></html>"""


def routes():
    return (f"""    - match: {{path: "/page"}}
      respond: {{status: 200, content_type: "text/html", body: {json.dumps(PAGE)}}}
    - match: {{path: "/altsvc"}}
      respond: {{status: 200, content_type: "text/html", body: {json.dumps(ALTSVC_PAGE)}}}
""")


@pytest.fixture
def browser_server(spawn, write_config, cert):
    def _start(address="127.0.0.1:0"):
        o = origin(spawn)
        return spawn("serve", "-c", write_config(h3_config(o.port, cert, address=address,
                                                           extra_routes=routes())))
    return _start


def chromium(url, spki, resolve_to, force_quic=None, timeout=60):
    """Runs headless Chromium on `url` and returns the dumped DOM."""
    profile = tempfile.mkdtemp(prefix="strata-chromium-")
    try:
        cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--enable-quic",
               f"--ignore-certificate-errors-spki-list={spki}",
               f"--host-resolver-rules=MAP localhost {resolve_to}, MAP * ~NOTFOUND"]
        if force_quic:
            cmd.append(f"--origin-to-force-quic-on={force_quic}")
        cmd += ["--dump-dom", url]
        r = run(cmd, timeout=timeout)
        return r.stdout.decode(errors="replace")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def title(dom):
    m = re.search(r"<title>([^<]*)</title>", dom)
    return m.group(1) if m else None


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_page_over_h3(browser_server, cert, family):
    s = browser_server("[::]:0")
    resolve = "127.0.0.1" if family == "ipv4" else "[::1]"
    dom = chromium(f"https://localhost:{s.port}/page", spki_sha256(cert[0]), resolve,
                   force_quic=f"localhost:{s.port}")
    assert title(dom) == "h3", dom


# Observed with Chromium 156 here: Alt-Svc is acted upon only for a host
# listed in --origin-to-force-quic-on (as DESIGN.md says); listing it under
# another port (1) leaves this port's first load on TCP, so the navigation
# is h2 and the h3 use comes from the Alt-Svc header: the first XHR rides
# the h2 connection, the next ones h3. Without the flag all 40 stay on h2.
@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_h2_page_discovers_h3_via_alt_svc(browser_server, cert, family):
    s = browser_server("[::]:0")
    resolve = "127.0.0.1" if family == "ipv4" else "[::1]"
    dom = chromium(f"https://localhost:{s.port}/altsvc", spki_sha256(cert[0]), resolve,
                   force_quic="localhost:1")
    m = re.search(r'<pre id="out">nav=(\S+) xhr=([^<]*)</pre>', dom)
    assert m, dom
    nav, xhrs = m.group(1), m.group(2).split(",")
    assert nav == "h2", dom
    assert all(x.startswith("200:") for x in xhrs), xhrs
    protos = [x.split(":", 1)[1] for x in xhrs]
    assert "h3" in protos, xhrs
    first = protos.index("h3")
    # Once on h3, later requests stay on h3.
    assert all(p == "h3" for p in protos[first:]), xhrs
