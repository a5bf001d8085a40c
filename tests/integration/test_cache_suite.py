"""The public HTTP cache test suite (npm `http-cache-tests` 0.4.5, installed
by scripts/deps.sh under bench/cache/suite-pkg) against strata as a reverse
proxy cache: the suite's own origin server on a free loopback port, strata
with one route that proxies to it and caches (`cache: {}`), the suite's
client against strata. The origin is configured by PUT requests sent through
strata, so the route forwards every method.

Counting (bench/cache/hct.py): a test passes when its result is `true`; the
same counting gives the issue's figures for no cache (114 of 350), nginx
(186), Varnish (215) and Squid (239 in the issue, 245 here:
docs/cache-bench.md). Asserted: at least THRESHOLD passes (a few below what
strata passes, so timing noise in the suite cannot fail CI; far above any
plain proxy's 114, so a broken cache does), and every test the suite marks
as a requirement of the RFC (no `kind`) passes, but those listed in
KNOWN_REQUIRED_FAILURES with a reason and those the suite itself shows as
"dependency failed" (a required test that depends on a `check` or
`optimal` test that strata does not pass; lib/display.mjs of the suite,
hct.required_failures). bench/cache/suite runs the same
release against nginx, Varnish and Squid.

One suite run is ~350 requests pairs, 100 tests at a time, some waiting a
few seconds for ages to grow: under a minute on a release build, a few
minutes under ASan; every wait bounded (the client's timeout)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "cache"))
import hct  # noqa: E402

# Passes to reach (of 350): a few below what strata achieves (docs/cache-bench.md).
THRESHOLD = 300  # strata passed 305 in every run (ASan and release, at cache-http 2141465)
# Tests of kind `required` allowed to fail, each with why. Only one, by design.
KNOWN_REQUIRED_FAILURES = {
    # The origin answers with a transfer coding strata's strict upstream
    # parser refuses (a request-smuggling vector): the first response is
    # already strata's 502, so there is nothing to store (docs/cache.md).
    "headers-store-Transfer-Encoding": "refused transfer coding from the origin (502 by design)",
}

pytestmark = pytest.mark.skipif(hct.available() is not None, reason=hct.available() or "")

CONFIG = """workers: 2
listeners:
  - {{name: web, address: "127.0.0.1:0", routes: main}}
route_tables:
  main:
    - match: {{prefix: "/"}}
      proxy: {{cluster: origin}}
      cache: {{}}
clusters:
  origin:
    endpoints: ["127.0.0.1:{origin_port}"]
"""


def test_http_cache_tests_suite(spawn, write_config, workdir):
    origin = hct.Origin(workdir)
    try:
        gw = spawn("serve", "-c", write_config(CONFIG.format(origin_port=origin.port)))
        results = hct.run_suite(f"http://127.0.0.1:{gw.port}", timeout=900)
    finally:
        origin.stop()
    s = hct.summary(results)
    failing = hct.required_failures(results)
    report = (f"strata {s['passed']} of {s['total']} (by kind {s['by_kind']}); "
              f"required failing: {sorted(failing)}; required failing with a failed dependency "
              f"(not counted): {sorted(set(hct.required_failures(results, False)) - set(failing))}")
    print(report)
    assert s["total"] == hct.TOTAL, report
    unexpected = {i: r for i, r in failing.items() if i not in KNOWN_REQUIRED_FAILURES}
    assert not unexpected, f"required tests failing: {unexpected}\n{report}"
    assert s["passed"] >= THRESHOLD, report
