"""Runs the HTTP cache test suite (npm `http-cache-tests` 0.4.5, installed by
scripts/deps.sh under bench/cache/suite-pkg) and counts its results. Shared
by bench/cache/suite and tests/integration/test_cache_suite.py.

The suite has two halves: an origin server (server/server.mjs) that every
test configures with PUT requests sent THROUGH the cache under test, and a
client (cli.mjs) that runs the 350 tests (355 minus 5 browser-only ones),
100 at a time, against a base URL and prints one JSON object
{test id: result}. A result is `true` (passed) or [kind, message] (failed:
"Assertion", "Setup", ...).

Counting: a test passes when its result is exactly `true`, whatever its kind
(required, optimal, check) and whatever its dependencies did. Run straight
against the origin (no cache) this gives 114 of 350, the figure measured for
"no cache" in issue 14; nginx, Varnish and Squid reproduce the issue's 186,
215 and 239 the same way (bench/cache/suite, docs/cache-bench.md). A test
without `kind` in the suite is a requirement of the RFC ("required").
Every wait is bounded."""
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PKG = HERE / "suite-pkg" / "node_modules" / "http-cache-tests"
VERSION = "0.4.5"
TOTAL = 350


def available():
    """None when node and the suite are installed, else why not."""
    if shutil.which("node") is None:
        return "node is not installed (scripts/deps.sh installs it)"
    pj = PKG / "package.json"
    if not pj.exists():
        return f"npm http-cache-tests@{VERSION} is not installed under {PKG.parent} (run scripts/deps.sh)"
    if json.loads(pj.read_text()).get("version") != VERSION:
        return f"{pj} is not version {VERSION} (run scripts/deps.sh)"
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=20, proc=None):
    end = time.time() + timeout
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}) before port {port} opened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} never opened")


class Origin:
    """The suite's origin server on 127.0.0.1:port (node, bound to loopback
    by loopback.mjs). stop() ends it."""

    def __init__(self, workdir, port=None):
        self.port = port or free_port()
        workdir = Path(workdir)
        env = dict(os.environ, npm_config_protocol="http", npm_config_port=str(self.port),
                   npm_config_pidfile=str(workdir / "hct-origin.pid"))
        self.log_path = workdir / "hct-origin.log"
        self.proc = subprocess.Popen(
            ["node", "--import", (HERE / "loopback.mjs").as_uri(), "server/server.mjs"],
            cwd=PKG, env=env, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        wait_port(self.port, proc=self.proc)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def run_suite(base_url, timeout=600, test_id=""):
    """Runs the client against base_url (the cache in front of the origin);
    returns {test id: result}. With test_id, runs that one test and returns
    its textual dump instead."""
    env = dict(os.environ, npm_config_base=base_url, npm_config_id=test_id,
               npm_package_config_id=test_id)
    r = subprocess.run(["node", "--no-warnings", "cli.mjs"], cwd=PKG, env=env,
                       capture_output=True, text=True, timeout=timeout)
    if test_id:
        return r.stdout + r.stderr
    try:
        return json.loads(r.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"suite printed no JSON (rc={r.returncode}): "
                           f"{r.stdout[-2000:]!r} {r.stderr[-2000:]!r}")


_META = None


def meta():
    """{test id: {kind, suite, name, depends_on, browser_only}} of the
    installed release."""
    global _META
    if _META is None:
        out = subprocess.run(["node", str(HERE / "hct_meta.mjs"), str(PKG)], capture_output=True,
                             text=True, timeout=60, check=True).stdout
        _META = {t["id"]: t for t in json.loads(out)}
    return _META


def passed(results):
    """Ids whose result is exactly true (the issue's counting)."""
    return sorted(i for i, v in results.items() if v is True)


def _shown_passing(results, test_id, m):
    """The suite's own display rule (lib/display.mjs determineTestResult):
    a test shows as passed when its result is true and every test it
    depends on shows as passed; else, with a failing dependency, as
    "dependency failed" rather than failed."""
    if results.get(test_id) is not True:
        return False
    return all(_shown_passing(results, d, m) for d in m[test_id]["depends_on"])


def required_failures(results, honor_dependencies=True):
    """{id: result} of the tests without a kind (RFC requirements) that did
    not pass, including any the client did not report. With
    honor_dependencies (the suite's display rule), a required test whose
    dependency does not pass counts as "dependency failed", not here."""
    m = meta()
    out = {}
    for i, t in m.items():
        if t["browser_only"] or t["kind"] != "required":
            continue
        if results.get(i) is True:
            continue
        if honor_dependencies and not all(_shown_passing(results, d, m) for d in t["depends_on"]):
            continue
        out[i] = results.get(i, "not run")
    return out


def summary(results):
    """{passed, total, required_passed, required_total, by_kind: {kind: [passed, total]}}."""
    m = meta()
    by_kind = {}
    for i, t in m.items():
        if t["browser_only"]:
            continue
        k = by_kind.setdefault(t["kind"], [0, 0])
        k[1] += 1
        if results.get(i) is True:
            k[0] += 1
    req = by_kind.get("required", [0, 0])
    return {"passed": len(passed(results)), "total": len(results), "required_passed": req[0],
            "required_total": req[1], "by_kind": by_kind}
