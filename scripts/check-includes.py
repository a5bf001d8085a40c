#!/usr/bin/python3
"""Layer check: fails when a file under src/ includes a layer it must not.

Usage: scripts/check-includes.py [SRC_DIR]   (default: src/ beside scripts/)
Exit 0 when every `#include "dir/..."` respects the rules below, 1 otherwise
(one line per violation: file:line: layer -> included file). Only quoted
includes whose first path component is a folder of src/ are checked;
system and library includes (<...>) are not. Run first by `make test`.

The rules (docs/architecture.md, "Layers"): a folder may include only the
folders listed as allowed for it, besides itself. A lower layer never
knows a higher one: codecs turn bytes into events (no config, metrics or
I/O), io/ moves bytes (no HTTP), quic/ is a transport that knows its
application only through an interface, the router decides, upstream/
forwards, conn/ drives codecs, server/ and app/ wire everything.
"""
import pathlib
import re
import sys

# folder -> folders it may include (besides itself). A folder missing here
# (a new one) may include anything until it is given a rule; a folder that
# is included but unknown is fine too. Keep in step with docs/architecture.md.
ALLOWED = {
    "core":     set(),
    "config":   {"core", "security"},  # security: ip.hpp (pure CIDR parsing) to validate lists
    "obs":      {"core", "config", "http"},  # http: the access log reads a request's context
    "io":       {"core", "config", "obs"},
    "http":     {"core", "io"},          # io: the byte stream a tunnel hands over
    "codec":    {"core", "http"},
    # quic: codec (it feeds the HTTP/3 codec's stream I/O through the
    # Application interface, quic/application.hpp) and http (ConnInfo);
    # never conn/: the application is chosen by ALPN through that interface.
    "quic":     {"core", "config", "obs", "io", "http", "codec"},
    "filter":   {"core", "config", "obs", "io", "http"},  # io: what Exchange::upgrade returns
    "upstream": {"core", "config", "obs", "io", "http", "codec", "filter", "security"},
    # security: the edge security filters and checks (issue 15); used by
    # conn/ (on accept), router/ (client address, route filters), upstream/
    # (PROXY header), server/; never the other way round.
    # codec: base64url for JWT; redis: limits shared across nodes.
    "security": {"core", "config", "obs", "io", "http", "codec", "filter", "redis"},
    # redis: a general client (commands, scripts, pub/sub) on Asio; knows no user.
    "redis":    {"core", "config", "obs", "io"},
    "hub":      {"core", "config", "obs", "io", "http", "codec", "filter", "conn", "redis",
                 "security"},  # conn: signal.hpp; security: the JWT core
    # cache: the edge cache (issue 14): RFC 9111 semantics, the store, the
    # cached proxy around upstream/'s proxy; redis: purges across nodes.
    "cache":    {"core", "config", "obs", "io", "http", "codec", "filter", "upstream", "security",
                 "redis"},
    "router":   {"core", "config", "obs", "http", "filter", "upstream", "hub", "security", "cache"},
    "conn":     {"core", "config", "obs", "io", "http", "codec", "quic", "filter", "security"},
    "admin":    {"core", "config", "obs", "io", "http", "upstream", "hub", "security", "cache"},  # security: the penalties API
    "tools":    {"core", "config", "obs", "io", "http", "codec", "quic"},
    "server":   {"core", "config", "obs", "io", "http", "codec", "quic", "filter", "upstream",
                 "router", "conn", "admin", "hub", "redis", "security", "cache"},
    # app/ (main, wiring) may include everything.
}

# TEMPORARY allow-list (issue 10): violations that other branches remove
# (codec/http2, codec/http3 -> plain limit structs and event counters;
# quic/ -> an application interface chosen by ALPN; router/ -> the tunnel
# call / filters replace ObservedExchange::upgrade's io::Transport). The
# integrator empties this list after merging them; never add to it. An
# entry that no longer matches is reported as a note, not an error.
KNOWN: set = set()

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCE_EXT = {".hpp", ".cpp", ".h", ".cc", ".ipp"}


def check(src: pathlib.Path):
    layers = {p.name for p in src.iterdir() if p.is_dir()}
    problems = []
    used_known = set()
    for path in sorted(src.rglob("*")):
        if path.suffix not in SOURCE_EXT or not path.is_file():
            continue
        rel = path.relative_to(src).as_posix()
        layer = rel.split("/", 1)[0]
        if layer not in ALLOWED:
            continue
        allowed = ALLOWED[layer] | {layer}
        for no, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            top = target.split("/", 1)[0]
            if "/" not in target or top not in layers or top in allowed:
                continue
            if (rel, target) in KNOWN:
                used_known.add((rel, target))
                continue
            problems.append(f"src/{rel}:{no}: {layer}/ must not include {target}")
    return problems, sorted(KNOWN - used_known)


def main(argv):
    root = pathlib.Path(__file__).resolve().parent.parent
    src = pathlib.Path(argv[1]) if len(argv) > 1 else root / "src"
    if not src.is_dir():
        print(f"check-includes: no such directory {src}", file=sys.stderr)
        return 2
    problems, stale = check(src)
    for p in problems:
        print(p)
    for rel, target in stale:
        print(f"check-includes: note: KNOWN entry no longer needed: {rel} -> {target}")
    if problems:
        print(f"check-includes: {len(problems)} forbidden include(s); layer rules in "
              "scripts/check-includes.py and docs/architecture.md", file=sys.stderr)
        return 1
    print("check-includes: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
