#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unsafe metrics of Rust sources, as issue 18 measures them.

Usage: harness/unsafe-stats.py [DIR-or-FILE ...]   (default: mm/gup)

Prints, per file and in total: lines, `unsafe` blocks (`unsafe {`, not
`unsafe fn`/`unsafe impl`), blocks per 1,000 lines, `// SAFETY:` comments
and how many of their texts (a comment's lines joined) are distinct.
"""
import os
import re
import sys

BLOCK = re.compile(r"\bunsafe\s*\{")


def files(args):
    for a in args:
        if os.path.isdir(a):
            for root, _, names in os.walk(a):
                for n in sorted(names):
                    if n.endswith(".rs"):
                        yield os.path.join(root, n)
        else:
            yield a


def stats(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = sum(len(BLOCK.findall(l.split("//")[0])) for l in lines)
    texts = []
    i = 0
    while i < len(lines):
        m = re.match(r"\s*// SAFETY:(.*)", lines[i])
        if m:
            text = [m.group(1).strip()]
            i += 1
            while i < len(lines) and re.match(r"\s*//(?!/)(?! [A-Z]+:)", lines[i]):
                text.append(lines[i].strip()[2:].strip())
                i += 1
            texts.append(" ".join(text))
            continue
        i += 1
    return len(lines), blocks, texts


def main():
    args = sys.argv[1:] or ["mm/gup"]
    tl = tb = 0
    alltexts = []
    for f in files(args):
        n, b, t = stats(f)
        tl, tb = tl + n, tb + b
        alltexts += t
        print("%-40s %6d lines %4d unsafe blocks %5.1f/kloc %4d SAFETY" % (f, n, b, 1000.0 * b / max(n, 1), len(t)))
    distinct = len(set(alltexts))
    print("%-40s %6d lines %4d unsafe blocks %5.1f/kloc %4d SAFETY, %d distinct (%.0f%%)" % (
        "total", tl, tb, 1000.0 * tb / max(tl, 1), len(alltexts), distinct,
        100.0 * distinct / max(len(alltexts), 1)))


if __name__ == "__main__":
    main()
