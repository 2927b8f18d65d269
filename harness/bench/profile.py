#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Per-function instruction profile of `harness/rust-gup profile`.

Each --run KIND=DIR names a directory with blocks.txt (the insn_profile
QEMU plugin's "pc insns execs" lines, one per kernel translation block)
and the kernel's System.map. Blocks are attributed to the text symbol at
or below their start; a block's executions at a symbol's own address are
that function's entries. Writes DIR/profile.md (the workload, each
kernel's total, a side-by-side table of the functions with the most
instructions, and each kernel's top functions) and profile.csv.
"""
import argparse
import bisect
import csv
import os
import shutil
import subprocess
import sys


def load_symbols(path):
    addrs, names = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in "tTwW":
                continue
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def demangle(names, cxxfilt):
    """Rust v0 symbols through llvm-cxxfilt (CXXFILT: the command)."""
    tool = cxxfilt.split() if cxxfilt else [shutil.which("llvm-cxxfilt")]
    rust = sorted({n for n in names if n.startswith("_R")})
    if not tool[0] or not rust:
        return {}
    out = subprocess.run(tool, input="\n".join(rust), capture_output=True,
                         text=True, check=False).stdout.splitlines()
    if len(out) != len(rust):
        return {}
    short = {}
    for raw, dem in zip(rust, out):
        # Drop the crate hash and generic noise: keep the path.
        short[raw] = dem.replace("::{closure#0}", "::{closure}")
    return short


def load_profile(d):
    addrs, names = load_symbols(os.path.join(d, "System.map"))
    insns, entries = {}, {}
    total = 0
    with open(os.path.join(d, "blocks.txt")) as f:
        for line in f:
            if line.startswith("#"):
                print(f"profile: {d}: {line.strip()}", file=sys.stderr)
                continue
            pc, n, execs = line.split()
            pc, n, execs = int(pc, 16), int(n), int(execs)
            i = bisect.bisect_right(addrs, pc) - 1
            name = names[i] if i >= 0 else "?"
            insns[name] = insns.get(name, 0) + n * execs
            if i >= 0 and addrs[i] == pc:
                entries[name] = entries.get(name, 0) + execs
            total += n * execs
    return insns, entries, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("resdir")
    ap.add_argument("--run", action="append", default=[], help="KIND=DIR")
    ap.add_argument("--workload", default="")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--cxxfilt", help="command that demangles Rust symbols")
    a = ap.parse_args()

    kinds, prof = [], {}
    for r in a.run:
        k, d = r.split("=", 1)
        kinds.append(k)
        prof[k] = load_profile(d)
    allnames = set()
    for k in kinds:
        allnames |= set(prof[k][0])
    dem = demangle(allnames, a.cxxfilt)

    def show(n):
        return dem.get(n, n)

    # The same function in C and in Rust: by its last path component, so
    # that rust_gup::fast::gup_fast_fallback sits beside gup_fast_fallback.
    def key(n):
        d = dem.get(n)
        if not d:
            return n
        if d.endswith(">") and "::<" in d:
            d = d[:d.index("::<")]
        return d.rsplit("::", 1)[-1]

    merged = {}
    for k in kinds:
        ins, ent, _ = prof[k]
        mi, me = {}, {}
        for n, v in ins.items():
            mi[key(n)] = mi.get(key(n), 0) + v
        for n, v in ent.items():
            me[key(n)] = me.get(key(n), 0) + v
        merged[k] = (mi, me)

    lines = [f"# Instruction profile: gup_bench {a.workload}", ""]
    # gup_bench's command lines: REPS is the third word, after odirect's
    # device the fourth.
    words = a.workload.split()
    at = 3 if words[:1] == ["odirect"] else 2
    reps = int(words[at]) if len(words) > at and words[at].isdigit() else 0
    when = (f"during the {reps} measured repetitions (between gup_bench's profile markers)"
            if reps else "between gup_bench's profile markers")
    lines.append(f"Guest instructions executed at kernel addresses {when}, "
                 "per function (QEMU TCG plugin harness/bench/insn_profile.c). "
                 "Entries: executions of the function's first block.")
    lines.append("")
    for k in kinds:
        per = f", {prof[k][2] / reps:.1f} per repetition" if reps else ""
        lines.append(f"- {k}: {prof[k][2]} kernel instructions{per}")
    if reps:
        for k in kinds[1:]:
            lines.append(f"- {k} / {kinds[0]}: {prof[k][2] / max(prof[kinds[0]][2], 1):.4f}")
    lines.append("")
    base = kinds[0]
    ranked = sorted(allnames, key=lambda n: -max(prof[k][0].get(n, 0) for k in kinds))
    head = "| function | " + " | ".join(f"{k} insns | {k} entries | {k} /entry" for k in kinds) + " |"
    lines += [f"## Top {a.top} functions", "", head,
              "|---|" + "---:|" * (3 * len(kinds))]
    rows = []
    for n in ranked:
        row = [show(n)]
        for k in kinds:
            i, e = prof[k][0].get(n, 0), prof[k][1].get(n, 0)
            row += [str(i), str(e), f"{i / e:.1f}" if e else "-"]
        rows.append(row)
    for row in rows[:a.top]:
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for k in kinds[1:]:
        lines.append(f"{k} - {base}: {prof[k][2] - prof[base][2]:+d} kernel instructions")
    # Where the kernels differ most, by function name (C and Rust merged).
    keys = set()
    for k in kinds:
        keys |= set(merged[k][0])
    if len(kinds) > 1:
        diff = sorted(keys, key=lambda n: -max(abs(merged[k][0].get(n, 0) - merged[base][0].get(n, 0))
                                              for k in kinds[1:]))
        lines += ["", f"## The {a.top} largest differences, by function name", "",
                  "| function | " + " | ".join(f"{k} insns | {k} entries" for k in kinds)
                  + " | " + " | ".join(f"{k} - {base}" for k in kinds[1:]) + " |",
                  "|---|" + "---:|" * (2 * len(kinds) + len(kinds) - 1)]
        for n in diff[:a.top]:
            row = [n]
            for k in kinds:
                row += [str(merged[k][0].get(n, 0)), str(merged[k][1].get(n, 0))]
            for k in kinds[1:]:
                row.append(f"{merged[k][0].get(n, 0) - merged[base][0].get(n, 0):+d}")
            lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    with open(os.path.join(a.resdir, "profile.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(a.resdir, "profile.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["function"] + [f"{k}_{c}" for k in kinds for c in ("insns", "entries")])
        for n in ranked:
            w.writerow([show(n)] + [v for k in kinds for v in (prof[k][0].get(n, 0), prof[k][1].get(n, 0))])
    print("\n".join(lines[:8] + lines[-(a.top + 4):]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
