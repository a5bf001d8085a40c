"""The layer check (scripts/check-includes.py, run first by `make test`):
passes on the tree, fails on a copy with a forbidden include planted."""
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check-includes.py"


def check(src):
    return subprocess.run([sys.executable, str(SCRIPT), str(src)], capture_output=True, text=True,
                          timeout=60)


def test_the_tree_passes():
    r = check(ROOT / "src")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "check-includes: ok" in r.stdout


@pytest.mark.parametrize("file,include", [
    ("codec/http1/request_parser.cpp", "config/config.hpp"),   # codecs: no config
    ("codec/http1/response_parser.hpp", "obs/metrics.hpp"),    # codecs: no metrics
    ("io/transport.hpp", "http/exchange.hpp"),                 # io: no HTTP
    ("router/route_table.cpp", "io/transport.hpp"),            # router: no io
    ("core/units.hpp", "config/config.hpp"),                   # core: nothing of ours
    ("quic/cid.hpp", "conn/server_context.hpp"),               # quic: no application
])
def test_a_planted_forbidden_include_fails(tmp_path, file, include):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src)
    target = src / file
    assert target.exists(), file
    text = target.read_text()
    # Planted after the first line, spaced like a real one.
    first, rest = text.split("\n", 1)
    target.write_text(f'{first}\n#  include "{include}"\n{rest}')
    r = check(src)
    assert r.returncode == 1, r.stdout
    assert f"src/{file}:2:" in r.stdout and include in r.stdout
    # Only the planted line is reported.
    assert len(r.stdout.strip().splitlines()) == 1, r.stdout


def test_library_includes_and_own_layer_are_fine(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src)
    f = src / "codec" / "http1" / "syntax.hpp"
    f.write_text('#include <config/config.hpp>\n#include "codec/http1/error.hpp"\n' + f.read_text())
    r = check(src)
    assert r.returncode == 0, r.stdout
