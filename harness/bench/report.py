# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmark's serial logs into CSV files, a markdown report and
an SVG chart of the Rust/C time ratios.

    python3 report.py OUTDIR --run KIND=SERIAL_LOG [--run ...] \\
        [--meta KEY=VALUE ...]
    python3 report.py --self-test

KIND names a kernel: "baseline" (the C GUP, required), "rust",
"rust-inline", ...; "KIND#N" (N >= 2) is a repeat boot of KIND, used only
for the determinism check; "KIND@S" is a further boot of KIND with another
QEMU -seed S, whose times are averaged with KIND's: a workload's time for
a kernel booted several times is the mean over boots. The logs hold,
among console noise, lines

    @@@ BENCH <workload> [layout=<l>] rep=<i> <metric>=<value> ...
    @@@ BENCH <workload> error=<name> what=<call>

A metric named "us"/"ns" or ending in "_us"/"_ns" is a time; the value of
a repetition is the sum of its time metrics in microseconds and the time
of a workload for a run is the median over its repetitions. A workload
whose time depends on the physical layout of its buffer can be measured
in several layouts (layout=0, 1, ...; rxe_umem_test's bench): its time is
then the mean over layouts of each layout's median.

Exit status: 0 when the report was written (whatever the ratios), 2 on a
usage error or when a log has no BENCH line at all.
"""

import argparse
import csv
import math
import os
import re
import statistics
import sys
import tempfile
from xml.sax.saxutils import escape

BASELINE = "baseline"
BENCH_RE = re.compile(r"@@@ BENCH (\S+)((?: \S+=\S*)*)\s*$")
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
          "#8c564b", "#e377c2", "#17becf"]


class UsageError(Exception):
    pass


# Below this C time (in microseconds) a ratio is coarse: gup_test's kernel
# side reports whole microseconds.
COARSE_US = 100


def is_coarse(c_us):
    return c_us is not None and c_us < COARSE_US


def natural_key(s):
    """Sort "vmreadv/16M" before "vmreadv/128M"."""
    return [(0, int(t), "") if t.isdigit() else (1, 0, t)
            for t in re.split(r"(\d+)", s) if t]


def time_metric(name):
    if name in ("us", "ns"):
        return name
    if name.endswith("_us") or name.endswith("_ns"):
        return name[-2:]
    return None


class Run:
    """One serial log: a boot of one kernel."""

    def __init__(self, kind, run, path, boot=None):
        self.kind, self.run, self.path, self.boot = kind, run, path, boot
        self.reps = {}      # workload -> {(layout, rep): {metric: us}}
        self.errors = []    # (workload, error, what)
        self.bench_lines = 0
        self.bad_lines = []

    def parse(self):
        try:
            with open(self.path, "r", encoding="utf-8",
                      errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise UsageError("%s: %s" % (self.path, e.strerror))
        for lineno, line in enumerate(lines, 1):
            line = line.replace("\r", "")
            pos = line.find("@@@ BENCH ")
            if pos < 0:
                continue
            self.bench_lines += 1
            m = BENCH_RE.match(line[pos:])
            if not m:
                self.bad_lines.append((lineno, line[pos:]))
                continue
            wl = m.group(1)
            kv = dict(t.split("=", 1) for t in m.group(2).split())
            if "error" in kv:
                self.errors.append((wl, kv["error"], kv.get("what", "")))
                continue
            metrics = {}
            try:
                rep = int(kv.pop("rep"))
                layout = int(kv.pop("layout", 0))
                for k, v in kv.items():
                    unit = time_metric(k)
                    if unit:
                        metrics[k] = float(v) / (1000.0 if unit == "ns"
                                                 else 1.0)
            except (KeyError, ValueError):
                self.bad_lines.append((lineno, line[pos:]))
                continue
            if not metrics:
                self.bad_lines.append((lineno, line[pos:]))
                continue
            reps = self.reps.setdefault(wl, {})
            if (layout, rep) in reps:
                self.bad_lines.append((lineno, line[pos:] + " (dup rep)"))
                continue
            reps[(layout, rep)] = metrics

    def failed(self):
        return {wl for wl, _, _ in self.errors}

    def median(self, wl):
        """Median total time in us (the mean over layouts of each layout's
        median), None if missing or failed."""
        if wl in self.failed() or wl not in self.reps:
            return None
        layouts = {}
        for (layout, _), m in self.reps[wl].items():
            layouts.setdefault(layout, []).append(sum(m.values()))
        return statistics.fmean(statistics.median(v)
                                for v in layouts.values())

    def layouts(self, wl):
        return len({layout for layout, _ in self.reps.get(wl, {})})

    def label(self):
        return self.kind + ("@%s" % self.boot if self.boot else "")


class Boots:
    """A kernel's primary runs over several boots (KIND, KIND@S, ...): a
    workload's time is the mean over boots of each boot's time, and it has
    none if any boot has none."""

    def __init__(self, runs):
        self.runs = runs
        self.kind, self.run = runs[0].kind, runs[0].run
        self.reps = {}
        for r in runs:
            for w in r.reps:
                self.reps.setdefault(w, r.reps[w])

    def failed(self):
        return set().union(*(r.failed() for r in self.runs))

    def median(self, wl):
        vs = [r.median(wl) for r in self.runs]
        if any(v is None for v in vs):
            return None
        return statistics.fmean(vs)

    def layouts(self, wl):
        return max(r.layouts(wl) for r in self.runs)


def col(kind):
    return re.sub(r"[^A-Za-z0-9]+", "_", kind)


def fmt_us(v):
    return "" if v is None else "%.1f" % v


def fmt_ratio(v):
    return "" if v is None else "%.3f" % v


def nice_step(span):
    for step in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5,
                 10, 20, 50, 100):
        if span / step <= 10:
            return step
    return 10 ** math.ceil(math.log10(span))


def write_svg(path, workloads, kinds, ratio):
    """Horizontal bars from 1.0 to each ratio, one group per workload."""
    vals = [ratio[(w, k)] for w in workloads for k in kinds
            if ratio.get((w, k)) is not None]
    lo = min(vals + [1.0])
    hi = max(vals + [1.0])
    pad = max((hi - lo) * 0.05, 0.01)
    lo, hi = max(0.0, lo - pad), hi + pad
    step = nice_step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step

    bar_h, gap = 11, 7
    row_h = bar_h * max(len(kinds), 1) + gap
    label_w = 14 + 7 * max([len(w) for w in workloads] + [8])
    plot_w, right = 640, 70
    top, bottom = 70, 50
    width = label_w + plot_w + right
    height = top + row_h * len(workloads) + bottom

    def x(v):
        return label_w + (v - lo) / (hi - lo) * plot_w

    out = []
    add = out.append
    add('<?xml version="1.0" encoding="UTF-8"?>')
    add('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
        'viewBox="0 0 %d %d" font-family="monospace" font-size="11">'
        % (width, height, width, height))
    add('<rect width="100%" height="100%" fill="white"/>')
    add('<text x="%d" y="20" font-size="14" font-weight="bold">'
        'GUP benchmark: time relative to the C baseline (bars start at '
        '1.0; left of the line is faster)</text>' % 10)
    for i, k in enumerate(kinds):
        lx = label_w + i * 160
        add('<rect x="%d" y="34" width="14" height="11" fill="%s"/>'
            % (lx, COLORS[i % len(COLORS)]))
        add('<text x="%d" y="44">%s / C</text>' % (lx + 20, escape(k)))

    y_axis = top + row_h * len(workloads)
    t = lo
    while t <= hi + step / 2:
        tx = x(t)
        add('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
            % (tx, top - 6, tx, y_axis))
        add('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>'
            % (tx, y_axis, tx, y_axis + 5))
        label = ("%.3f" % t).rstrip("0").rstrip(".")
        # Tick labels below the bars and, for tall charts, above them.
        add('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
            % (tx, y_axis + 18, label))
        add('<text x="%.1f" y="%d" text-anchor="middle" fill="#666">%s'
            '</text>' % (tx, top - 10, label))
        t += step
    add('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
        % (label_w, y_axis, label_w + plot_w, y_axis))
    add('<text x="%d" y="%d" text-anchor="middle">ratio (kind time / C '
        'time, median of repetitions)</text>'
        % (label_w + plot_w // 2, y_axis + 38))

    for r, w in enumerate(workloads):
        y0 = top + r * row_h
        if r % 2:
            add('<rect x="0" y="%d" width="%d" height="%d" fill="#f4f4f4"/>'
                % (y0 - gap // 2, width, row_h))
        add('<text x="%d" y="%d" text-anchor="end">%s</text>'
            % (label_w - 8, y0 + row_h // 2, escape(w)))
        for i, k in enumerate(kinds):
            v = ratio.get((w, k))
            by = y0 + i * bar_h
            if v is None:
                add('<text x="%.1f" y="%d" fill="#c00">%s: no ratio</text>'
                    % (x(1.0) + 4, by + bar_h - 2, escape(k)))
                continue
            x1, x2 = sorted((x(1.0), x(v)))
            add('<rect x="%.1f" y="%d" width="%.1f" height="%d" '
                'fill="%s"><title>%s %s: %.3f</title></rect>'
                % (x1, by, max(x2 - x1, 1.0), bar_h - 1,
                   COLORS[i % len(COLORS)], escape(w), escape(k), v))
            add('<text x="%.1f" y="%d" font-size="9">%.3f</text>'
                % (max(x2, x(1.0)) + 3, by + bar_h - 2, v))
    add('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" '
        'stroke-width="1.5"/>' % (x(1.0), top - 8, x(1.0), y_axis))
    add('</svg>')
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir", nargs="?")
    p.add_argument("--run", action="append", default=[],
                   metavar="KIND=SERIAL_LOG")
    p.add_argument("--meta", action="append", default=[],
                   metavar="KEY=VALUE")
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args(argv)
    if args.self_test:
        return args
    if not args.outdir or not args.run:
        p.error("OUTDIR and at least one --run are required")
    return args


def load_runs(specs):
    runs = []
    seen = set()
    for spec in specs:
        kind, sep, path = spec.partition("=")
        m = re.fullmatch(r"([A-Za-z0-9_.+-]+)(?:@(\d+))?(?:#(\d+))?", kind)
        if not sep or not path or not m:
            raise UsageError("bad --run %r (want KIND[@S][#N]=LOG)" % spec)
        base, boot, n = m.group(1), m.group(2), int(m.group(3) or 1)
        if (base, boot, n) in seen:
            raise UsageError("--run %s given twice" % kind)
        seen.add((base, boot, n))
        run = Run(base, n, path, boot)
        run.parse()
        if not run.bench_lines:
            raise UsageError("%s: no '@@@ BENCH' line in %s" % (kind, path))
        runs.append(run)
    return runs


def report(argv):
    args = parse_args(argv)
    meta = []
    for kv in args.meta:
        k, sep, v = kv.partition("=")
        if not sep or not k:
            raise UsageError("bad --meta %r (want KEY=VALUE)" % kv)
        meta.append((k, v))
    runs = load_runs(args.run)

    # The primary run of a kind and boot is its lowest-numbered one; a
    # kind's primary runs over several boots are averaged (Boots).
    single = {}
    for r in runs:
        key = (r.kind, r.boot)
        if key not in single or r.run < single[key].run:
            single[key] = r
    primary = {}
    for (kind, boot), r in sorted(single.items(),
                                  key=lambda kv: (kv[0][0], kv[0][1] or "")):
        primary.setdefault(kind, []).append(r)
    primary = {k: v[0] if len(v) == 1 else Boots(v)
               for k, v in primary.items()}
    if BASELINE not in primary:
        raise UsageError("no --run %s=LOG" % BASELINE)
    base = primary[BASELINE]
    others = [k for k in primary if k != BASELINE]

    workloads = set()
    for r in primary.values():
        workloads |= set(r.reps) | r.failed()
    workloads = sorted(workloads, key=natural_key)
    failed = set()
    for r in primary.values():
        failed |= r.failed()

    med = {(w, k): primary[k].median(w) for w in workloads for k in primary}
    ratio = {}
    for w in workloads:
        for k in others:
            c, v = med[(w, BASELINE)], med[(w, k)]
            if w in failed or c is None or v is None or c <= 0:
                ratio[(w, k)] = None
            else:
                ratio[(w, k)] = v / c

    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "raw.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["kind", "run", "workload", "layout", "rep", "metric",
                     "value_us"])
        for r in runs:
            for w in sorted(r.reps, key=natural_key):
                for layout, rep in sorted(r.reps[w]):
                    for metric, v in r.reps[w][(layout, rep)].items():
                        wr.writerow([r.label(), r.run, w, layout, rep,
                                     metric, "%.3f" % v])

    with open(os.path.join(args.outdir, "results.csv"), "w",
              newline="") as f:
        wr = csv.writer(f)
        head = ["workload", "c_us"]
        for k in others:
            head += [col(k) + "_us", col(k) + "_over_c"]
        wr.writerow(head)
        for w in workloads:
            row = [w, fmt_us(med[(w, BASELINE)])]
            for k in others:
                row += [fmt_us(med[(w, k)]), fmt_ratio(ratio[(w, k)])]
            wr.writerow(row)

    # Determinism: every repeat run against the primary run of its kind.
    det_rows = []
    det_summary = []
    for r in sorted(runs, key=lambda r: (r.kind, r.boot or "", r.run)):
        a = single[(r.kind, r.boot)]
        if r is a:
            continue
        worst, worst_w, missing = 0.0, None, []
        for w in sorted(set(a.reps) | set(r.reps) | a.failed()
                        | r.failed(), key=natural_key):
            va, vb = a.median(w), r.median(w)
            if va is None or vb is None or va <= 0:
                # A workload failing in both runs is consistent.
                if not (w in a.failed() and w in r.failed()):
                    missing.append(w)
                det_rows.append([r.label(), a.run, r.run, w, fmt_us(va),
                                 fmt_us(vb), ""])
                continue
            d = abs(va - vb) / va
            if worst_w is None or d > worst:
                worst, worst_w = d, w
            det_rows.append([r.label(), a.run, r.run, w, fmt_us(va),
                             fmt_us(vb), "%.6f" % d])
        det_summary.append((r.label(), a.run, r.run, worst, worst_w,
                            missing))
    with open(os.path.join(args.outdir, "determinism.csv"), "w",
              newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["kind", "run_a", "run_b", "workload", "a_us", "b_us",
                     "rel_diff"])
        wr.writerows(det_rows)

    write_svg(os.path.join(args.outdir, "ratios.svg"), workloads, others,
              ratio)

    # The markdown report.
    md = ["# GUP benchmark: C baseline vs Rust", ""]
    if meta:
        md += ["| key | value |", "|---|---|"]
        md += ["| %s | %s |" % (k.replace("|", "\\|"), v.replace("|", "\\|"))
               for k, v in meta]
        md.append("")
    md += ["Times are medians over repetitions, in microseconds (sum of the "
           "time metrics of a repetition); a workload measured in several "
           "physical layouts of its buffer (marked with their number, "
           "e.g. [16 layouts]) has the mean over layouts of each layout's "
           "median; a kernel booted with several QEMU seeds (see "
           "\"seeds\" above) has the mean over its boots. Ratio = kind / C; "
           "below 1 the "
           "Rust kernel is faster. A ratio marked * has a C time under "
           "%d us: gup_test's times are whole microseconds, so such a ratio "
           "is only good to a few percent or worse." % COARSE_US, ""]
    table = []
    head = "| workload | C (us) |"
    sep = "|---|---:|"
    for k in others:
        head += " %s (us) | %s/C |" % (k, k)
        sep += "---:|---:|"
    table += [head, sep]
    for w in workloads:
        nl = max(r.layouts(w) for r in primary.values())
        line = "| %s%s | %s |" % (w, " [%d layouts]" % nl if nl > 1 else "",
                                  fmt_us(med[(w, BASELINE)]) or "-")
        for k in others:
            mark = "*" if is_coarse(med[(w, BASELINE)]) and \
                ratio[(w, k)] is not None else ""
            line += " %s | %s%s |" % (fmt_us(med[(w, k)]) or "-",
                                      fmt_ratio(ratio[(w, k)]) or
                                      ("failed" if w in failed else "-"),
                                      mark)
        table.append(line)
    md += table + [""]

    # The same, grouped: gup_test workloads by command, pages per call and
    # page type (over sizes and read/write), the others by name (over
    # sizes), with the largest ratio of each group.
    groups = {}
    for w in workloads:
        m = re.match(r"(gup_test/[^/]+/[^/]+/[^/]+)/[rw]/\d+M$", w)
        g = m.group(1) if m else re.sub(r"/\d+M(?=/|$)", "", w)
        groups.setdefault(g, []).append(w)
    md += ["## By group", "",
           "The largest ratio of each group (gup_test: over sizes and read/"
           "write; the others: over sizes).", ""]
    head = "| group | workloads |"
    sep = "|---|---:|"
    for k in others:
        head += " %s/C max |" % k
        sep += "---:|"
    md += [head, sep]
    for g in sorted(groups, key=natural_key):
        line = "| %s | %d |" % (g, len(groups[g]))
        for k in others:
            rs = [ratio[(w, k)] for w in groups[g] if ratio[(w, k)] is not None]
            line += " %s |" % (fmt_ratio(max(rs)) if rs else "-")
        md.append(line)
    md.append("")

    summary = []
    # One row per kernel, for the architecture the runs are of (the "arch"
    # --meta, as the harness gives it).
    arch = dict(meta).get("arch", "-")
    table = ["| arch | kernel | workloads | worst | geometric mean "
             "| at <= 1.00 |", "|---|---|---:|---|---:|---:|"]
    for k in others:
        rs = [(ratio[(w, k)], w) for w in workloads
              if ratio[(w, k)] is not None]
        if not rs:
            summary.append("%s: no ratio (no workload in common with %s)"
                           % (k, BASELINE))
            continue
        worst, worst_w = max(rs)
        good = sum(1 for v, _ in rs if v <= 1.0)
        gmean = math.exp(sum(math.log(v) for v, _ in rs) / len(rs))
        table.append("| %s | %s | %d | %.3f (%s) | %.3f | %d |"
                     % (arch, k, len(rs), worst, worst_w, gmean, good))
        summary.append("%s: worst ratio %.3f (%s); %d of %d workloads at "
                       "ratio <= 1.00; geometric mean %.3f"
                       % (k, worst, worst_w, good, len(rs), gmean))
        fine = [(v, w) for v, w in rs if not is_coarse(med[(w, BASELINE)])]
        if fine and len(fine) < len(rs):
            fworst, fworst_w = max(fine)
            summary.append("%s, the %d workloads whose C time is at least "
                           "%d us: worst ratio %.3f (%s); %d at ratio <= 1.00"
                           % (k, len(fine), COARSE_US, fworst, fworst_w,
                              sum(1 for v, _ in fine if v <= 1.0), ))
    md += ["## Summary", ""]
    if len(table) > 2:
        md += table + [""]
    md += ["- " + s for s in summary]
    if failed:
        md.append("- failed workloads (no ratio): %d" % len(failed))
    md.append("")

    # kernel::mm::pin over pin_user_pages_fast(): on each kernel, a
    # pin_api workload against gup_test -a on the same mapping, pages per
    # call and flags (harness/bench/gup_bench.c).
    api_rows, api_summary = [], []
    for k in primary:
        rs = []
        for w in workloads:
            if not w.startswith("pin_api/"):
                continue
            direct = "gup_test/a/" + w[len("pin_api/"):]
            a, c = med.get((w, k)), med.get((direct, k))
            if a is None or c is None or c <= 0:
                continue
            rs.append((a / c, w, c))
            api_rows.append([k, w, direct, fmt_us(c), fmt_us(a),
                             "%.4f" % (a / c)])
        if not rs:
            continue
        fine = [(v, w) for v, w, c in rs if not is_coarse(c)]
        gmean = math.exp(sum(math.log(v) for v, _, _ in rs) / len(rs))
        worst, worst_w, _ = max(rs)
        line = ("%s: %d workloads, worst %.3f (%s), geometric mean %.3f, "
                "%d at <= 1.01" % (k, len(rs), worst, worst_w, gmean,
                                   sum(1 for v, _, _ in rs if v <= 1.01)))
        if fine and len(fine) < len(rs):
            fworst, fworst_w = max(fine)
            line += ("; the %d whose C time is at least %d us: worst %.3f "
                     "(%s), %d at <= 1.01"
                     % (len(fine), COARSE_US, fworst, fworst_w,
                        sum(1 for v, _ in fine if v <= 1.01)))
        api_summary.append(line)
    if api_rows:
        with open(os.path.join(args.outdir, "pin_api.csv"), "w",
                  newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["kind", "workload", "direct", "direct_us",
                         "api_us", "api_over_direct"])
            wr.writerows(api_rows)
        md += ["## kernel::mm::pin over pin_user_pages_fast()", "",
               "Each pin_api workload against gup_test -a (C calling "
               "pin_user_pages_fast() directly) on the same kernel, "
               "mapping, pages per call and flags (pin_api.csv).", ""]
        md += ["- " + s for s in api_summary] + [""]

    errs = [(r, e) for r in runs for e in r.errors]
    if errs:
        md += ["## Errors", "", "| kind | run | workload | error | call |",
               "|---|---:|---|---|---|"]
        md += ["| %s | %d | %s | %s | %s |" % (r.kind, r.run, w, e, what)
               for r, (w, e, what) in errs]
        md.append("")
    bad = [(r, b) for r in runs for b in r.bad_lines]
    if bad:
        md += ["## Unparsed BENCH lines", ""]
        md += ["- %s#%d line %d: `%s`" % (r.kind, r.run, n, t)
               for r, (n, t) in bad]
        md.append("")

    md += ["## Determinism", ""]
    if not det_summary:
        md.append("No repeat run (KIND#2) was given: determinism not "
                  "checked.")
    for kind, ra, rb, worst, worst_w, missing in det_summary:
        ok = worst <= 0.01 and not missing and worst_w is not None
        s = ("%s run %d vs run %d: max relative difference of medians "
             "%.4f%%" % (kind, ra, rb, worst * 100))
        if worst_w:
            s += " (%s)" % worst_w
        if missing:
            s += "; %d workload(s) missing or failed in one run" \
                % len(missing)
        s += ": %s" % ("agree within 1%" if ok else
                       "do NOT agree within 1%")
        md.append("- " + s)
    md.append("")
    with open(os.path.join(args.outdir, "report.md"), "w") as f:
        f.write("\n".join(md))

    print("\n".join(table))
    print()
    print("\n".join(summary))
    if api_summary:
        print("kernel::mm::pin over pin_user_pages_fast():")
        print("\n".join(api_summary))
    for r, (w, e, what) in errs:
        print("error: %s#%d %s: %s in %s" % (r.kind, r.run, w, e, what))
    for r, (n, t) in bad:
        print("warning: %s line %d: unparsed: %s" % (r.path, n, t),
              file=sys.stderr)
    return 0


def self_test():
    import contextlib
    import io
    import xml.etree.ElementTree as ET

    def log(path, lines):
        with open(path, "w", newline="") as f:
            f.write("[    0.000000] Linux version 7.2.12\r\n")
            f.write("\r\n".join(lines) + "\r\n")
            f.write("reboot: Power down\r\n")

    def bench(scale, skip=(), error=None):
        out = []
        for rep, t in enumerate((100, 300, 200)):
            if "vm" not in skip:
                out.append("@@@ BENCH vmreadv/16M rep=%d ns=%d"
                           % (rep, t * 1000 * scale))
            out.append("@@@ BENCH iouring/16M rep=%d reg_ns=%d unreg_ns=%d"
                       % (rep, t * 600 * scale, t * 400 * scale))
            out.append("noise @@@ BENCH gup_test/u/n512/4k/r/128M rep=%d "
                       "get_us=%d put_us=%d" % (rep, t * scale, 10))
            out.append("@@@ BENCH vmreadv/128M/<&> rep=%d ns=%d"
                       % (rep, t * 1000))
        if error:
            out.append("@@@ BENCH %s error=EFAULT what=pin" % error)
        return out

    with tempfile.TemporaryDirectory() as d:
        p = lambda n: os.path.join(d, n)
        log(p("c.log"), bench(1))
        log(p("c2.log"), bench(1) + ["@@@ BENCH odirect/8M rep=0 ns=5"])
        log(p("r.log"), bench(2, error="gup_test/u/n512/4k/r/128M"))
        log(p("r2.log"), bench(2))
        log(p("ri.log"), bench(1, skip=("vm",)))
        log(p("empty.log"), ["just console noise"])
        out = p("out")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = report([out, "--run", "baseline=" + p("c.log"),
                         "--run", "rust=" + p("r.log"),
                         "--run", "rust-inline=" + p("ri.log"),
                         "--run", "baseline#2=" + p("c2.log"),
                         "--run", "rust#2=" + p("r2.log"),
                         "--meta", "kernel=7.2.12", "--meta", "qemu=tcg"])
        assert rc == 0
        assert "worst ratio" in buf.getvalue()

        with open(os.path.join(out, "results.csv")) as f:
            res = list(csv.DictReader(f))
        assert list(res[0]) == ["workload", "c_us", "rust_us",
                                "rust_over_c", "rust_inline_us",
                                "rust_inline_over_c"], list(res[0])
        by = {r["workload"]: r for r in res}
        assert [r["workload"] for r in res] == [
            "gup_test/u/n512/4k/r/128M", "iouring/16M", "vmreadv/16M",
            "vmreadv/128M/<&>"], [r["workload"] for r in res]
        # median of 100,300,200 us (ns / 1000)
        assert by["vmreadv/16M"]["c_us"] == "200.0"
        assert by["vmreadv/16M"]["rust_us"] == "400.0"
        assert by["vmreadv/16M"]["rust_over_c"] == "2.000"
        assert by["vmreadv/16M"]["rust_inline_us"] == ""
        assert by["vmreadv/16M"]["rust_inline_over_c"] == ""
        # reg + unreg: median of 100,300,200 * 1000 ns
        assert by["iouring/16M"]["c_us"] == "200.0"
        assert by["iouring/16M"]["rust_inline_over_c"] == "1.000"
        # an error line in one kind: no ratio for any kind
        g = by["gup_test/u/n512/4k/r/128M"]
        assert g["c_us"] == "210.0" and g["rust_us"] == ""
        assert g["rust_over_c"] == "" and g["rust_inline_over_c"] == ""

        with open(os.path.join(out, "raw.csv")) as f:
            raw = list(csv.DictReader(f))
        assert list(raw[0]) == ["kind", "run", "workload", "layout", "rep",
                                "metric", "value_us"]
        regs = [r for r in raw if r["kind"] == "baseline" and
                r["run"] == "1" and r["metric"] == "reg_ns"]
        assert sorted(float(r["value_us"]) for r in regs) == [60, 120, 180]

        with open(os.path.join(out, "determinism.csv")) as f:
            det = list(csv.DictReader(f))
        rust = [r for r in det if r["kind"] == "rust"]
        assert rust[0]["run_a"] == "1" and rust[0]["run_b"] == "2"
        # rust#1 has the gup_test error, rust#2 not: no difference for it
        for r in rust:
            if r["workload"].startswith("gup_test"):
                assert r["rel_diff"] == "" and r["a_us"] == ""
            else:
                assert float(r["rel_diff"]) == 0, r
        base = {r["workload"]: r for r in det if r["kind"] == "baseline"}
        assert base["vmreadv/16M"]["rel_diff"] == "0.000000"
        assert base["odirect/8M"]["rel_diff"] == ""

        md = open(os.path.join(out, "report.md")).read()
        assert "| kernel | 7.2.12 |" in md
        assert "rust: worst ratio 2.000 (vmreadv/16M)" in md, md
        assert "rust-inline: worst ratio 1.000" in md
        assert "2 of 2 workloads at ratio <= 1.00" in md
        assert "baseline run 1 vs run 2" in md
        assert "do NOT agree within 1%" in md
        assert "| rust | 1 | gup_test/u/n512/4k/r/128M | EFAULT | pin |" \
            in md

        tree = ET.parse(os.path.join(out, "ratios.svg"))
        assert tree.getroot().tag == "{http://www.w3.org/2000/svg}svg"
        texts = [t.text for t in tree.iter("{http://www.w3.org/2000/svg}"
                                           "text")]
        assert "vmreadv/128M/<&>" in texts and "2.000" in texts

        # Determinism agreement: identical repeat.
        out2 = p("out2")
        with contextlib.redirect_stdout(io.StringIO()):
            rc = report([out2, "--run", "baseline=" + p("c.log"),
                         "--run", "baseline#2=" + p("c.log")])
        assert rc == 0
        md = open(os.path.join(out2, "report.md")).read()
        assert ": agree within 1%" in md, md

        # kernel::mm::pin against gup_test -a on the same kernel: 303 us
        # over 300 us, and a pin_api workload without its -a (ignored).
        api = []
        for rep in range(3):
            api += ["@@@ BENCH gup_test/a/n1/4k/w/32M rep=%d get_us=200 "
                    "put_us=100" % rep,
                    "@@@ BENCH pin_api/n1/4k/w/32M rep=%d pin_ns=202000 "
                    "unpin_ns=101000" % rep,
                    "@@@ BENCH pin_api/n512/4k/w/32M rep=%d pin_ns=5 "
                    "unpin_ns=5" % rep]
        log(p("api.log"), api)
        out3 = p("out3")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = report([out3, "--run", "baseline=" + p("api.log")])
        assert rc == 0
        with open(os.path.join(out3, "pin_api.csv")) as f:
            rows = list(csv.DictReader(f))
        assert [(r["kind"], r["workload"], r["api_over_direct"])
                for r in rows] == [("baseline", "pin_api/n1/4k/w/32M",
                                    "1.0100")], rows
        md = open(os.path.join(out3, "report.md")).read()
        assert ("baseline: 1 workloads, worst 1.010 (pin_api/n1/4k/w/32M),"
                " geometric mean 1.010, 1 at <= 1.01") in md, md
        assert "kernel::mm::pin over" in buf.getvalue()

        # Layouts: each layout's median, then the mean over layouts (11
        # and 20 us: 15.5); a repetition number may recur across layouts
        # but not within one.
        lay = []
        for layout, ts in ((0, (10, 12, 11)), (1, (20, 20, 21))):
            for rep, t in enumerate(ts):
                lay.append("@@@ BENCH ibv_reg_mr/thp/256M layout=%d rep=%d "
                           "reg_ns=%d dereg_ns=0" % (layout, rep, t * 1000))
        log(p("lay.log"), lay + [lay[0]])
        out4 = p("out4")
        with contextlib.redirect_stdout(io.StringIO()):
            rc = report([out4, "--run", "baseline=" + p("lay.log")])
        assert rc == 0
        with open(os.path.join(out4, "results.csv")) as f:
            res = list(csv.DictReader(f))
        assert [(r["workload"], r["c_us"]) for r in res] == [
            ("ibv_reg_mr/thp/256M", "15.5")], res
        with open(os.path.join(out4, "raw.csv")) as f:
            raw = list(csv.DictReader(f))
        assert len(raw) == 12 and {r["layout"] for r in raw} == {"0", "1"}
        md = open(os.path.join(out4, "report.md")).read()
        assert "| ibv_reg_mr/thp/256M [2 layouts] | 15.5 |" in md, md
        assert "(dup rep)" in md, md

        # Boots: baseline booted twice with other seeds (200 and 400 us
        # for vmreadv/16M): 300; rust (400) over it 1.333; a repeat of one
        # boot is checked against that boot.
        out5 = p("out5")
        with contextlib.redirect_stdout(io.StringIO()):
            rc = report([out5, "--run", "baseline=" + p("c.log"),
                         "--run", "baseline@2=" + p("r2.log"),
                         "--run", "baseline@2#2=" + p("r2.log"),
                         "--run", "rust=" + p("r2.log")])
        assert rc == 0
        with open(os.path.join(out5, "results.csv")) as f:
            by = {r["workload"]: r for r in csv.DictReader(f)}
        assert by["vmreadv/16M"]["c_us"] == "300.0", by["vmreadv/16M"]
        assert by["vmreadv/16M"]["rust_over_c"] == "1.333"
        md = open(os.path.join(out5, "report.md")).read()
        assert "baseline@2 run 1 vs run 2" in md and \
            "agree within 1%" in md, md
        with open(os.path.join(out5, "raw.csv")) as f:
            assert "baseline@2" in {r["kind"] for r in csv.DictReader(f)}

        # Usage errors.
        for bad in ([out, "--run", "baseline=" + p("empty.log")],
                    [out, "--run", "rust=" + p("r.log")],
                    [out, "--run", "baseline"],
                    [out, "--run", "baseline=" + p("nope.log")]):
            try:
                report(bad)
            except UsageError:
                pass
            else:
                raise AssertionError("no usage error for %r" % bad)
    print("report.py self-test: OK")
    return 0


def main():
    try:
        if "--self-test" in sys.argv[1:]:
            return self_test()
        return report(sys.argv[1:])
    except UsageError as e:
        print("report.py: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
