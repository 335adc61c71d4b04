#!/usr/bin/python3
"""No function of the library or the CLI is longer than 80 lines (issue 24's rule; tests,
examples and benchmarks are exempt). Counts from the line that starts its signature to its
closing brace, comments included.

Usage: tests/api/function_lengths.py SOURCE_ROOT
"""
import os
import re
import sys

LIMIT = 80
FOLDERS = ("core", "netlist", "sim", "learning", "hw", "cli", "python")


def functions(path):
    text = open(path).read()
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)  # braces inside strings do not count
    text = re.sub(r"'(\\.|[^'\\\n])'", "''", text)
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    lines = text.split("\n")
    depth, start, head = 0, None, ""
    for i, line in enumerate(lines):
        if depth == 0 and start is None and line and not line[0].isspace() \
                and not line.startswith(("#", "}")):
            start = i
        before = depth
        depth += line.count("{") - line.count("}")
        if before == 0 and depth > 0:
            head = " ".join(lines[start if start is not None else i:i + 1])
            first = start if start is not None else i
        if before > 0 and depth == 0:
            name = re.search(r"(\w+)\s*\(", head)
            if name and "=" not in head.split("(")[0] and \
                    not head.lstrip().startswith(("typedef", "struct", "enum", "union")):
                yield name.group(1), first + 1, i - first + 1
            start = None
        if depth == 0 and (line.rstrip().endswith(";") or line.startswith("}")):
            start = None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    long = []
    for folder in FOLDERS:
        for base, _, files in os.walk(os.path.join(root, folder)):
            for name in files:
                if name.endswith(".c"):
                    path = os.path.join(base, name)
                    for fn, line, n in functions(path):
                        if n > LIMIT:
                            long.append(f"{os.path.relpath(path, root)}:{line}: {fn} has {n} lines")
    for entry in sorted(long):
        print(entry)
    print(f"{len(long)} functions over {LIMIT} lines")
    return 1 if long else 0


if __name__ == "__main__":
    sys.exit(main())
