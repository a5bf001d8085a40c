#!/usr/bin/env python3
"""Man pages from the CLI's own help: strata.1 and strata-SUB.1 for every
subcommand `strata --help` lists, written gzipped (reproducible: no
timestamp) to OUTDIR. Usage: gen-man.py STRATA_BINARY OUTDIR VERSION"""
import gzip
import os
import re
import subprocess
import sys

COL = 30  # CLI11's default column: an entry's text starts here, or on the next line
CONT_RE = re.compile(r"^\s{%d}(\S.*)$" % COL)


def help_text(binary, *args):
    r = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        sys.exit(f"{binary} {' '.join(args)} --help failed: {r.stderr}")
    return r.stdout


def esc(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return ("\\&" + s) if s[:1] in (".", "'") else s


def parse(text):
    """-> (summary, usage, {section: [(term, description)]})"""
    lines = text.splitlines()
    summary = lines[0].strip() if lines else ""
    summary = re.sub(r"^strata — ", "", summary)
    usage = ""
    sections, current = {}, None
    for line in lines[1:]:
        if line.startswith("Usage:"):
            usage = re.sub(r"^Usage: \S+", "strata", line.strip())
        elif re.match(r"^[A-Z][A-Za-z ]*:$", line):
            current = line[:-1]
            sections[current] = []
        elif current and sections[current] and (m := CONT_RE.match(line)):
            sections[current][-1][1] = (sections[current][-1][1] + " " + m.group(1)).strip()
        elif current and line.startswith("  ") and line[2:3].strip():
            if len(line) > COL and line[COL - 1] == " ":
                sections[current].append([line[:COL].strip(), line[COL:].strip()])
            else:
                sections[current].append([line.strip(), ""])
    return summary, usage, sections


def page(name, summary, usage, sections, version, see_also):
    out = [f'.TH {esc(name.upper())} 1 "" "strata {esc(version)}" "strata manual"',
           ".SH NAME", f"{esc(name)} \\- {esc(summary)}",
           ".SH SYNOPSIS", f".B {esc(usage)}" if usage else f".B {esc(name)}",
           ".SH DESCRIPTION", esc(summary) + "."]
    for title, entries in sections.items():
        out.append(f".SH {esc(title.upper())}")
        for term, desc in entries:
            out += [".TP", f".B {esc(term)}", esc(desc)]
    out += [".SH SEE ALSO", ", ".join(f"\\fB{esc(s)}\\fR(1)" for s in see_also)]
    return "\n".join(out) + "\n"


def write(outdir, name, text):
    path = os.path.join(outdir, f"{name}.1.gz")
    with open(path, "wb") as f:
        with gzip.GzipFile(filename=f"{name}.1", mode="wb", fileobj=f, mtime=0) as g:
            g.write(text.encode())
    return path


def main():
    binary, outdir, version = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    summary, usage, sections = parse(help_text(binary))
    subs = [term.split()[0] for term, _ in sections.get("Subcommands", [])]
    write(outdir, "strata", page("strata", summary, usage, sections, version, [f"strata-{s}" for s in subs]))
    for sub in subs:
        s_summary, s_usage, s_sections = parse(help_text(binary, sub))
        write(outdir, f"strata-{sub}", page(f"strata-{sub}", s_summary, s_usage, s_sections, version, ["strata"]))
    print(f"{len(subs) + 1} man pages in {outdir}")


if __name__ == "__main__":
    main()
