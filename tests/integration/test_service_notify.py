"""strata under a service manager's readiness protocol (sd_notify, Type=notify):
the messages arrive on the $NOTIFY_SOCKET unix datagram socket: READY=1 once
serving, RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a SIGHUP
reload (also a refused one), STOPPING=1 when SIGTERM starts the drain."""
import signal
import socket
import time

import pytest


@pytest.fixture
def notify_socket(tmp_path):
    path = str(tmp_path / "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    yield path, s
    s.close()


def messages(sock):
    """The next datagram as a dict of its KEY=VALUE lines."""
    data = sock.recv(4096).decode()
    return dict(line.split("=", 1) for line in data.splitlines() if "=" in line)


CONFIG = """
workers: 1
listeners:
  - name: web
    address: "127.0.0.1:0"
    routes: main
route_tables:
  main:
    - respond: {status: 200, body: "hi\\n"}
"""


def test_ready_reloading_stopping(spawn, write_config, notify_socket):
    path, sock = notify_socket
    cfg = write_config(CONFIG)
    s = spawn("serve", "-c", cfg, env={"NOTIFY_SOCKET": path})
    m = messages(sock)
    assert m.get("READY") == "1" and m.get("STATUS") == "serving", m

    s.signal(signal.SIGHUP)
    m = messages(sock)
    assert m.get("RELOADING") == "1", m
    usec = int(m["MONOTONIC_USEC"])
    assert abs(usec / 1e6 - time.monotonic()) < 30, (usec, time.monotonic())
    m = messages(sock)
    assert m.get("READY") == "1" and "reloaded" in m.get("STATUS", ""), m

    # A broken file: the reload is refused, the service is ready again with the old config.
    with open(cfg, "w") as f:
        f.write("listeners: [\n")
    s.signal(signal.SIGHUP)
    assert messages(sock).get("RELOADING") == "1"
    m = messages(sock)
    assert m.get("READY") == "1" and "refused" in m.get("STATUS", ""), m

    s.signal(signal.SIGTERM)
    m = messages(sock)
    assert m.get("STOPPING") == "1", m
    assert s.proc.wait(30) == 0
