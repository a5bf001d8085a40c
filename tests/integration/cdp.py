"""Headless Chromium driven over the DevTools protocol, for tests that must
act while a page runs (wait for a state, evaluate JavaScript, read the DOM)
rather than dump the DOM once at the load event. Only loopback: the browser
resolves every host name to `resolve_to` and nothing else."""
import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websockets

from h3util import CHROMIUM


class Browser:
    def __init__(self, url, spki=None, resolve_to="127.0.0.1", force_quic=None):
        self.profile = tempfile.mkdtemp(prefix="strata-cdp-")
        cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={self.profile}", "--enable-quic", "--remote-debugging-port=0",
               "--remote-allow-origins=*",
               f"--host-resolver-rules=MAP localhost {resolve_to}, MAP * ~NOTFOUND"]
        if spki:
            cmd.append(f"--ignore-certificate-errors-spki-list={spki}")
        if force_quic:
            cmd.append(f"--origin-to-force-quic-on={force_quic}")
        cmd.append(url)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            assert time.time() < deadline, "chromium did not open its DevTools port"
            assert self.proc.poll() is None, "chromium exited"
            time.sleep(0.05)
        port = int(open(port_file).read().split()[0])
        target = None
        while target is None:
            assert time.time() < deadline, "no page target"
            pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5))
            target = next((p for p in pages if p.get("type") == "page"), None)
            if target is None:
                time.sleep(0.05)
        self.ws_url = target["webSocketDebuggerUrl"]
        self.next_id = 0
        self.wait("document.readyState === 'complete' && location.href !== 'about:blank'",
                  what="the page to load")

    def call(self, *commands, timeout=20):
        """Sends DevTools commands, each (method, params), to the page in one
        session (emulation overrides last only as long as their session);
        returns the last one's result."""
        msgs = []
        for method, params in commands:
            self.next_id += 1
            msgs.append({"id": self.next_id, "method": method, "params": params or {}})

        async def go():
            async with websockets.connect(self.ws_url, max_size=None) as ws:
                for msg in msgs:
                    await ws.send(json.dumps(msg))
                    while True:
                        r = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                        if r.get("id") == msg["id"]:
                            break
                    if "error" in r:
                        raise AssertionError(f"{msg['method']}: {r['error']}")
                return r.get("result", {})

        return asyncio.run(go())

    def screenshot(self, path, width=1280, height=1000):
        """Writes a PNG of the page at width x height CSS pixels to `path`; returns the path."""
        import base64
        data = self.call(("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}),
                         ("Page.captureScreenshot", {"format": "png"}))["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def eval(self, expression, timeout=20):
        """Evaluates `expression` in the page (promises awaited); returns its value."""
        self.next_id += 1
        msg = {"id": self.next_id, "method": "Runtime.evaluate",
               "params": {"expression": expression, "returnByValue": True, "awaitPromise": True}}

        async def go():
            async with websockets.connect(self.ws_url, max_size=None) as ws:
                await ws.send(json.dumps(msg))
                while True:
                    r = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                    if r.get("id") == msg["id"]:
                        return r

        r = asyncio.run(go())
        res = r.get("result", {})
        if "exceptionDetails" in res:
            raise AssertionError(f"page exception: {res['exceptionDetails']}")
        return res.get("result", {}).get("value")

    def wait(self, expression, timeout=20, what=None):
        """Polls `expression` until it is truthy; returns its value."""
        deadline = time.time() + timeout
        while True:
            try:
                v = self.eval(expression)
            except (OSError, asyncio.TimeoutError):
                v = None
            if v:
                return v
            if time.time() > deadline:
                raise AssertionError(f"timed out waiting for {what or expression}")
            time.sleep(0.1)

    def close(self):
        self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
