#!/usr/bin/python3
"""Checks that README.md and docs/*.md name only files that exist, then runs the README's "A
short tour" block and every complete command in docs/*.md, as written, on small data.

usage: readme_tour.py ROOT KIRCHHOFF WORKDIR

WORKDIR becomes a stand-in for the checkout: build/release/cli/kirchhoff is KIRCHHOFF,
examples/ is ROOT's, data/digits.csv holds the first 200 digits and data/mnist the first 600
training and 200 test images of ROOT/data/mnist, and scripts/fetch-data.sh says the data is in
place (the tour's download). Every other line runs unchanged, in order, under `set -e`, except
`./run.sh bench` (minutes of benchmarks; `./run.sh bench` has its own run). Then the docs' code
blocks: each line that starts with `kirchhoff`, `mpirun` or `ngspice` and has no placeholder (a
`[option]`, `a|b` or an upper-case NAME) runs as written too, with kirchhoff on the PATH and Open
MPI allowed to run as root and to oversubscribe the cores (environment only; skipped without
mpirun). Exits with the failing command's status, having printed it.
"""
import glob
import re
import gzip
import os
import shutil
import subprocess
import sys
import tempfile


def tour(readme):
    """The lines of the first ```sh block after the "## A short tour" heading."""
    lines = open(readme, encoding="utf-8").read().split("\n")
    start = lines.index("## A short tour")
    begin = next(i for i in range(start, len(lines)) if lines[i].startswith("```sh"))
    end = next(i for i in range(begin + 1, len(lines)) if lines[i].startswith("```"))
    return lines[begin + 1:end]


PLACEHOLDER = re.compile(r"\[|\||\.\.\.|\b[A-Z][A-Z0-9_]*\b")


def documented_commands(root):
    """(doc, command) for every complete command in a ``` block of docs/*.md."""
    found = []
    for doc in sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
        inside, pending = False, ""
        for line in open(doc, encoding="utf-8").read().split("\n"):
            if line.startswith("```"):
                inside, pending = not inside, ""
                continue
            if not inside:
                continue
            line = pending + line.split("  #")[0].rstrip()
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            pending = ""
            words = line.split()
            if words and words[0] in ("kirchhoff", "mpirun", "ngspice") \
                    and not PLACEHOLDER.search(line):
                found.append((os.path.relpath(doc, root), line.strip()))
    return found


PATH_IN_TEXT = re.compile(r"(?<![\w./-])((?:docs|tests|sim|cli|learning|netlist|core|hw|bench|"
                          r"scripts|examples|include)/[\w./-]*[\w/])")
LINK = re.compile(r"\]\(([^)#\s]+)")


def missing_files(root):
    """(doc, line, path) for every repository path or relative link in README.md and docs/*.md
    that names no file."""
    missing = []
    for doc in ["README.md"] + sorted(os.path.relpath(d, root) for d in
                                      glob.glob(os.path.join(root, "docs", "*.md"))):
        for n, line in enumerate(open(os.path.join(root, doc), encoding="utf-8"), 1):
            for m in PATH_IN_TEXT.finditer(line):
                if not any(c in m.group(1) for c in "<*{") and \
                        not os.path.exists(os.path.join(root, m.group(1))):
                    missing.append((doc, n, m.group(1)))
            for m in LINK.finditer(line):
                target = m.group(1)
                if "://" not in target and not os.path.exists(
                        os.path.join(root, os.path.dirname(doc), target)):
                    missing.append((doc, n, target))
    return missing


def idx_head(src, dst, count, header):
    """The first `count` records of a gzip IDX file (header bytes, then records)."""
    with gzip.open(src, "rb") as f:
        head = bytearray(f.read(header))
        record = 1 if header == 8 else head[8] << 24 | head[9] << 16 | head[10] << 8 | head[11]
        record *= 1 if header == 8 else head[12] << 24 | head[13] << 16 | head[14] << 8 | head[15]
        body = f.read(count * record)
    head[4:8] = count.to_bytes(4, "big")
    with gzip.open(dst, "wb") as f:
        f.write(bytes(head) + body)


def sandbox(root, kirchhoff, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "build", "release", "cli"))
    os.symlink(kirchhoff, os.path.join(work, "build", "release", "cli", "kirchhoff"))
    os.makedirs(os.path.join(work, "bin"))
    os.symlink(kirchhoff, os.path.join(work, "bin", "kirchhoff"))
    os.symlink(os.path.join(root, "examples"), os.path.join(work, "examples"))
    os.makedirs(os.path.join(work, "scripts"))
    stub = os.path.join(work, "scripts", "fetch-data.sh")
    with open(stub, "w") as f:
        f.write("#!/bin/sh\necho 'fetch-data.sh (tour check): small data already in place'\n")
    os.chmod(stub, 0o755)
    os.makedirs(os.path.join(work, "data", "mnist"))
    with open(os.path.join(root, "data", "digits.csv")) as f:
        head = [next(f) for _ in range(200)]
    with open(os.path.join(work, "data", "digits.csv"), "w") as f:
        f.writelines(head)
    for prefix, count in (("train", 600), ("t10k", 200)):
        for kind, header in (("images-idx3", 16), ("labels-idx1", 8)):
            name = "%s-%s-ubyte.gz" % (prefix, kind)
            idx_head(os.path.join(root, "data", "mnist", name),
                     os.path.join(work, "data", "mnist", name), count, header)


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 1
    root, kirchhoff, work = (os.path.abspath(a) for a in argv[1:])
    missing = missing_files(root)
    for doc, line, path in missing:
        print("%s:%d: names %s, which is not in the checkout" % (doc, line, path))
    if missing:
        return 1
    sandbox(root, kirchhoff, work)
    script = ["set -euo pipefail", "PS4='+ [${SECONDS} s] '"]
    for line in tour(os.path.join(root, "README.md")):
        if line.strip().startswith("./run.sh bench"):
            line = "echo 'skipped: ./run.sh bench (minutes; it has its own run)'"
        script.append(line)
    have_mpirun = shutil.which("mpirun") is not None
    for doc, command in documented_commands(root):
        if command.startswith("mpirun") and not have_mpirun:
            command = "echo 'skipped (no mpirun): %s'" % command.replace("'", "")
        script.append("echo '== %s'" % doc)
        script.append(command)
    # Open MPI's session directory of its own (short, under /tmp: it holds Unix sockets), so
    # that no other mpirun of the test run races this one creating /tmp/ompi.HOST.UID.
    session = tempfile.mkdtemp(prefix="kh-ompi-", dir="/tmp")
    env = dict(os.environ, PATH=os.path.join(work, "bin") + ":" + os.environ.get("PATH", ""),
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_btl="self,vader", OMPI_MCA_rmaps_base_oversubscribe="1",
               ASAN_OPTIONS="detect_leaks=0", TMPDIR=session)
    try:
        done = subprocess.run(["bash", "-x", "-c", "\n".join(script)], cwd=work, env=env)
    finally:
        shutil.rmtree(session, ignore_errors=True)
    print("readme_tour.py: %s" % ("the tour and the docs' commands ran as written" if done.returncode == 0 else
                                  "the tour stopped with exit code %d" % done.returncode))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
