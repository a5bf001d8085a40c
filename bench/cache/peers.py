"""The caches compared in bench/cache: how each is configured and started in
front of an origin on 127.0.0.1. Shared by bench/cache/suite (the HTTP cache
test suite) and bench/cache/hit (the hit path). Every process listens on
127.0.0.1 only, runs in the foreground under a temporary directory and is
ended by Proc.stop() (its process group). Every wait is bounded.

Configurations (docs/cache-bench.md):
  nginx    the suite's own docker/nginx/nginx.conf (proxy_cache, keys_zone
           8m, max_size 1000m, inactive 600m, proxy_cache_revalidate on)
           inside Debian's default nginx.conf `http` settings (gzip on,
           sendfile, ...), 1 worker;
  varnish  Debian's /etc/varnish/default.vcl (empty subs: the builtin VCL)
           with its backend pointed at the origin, malloc storage; varnishd's
           default parameters unless `params` are given;
  squid    the suite's docker/squid/squid.conf (accelerator, origin as
           cache_peer) after Debian's default squid.conf rules (refresh
           patterns, ACLs), memory cache only (no cache_dir, as Debian ships);
  strata   a proxy route to the origin, with `cache: {}` (or none: a plain
           proxy), 1 worker (the suite: 2, as its test)."""
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from hct import free_port, wait_port  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
STRATA = os.environ.get("STRATA_BIN", str(ROOT / "build" / "strata"))


def pids_of(root_pid):
    """root pid and its descendants."""
    out = [root_pid]
    try:
        kids = subprocess.run(["pgrep", "-P", str(root_pid)], capture_output=True, text=True).stdout.split()
        for k in kids:
            out += pids_of(int(k))
    except Exception:
        pass
    return out


class Proc:
    """A started server: its process group is stopped by stop(); pids() are
    the process and its descendants (for CPU accounting)."""

    def __init__(self, name, args, log, cpu=None, env=None, cwd=None):
        self.name = name
        pre = ["taskset", "-c", str(cpu)] if cpu is not None else []
        self.p = subprocess.Popen(pre + args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                  preexec_fn=os.setsid)

    def pids(self):
        return pids_of(self.p.pid)

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        try:
            os.killpg(self.p.pid, signal.SIGTERM)
            self.p.wait(15)
        except Exception:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(5)
            except Exception:
                pass


def _dir(tmp, name):
    d = Path(tmp) / name
    if d.exists():
        shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    # nginx workers (nobody), squid (proxy) and varnish (vcache) drop root
    # and must write here.
    os.chmod(d, 0o777)
    # ... and reach it: open the temporary directories above it for traversal.
    top = Path(tempfile.gettempdir()).resolve()
    up = d.resolve().parent
    while up != top and top in up.parents:
        os.chmod(up, os.stat(up).st_mode | 0o711)
        up = up.parent
    return d


def nginx(tmp, origin_port, port=None, cpu=None, extra_server="", h2c_port=None, http_extra="",
          io="sendfile on;\n  tcp_nopush on;"):
    """nginx proxy_cache with the suite's settings; h2c_port: a second
    listener speaking HTTP/2 with prior knowledge (nginx 1.22's cleartext
    `http2` listener speaks nothing else), for the hit bench. io: the I/O
    directives (Debian's default: sendfile, tcp_nopush)."""
    port = port or free_port()
    h2c_listen = f"listen 127.0.0.1:{h2c_port} http2;" if h2c_port else ""
    d = _dir(tmp, "nginx")
    conf = d / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  {io}
  types_hash_max_size 2048;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  gzip on;
  client_body_temp_path {d}/client_body;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  {http_extra}
  # bench/cache-suite: the suite's docker/nginx/nginx.conf from here on
  proxy_cache_path {d}/cache levels=1:2 keys_zone=my-cache:8m max_size=1000m inactive=600m;
  proxy_temp_path {d}/cache/tmp;
  server {{
    listen 127.0.0.1:{port};
    {h2c_listen}
    location / {{
      proxy_pass http://127.0.0.1:{origin_port};
      proxy_cache my-cache;
      proxy_cache_revalidate on;
      {extra_server}
    }}
  }}
}}
""")
    p = Proc("nginx", ["nginx", "-c", str(conf), "-p", str(d)], open(d / "out.log", "w"), cpu)
    wait_port(port, proc=p.p)
    if h2c_port:
        wait_port(h2c_port, proc=p.p)
    return p, port


def varnish(tmp, origin_port, port=None, cpu=None, params=(), h2=False, storage="malloc,256M"):
    """varnishd with Debian's default.vcl (backend -> origin)."""
    port = port or free_port()
    d = _dir(tmp, "varnish")
    vcl = Path("/etc/varnish/default.vcl").read_text()
    vcl = vcl.replace('.host = "127.0.0.1";', '.host = "127.0.0.1";').replace(
        '.port = "8080";', f'.port = "{origin_port}";')
    (d / "default.vcl").write_text(vcl)
    os.chmod(d / "default.vcl", 0o644)
    args = ["varnishd", "-F", "-n", str(d / "work"), "-a", f"127.0.0.1:{port}", "-f", str(d / "default.vcl"),
            "-s", storage, "-T", "none"]
    for p in params:
        args += ["-p", p]
    if h2:
        args += ["-p", "feature=+http2"]
    p = Proc("varnish", args, open(d / "out.log", "w"), cpu)
    wait_port(port, timeout=40, proc=p.p)
    return p, port


def squid(tmp, origin_port, port=None, cpu=None):
    """squid as an accelerator (the suite's docker/squid/squid.conf)."""
    port = port or free_port()
    d = _dir(tmp, "squid")
    conf = d / "squid.conf"
    conf.write_text(f"""
# Debian 12's default squid.conf rules (minus its 3128 forward-proxy port)
acl SSL_ports port 443
acl Safe_ports port 80
acl Safe_ports port 443
acl Safe_ports port 1025-65535
http_access deny !Safe_ports
http_access deny CONNECT !SSL_ports
http_access allow localhost manager
http_access deny manager
# bench/cache-suite: the suite's docker/squid/squid.conf (origin on loopback)
http_port 127.0.0.1:{port} accel defaultsite=localhost no-vhost
cache_peer 127.0.0.1 parent {origin_port} 0 no-query no-digest originserver default name=myAccel
acl our_sites dstdomain localhost
cache_peer_access myAccel allow all
http_access allow all
shutdown_lifetime 1 second
connect_retries 3
# back to Debian's defaults
http_access allow localhost
http_access deny all
coredump_dir {d}
refresh_pattern ^ftp:		1440	20%	10080
refresh_pattern ^gopher:	1440	0%	1440
refresh_pattern -i (/cgi-bin/|\\?) 0	0%	0
refresh_pattern .		0	20%	4320
# bench: files under the temporary directory
pid_filename {d}/squid.pid
cache_log {d}/cache.log
access_log none
cache_store_log none
netdb_filename none
""")
    p = Proc("squid", ["squid", "-N", "-f", str(conf)], open(d / "out.log", "w"), cpu)
    wait_port(port, timeout=40, proc=p.p)
    return p, port


def strata(tmp, origin_port, port=None, cpu=None, cache=True, binary=None, route_cache="{}",
           storage=None, h2c=False, workers=1):
    """strata, one worker, a proxy route to the origin; cache: the route
    caches (`cache: route_cache`), else a plain proxy. storage: the
    top-level `cache:` block (YAML flow text) or None for the defaults."""
    port = port or free_port()
    d = _dir(tmp, "strata" if cache else "strata-proxy")
    cfg = d / "strata.yaml"
    protocols = "\n    protocols: [h1, h2c]" if h2c else ""
    top = f"cache: {storage}\n" if storage else ""
    cache_line = f"\n      cache: {route_cache}" if cache else ""
    cfg.write_text(f"""workers: {workers}
{top}listeners:
  - name: main
    address: "127.0.0.1:{port}"
    routes: main{protocols}
route_tables:
  main:
    - match: {{prefix: "/"}}
      proxy: {{cluster: origin}}{cache_line}
clusters:
  origin:
    endpoints: ["127.0.0.1:{origin_port}"]
""")
    env = dict(os.environ, STRATA_STATE_DIR=str(d / "state"))
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    p = Proc("strata" if cache else "strata-proxy",
             [binary or STRATA, "--log-level", "warn", "serve", "-c", str(cfg)], open(d / "out.log", "w"), cpu,
             env=env)
    wait_port(port, timeout=40, proc=p.p)
    return p, port


def ensure_packages(pkgs=("varnish", "squid")):
    """apt-get installs the peers that are missing (benchmarks only; never
    called by make test). Returns the packages still missing."""
    missing = [p for p in pkgs if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                                                 text=True).stdout.find("install ok installed") < 0]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print(f"installing {' '.join(missing)}", flush=True)
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=False)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), check=False)
    # Debian starts the services on install where it can; the benches start
    # their own instances on other ports and leave those alone.
    return [p for p in pkgs if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                                              text=True).stdout.find("install ok installed") < 0]


def version(name):
    cmd = {"nginx": ["nginx", "-v"], "varnish": ["varnishd", "-V"], "squid": ["squid", "-v"],
           "strata": [STRATA, "version"]}[name]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except Exception:
        return "unknown"
