# SPDX-License-Identifier: GPL-2.0
# Steps "selftests" and "boot", and the two main commands: "run" (the rust
# kernel, per-suite summary) and "test" (baseline vs rust, case by case).

# The mm selftests the guest runs (built static, with liburing).
SELFTESTS="gup_test gup_test_rs gup_longterm cow madv_populate mkdirty"
# on-fault-limit is left out: it must run as a non-root user (see guest/init).
SELFTESTS="$SELFTESTS gup_pfn_test mlock2-tests map_populate mlock-random-test ksm_functional_tests"
SELFTESTS="$SELFTESTS gup_coredump gup_cve gup_faultinj gup_fast_stress"
SELFTESTS="$SELFTESTS gup_longterm_migrate iouring_ro_loop rust_misc_pin_test"
DEFAULT_SUITES="gup_test gup_matrix gup_longterm cow madv_populate mkdirty"
DEFAULT_SUITES="$DEFAULT_SUITES gup_pfn mlock2 map_populate mlock_random ksm_functional"
DEFAULT_SUITES="$DEFAULT_SUITES gup_coredump gup_cve gup_fast_stress"
# Selftests outside mm, as DIR:PROGRAM under tools/testing/selftests, built
# static the same way: udmabuf (memfd_pin_folios()) and iommufd's mock
# domain (the pins and unpins VFIO does).
OTHER_SELFTESTS="drivers/dma-buf:udmabuf iommu:iommufd iommu:iommufd_fail_nth"
DEFAULT_SUITES="$DEFAULT_SUITES udmabuf iommufd iommufd_fail_nth faultinj"
DEFAULT_SUITES="$DEFAULT_SUITES gup_longterm_migrate fuzz"
# The Rust sample driver of kernel::mm::pin (/dev/rust-misc-pin).
DEFAULT_SUITES="$DEFAULT_SUITES rust_misc_pin"
# Real drivers on the exports: VFIO on QEMU's edu device behind the
# emulated IOMMU (7.2's vfio selftests and our vfio_edu_dma_test), RDMA on
# soft-RoCE (7.2's rdma selftest scripts, our rxe_umem_test, which links
# with libibverbs and is not static, rdma-core's and perftest's clients),
# and the modules suite (license split, a GUP-calling module), last: its
# non-GPL modules taint the kernel.
VFIO_SELFTESTS="vfio_dma_mapping_test vfio_dma_mapping_mmio_test vfio_iommufd_setup_test"
VFIO_SELFTESTS="$VFIO_SELFTESTS vfio_pci_device_test vfio_pci_device_init_perf_test"
VFIO_SELFTESTS="$VFIO_SELFTESTS vfio_pci_driver_test vfio_pci_sriov_uapi_test vfio_edu_dma_test"
for t in $VFIO_SELFTESTS; do OTHER_SELFTESTS="$OTHER_SELFTESTS vfio:$t"; done
RDMA_SCRIPTS="rxe_rping_between_netns rxe_ipv6 rxe_socket_with_netns rxe_test_NETDEV_UNREGISTER rxe_sent_rcvd_bytes"
DEFAULT_SUITES="$DEFAULT_SUITES vfio vfio_edu rdma rdma_verbs modules"
# The drivers suites' programs from Debian (harness/guest-packages.txt),
# paths in their packages; the initramfs gets them with their libraries.
GUEST_PROGRAMS="usr/bin/bash usr/bin/ip usr/bin/ss usr/bin/rdma usr/bin/ibv_rc_pingpong"
GUEST_PROGRAMS="$GUEST_PROGRAMS usr/bin/ibv_devinfo usr/bin/rping usr/bin/ib_write_bw usr/bin/ib_read_bw"
SUITES=${RUST_GUP_SUITES:-$DEFAULT_SUITES}
QEMU_TIMEOUT=${RUST_GUP_QEMU_TIMEOUT:-2700}
# How long the gup_fast_stress suite runs, in seconds (rust_gup.stress_secs;
# the guest's default is 120).
STRESS_SECS=${RUST_GUP_STRESS_SECS:-}
# The fuzz suite's seed: one per harness run, the same for every kernel
# booted, unless RUST_GUP_FUZZ_SEED gives it (to replay a run).
RUST_GUP_FUZZ_SEED=${RUST_GUP_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

symbols() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HARNESS/symbols.txt"; }

step_selftests() {
	# uapi headers from a kernel already built (they do not depend on
	# CONFIG_RUST_GUP), so that no build directory is written concurrently.
	local hdr=baseline
	[ -f "$BUILDS/$(bdir baseline)/vmlinux" ] || hdr=rust
	kmake "$hdr" headers >/dev/null
	hdr=$(bdir "$hdr")
	# x86-64: the chroot's gcc; arm64: Debian's cross gcc and libc, and
	# rustc --target aarch64-unknown-linux-gnu for gup_test_rs (the mm
	# Makefile adds it when CROSS_COMPILE is set).
	local sdir=selftests$ARCH_SFX cc=CC=gcc machine=x86-64
	if [ "$GUP_ARCH" = arm64 ]; then
		cc="ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC=aarch64-linux-gnu-gcc"
		machine="ARM aarch64"
	fi
	mkdir -p "$CACHE/$sdir"
	local targets="" t
	for t in $SELFTESTS; do [ "$t" = cow ] || targets="$targets $IN/$sdir/$t"; done
	log "selftests: building $SELFTESTS (static, ${cc##*=})"
	if ! inchroot "cd $IN/linux && make -C tools/testing/selftests/mm OUTPUT=$IN/$sdir $cc \
		KHDR_INCLUDES='-isystem $IN/build/$hdr/usr/include' EXTRA_CFLAGS=-static LDFLAGS=-static $targets" \
		> "$CACHE/$sdir/build.log" 2>&1; then
		tail -20 "$CACHE/$sdir/build.log" >&2
		die "selftests build failed (log: $CACHE/$sdir/build.log)"
	fi
	# cow with harness/guest/iowq_keepalive.c linked in (its own make, as
	# the file goes in through EXTRA_CFLAGS): a ring held for the life of
	# the process keeps the stock io-wq's exit-on-idle window shut, which
	# cow otherwise opens at every io_uring case (docs/reliability.md,
	# section 1); and, with --wrap=write, its unchecked one-byte pipe
	# writes are tried again on ENOMEM, which fault injection causes.
	# Rebuilt every time: make does not know the extra file.
	rm -f "$CACHE/$sdir/cow"
	if ! inchroot "cd $IN/linux && make -C tools/testing/selftests/mm OUTPUT=$IN/$sdir $cc \
		KHDR_INCLUDES='-isystem $IN/build/$hdr/usr/include' \
		EXTRA_CFLAGS='-static -Wl,--wrap=write /repo/harness/guest/iowq_keepalive.c' LDFLAGS=-static $IN/$sdir/cow" \
		>> "$CACHE/$sdir/build.log" 2>&1; then
		tail -20 "$CACHE/$sdir/build.log" >&2
		die "selftests build of cow failed (log: $CACHE/$sdir/build.log)"
	fi
	grep -qa iowq_keepalive_fd "$CACHE/$sdir/cow" && grep -qa __wrap_write "$CACHE/$sdir/cow" ||
		die "selftests: cow was built without harness/guest/iowq_keepalive.c"
	# The other directories use lib.mk's own rules, which take -static
	# through USERCFLAGS/USERLDFLAGS.
	local d progs=""
	for d in $(for t in $OTHER_SELFTESTS; do echo "${t%%:*}"; done | sort -u); do
		targets=""
		for t in $OTHER_SELFTESTS; do
			[ "${t%%:*}" = "$d" ] || continue
			targets="$targets $IN/$sdir/${t#*:}"
			progs="$progs ${t#*:}"
		done
		log "selftests: building${targets// $IN\/$sdir\// } (tools/testing/selftests/$d)"
		if ! inchroot "cd $IN/linux && make -C tools/testing/selftests/$d OUTPUT=$IN/$sdir $cc \
			KHDR_INCLUDES='-isystem $IN/build/$hdr/usr/include' USERCFLAGS=-static USERLDFLAGS=-static $targets" \
			>> "$CACHE/$sdir/build.log" 2>&1; then
			tail -20 "$CACHE/$sdir/build.log" >&2
			die "selftests build of $d failed (log: $CACHE/$sdir/build.log)"
		fi
	done
	# The benchmark's workloads besides gup_test (harness/bench/gup_bench.c).
	local bcc=gcc
	[ "$GUP_ARCH" = arm64 ] && bcc=aarch64-linux-gnu-gcc
	log "selftests: building gup_bench (harness/bench, static, $bcc)"
	if ! inchroot "$bcc -O2 -Wall -static -I$IN/linux -o $IN/$sdir/gup_bench /repo/harness/bench/gup_bench.c -luring" \
		>> "$CACHE/$sdir/build.log" 2>&1; then
		tail -20 "$CACHE/$sdir/build.log" >&2
		die "gup_bench build failed (log: $CACHE/$sdir/build.log)"
	fi
	progs="$progs gup_bench"
	# rxe_umem_test links with rdma-core's libibverbs (libibverbs-dev in
	# the chroot, :arm64 for arm64): dynamic, the initramfs has its
	# libraries.
	log "selftests: building rxe_umem_test (tools/testing/selftests/rdma, libibverbs)"
	if ! inchroot "cd $IN/linux && make -C tools/testing/selftests/rdma OUTPUT=$IN/$sdir $cc \
		KHDR_INCLUDES='-isystem $IN/build/$hdr/usr/include' $IN/$sdir/rxe_umem_test" \
		>> "$CACHE/$sdir/build.log" 2>&1; then
		tail -20 "$CACHE/$sdir/build.log" >&2
		die "rxe_umem_test build failed (log: $CACHE/$sdir/build.log)"
	fi
	grep -q LOCAL_CONFIG_HAVE_LIBURING "$TREE/tools/testing/selftests/mm/local_config.h" ||
		die "liburing not detected: the io_uring cases would be skipped"
	# local_config.h is probed once per tree, with whichever compiler ran
	# first: probe the cross compiler's liburing (liburing-dev:arm64) too.
	if [ "$GUP_ARCH" = arm64 ] && ! inchroot "d=\$(mktemp -d) && cd \$d &&
		CC=aarch64-linux-gnu-gcc sh $IN/linux/tools/testing/selftests/mm/check_config.sh &&
		grep -q LOCAL_CONFIG_HAVE_LIBURING local_config.h; rc=\$?; rm -rf \$d; exit \$rc"; then
		die "liburing not detected for arm64: the io_uring cases would be skipped"
	fi
	# Every test is a static executable for the target.
	local bad
	bad=$(inchroot "cd $IN/$sdir && file $SELFTESTS $progs" |
		grep -v ":[[:space:]]*ELF .*, $machine, .*\(statically\|static-pie\) linked" || true)
	[ -z "$bad" ] || die "selftests: not static $machine executables: $bad"
	# The initramfs: busybox, /init, the tests, the symbol list.
	local r=$CACHE/initramfs$ARCH_SFX bb=$CHROOT/bin/busybox
	[ "$GUP_ARCH" = arm64 ] && bb=$BUSYBOX_ARM64
	rm -rf "$r" && mkdir -p "$r/bin" "$r/tests" "$r/etc"
	cp "$bb" "$r/bin/busybox"
	cp "$HARNESS/guest/init" "$r/init"
	cp "$HARNESS/guest/inject" "$HARNESS/guest/fuzz" "$r/bin/"
	for t in $SELFTESTS $progs; do cp "$CACHE/$sdir/$t" "$r/tests/"; done
	# trinity (the fuzz suite), dynamically linked: with the target's C
	# library and dynamic loader where its interpreter path and the
	# loader's default search path look for them.
	cp "$(trinity_dir)/usr/bin/trinity" "$r/tests/trinity"
	cut -d" " -f2 "$(trinity_dir)/VERSIONS" > "$r/tests/trinity.version"
	if [ "$GUP_ARCH" = arm64 ]; then
		mkdir -p "$r/lib/aarch64-linux-gnu"
		cp -L "$CHROOT/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1" "$r/lib/"
		cp -L "$CHROOT/usr/aarch64-linux-gnu/lib/libc.so.6" "$r/lib/aarch64-linux-gnu/"
	else
		mkdir -p "$r/lib64" "$r/lib/x86_64-linux-gnu"
		cp -L "$CHROOT/lib64/ld-linux-x86-64.so.2" "$r/lib64/"
		cp -L "$CHROOT/lib/x86_64-linux-gnu/libc.so.6" "$r/lib/x86_64-linux-gnu/"
	fi
	# The drivers suites: rdma scripts (with kselftest's ktap helpers they
	# source), rxe_umem_test, Debian's programs with their libraries (and
	# libibverbs' rxe provider, which it loads by its driver file, and
	# libgcc_s, which glibc loads for pthread_exit()).
	mkdir -p "$r/tests/rdma" "$r/tests/kselftest"
	for t in $RDMA_SCRIPTS; do cp "$TREE/tools/testing/selftests/rdma/$t.sh" "$r/tests/rdma/"; done
	cp "$TREE/tools/testing/selftests/kselftest/ktap_helpers.sh" "$r/tests/kselftest/"
	cp "$CACHE/$sdir/rxe_umem_test" "$r/tests/"
	cp "$HARNESS/guest/tapwrap" "$HARNESS/guest/modules" "$r/bin/"
	local gp pk triplet=x86_64-linux-gnu libc=/lib/x86_64-linux-gnu
	[ "$GUP_ARCH" = arm64 ] && triplet=aarch64-linux-gnu libc=/usr/aarch64-linux-gnu/lib
	gp=$(guest_pkgs_dir)
	pk=$IN/${gp##*/}
	mkdir -p "$r/etc/libibverbs.d" "$r/usr/lib/$triplet/libibverbs"
	cp "$gp/etc/libibverbs.d/rxe.driver" "$r/etc/libibverbs.d/"
	# shellcheck disable=SC2086 # lists of paths
	inchroot "bash /repo/harness/needed.sh $pk $IN/initramfs$ARCH_SFX $triplet $libc \
		$GUEST_PROGRAMS $(cd "$gp" && echo usr/lib/$triplet/libibverbs/librxe-*.so) \
		usr/lib/$triplet/libgcc_s.so.1 \
		--also $IN/$sdir/rxe_umem_test" || die "initramfs: shared libraries missing"
	ln -sf /usr/bin/bash "$r/bin/bash"
	symbols | awk '{print $1; print "__ksymtab_" $1}' > "$r/etc/rust-gup-symbols"
	inchroot "cd $IN/initramfs$ARCH_SFX && find . | cpio -o -H newc --quiet | gzip -1 > $IN/initramfs$ARCH_SFX.cpio.gz.new"
	mv "$CACHE/initramfs$ARCH_SFX.cpio.gz.new" "$CACHE/initramfs$ARCH_SFX.cpio.gz"
	log "selftests: initramfs$ARCH_SFX $(du -h "$CACHE/initramfs$ARCH_SFX.cpio.gz" | cut -f1)"
}

cmd_selftests() {
	step chroot step_chroot
	step source step_source
	step "selftests$ARCH_SFX" step_selftests
}

# Symbol checks on the build output, one "name<TAB>ok|fail<TAB>detail" line
# each, turned into cases by results.py.
nm_report() {
	local kind=$1 out=$BUILDS/$(bdir "$1") o=$IN/build/$(bdir "$1") sym exp have_exp
	local nm_mod nm_gup nm_vmlinux
	nm_vmlinux=$(inchroot "llvm-nm $o/vmlinux")
	# What mm/built-in.a (thin archive) links: mm/gup.o on the baseline,
	# mm/gup/ instead of it with CONFIG_RUST_GUP.
	local members has_c has_rust
	members=$(inchroot "llvm-ar t $o/mm/built-in.a")
	grep -qE '(^|/)mm/gup\.o$' <<< "$members" && has_c=1 || has_c=0
	grep -qE '(^|/)mm/gup/mod\.o$' <<< "$members" && has_rust=1 || has_rust=0
	if [ "$kind" = baseline ]; then
		if [ $has_c$has_rust = 10 ]; then
			printf 'gup-objects\tok\tmm/built-in.a links mm/gup.o, not mm/gup/\n'
		else
			printf 'gup-objects\tfail\tmm/built-in.a: mm/gup.o %s, mm/gup/mod.o %s\n' "$has_c" "$has_rust"
		fi
	else
		if [ $has_c$has_rust = 01 ]; then
			printf 'gup-objects\tok\tmm/built-in.a links mm/gup/mod.o and not mm/gup.o: mm/gup.c is not built\n'
		else
			printf 'gup-objects\tfail\tmm/built-in.a: mm/gup.o %s, mm/gup/mod.o %s\n' "$has_c" "$has_rust"
		fi
		nm_mod=$(inchroot "llvm-nm $o/mm/gup/mod.o")
		# A stale mm/gup.o from an older build may lie around: only a linked one counts.
		nm_gup=
		[ $has_c = 1 ] && nm_gup=$(inchroot "llvm-nm $o/mm/gup.o")
	fi
	while read -r sym exp only; do
		# rust-only: not in mm/gup.c, so absent from the baseline kernel.
		[ "$kind" = baseline ] && [ "$only" = rust-only ] && exp=none
		have_exp=$(awk -v s="$sym" '$2 == s {print $4}' "$out/Module.symvers")
		[ -n "$have_exp" ] || have_exp=none
		if [ "$have_exp" = "$exp" ]; then
			printf 'export-%s\tok\t%s is %s\n' "$sym" "$sym" "$exp"
		else
			printf 'export-%s\tfail\t%s is %s in Module.symvers, mm/gup.c has %s\n' "$sym" "$sym" "$have_exp" "$exp"
		fi
		[ "$kind" = baseline ] && continue
		# Here-strings, not pipes: grep -q exits at the first match and,
		# under pipefail, the writer's SIGPIPE would fail the test.
		if grep -qE "^[0-9a-f]+ T $sym\$" <<< "$nm_mod" &&
			! grep -qE "^[0-9a-f]+ [TtW] $sym\$" <<< "$nm_gup" &&
			[ "$(echo "$nm_vmlinux" | grep -cE "^[0-9a-f]+ T $sym\$")" = 1 ]; then
			printf 'nm-%s\tok\t%s defined by mm/gup/mod.o (Rust), not by mm/gup.o\n' "$sym" "$sym"
		else
			printf 'nm-%s\tfail\t%s is not defined by the Rust object alone\n' "$sym" "$sym"
		fi
	done < <(symbols)
	# A GUP-calling driver built as a module (ib_core: ib_umem_get() pins
	# with pin_user_pages_fast()): its undefined GUP symbols are exports
	# of vmlinux (Module.symvers), which on the rust kernel mm/gup/mod.o
	# defines, so that loading it binds them to the Rust code.
	local ko=$o/drivers/infiniband/core/ib_core.ko used u bad="" where=""
	used=$(inchroot "llvm-nm -u $ko" 2>/dev/null | awk '{print $NF}' |
		grep -xFf <(symbols | awk '{print $1}') | sort | tr '\n' ' ' || true)
	for u in $used; do
		awk -v s="$u" '$2 == s && $3 == "vmlinux"' "$out/Module.symvers" | grep -q . || bad="$bad $u"
		if [ "$kind" != baseline ]; then
			grep -qE "^[0-9a-f]+ T $u\$" <<< "$nm_mod" || bad="$bad $u(not-in-mod.o)"
			where=", each defined by mm/gup/mod.o (Rust)"
		fi
	done
	if [ -n "$used" ] && [ -z "$bad" ]; then
		printf 'module-gup-symbols\tok\tib_core.ko uses %s: vmlinux exports%s\n' "${used% }" "$where"
	else
		printf 'module-gup-symbols\tfail\tib_core.ko GUP symbols: %s; not resolved as expected:%s\n' "${used:-none}" "${bad:- none}"
	fi
}

# Style checks of our change, as "name<TAB>ok|fail<TAB>detail" lines:
# rustfmt, clippy (from the CLIPPY=1 build log) and checkpatch on the
# exported patch series.
lint_report() {
	local kind=$1 out=$BUILDS/$(bdir "$1") f n tmp
	# The tree's copies (the source step made it the overlay): rustfmt follows
	# `mod` lines, and rust/kernel/mm.rs names modules the overlay lacks.
	f=$(cd "$REPO" && { ls mm/gup/*.rs; overlay_files rust; overlay_files samples; } | grep '\.rs$' | sed "s#^#$IN/linux/#" | tr '\n' ' ')
	if n=$(inchroot "rustfmt --check --config-path $IN/linux/.rustfmt.toml --edition 2021 $f" 2>&1); then
		printf 'rustfmt\tok\tmm/gup/*.rs, rust/**/*.rs and samples/**/*.rs of the overlay are rustfmt clean\n'
	else
		printf 'rustfmt\tfail\t%s\n' "$(echo "$n" | grep -c '^Diff in') file hunks differ from rustfmt"
	fi
	# GUP-fast runs with interrupts off: no function of mm/gup/fast.rs (its
	# KUnit tests aside) may call a panic or allocation path, even one
	# the compiler could not prove unreachable (overflow and bounds checks).
	local dis nfn bad
	dis=$(inchroot "llvm-objdump -dr --no-show-raw-insn $IN/build/$(bdir "$kind")/mm/gup/mod.o")
	nfn=$(echo "$dis" | grep -cE '^[0-9a-f]+ <[^>]*rust_gup4fast[^>]*>:$' || true)
	bad=$(echo "$dis" | awk '
		/^[0-9a-f]+ <.*>:$/ { fn = $2; infast = (fn ~ /rust_gup4fast/ && fn !~ /5tests/); next }
		infast && /R_(X86_64|AARCH64)_/ && /panic|rust_alloc|kmalloc|__might_sleep|__might_fault/ { print fn " -> " $NF }' | sort -u)
	if [ "$nfn" -gt 0 ] && [ -z "$bad" ]; then
		printf 'fast-no-panic\tok\t%s functions of mm/gup/fast.rs, no call to a panic or allocation path\n' "$nfn"
	else
		printf 'fast-no-panic\tfail\t%s\n' "$( [ "$nfn" -gt 0 ] && echo "$bad" | head -5 | tr '\n' ' ' || echo 'no mm/gup/fast.rs function found in mod.o')"
	fi
	n=$(grep -cE '^(warning|error)' "$out/build.log" || true)
	if [ "$n" = 0 ]; then
		printf 'clippy\tok\tno rustc/clippy warning in the CLIPPY=1 build log\n'
	else
		printf 'clippy\tfail\t%s\n' "$(grep -E -A3 '^(warning|error)' "$out/build.log" | head -8 | tr '\n\t' '  ')"
	fi
	nokunit_report "$kind"
	tmp=$CACHE/tmp/series
	rm -rf "$tmp" && mkdir -p "$tmp"
	gitc format-patch -q -o "$tmp" pristine..rust-gup
	# No Signed-off-by: the human submitter adds it. New files make
	# checkpatch ask about MAINTAINERS in every patch that adds one; the
	# series updates MAINTAINERS in a patch of its own, as upstream does.
	# mm/gup/exports.c exports functions defined in Rust, so its
	# EXPORT_SYMBOL lines cannot follow their functions (as in rust/exports.c).
	if n=$(inchroot "cd $IN/linux && scripts/checkpatch.pl --no-signoff --ignore FILE_PATH_CHANGES,EXPORT_SYMBOL --terse --show-types $IN/tmp/series/*.patch" 2>&1); then
		printf 'checkpatch\tok\t%s\n' "$(ls "$tmp" | wc -l) patches clean"
	else
		printf 'checkpatch\tfail\t%s\n' "$(echo "$n" | grep -E 'ERROR|WARNING|CHECK' | head -5 | tr '\n\t' '  ')"
	fi
}

# mm/gup compiled as with CONFIG_RUST_GUP_KUNIT_TEST=n, with clippy: the
# build's own rustc command for mm/gup/mod.o (kbuild's saved command line),
# with that option's --cfg lines dropped and the output sent elsewhere.
# Code only the tests use, and warnings only that configuration gives, show
# up here without a kernel build of their own (seconds, not 20 minutes).
nokunit_report() {
	local kind=$1 b=$IN/build/$(bdir "$1") n
	if [ ! -f "$BUILDS/$(bdir "$kind")/mm/gup/.mod.o.cmd" ]; then
		printf 'nokunit\tfail\tno saved command for mm/gup/mod.o in build %s\n' "$(bdir "$kind")"
		return 0
	fi
	if n=$(inchroot "cd $b && rm -rf /tmp/nokunit && mkdir -p /tmp/nokunit &&
		grep -v '^--cfg=CONFIG_RUST_GUP_KUNIT_TEST' include/generated/rustc_cfg > /tmp/nokunit/rustc_cfg &&
		cmd=\$(sed -n 's/^savedcmd_mm\/gup\/mod.o := //p' mm/gup/.mod.o.cmd |
			sed -e 's#@./include/generated/rustc_cfg#@/tmp/nokunit/rustc_cfg#' \
			    -e 's#--out-dir mm/gup/#--out-dir /tmp/nokunit/#' \
			    -e 's#--emit=dep-info=mm/gup/.mod.o.d --emit=obj=mm/gup/mod.o#--emit=metadata=/tmp/nokunit/mod.rmeta#') &&
		grep -q 'CONFIG_RUST_GUP_KUNIT_TEST' include/generated/rustc_cfg &&
		export RUSTC_BOOTSTRAP=1 && eval \"\$cmd\" -Dwarnings" 2>&1); then
		printf 'nokunit\tok\tmm/gup compiles with CONFIG_RUST_GUP_KUNIT_TEST=n, no rustc/clippy warning\n'
	else
		printf 'nokunit\tfail\t%s\n' "$(echo "$n" | grep -E -A3 '^(warning|error)' | head -8 | tr '\n\t' '  ')"
	fi
}

# docs_warnings SRC: the warnings and errors of a docs build, with SRC (the
# source tree's path in the chroot) and line numbers taken out, so that the
# same warning compares equal in two trees and after lines moved.
docs_warnings() {
	grep -E 'WARNING|ERROR|CRITICAL' | sed -e "s#$1/##g" -e 's/:[0-9][0-9]*/:N/g' | sort -u || true
}

# "make SPHINXDIRS=core-api htmldocs" on the patched tree must give no
# warning that the pristine tree does not give: core-api holds
# pin_user_pages.rst, which the series edits, and mm-api.rst, which renders
# the kernel-doc of mm/gup.c and <linux/mm.h> (follow_page()). htmldocs does
# not read .config (it is one of the top Makefile's no-dot-config targets),
# so one build stands for CONFIG_RUST_GUP=y and =n. The pristine tree's
# warnings are kept per pristine commit, from a git worktree in the cache.
docs_report() {
	local d=$CACHE/docs pv src out new page
	mkdir -p "$d"
	pv=$(gitc rev-parse pristine)
	if [ ! -s "$d/pristine-$pv.warnings" ]; then
		src=$d/pristine-src
		if [ "$(git -C "$src" rev-parse HEAD 2>/dev/null)" != "$pv" ]; then
			rm -rf "$src"
			gitc worktree prune
			gitc worktree add -q -f --detach "$src" pristine
		fi
		rm -rf "$d/out-pristine"
		out=$(inchroot "cd $IN/docs/pristine-src && make -s O=$IN/docs/out-pristine SPHINXDIRS=core-api htmldocs" 2>&1) || true
		if [ ! -f "$d/out-pristine/Documentation/output/core-api/pin_user_pages.html" ]; then
			printf 'htmldocs\tfail\t%s\n' "the pristine tree's docs did not build: $(echo "$out" | tail -3 | tr '\n\t' '  ')"
			return 0
		fi
		echo "$out" | docs_warnings "$IN/docs/pristine-src" > "$d/pristine-$pv.warnings"
	fi
	rm -rf "$d/out-rust-gup"
	out=$(inchroot "cd $IN/linux && make -s O=$IN/docs/out-rust-gup SPHINXDIRS=core-api htmldocs" 2>&1) || true
	echo "$out" | docs_warnings "$IN/linux" > "$d/rust-gup.warnings"
	page=$d/out-rust-gup/Documentation/output/core-api/pin_user_pages.html
	new=$(comm -13 "$d/pristine-$pv.warnings" "$d/rust-gup.warnings")
	if [ ! -f "$page" ]; then
		printf 'htmldocs\tfail\t%s\n' "no pin_user_pages.html: $(echo "$out" | tail -3 | tr '\n\t' '  ')"
	elif ! grep -q 'id="rust-gup"' "$page"; then
		printf 'htmldocs\tfail\tpin_user_pages.html has no CONFIG_RUST_GUP section\n'
	elif [ -n "$new" ]; then
		printf 'htmldocs\tfail\t%s\n' "$(echo "$new" | wc -l) new warning(s): $(echo "$new" | head -3 | tr '\n\t' '  ')"
	else
		printf 'htmldocs\tok\t%s\n' "make SPHINXDIRS=core-api htmldocs: $(wc -l < "$d/rust-gup.warnings") warnings, none that the pristine tree ($(wc -l < "$d/pristine-$pv.warnings")) does not give"
	fi
}

# The QEMU command line (TCG, 2 CPUs) and the serial console of the target
# architecture. arm64: the virt machine with the max CPU; pauth-impdef=on
# makes TCG emulate pointer authentication with a cheap implementation-
# defined hash instead of QARMA, much faster. arm64 gets 6 GiB instead of 4:
# its RAM (from 1 GiB up) leaves 1 GiB-aligned blocks free, so cow and
# gup_longterm get two 1 GiB hugetlb pages (PUD-mapped GUP, which x86-64's
# 4 GiB guest cannot allocate at run time), and cow's io_uring case on them
# was OOM-killed with 4 GiB. (With 8 GiB, cow hung in its io_uring R/O
# case on a PTE-mapped 32K THP, on the stock kernel, in 2 of 2 boots.)
qemu_cmd() {
	# QEMU's edu device (a PCI DMA engine) behind an emulated IOMMU, for
	# the vfio suites: intel-iommu on a q35 machine (before the other
	# devices; no interrupt remapping, whose absence the VFIO and
	# iommufd parameters on the command line allow), SMMUv3 on virt. No NIC.
	case "$GUP_ARCH" in
	x86_64) echo "qemu-system-x86_64 -M q35 -accel tcg -cpu max -smp 2 -m 4G -device intel-iommu,intremap=off -device edu -nic none" ;;
	arm64) echo "qemu-system-aarch64 -M virt,iommu=smmuv3 -accel tcg -cpu max,pauth-impdef=on -smp 2 -m 6G -device edu -nic none" ;;
	esac
}

# boot_initrd BNAME TAG: the initramfs, and the kernel's modules (its
# modules.cpio.gz, from the build) after it: the kernel unpacks
# concatenated archives in turn. TAG keeps boots of one kernel that run
# at the same time apart. Prints the path in the chroot.
boot_initrd() {
	local bname=$1 tag=$2 mods=$BUILDS/$1/modules.cpio.gz
	if [ ! -f "$mods" ]; then
		echo "$IN/initramfs$ARCH_SFX.cpio.gz"
		return
	fi
	cat "$CACHE/initramfs$ARCH_SFX.cpio.gz" "$mods" > "$BUILDS/$bname/initrd-$tag.cpio.gz"
	echo "$IN/build/$bname/initrd-$tag.cpio.gz"
}
qemu_console() {
	case "$GUP_ARCH" in
	x86_64) echo ttyS0 ;;
	arm64) echo ttyAMA0 ;;
	esac
}

# The no5lvl variant: a second boot of the rust kernel with 4-level paging.
# The guest CPU (-cpu max) has LA57, so the main boots walk 5 levels; with
# no5lvl the P4D level is folded at run time, and GUP-fast's lockless walk
# then reaches the PUD table through its own copy of the PGD entry. It runs
# the suites that exercise GUP-fast and the walk. x86-64 only: the arm64
# kernels (4K pages, 48-bit VA) always walk 4 levels.
NO5LVL_SUITES=${RUST_GUP_NO5LVL_SUITES:-gup_test gup_longterm cow madv_populate gup_fast_stress}

# The cma and movable variants: the rust kernel booted again with a CMA area
# (cma=) or a ZONE_MOVABLE (movablecore=) that user memory is allocated
# from, so that a FOLL_LONGTERM pin must migrate the pages out of it before
# pinning them (and a short-term pin must not). They run the suites that
# take long-term pins: gup_longterm_migrate, which must test its area (all
# its cases pass, none skipped), gup_longterm, gup_test_longterm (gup_test's
# long-term runs, under the case names of the gup_test suite) and udmabuf
# (memfd_pin_folios() on shmem and hugetlb memfds, filled while movable
# memory comes from the area first); every case the baseline's main boot
# passes must pass. They run when
# gup_longterm_migrate is among the suites, on both architectures, and on
# the baseline kernel too with RUST_GUP_MIGRATE_BASELINE=1, which shows
# that the stock C kernel passes the same (CI leaves it out, for time).
# faultinj_migrate (with faultinj) runs gup_longterm_migrate under fault
# injection: the migration before a long-term pin allocates.
MIGRATE_SUITES=${RUST_GUP_MIGRATE_SUITES:-gup_longterm_migrate gup_longterm gup_test_longterm udmabuf faultinj_migrate}
MIGRATE_VARIANTS="cma movable"
MIGRATE_BASELINE=${RUST_GUP_MIGRATE_BASELINE:-0}
# The runs of gup_test_longterm, as compare sees them (suite/run).
MIGRATE_GUP_TEST_RUNS="gup_test/L512 gup_test/mthp64-L512 gup_test/mthp64-L123w"

# migrate_param VARIANT: its kernel parameters. User pages come from the
# highest zone first, and a movable allocation takes CMA pageblocks first
# only while the zone's free CMA pages are more than half its free pages
# (otherwise CMA is a fallback when the rest is used up): the CMA area must
# be in the highest zone and hold most of its free memory.
# x86-64 (4 GiB: DMA32 below 3 GiB, Normal 4-5 GiB): 768 MiB of the 1 GiB
#   of Normal, placed bottom-up from 4 GiB (the top of Normal holds early
#   allocations, the memmap among them).
# arm64 (6 GiB at 1-7 GiB, one zone, Normal): 2.5 GiB between 1.25 and
#   4 GiB (it lands at 1.5-4 GiB), with the two 1 GiB hugetlb pages that
#   gup_longterm wants reserved at boot (hugepages=2): at run time no free
#   1 GiB block would be left outside the area, and gup_longterm would skip
#   its ten 1 GiB cases, which the main boot runs. The free memory outside
#   the area is then about 1.2 GiB.
# ZONE_MOVABLE is always the highest zone; movablecore= takes it from the
# top of the highest zone: 512 MiB of x86-64's Normal, 1 GiB of arm64's.
migrate_param() {
	case "$GUP_ARCH/$1" in
	x86_64/cma) echo "cma=768M@4G-5G" ;;
	x86_64/movable) echo "movablecore=512M" ;;
	arm64/cma) echo "hugepagesz=1G hugepages=2 cma=2560M@1280M-4G" ;;
	arm64/movable) echo "movablecore=1G" ;;
	*) die "no kernel parameters for the $1 variant on $GUP_ARCH" ;;
	esac
}

# The variant's suites, those of MIGRATE_SUITES that SUITES has
# (gup_test_longterm comes with gup_test).
migrate_suites() {
	local s out=""
	for s in $MIGRATE_SUITES; do
		case " $SUITES " in *" $s "*) out="$out $s"; continue ;; esac
		if [ "$s" = gup_test_longterm ]; then
			case " $SUITES " in *" gup_test "*) out="$out $s" ;; esac
		elif [ "$s" = faultinj_migrate ]; then
			case " $SUITES " in *" faultinj "*) out="$out $s" ;; esac
		fi
	done
	echo "${out# }"
}

step_boot() { # step_boot KIND RESDIR [VARIANT]
	local kind=$1 resdir=$2 variant=${3:-} s
	local name=$kind${variant:+-$variant} dir bname=$(bdir "$1")
	dir=$resdir/$name
	local bz=$BUILDS/$bname/$KIMAGE
	[ -f "$bz" ] || die "boot $bname: no kernel image; build it first"
	[ -f "$CACHE/initramfs$ARCH_SFX.cpio.gz" ] || die "boot $bname: no initramfs$ARCH_SFX; run selftests first"
	mkdir -p "$dir"
	local suites=$SUITES
	local append="console=$(qemu_console) panic=-1 log_buf_len=16M brd.rd_nr=1 brd.rd_size=262144"
	# The emulated IOMMUs remap no interrupts: VFIO and iommufd refuse a
	# device unless told that is fine (the edu device raises none here).
	append="$append vfio_iommu_type1.allow_unsafe_interrupts=1 iommufd.allow_unsafe_interrupts=1"
	local reports=""
	case "$variant" in
	"")
		# The symbol, lint and docs checks run beside QEMU (the docs
		# build is minutes of CPU on a fresh machine); the parse waits.
		{
			nm_report "$kind"
			if [ "$kind" = rust ]; then
				lint_report "$kind"
				docs_report
			fi
		} > "$dir/nm-report.txt" &
		reports=$!
		# The rust kernel's matrix may run in a boot of its own (the
		# matrix variant): then this one runs the other suites.
		if [ "$kind" = rust ] && [ -n "${SPLIT_MATRIX:-}" ]; then
			suites=$(for s in $SUITES; do [ "$s" = gup_matrix ] || echo "$s"; done | tr '\n' ' ')
			echo "$suites" > "$dir/suites.txt"
		fi
		;;
	matrix)
		# The rust kernel's gup_matrix suite, with its Rust twin: a third
		# of that kernel's boot, so that test runs it beside the rest.
		suites=gup_matrix
		echo "$suites" > "$dir/suites.txt"
		: > "$dir/nm-report.txt"
		;;
	no5lvl)
		# Same kernel as the main boot: its symbol and lint checks are
		# not repeated. The guest must report 4-level paging.
		suites=$(for s in $NO5LVL_SUITES; do case " $SUITES " in *" $s "*) echo "$s" ;; esac; done | tr '\n' ' ')
		echo "$suites" > "$dir/suites.txt"
		echo "paging=4-level" > "$dir/expect-info.txt"
		: > "$dir/nm-report.txt"
		append="$append no5lvl"
		;;
	cma|movable)
		# Same kernel as the main boot: no symbol and lint checks. The
		# compare needs each case of the baseline's gup_test runs that
		# gup_test_longterm repeats, and gup_longterm_migrate must pass
		# every case of its area.
		suites=$(migrate_suites)
		for s in $suites; do
			[ "$s" = gup_test_longterm ] && echo "$MIGRATE_GUP_TEST_RUNS" || echo "$s"
		done > "$dir/suites.txt"
		case " $suites " in *" gup_longterm_migrate "*)
			echo gup_longterm_migrate > "$dir/must-pass.txt" ;;
		esac
		: > "$dir/nm-report.txt"
		append="$append $(migrate_param "$variant") rust_gup.migrate_area=$variant"
		;;
	*) die "boot: unknown variant $variant" ;;
	esac
	append="$append rust_gup.suites=$(echo $suites | tr ' ' ',')"
	local timeout=$QEMU_TIMEOUT
	# The Rust twin of gup_test runs the 240-run matrix on the rust kernel
	# only: it checks the userspace twin against gup_test, which one kernel
	# shows, and the matrix is the longest suite. Elsewhere the twin runs in
	# the gup_test suite, and the matrix runs gup_test alone.
	# RUST_GUP_TWIN_MATRIX=sample (CI): the twin in a quarter of the runs,
	# every option value and combination still among them.
	if [ "$kind" != rust ]; then
		append="$append rust_gup.twin_matrix=0"
	elif [ "${RUST_GUP_TWIN_MATRIX:-}" = sample ]; then
		append="$append rust_gup.twin_matrix=sample"
	fi
	# KASAN and lockdep under TCG are several times slower.
	[ "$kind" = debug ] && timeout=$((QEMU_TIMEOUT * 2))
	# The iouring_ro_loop and faultinj suites' settings (see
	# harness/guest/init), e.g. RUST_GUP_FAULTINJ_PROGS=cow,gup_longterm,
	# and RUST_GUP_TIMEOUT, /init's per-case time limit (default 900 s).
	local v env
	for v in loop_iters loop_secs loop_kind loop_hang_secs faultinj_secs faultinj_percent \
		faultinj_progs fuzz_secs fuzz_children fuzz_seed soak_secs soak_round timeout; do
		env=RUST_GUP_${v^^}
		[ -z "${!env:-}" ] || append="$append rust_gup.$v=${!env// /_}"
	done
	if [ -n "$STRESS_SECS" ]; then
		append="$append rust_gup.stress_secs=$STRESS_SECS"
		timeout=$((timeout + STRESS_SECS))
	fi
	log "boot $bname${variant:+-$variant}: QEMU (TCG) with suites: $suites"
	local t0=$(date +%s) rc=0 qemu
	qemu=$(qemu_cmd)
	# The x86-64 debug kernel runs on a CPU without LA57 (4-level paging):
	# identify_cpu() zeroes boot_cpu_data's capability words and fills
	# them again with interrupts on, pgtable_l5_enabled() reads
	# X86_FEATURE_LA57 from them until alternatives are patched, and
	# KASAN's idea of where its shadow starts follows it: an interrupt in
	# that window (handle_edge_irq() taking its descriptor's lock, at
	# 0.012 s) makes KASAN report a 5-level direct-map address as a
	# wild-memory-access, which taints the kernel and turns lockdep off
	# for the whole boot (1 boot in 16 with LA57; none in 12 without, nor
	# in 4 with no5lvl). The rust and rust-no5lvl boots keep testing 5-
	# and 4-level paging.
	[ "$kind" = debug ] && [ "$GUP_ARCH" = x86_64 ] && qemu=${qemu/-cpu max/-cpu max,la57=off}
	local initrd
	initrd=$(boot_initrd "$bname" "${variant:-main}")
	inchroot "timeout $timeout $qemu \
		-nographic -no-reboot -monitor none -serial stdio \
		-kernel $IN/build/$bname/$KIMAGE -initrd $initrd \
		-append '$append' </dev/null" > "$dir/serial.log" 2>&1 || rc=$?
	log "boot $bname${variant:+-$variant}: QEMU exited with $rc after $(($(date +%s) - t0)) s"
	cp "$BUILDS/$bname/.config" "$dir/config"
	[ -z "$reports" ] || wait "$reports"
	python3 "$HARNESS/results.py" parse "$name" "$dir/serial.log" "$dir" \
		--symbols "$HARNESS/symbols.txt" --nm-report "$dir/nm-report.txt"
}

new_resdir() {
	local d
	d=$RESULTS_ROOT/$(date -u +%Y%m%d-%H%M%S)-$1$ARCH_SFX
	mkdir -p "$d"
	ln -sfn "$d" "$RESULTS_ROOT/latest"
	{
		echo "arch: $GUP_ARCH"
		echo "source: $(source_version)"
		echo "tree: $(gitc rev-parse HEAD) (pristine + $(gitc rev-list --count pristine..HEAD) commits)"
		echo "repo: $(git -C "$REPO" rev-parse HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
		sed 's/^/toolchain: /' "$CACHE/toolchain-versions.txt"
		if [ "$GUP_ARCH" = arm64 ]; then
			sed 's/^/toolchain: /' "$CACHE/toolchain-versions-arm64.txt"
		fi
		echo "suites: $SUITES"
	} > "$d/versions.txt"
	echo "$d"
}

cmd_boot() { # boot [KIND [VARIANT]]
	local kind=${1:-rust} variant=${2:-}
	[ $DEBUG = 1 ] && kind=debug
	local resdir
	step chroot step_chroot
	resdir=$(new_resdir "boot-$kind${variant:+-$variant}")
	step "boot-$(bdir "$kind")${variant:+-$variant}" step_boot "$kind" "$resdir" ${variant:+"$variant"}
	log "results: $resdir"
}

cmd_run() {
	local kind=rust resdir rc=0
	[ $DEBUG = 1 ] && kind=debug
	STEP_TIMES=$(mktemp)
	step chroot step_chroot
	step source step_source
	resdir=$(new_resdir "run-$kind")
	mv "$STEP_TIMES" "$resdir/timings.txt"; STEP_TIMES=$resdir/timings.txt
	step "build-$(bdir "$kind")" build_kernel "$kind"
	step "selftests$ARCH_SFX" step_selftests
	build_unlock
	step "boot-$(bdir "$kind")" step_boot "$kind" "$resdir"
	cat "$resdir/versions.txt" >&2
	python3 "$HARNESS/results.py" compare "$resdir" "$kind" --known-env "$HARNESS/known-env-failures.txt" || rc=$?
	log "results: $resdir (timings: $resdir/timings.txt)"
	return $rc
}

# soak MINUTES [KIND]: KIND (default: the debug kernel) booted once to run
# the soak suite for MINUTES minutes: rounds of trinity, gup_fast_stress
# and fault injection (see suite_soak in guest/init), with the checks of
# every boot (no splat, no hang, lockdep live on a lockdep kernel, pins
# balanced). Ends with "N passed, N failed, N skipped".
cmd_soak() {
	local minutes=${1:-60} kind=${2:-debug} resdir rc=0
	case "$minutes" in ''|*[!0-9]*) die "soak: MINUTES must be a number" ;; esac
	STEP_TIMES=$(mktemp)
	step chroot step_chroot
	step source step_source
	resdir=$(new_resdir "soak-$kind")
	mv "$STEP_TIMES" "$resdir/timings.txt"; STEP_TIMES=$resdir/timings.txt
	step "build-$(bdir "$kind")" build_kernel "$kind"
	step "selftests$ARCH_SFX" step_selftests
	build_unlock
	SUITES=soak
	RUST_GUP_SOAK_SECS=$((minutes * 60))
	# The last round may start just before the end (about 15 minutes of
	# runs; a debug kernel doubles the limit itself).
	QEMU_TIMEOUT=$((minutes * 60 + 1800))
	step "boot-$(bdir "$kind")" step_boot "$kind" "$resdir"
	python3 "$HARNESS/results.py" compare "$resdir" "$kind" --known-env "$HARNESS/known-env-failures.txt" || rc=$?
	log "results: $resdir (timings: $resdir/timings.txt)"
	return $rc
}

# How many QEMU boots a test runs at once. Under TCG a boot keeps about
# one host core busy (the suites are mostly single-threaded), so on the
# project's two-core machines two boots side by side take little longer
# than one, and the baseline boots while the rust kernel builds.
# RUST_GUP_BOOT_JOBS=1 boots one kernel at a time, as before.
BOOT_JOBS=${RUST_GUP_BOOT_JOBS:-2}

# boot_bg RESDIR KIND [VARIANT]: step_boot in the background, once fewer
# than BOOT_JOBS boots run. Each boot writes its own result directory; a
# failed one shows in the compare as that kernel's failure.
boot_bg() {
	local resdir=$1 kind=$2 variant=${3:-}
	while [ "$(jobs -pr | wc -l)" -ge "$BOOT_JOBS" ]; do
		wait -n || true
	done
	(set -e; step "boot-$(bdir "$kind")${variant:+-$variant}" step_boot "$kind" "$resdir" ${variant:+"$variant"}) &
}

cmd_test() {
	local kinds="baseline rust" resdir rc=0 k
	[ $DEBUG = 1 ] && kinds="$kinds debug"
	STEP_TIMES=$(mktemp)
	step chroot step_chroot
	step source step_source
	resdir=$(new_resdir test)
	mv "$STEP_TIMES" "$resdir/timings.txt"; STEP_TIMES=$resdir/timings.txt
	# Each kernel boots as soon as it is built and the selftests are (the
	# baseline first, while the others build), up to BOOT_JOBS at a time.
	local built="" selftests=0 variants=""
	SPLIT_MATRIX=
	[ "$BOOT_JOBS" -gt 1 ] && case " $SUITES " in *" gup_matrix "*) SPLIT_MATRIX=1 ;; esac
	for k in $kinds; do
		# A failed build is reported as that kernel's failure, not fatal.
		set +e
		(set -e; step "build-$(bdir "$k")" build_kernel "$k")
		[ $? = 0 ] && built="$built $k"
		set -e
		case " $built " in *" $k "*) ;; *) continue ;; esac
		if [ $selftests = 0 ]; then
			step "selftests$ARCH_SFX" step_selftests
			selftests=1
		fi
		# The rust kernel's matrix (with its twin, a third of that boot)
		# boots on its own, first: the longest boot starts soonest.
		if [ "$k" = rust ] && [ -n "$SPLIT_MATRIX" ]; then
			boot_bg "$resdir" rust matrix
			variants="$variants rust-matrix"
		fi
		boot_bg "$resdir" "$k"
	done
	[ $selftests = 1 ] || step "selftests$ARCH_SFX" step_selftests
	build_unlock
	# (x86-64 only: see NO5LVL_SUITES)
	if [ "$GUP_ARCH" = x86_64 ]; then
		case " $built " in *" rust "*)
			boot_bg "$resdir" rust no5lvl
			variants="$variants rust-no5lvl"
			;;
		esac
	fi
	# The cma and movable boots (see MIGRATE_SUITES), both architectures.
	local mk=rust v
	[ "$MIGRATE_BASELINE" = 1 ] && mk="baseline rust"
	case " $SUITES " in *" gup_longterm_migrate "*)
		for k in $mk; do
			case " $built " in *" $k "*) ;; *) continue ;; esac
			for v in $MIGRATE_VARIANTS; do
				boot_bg "$resdir" "$k" "$v"
				variants="$variants $k-$v"
			done
		done
		;;
	esac
	wait
	cat "$resdir/versions.txt"
	# shellcheck disable=SC2086
	python3 "$HARNESS/results.py" compare "$resdir" $kinds $variants --known-env "$HARNESS/known-env-failures.txt" || rc=$?
	log "results: $resdir (timings: $resdir/timings.txt)"
	return $rc
}
