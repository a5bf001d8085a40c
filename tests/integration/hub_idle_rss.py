"""Opens N idle hub WebSocket connections (raw sockets, h1 Upgrade,
subscribed via ?channels=) to a running strata and reports the server's
RSS delta / N. Usage: idle_ws.py PID PORT N [channel-mode: one|each]"""
import base64, os, selectors, socket, sys, time

pid, port, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else "one"

def rss_kb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

time.sleep(0.5)
before = rss_kb()
socks = []
sel = selectors.DefaultSelector()
pending = {}
t0 = time.time()
for i in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    ch = "news" if mode == "one" else f"c{i}"
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /hub?channels={ch} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    socks.append(s)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    pending[s] = b""
    # keep the accept backlog short: drain replies every 200 connections
    if i % 200 == 199 or i == n - 1:
        deadline = time.time() + 30
        while any(b"\r\n\r\n" not in v for v in pending.values()) and time.time() < deadline:
            for k, _ in sel.select(1):
                try:
                    d = k.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                pending[k.fileobj] += d
        for k, v in list(pending.items()):
            assert v.startswith(b"HTTP/1.1 101"), v[:200]
            # the server-side subscribe push must have arrived too
            sel.unregister(k)
        pending.clear()
t1 = time.time()
time.sleep(2)  # let the server settle (batched work, allocator)
after = rss_kb()
print(f"connections={n} mode={mode} open_time={t1-t0:.1f}s rss_before_kb={before} rss_after_kb={after} "
      f"delta_per_conn_bytes={(after-before)*1024/n:.0f}")
for s in socks:
    s.close()
