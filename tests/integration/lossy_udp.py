"""A lossy, delaying UDP relay on loopback for the HTTP/3 loss tests: one
client (whoever sends first to `port`) <-> one server port. Each direction
drops a fraction of datagrams chosen by its own seeded RNG (deterministic
for a given packet order) and delays every datagram by `one_way_ms`. Runs
in a thread for at most `max_seconds`; no root needed.

Also a command for experiments by hand: `python3 lossy_udp.py SERVER_PORT
LOSS ONE_WAY_MS [SEED]` prints the relay's port, then its counters each
second until interrupted."""
import heapq
import random
import select
import socket
import threading
import time


class LossyRelay:
    def __init__(self, server_port, loss=0.0, one_way_ms=0.0, seed=1, max_seconds=120,
                 host="127.0.0.1"):
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind((host, 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.connect((host, server_port))
        for s in (self.front, self.back):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            s.setblocking(False)
        self.loss = loss
        self.delay = one_way_ms / 1000.0
        self._rng = {"up": random.Random(seed), "down": random.Random(seed * 7919 + 1)}
        self.dropped = {"up": 0, "down": 0}
        self.forwarded = {"up": 0, "down": 0}
        self._client = None
        self._queue = []  # (due, seq, direction, bytes)
        self._seq = 0
        self._stop = threading.Event()
        self._deadline = time.time() + max_seconds
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _take(self, sock, direction):
        for _ in range(256):  # what is there, bounded
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP port unreachable after the peer left
                return
            if direction == "up":
                self._client = addr
            if self.loss > 0 and self._rng[direction].random() < self.loss:
                self.dropped[direction] += 1
                continue
            self._seq += 1
            heapq.heappush(self._queue, (time.monotonic() + self.delay, self._seq, direction, data))

    def _run(self):
        while not self._stop.is_set() and time.time() < self._deadline:
            timeout = 0.01
            if self._queue:
                timeout = max(0.0, min(timeout, self._queue[0][0] - time.monotonic()))
            r, _, _ = select.select([self.front, self.back], [], [], timeout)
            if self.front in r:
                self._take(self.front, "up")
            if self.back in r:
                self._take(self.back, "down")
            now = time.monotonic()
            while self._queue and self._queue[0][0] <= now:
                _, _, direction, data = heapq.heappop(self._queue)
                try:
                    if direction == "up":
                        self.back.send(data)
                    elif self._client:
                        self.front.sendto(data, self._client)
                    self.forwarded[direction] += 1
                except OSError:
                    pass

    def close(self):
        self._stop.set()
        self._t.join(5)
        self.front.close()
        self.back.close()


if __name__ == "__main__":
    import sys
    server, loss, delay = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    relay = LossyRelay(server, loss=loss, one_way_ms=delay, seed=seed, max_seconds=3600)
    print(relay.port, flush=True)
    try:
        while True:
            time.sleep(1)
            print("dropped", relay.dropped, "forwarded", relay.forwarded, flush=True)
    except KeyboardInterrupt:
        relay.close()
