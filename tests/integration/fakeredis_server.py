"""A fake Redis for the bad-input tests (issue 12 "Bad input"): an asyncio
TCP server, run in a background thread, that answers the connection
handshake like Redis (PING, AUTH, SELECT, CLIENT, HELLO, INFO, ...) and then
misbehaves on every other command, by `mode`:

- "malformed": a reply with an invalid type byte (`!garbage`), which no
  RESP reader accepts;
- "too_large": a bulk reply announcing 1 GiB, followed by `flood` bytes of
  it (more than strata's redis.max_reply), never finished;
- "wrong_type": an integer where an array is due (SUBSCRIBE/SSUBSCRIBE/
  PSUBSCRIBE and EVALSHA/EVAL/HMGET/XRANGE...), a status `+OK` for EVALSHA;
- "stall": stops reading the socket and never replies (a Redis that
  hangs: the client's writes back up in the kernel buffers).

`commands` records every command name received, `connections` the number
of accepted connections; both are read by the tests."""
import asyncio
import threading
import time

HANDSHAKE = {b"PING", b"AUTH", b"SELECT", b"CLIENT", b"HELLO", b"INFO", b"COMMAND", b"READONLY",
             b"ECHO", b"QUIT"}
SUBSCRIBES = {b"SUBSCRIBE", b"SSUBSCRIBE", b"PSUBSCRIBE"}


def parse_commands(buf):
    """Complete RESP commands at the start of buf -> (list of [args], rest)."""
    out = []
    while buf:
        if buf[:1] != b"*":  # inline command
            i = buf.find(b"\r\n")
            if i < 0:
                break
            out.append(buf[:i].split())
            buf = buf[i + 2:]
            continue
        i = buf.find(b"\r\n")
        if i < 0:
            break
        n = int(buf[1:i])
        pos, args, ok = i + 2, [], True
        for _ in range(n):
            j = buf.find(b"\r\n", pos)
            if j < 0 or buf[pos:pos + 1] != b"$":
                ok = False
                break
            ln = int(buf[pos + 1:j])
            if len(buf) < j + 2 + ln + 2:
                ok = False
                break
            args.append(buf[j + 2:j + 2 + ln])
            pos = j + 2 + ln + 2
        if not ok:
            break
        out.append(args)
        buf = buf[pos:]
    return out, buf


class _Conn(asyncio.Protocol):
    def __init__(self, server):
        self.srv = server
        self.buf = b""
        self.t = None
        self.stalled = False

    def connection_made(self, transport):
        self.t = transport
        self.srv.connections += 1
        self.srv.transports.append(transport)

    def data_received(self, data):
        if self.stalled:
            return
        self.buf += data
        cmds, self.buf = parse_commands(self.buf)
        for args in cmds:
            if not args:
                continue
            name = args[0].upper()
            self.srv.commands.append(name.decode(errors="replace"))
            if name in HANDSHAKE:
                self.t.write(self.handshake_reply(name, args))
                continue
            self.srv.bad_sent += 1
            if not self.misbehave(name):
                return

    def handshake_reply(self, name, args):
        if name == b"PING":
            return b"+PONG\r\n"
        if name == b"ECHO" and len(args) > 1:
            return b"$%d\r\n%s\r\n" % (len(args[1]), args[1])
        if name == b"HELLO":
            return b"-ERR unknown command 'HELLO'\r\n"
        if name == b"INFO":
            body = b"# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"
            return b"$%d\r\n%s\r\n" % (len(body), body)
        if name == b"COMMAND":
            return b"*0\r\n"
        return b"+OK\r\n"

    def misbehave(self, name):
        """Sends the bad reply; False when nothing more is read on this connection."""
        mode = self.srv.mode
        if mode == "malformed":
            self.t.write(b"!garbage that is no RESP\r\n")
        elif mode == "too_large":
            self.t.write(b"$1073741824\r\n")
            chunk = b"x" * 65536
            for _ in range(max(1, self.srv.flood // len(chunk))):
                self.t.write(chunk)
            self.stalled = True  # never finishes the reply
            return False
        elif mode == "wrong_type":
            if name in (b"EVALSHA", b"EVAL"):
                self.t.write(b"+OK\r\n")
            elif name in SUBSCRIBES:
                self.t.write(b":1\r\n")
            else:
                self.t.write(b":42\r\n")
        elif mode == "stall":
            self.stalled = True
            self.t.pause_reading()
            return False
        return True

    def connection_lost(self, exc):
        self.srv.closed += 1


class FakeRedis:
    """FakeRedis(mode).start() -> listening on 127.0.0.1:port in a thread."""

    def __init__(self, mode, flood=4 * 1024 * 1024):
        assert mode in ("malformed", "too_large", "wrong_type", "stall"), mode
        self.mode = mode
        self.flood = flood
        self.commands = []
        self.connections = 0
        self.closed = 0
        self.bad_sent = 0
        self.transports = []
        self.port = None
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.ready = threading.Event()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def _run(self):
        asyncio.set_event_loop(self.loop)

        async def boot():
            self.server = await self.loop.create_server(lambda: _Conn(self), "127.0.0.1", 0)
            self.port = self.server.sockets[0].getsockname()[1]
            self.ready.set()
        self.loop.run_until_complete(boot())
        self.loop.run_forever()
        for t in self.transports:
            t.abort()
        self.server.close()
        self.loop.run_until_complete(self.server.wait_closed())
        self.loop.close()

    def start(self):
        self.thread.start()
        assert self.ready.wait(10), "fake redis did not start"
        return self

    def data_commands(self):
        return [c for c in list(self.commands) if c.encode().upper() not in HANDSHAKE]

    def wait_commands(self, pred, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred(self):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
