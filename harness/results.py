#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse the serial log of a rust-gup test boot, and compare kernels.

  results.py parse KIND SERIAL_LOG OUTDIR [--symbols FILE] [--nm-report FILE]
      Split the log into per-suite TAP files, dmesg and a cases.json with one
      entry per TAP case (plus KUnit cases and the harness checks), and print
      a per-suite summary.
  results.py compare RESULTS_DIR KIND... [--known-env FILE]
      Compare the kinds case by case (the first kind is the baseline) and
      print the closing "N passed, N failed, N skipped" line. Exit 1 if
      anything failed.
"""

import json
import os
import re
import sys
from collections import OrderedDict

TAP_RE = re.compile(r"^(not ok|ok) (\d+)\s*(?:-\s*)?(.*)$")
DIRECTIVE_RE = re.compile(r"\s*#\s*(SKIP|XFAIL|XPASS|TODO)\b\s*(.*)$", re.I)
# kselftest's ksft_test_result_code() prints a diagnostic without a
# directive after "#" and two spaces (kselftest_harness: a failed case
# that had called SKIP()): a comment, not part of the case's name.
COMMENT_RE = re.compile(r"\s#  (.*)$")
# A description that states its own result (udmabuf: "...: [PASS,test-4]"
# or "[FAIL,test-4]") is keyed without it, so that the case keeps its key
# whichever way it goes.
SELF_RESULT_RE = re.compile(r"\[(?:PASS|FAIL),\s*")
PLAN_RE = re.compile(r"^1\.\.(\d+)(?:\s*#\s*SKIP\s*(.*))?")
TS_RE = re.compile(r"^\[\s*\d+\.\d+\]\s?")

# dmesg lines that fail a run: warnings, oopses, sanitizer and lockdep
# reports, and gup_test's own pin verification.
SPLAT_RE = re.compile(
    r"WARNING:|BUG:|Oops|Kernel panic|general protection fault|"
    r"NOT dma-pinned|is NOT pinnable but pinned|"
    r"KASAN|UBSAN|possible circular locking|possible recursive locking|"
    r"inconsistent lock state|sleeping function called from invalid context|"
    r"rust_kernel: panicked|panicked at|Call Trace:|"
    r"watchdog: BUG|rcu_sched self-detected stall|rcu: INFO"
)


# The stack dump of a line that is no splat, and the lines of such a dump.
NOT_SPLAT_RE = re.compile(
    # mm/userfaultfd.c handle_userfault(), CONFIG_DEBUG_VM only, rate-limited:
    # a userfault on a fault that may not be retried. /proc/PID/mem and
    # ptrace go through __access_remote_vm(), whose get_user_pages_remote()
    # passes no `locked`, so no FAULT_FLAG_ALLOW_RETRY, in C as in Rust:
    # gup_cve's FOLL_FORCE race on a userfaultfd-registered range prints it
    # on a DEBUG_VM kernel, whichever GUP it has; the fault fails (SIGBUS).
    r"FAULT_FLAG_ALLOW_RETRY missing [0-9a-f]+$|"
    # mm/page_alloc.c warn_alloc(): an allocation failed (and its caller
    # did not pass __GFP_NOWARN): a report with a stack dump, no bug. The
    # faultinj suite makes allocations fail on purpose (vmalloc() of a
    # forking task's stack, kvmalloc(), ...), whichever GUP the kernel has.
    r": page allocation failure: order:\d+|: vmalloc error: size \d+|"
    # mm/oom_kill.c dump_header(): the OOM killer's report (the fuzz suite's
    # trinity may map and populate more than the guest has).
    r" invoked oom-killer: gfp_mask=|"
    # mm/vmalloc.c va_alloc(): WARN_ON_ONCE(ret) when va_clip() cannot get
    # the extra vmap_area of a split: a GFP_NOWAIT kmem_cache_alloc() on a
    # CPU with no preloaded node, which fails only when failslab fails it
    # (faultinj, with failslab's ignore-gfp-wait off); the stock kernel
    # prints it as well. The vmalloc() then fails with -ENOMEM.
    r"^WARNING: mm/vmalloc\.c:\d+ at va_alloc\+"
)
DUMP_LINE_RE = re.compile(
    r"^(CPU: |Tainted: |Hardware name: |Call [Tt]race:|\s|<TASK>|</TASK>|"
    r"Modules linked in:|---\[ end trace|"
    r"(RIP|RSP|RAX|RDX|RBP|R10|R13|Code|FS|CS|CR2|PKRU|pc|lr|sp|pstate|x\d+)\s?: )"
)


def not_splats(lines):
    """The dmesg lines less each NOT_SPLAT_RE line and the stack dump after
    it, and less the sysrq dumps /init asks for when a case hangs."""
    skipping = False
    in_hang_dump = False
    for l in lines:
        if l.startswith("rust-gup: sysrq hang dump "):
            in_hang_dump = l.endswith("begin")
            continue
        if in_hang_dump:
            continue
        if NOT_SPLAT_RE.search(l):
            skipping = True
            continue
        if skipping and DUMP_LINE_RE.match(l):
            if l.strip().startswith("</TASK>") or l.startswith("---[ end trace"):
                skipping = False
            continue
        skipping = False
        yield l


def parse_tap(lines):
    """Yield (number, status, description, reason) for each TAP result."""
    for line in lines:
        m = TAP_RE.match(line)
        if not m:
            continue
        ok, num, rest = m.group(1) == "ok", int(m.group(2)), m.group(3)
        status = "pass" if ok else "fail"
        reason = ""
        d = DIRECTIVE_RE.search(rest)
        if d:
            kind, reason = d.group(1).upper(), d.group(2).strip()
            rest = rest[: d.start()].strip()
            if kind == "SKIP":
                status = "skip"
            elif kind in ("XFAIL", "XPASS"):
                # An XPASS (a case marked as expected to fail that passed)
                # is a pass for kselftest: "ok", and the program succeeds.
                if kind == "XFAIL":
                    status = "xfail"
                # kselftest prints "ok N # XFAIL <test name>": the name is
                # the case's description, so that a case that passes on one
                # kernel and is an expected failure on another (cow's
                # vmsplice() cases on hugetlb leak or not from boot to boot,
                # on the stock kernel too) keeps one key. (kselftest_harness
                # prints "ok N <test name> # XFAIL <reason>".)
                if not rest.strip():
                    rest = reason
        else:
            c = COMMENT_RE.search(rest)
            if c:
                reason, rest = c.group(1).strip(), rest[: c.start()]
        yield num, status, SELF_RESULT_RE.sub("[", rest.strip()), reason


def parse_faultinj(line, faultinj):
    """gup_faultinj's '@@@ FAULTINJ mode=M op=CALL/MEMORY ... outcomes=A,B'
    (printed inside its program's output): the outcomes of one call on one
    kind of memory under fault injection, per mode (sweep, random). The
    soak runs it in rounds: the outcomes of all rounds are merged."""
    fi = dict(kv.split("=", 1) for kv in line.split()[2:] if "=" in kv)
    outs = [o for o in fi.get("outcomes", "none").split(",") if o != "none"]
    modes = faultinj.setdefault(fi.get("op", "?"), {})
    mode = fi.get("mode", "?")
    modes[mode] = sorted(set(modes.get(mode, [])) | set(outs))


def parse(kind, log_path, outdir, symbols=None, nm_report=None):
    os.makedirs(os.path.join(outdir, "tap"), exist_ok=True)
    with open(log_path, errors="replace") as f:
        lines = [l.rstrip("\r\n").replace("\r", "") for l in f]

    cases = []
    info, vmstat, done, badopts, mthp = "", {}, None, [], None
    suites = OrderedDict()
    kallsyms, dmesg, hangs, lockdep, twin_plan = [], [], [], None, {}
    faultinj = OrderedDict()
    block = None
    section = None
    for line in lines:
        if section == "hang":
            hangs.append(line)
            if line.startswith("@@@ HANGDUMP END"):
                section = None
            continue
        if line.startswith("@@@ HANGDUMP BEGIN"):
            # A case ran out of time: /init dumps its tasks' stacks (after
            # the case's END marker, between two of its own).
            hangs.append(line)
            section = "hang"
            continue
        if section == "dmesg":
            if line.startswith("@@@ DMESG END"):
                section = None
            else:
                dmesg.append(line)
            continue
        if section == "kallsyms":
            if line.startswith("@@@ KALLSYMS END"):
                section = None
            else:
                kallsyms.append(line)
            continue
        if block is not None:
            if line.startswith("@@@ END "):
                parts = line.split()
                rc = int(parts[4].split("=")[1]) if len(parts) > 4 else -1
                block["rc"] = rc
                suites.setdefault(block["suite"], []).append(block)
                block = None
            else:
                block["out"].append(line)
                if line.startswith("@@@ FAULTINJ "):
                    parse_faultinj(line, faultinj)
            continue
        if line.startswith("@@@ INFO "):
            info = line[9:]
        elif line.startswith("@@@ SUITE "):
            suites.setdefault(line.split()[2], [])
        elif line.startswith("@@@ BEGIN "):
            _, _, suite, name = line.split(None, 3)
            block = {"suite": suite, "name": name, "out": []}
        elif line.startswith("@@@ BADOPT "):
            badopt = dict(kv.split("=", 1) for kv in line.split()[3:] if "=" in kv)
            badopt["prog"] = line.split()[2]
            badopts.append(badopt)
        elif line.startswith("@@@ MTHP "):
            mthp = dict(kv.split("=", 1) for kv in line.split()[2:] if "=" in kv)
        elif line.startswith("@@@ VMSTAT"):
            for k, v in re.findall(r"(nr_foll_pin_\w+) (\d+)", line):
                vmstat[k] = int(v)
        elif line.startswith("@@@ KALLSYMS BEGIN"):
            section = "kallsyms"
        elif line.startswith("@@@ DMESG BEGIN"):
            section = "dmesg"
        elif line.startswith("@@@ TWIN "):
            twin_plan.update(kv.split("=", 1) for kv in line.split()[2:] if "=" in kv)
        elif line.startswith("@@@ LOCKDEP "):
            lockdep = dict(kv.split("=", 1) for kv in line.split()[2:] if "=" in kv)
        elif line.startswith("@@@ DONE"):
            done = line
    if block is not None:  # the guest died inside a test
        block["rc"] = -1
        block["out"].append("# (no END marker: the guest stopped here)")
        suites.setdefault(block["suite"], []).append(block)

    # One case per TAP result of each program run.
    for suite, blocks in suites.items():
        with open(os.path.join(outdir, "tap", suite + ".tap"), "w") as tap:
            for b in blocks:
                tap.write("# ---- %s (rc=%d)\n" % (b["name"], b["rc"]))
                tap.write("\n".join(b["out"]) + "\n")
                results = list(parse_tap(b["out"]))
                bc = []
                plan = None
                for l in b["out"]:
                    m = PLAN_RE.match(l)
                    if m:
                        plan = int(m.group(1))
                        if plan == 0:
                            bc.append(case(kind, suite, b["name"], 0, "", "skip",
                                           (m.group(2) or "no tests").strip()))
                for num, status, desc, reason in results:
                    bc.append(case(kind, suite, b["name"], num, desc, status, reason))
                if plan and len(results) < plan:
                    bc.append(case(kind, suite, b["name"], -1, "missing results", "fail",
                                   "%d of %d planned results missing (rc=%d)"
                                   % (plan - len(results), plan, b["rc"])))
                elif not results and plan is None and b["rc"] == 4:
                    # kselftest's KSFT_SKIP exit with no TAP at all (e.g.
                    # vfio_pci_driver_test on a device it has no driver
                    # for): one skipped case, its last line the reason.
                    last = [l.strip() for l in b["out"] if l.strip() and not l.startswith("@@@")]
                    bc.append(case(kind, suite, b["name"], 0, "", "skip",
                                   "exit code 4 (KSFT_SKIP): %s" % (last[-1] if last else "no output")))
                elif not results and plan != 0:
                    bc.append(case(kind, suite, b["name"], -1, "no TAP output", "fail",
                                   "exit code %d" % b["rc"]))
                elif b["rc"] not in (0, 4) and not any(c["status"] == "fail" for c in bc):
                    bc.append(case(kind, suite, b["name"], -1, "exit status", "fail",
                                   "exit code %d with no failed TAP case" % b["rc"]))
                cases.extend(bc)

    # KUnit results from dmesg.
    kunit_suite = None
    with open(os.path.join(outdir, "dmesg.txt"), "w") as f:
        f.write("\n".join(dmesg) + "\n")
    for raw in dmesg:
        line = TS_RE.sub("", raw)
        m = re.match(r"^\s+# Subtest: (\S+)", line)
        if m:
            kunit_suite = m.group(1)
            continue
        m = re.match(r"^    (not ok|ok) (\d+) (.*)$", line)
        if m and kunit_suite:
            for num, status, desc, reason in parse_tap([line.strip()]):
                cases.append(case(kind, "kunit", kunit_suite, num, desc, status, reason))

    # Harness checks: each one a case.
    checks = []
    checks.append(("boot", "guest ran every suite and shut down", done is not None,
                   "" if done else "no DONE marker: the guest crashed or timed out"))
    splats = [l for l in not_splats(TS_RE.sub("", l) for l in dmesg) if SPLAT_RE.search(l)]
    checks.append(("dmesg-clean", "no WARN/BUG/Oops/sanitizer/lockdep/NOT dma-pinned line",
                   not splats and bool(dmesg),
                   "; ".join(splats[:5]) if splats else ("" if dmesg else "no dmesg captured")))
    # A case that ran out of time: where its tasks waited is in hangs.txt
    # (and sysrq-w/-t in dmesg.txt).
    hang_heads = [l for l in hangs if l.startswith("@@@ HANGDUMP BEGIN")]
    if hangs:
        with open(os.path.join(outdir, "hangs.txt"), "w") as f:
            f.write("\n".join(hangs) + "\n")
    checks.append(("no-hang", "no case ran out of time", not hang_heads,
                   "; ".join(h[len("@@@ HANGDUMP BEGIN "):] for h in hang_heads[:3])
                   + " (stacks in hangs.txt)" if hang_heads else ""))
    # A lockdep kernel must end the boot with lockdep still on: the first
    # lockdep or sanitizer report turns it off, and the rest of the run
    # would pass with no lock checking at all.
    if lockdep is None and kind.startswith("debug"):
        checks.append(("lockdep-live", "lockdep still checking at the end (debug_locks=1)",
                       False, "no /proc/lockdep_stats: the debug kernel has no lockdep"))
    elif lockdep is not None:
        # The modules suite's non-GPL test modules taint the kernel, which
        # turns lockdep off by design: /init then reads it before them.
        checks.append(("lockdep-live", "lockdep still checking at the end (debug_locks=1)"
                       + (", read %s" % lockdep["when"].replace("-", " ") if "when" in lockdep else ""),
                       lockdep.get("debug_locks") == "1",
                       "debug_locks=%s: lockdep was turned off during the boot (see dmesg.txt)"
                       % lockdep.get("debug_locks")))
    # A boot variant states what its guest must report (expect-info.txt: one
    # key=value of the INFO line per line), e.g. that no5lvl gave 4-level paging.
    expect = os.path.join(outdir, "expect-info.txt")
    if os.path.exists(expect):
        got = dict(kv.split("=", 1) for kv in (info or "").split() if "=" in kv)
        for want in open(expect).read().split():
            k, v = want.split("=", 1)
            checks.append(("info-" + k, "the guest reports %s" % want, got.get(k) == v,
                           "INFO has %s=%s" % (k, got.get(k))))
    # A boot variant may name suites that must pass outright there
    # (must-pass.txt): at least one case, every case a pass, none skipped.
    # gup_longterm_migrate skips without its area, as in the main boots.
    must = os.path.join(outdir, "must-pass.txt")
    if os.path.exists(must):
        for s in open(must).read().split():
            cs = [c for c in cases if c["suite"] == s]
            bad = [c for c in cs if c["status"] != "pass"]
            detail = "no case ran" if not cs else ""
            if bad:
                detail = "%d of %d cases did not pass, first %s (%s: %s)" % (
                    len(bad), len(cs), bad[0]["key"], bad[0]["status"], bad[0]["reason"])
            checks.append(("must-pass-" + s, "every case of %s ran and passed" % s,
                           bool(cs) and not bad, detail))
    acq, rel = vmstat.get("nr_foll_pin_acquired"), vmstat.get("nr_foll_pin_released")
    checks.append(("pins-balanced", "nr_foll_pin_acquired == nr_foll_pin_released",
                   acq is not None and acq == rel,
                   "acquired=%s released=%s" % (acq, rel)))
    if symbols:
        want = []
        for l in open(symbols):
            l = l.split("#")[0].split()
            # A third column "rust-only": a symbol mm/gup.c does not have
            # (follow_page); the baseline kernel must not define it.
            if len(l) == 3 and l[2] == "rust-only" and kind == "baseline":
                if any(k.split()[-1] in (l[0], "__ksymtab_" + l[0]) for k in kallsyms
                       if len(k.split()) >= 3):
                    want.append((l[0], "absent"))
                continue
            if len(l) in (2, 3):
                want.append((l[0], l[1]))
        have = {l.split()[-1] for l in kallsyms if len(l.split()) >= 3}
        bad = []
        for sym, exp in want:
            if exp == "absent":
                bad.append(sym + " (defined, but only CONFIG_RUST_GUP has it)")
            elif sym not in have:
                bad.append(sym + " (not in kallsyms)")
            elif exp != "none" and "__ksymtab_" + sym not in have:
                bad.append(sym + " (no ksymtab entry)")
            elif exp == "none" and "__ksymtab_" + sym in have:
                bad.append(sym + " (exported, but mm/gup.c does not export it)")
        checks.append(("kallsyms", "GUP symbols in /proc/kallsyms, with a ksymtab entry iff exported",
                       not bad, "; ".join(bad) if bad else "%d symbols" % len(want)))
    # The Rust twin of gup_test must print what the C one prints (numbers in
    # the benchmark line aside) with the same exit code, run for run.
    for c_suite, rs_suite in (("gup_test", "gup_test_rs"), ("gup_matrix", "gup_matrix_rs")):
        rs_blocks = {b["name"]: b for b in suites.get(rs_suite, [])}
        for i, b in enumerate(suites.get(c_suite, []) if rs_blocks else []):
            # twin_matrix=sample: the twin ran in one run of each four, the
            # (i // 4 % 4)-th -n value of combination i // 4 (guest/init).
            if twin_plan.get(c_suite) == "sample" and i % 4 != i // 4 % 4:
                continue
            r = rs_blocks.get(b["name"])
            if r is None:
                checks.append(("twin-" + c_suite + "/" + b["name"], "gup_test_rs ran", False,
                               "no gup_test_rs run"))
                continue
            same = normalize(b["out"]) == normalize(r["out"]) and b["rc"] == r["rc"]
            detail = "" if same else first_diff(normalize(b["out"]), normalize(r["out"]), b["rc"], r["rc"])
            checks.append(("twin-" + c_suite + "/" + b["name"],
                           "gup_test_rs output and exit code equal gup_test's", same, detail))
    for badopt in badopts:
        args = badopt.get("args", "-x").replace("_", " ")
        ok = badopt.get("rc") == "1" and badopt.get("usage", "0") != "0"
        checks.append(("twin-bad-option" + badopt.get("args", ""),
                       "gup_test_rs %s prints usage and exits with KSFT_FAIL" % args,
                       ok, "rc=%s usage lines=%s" % (badopt.get("rc"), badopt.get("usage"))))
    # gup_test's mthp64 runs must have been given 64K anonymous mTHP folios
    # (on arm64 mapped with contiguous PTEs), or they test nothing new.
    if mthp is not None:
        faults = int(mthp.get("faults", "0") or 0)
        checks.append(("mthp64", "gup_test's mthp64 runs faulted in 64K anonymous mTHP folios",
                       mthp.get("size") == "64kB" and faults > 0,
                       "size=%s anon_fault_alloc delta=%d" % (mthp.get("size"), faults)))
    if nm_report:
        for l in open(nm_report):
            name, ok, detail = l.rstrip("\n").split("\t", 2)
            checks.append((name, detail, ok == "ok", detail))
    for name, desc, ok, detail in checks:
        cases.append(case(kind, "checks", name, 0, desc, "pass" if ok else "fail",
                          "" if ok else detail))

    with open(os.path.join(outdir, "cases.json"), "w") as f:
        json.dump({"kind": kind, "info": info, "vmstat": vmstat, "cases": cases,
                   "faultinj": faultinj}, f, indent=1)
    print_summary(kind, cases, info, vmstat, outdir)
    return cases


NUM_RE = re.compile(r"\d+")


def normalize(lines):
    """Output of a gup_test run with the benchmark numbers blanked."""
    return [NUM_RE.sub("N", l) if "_BENCHMARK: Time:" in l else l for l in lines]


def first_diff(a, b, rc_a, rc_b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "line %d: C %r, Rust %r" % (i + 1, x, y)
    if len(a) != len(b):
        return "C has %d lines, Rust %d" % (len(a), len(b))
    return "exit code: C %d, Rust %d" % (rc_a, rc_b)


def case(kind, suite, prog, num, desc, status, reason=""):
    key = "%s/%s/%s %s" % (suite, prog, num, desc) if num >= 0 else "%s/%s %s" % (suite, prog, desc)
    return {"kind": kind, "suite": suite, "prog": prog, "num": num, "desc": desc,
            "status": status, "reason": reason, "key": key}


def count(cases):
    c = {"pass": 0, "fail": 0, "skip": 0, "xfail": 0}
    for x in cases:
        c[x["status"]] += 1
    return c


def print_summary(kind, cases, info, vmstat, outdir):
    out = []
    out.append("== %s kernel: %s" % (kind, info))
    by_suite = OrderedDict()
    for c in cases:
        by_suite.setdefault(c["suite"], []).append(c)
    for suite, cs in by_suite.items():
        n = count(cs)
        out.append("  %-20s %4d pass %4d fail %4d skip %4d xfail"
                   % (suite, n["pass"], n["fail"], n["skip"], n["xfail"]))
    for c in cases:
        if c["status"] == "fail":
            out.append("  FAIL %s %s" % (c["key"], c["reason"]))
    text = "\n".join(out)
    print(text)
    with open(os.path.join(outdir, "summary.txt"), "w") as f:
        f.write(text + "\n")


def load_known_env(path):
    """Lines 'KEY-REGEX<TAB>reason': cases failing on every kernel for a
    reason outside the kernel under test (investigated, see the file)."""
    known = []
    if path and os.path.exists(path):
        for l in open(path):
            if l.strip() and not l.startswith("#"):
                pat, reason = l.rstrip("\n").split("\t", 1)
                known.append((re.compile(pat), reason.strip()))
    return known


def compare(resdir, kinds, known_path=None):
    known = load_known_env(known_path)
    data, fi = {}, {}
    for k in kinds:
        p = os.path.join(resdir, k, "cases.json")
        j = json.load(open(p)) if os.path.exists(p) else None
        data[k] = j["cases"] if j else None
        fi[k] = j.get("faultinj", {}) if j else {}
    base = kinds[0]
    base_status = {c["key"]: c["status"] for c in (data[base] or [])}
    base_case = {c["key"]: c for c in (data[base] or [])}
    passed = failed = skipped = 0
    lines = []
    for k in kinds:
        if data[k] is None:
            failed += 1
            lines.append("FAIL %s: no results (build or boot failed)" % k)
            continue
        seen = set()
        for c in data[k]:
            seen.add(c["key"])
            st = c["status"]
            if st in ("pass", "xfail"):
                passed += 1
                continue
            if st == "skip":
                skipped += 1
                lines.append("SKIP %s: %s (%s)" % (k, c["key"], c["reason"] or "no reason given"))
                continue
            # A failure: excused only as an investigated environmental
            # failure that the baseline shows too.
            env = [r for pat, r in known if pat.search(c["key"])]
            if env and (k == base or base_status.get(c["key"]) == "fail"):
                skipped += 1
                lines.append("SKIP %s: %s (environment: %s)" % (k, c["key"], env[0]))
            else:
                failed += 1
                note = ""
                if k != base and base_status.get(c["key"]) in ("pass", "xfail"):
                    note = " [passes on %s]" % base
                lines.append("FAIL %s: %s %s%s" % (k, c["key"], c["reason"], note))
        if k != base:
            # Every baseline-passing case must have run on this kernel too;
            # a boot variant that runs some suites only (suites.txt) must run
            # every baseline-passing case of those; an entry SUITE/RUN names
            # one program run of a suite (gup_test/L512).
            only = None
            sp = os.path.join(resdir, k, "suites.txt")
            if os.path.exists(sp):
                only = set(open(sp).read().split())
            for key, st in base_status.items():
                suite = base_case[key]["suite"]
                if suite.endswith("_rs"):
                    suite = suite[:-3]
                if only is not None and suite not in only \
                        and "%s/%s" % (suite, base_case[key]["prog"]) not in only:
                    continue
                if st in ("pass", "xfail") and key not in seen and not key.startswith("checks/") \
                        and not key.startswith("kunit/"):
                    failed += 1
                    lines.append("FAIL %s: %s did not run (passes on %s)" % (k, key, base))
    # Fault injection parity (gup_faultinj). With its allocations failed
    # one by one (sweep: deterministic), each call on each kind of memory
    # must give the outcomes the baseline gives. With random failures
    # (a few dozen runs each, two failures in one call possible) the
    # samples differ from boot to boot: every outcome must be one the
    # baseline gave under injection (any call, either mode); one the
    # baseline did not give for that very call is printed as a NOTE. Not
    # the debug kernel: KASAN and lockdep allocate in the task's context
    # too (stack depot pages, for one), so its calls reach other fault
    # points; its runs still check their data and outcomes in the guest.
    base_all = set()
    for modes in fi[base].values():
        for outs in modes.values():
            base_all |= set(outs)
    for k in kinds[1:]:
        if k.startswith("debug"):
            continue
        for op, modes in fi[k].items():
            b = fi[base].get(op)
            if b is None:
                failed += 1
                lines.append("FAIL %s: faultinj parity %s: the baseline did not run it" % (k, op))
                continue
            errs = []
            ks, bs = set(modes.get("sweep", [])), set(b.get("sweep", []))
            if "sweep" in modes and ks - bs == {"0"} and bs <= ks:
                # One more fault point whose failure the call survived (its
                # data checked in the guest): an allocation with a fallback
                # that the allocators' state brings in on some boots, on
                # either kernel (docs/reliability.md). A success is never
                # an error C would not give; every errno must still match.
                lines.append("NOTE %s: faultinj %s: the sweep also succeeded under injection"
                             " (%s), which %s's did not: a failed allocation the call survived"
                             % (k, op, ",".join(modes["sweep"]), base))
            elif "sweep" in modes and ks != bs:
                errs.append("sweep outcomes %s, %s has %s" % (
                    ",".join(modes["sweep"]) or "none", base, ",".join(b.get("sweep", [])) or "none"))
            extra = [o for o in modes.get("random", []) if o not in base_all]
            if extra:
                errs.append("random outcomes %s that %s never gave" % (",".join(extra), base))
            if errs:
                failed += 1
                lines.append("FAIL %s: faultinj parity %s: %s" % (k, op, "; ".join(errs)))
            else:
                passed += 1
            bset = set(b.get("sweep", [])) | set(b.get("random", []))
            other = [o for o in modes.get("random", []) if o not in bset and o in base_all]
            if other:
                lines.append("NOTE %s: faultinj %s: at random %s, which %s gave for other calls"
                             " only in this run" % (k, op, ",".join(other), base))
    for l in lines:
        print(l)
    summary = "%d passed, %d failed, %d skipped" % (passed, failed, skipped)
    with open(os.path.join(resdir, "summary.txt"), "a") as f:
        f.write("\n".join(lines) + "\n" + summary + "\n")
    print(summary)
    return 0 if failed == 0 else 1


def main(argv):
    if len(argv) >= 4 and argv[0] == "parse":
        opts = dict(zip(argv[4::2], argv[5::2]))
        cases = parse(argv[1], argv[2], argv[3], opts.get("--symbols"), opts.get("--nm-report"))
        return 0 if cases else 1
    if len(argv) >= 3 and argv[0] == "compare":
        args, known = [], None
        i = 2
        while i < len(argv):
            if argv[i] == "--known-env":
                known = argv[i + 1]
                i += 2
            else:
                args.append(argv[i])
                i += 1
        return compare(argv[1], args, known)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
