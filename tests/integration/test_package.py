"""The Debian package of `make package` (CPack): extracted into a fresh tree
with dpkg -x, its unit checked with `systemd-analyze verify` (and its
hardening scored offline), its default config validated by its own binary,
its maintainer scripts and man pages present. The package is
build/strata_*.deb (make test runs `make package` first) or $STRATA_DEB."""
import glob
import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, run


def find_deb():
    if os.environ.get("STRATA_DEB"):
        return os.environ["STRATA_DEB"]
    debs = sorted(glob.glob(str(ROOT / "build" / "strata_*.deb")), key=os.path.getmtime)
    return debs[-1] if debs else None


DEB = find_deb()
pytestmark = pytest.mark.skipif(DEB is None, reason="no .deb: run `make package` (make test does)")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("pkgroot")
    run(["dpkg-deb", "-x", DEB, str(root)])
    ctrl = tmp_path_factory.mktemp("pkgctrl")
    run(["dpkg-deb", "-e", DEB, str(ctrl)])
    return root, ctrl


def test_contents_and_control(tree):
    root, ctrl = tree
    assert os.access(root / "usr/bin/strata", os.X_OK)
    assert (root / "usr/lib/systemd/system/strata.service").is_file()
    assert (root / "etc/strata/strata.yaml").is_file()
    fields = run(["dpkg-deb", "-f", DEB, "Package", "Depends"]).stdout.decode()
    assert "Package: strata" in fields
    assert "adduser" in fields and "libsystemd0" in fields and "libnghttp2" in fields, fields
    assert (ctrl / "conffiles").read_text().split() == ["/etc/strata/strata.yaml"]
    postinst = (ctrl / "postinst").read_text()
    assert os.access(ctrl / "postinst", os.X_OK)
    assert "adduser --system --group" in postinst and " strata" in postinst
    assert "install -d -o strata -g strata -m 0750 /var/lib/strata" in postinst
    run(["sh", "-n", str(ctrl / "postinst")])
    run(["sh", "-n", str(ctrl / "prerm")])
    run(["sh", "-n", str(ctrl / "postrm")])


def test_default_config_is_valid(tree):
    root, _ = tree
    r = run([str(root / "usr/bin/strata"), "check", "-c", str(root / "etc/strata/strata.yaml")])
    assert b": ok (2 listeners" in r.stdout, r.stdout


def test_man_page_per_subcommand(tree):
    root, _ = tree
    help_text = run([str(root / "usr/bin/strata"), "--help"]).stdout.decode()
    subs = [line.split()[0] for line in help_text.split("Subcommands:")[1].splitlines() if line.startswith("  ")]
    assert {"serve", "check", "proxy", "origin", "load", "probe", "plan", "version"} <= set(subs), help_text
    man = root / "usr/share/man/man1"
    for s in subs:
        page = gzip.decompress((man / f"strata-{s}.1.gz").read_bytes()).decode()
        assert page.startswith(f".TH STRATA\\-{s.upper()} 1"), page[:80]
        assert ".SH OPTIONS" in page
    plan = gzip.decompress((man / "strata-plan.1.gz").read_bytes()).decode()
    assert "\\-\\-from\\-metrics" in plan
    if shutil.which("man"):
        out = run(["man", "-l", str(man / "strata-serve.1.gz")], env={**os.environ, "MANWIDTH": "100"}).stdout
        assert b"--config" in out


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_unit_verifies_and_is_hardened(tree, tmp_path):
    root, _ = tree
    unit = (root / "usr/lib/systemd/system/strata.service").read_text()
    for line in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "User=strata", "StateDirectory=strata",
                 "ExecStart=/usr/bin/strata serve -c /etc/strata/strata.yaml", "NoNewPrivileges=yes",
                 "ProtectSystem=strict"):
        assert line in unit.splitlines(), line
    # The unit as installed, with its binary path pointed into the extracted
    # tree; man pages (Documentation=) looked up in the tree too.
    local = tmp_path / "strata.service"
    local.write_text(unit.replace("/usr/bin/strata", str(root / "usr/bin/strata")))
    env = {**os.environ, "MANPATH": str(root / "usr/share/man")}
    r = run(["systemd-analyze", "verify", str(local)], env=env, check=False)
    assert r.returncode == 0 and r.stderr.strip() == b"", r.stderr.decode()
    # Offline exposure score (0 safest .. 10): the hardening options count.
    r = run(["systemd-analyze", "security", "--offline=true", "--threshold=25", str(local)], env=env, check=False)
    assert r.returncode == 0, r.stdout.decode()[-1500:]
    assert b"Overall exposure level for strata.service: 1." in r.stdout, r.stdout.decode()[-300:]
