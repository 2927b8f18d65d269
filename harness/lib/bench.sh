# SPDX-License-Identifier: GPL-2.0
# Command "bench": the C and Rust GUP side by side. The kernels of `test`
# (baseline, rust) and rust-inline (rust + CONFIG_RUST_INLINE_HELPERS), from
# the same tree and configs, each booted under the same QEMU settings with
# the "bench" suite of guest/init, then harness/bench/report.py: per
# workload the C time, each Rust kernel's time and the Rust/C ratio, as
# report.md, results.csv, raw.csv and ratios.svg in the results directory.
#
# QEMU runs with -icount: the guest clock advances with the instructions
# executed (shift=0: one nanosecond each), not with the host's time, so a
# workload takes the same time on every run whatever else the host is
# doing. The kernels of BENCH_REPEAT are booted twice, and the report says
# how far the two runs are apart. -icount runs the vCPUs in one thread, so
# the guest has one CPU.
#
# With -icount and no disk or network, the guest sees two inputs from the
# host that differ from boot to boot, and both are fixed here so that two
# boots of one kernel execute the same instructions:
# - the real-time clock (-rtc base=...,clock=vm: a fixed date that advances
#   with the guest's clock). Reading the CMOS clock waits for its
#   update-in-progress flag to clear, for as long as the host's time of day
#   says; the boots then ran apart from that point on;
# - random numbers (-seed: RDRAND, and arm64's RNDR, from a fixed
#   pseudo-random sequence), which seed the kernel's RNG; through user
#   address-space randomization they moved the drivers' buffers, and with
#   them their page tables and physical layout (the guest's bench suite
#   turns that randomization off as well).

BENCH_KINDS=${RUST_GUP_BENCH_KINDS:-baseline rust rust-inline}
BENCH_REPEAT=${RUST_GUP_BENCH_REPEAT-baseline}
BENCH_REPS=${RUST_GUP_BENCH_REPS:-3}
BENCH_SET=${RUST_GUP_BENCH_SET:-full}
# Physical layouts per ibv_reg_mr workload (rxe_umem_test's bench; the
# report takes the mean over them): see docs/bench.md, "layouts".
BENCH_LAYOUTS=${RUST_GUP_BENCH_LAYOUTS:-16}
# More kernel parameters for every bench boot, for experiments (nokaslr).
BENCH_CMDLINE=${RUST_GUP_BENCH_CMDLINE:-}
BENCH_ICOUNT=${RUST_GUP_BENCH_ICOUNT:-shift=0,align=off,sleep=off}
BENCH_TIMEOUT=${RUST_GUP_BENCH_TIMEOUT:-7200}
BENCH_SEED=${RUST_GUP_BENCH_SEED:-1}
# Boots per kernel, one per -seed value (the first gives KIND's directory,
# the others KIND-seedS): each is another KASLR draw and another boot
# history, and the report takes a workload's mean over them. One by
# default; docs/bench.md, 2026-12-05, third session, says why more.
BENCH_SEEDS=${RUST_GUP_BENCH_SEEDS:-$BENCH_SEED}

bench_qemu() {
	echo "$(qemu_cmd | sed 's/-smp 2/-smp 1/') -icount $BENCH_ICOUNT -seed $BENCH_SEED -rtc base=2026-01-01T00:00:00,clock=vm"
}

# config_hash KIND [common]: the first 16 hex digits of the sha256 of the
# kernel's .config; with "common", of its lines that do not name an option
# in which the kernels are meant to differ (the Rust GUP, its KUnit suites
# and the kernel crate's doc tests, which the bench boots do not run, and
# helper inlining), which must then be the same for all of them.
config_hash() {
	local c=$BUILDS/$(bdir "$1")/.config
	if [ "${2:-}" = common ]; then
		grep -vE 'CONFIG_RUST_GUP|CONFIG_RUST_INLINE_HELPERS|CONFIG_RUST_KERNEL_DOCTESTS' "$c" |
			sha256sum | cut -c1-16
	else
		sha256sum < "$c" | cut -c1-16
	fi
}

# bench_boot KIND RESDIR RUN [SUITE [QEMU-ARGS]]: boot KIND under bench_qemu
# and run the guest suite SUITE (default bench) into RESDIR/KIND[-runRUN].
bench_boot() {
	local kind=$1 run=$3 suite=${4:-bench} extra=${5:-} bname
	bname=$(bdir "$kind")
	# BOOT_TAG (seedS): a further boot of KIND with another -seed.
	local dir=$2/$kind${run:+-run$run}${BOOT_TAG:+-$BOOT_TAG}
	mkdir -p "$dir"
	local append="console=$(qemu_console) panic=-1 log_buf_len=16M brd.rd_nr=1 brd.rd_size=262144"
	append="$append rust_gup.suites=$suite rust_gup.bench_reps=$BENCH_REPS rust_gup.bench_set=$BENCH_SET"
	append="$append rust_gup.bench_layouts=$BENCH_LAYOUTS${BENCH_CMDLINE:+ $BENCH_CMDLINE}"
	append="$append rust_gup.timeout=$BENCH_TIMEOUT"
	append="$append vfio_iommu_type1.allow_unsafe_interrupts=1 iommufd.allow_unsafe_interrupts=1"
	# kunit.enable=0: the Rust kernels build mm/gup's KUnit suites in and
	# would run them at boot, C's has none; their allocations would leave
	# the workloads' buffers a physical layout of their own (docs/bench.md,
	# 2026-12-05, second session).
	append="$append kunit.enable=0"
	local kaslr=nokaslr
	[ -n "${PROFILE_KASLR:-}" ] && kaslr=
	[ "$suite" = profile ] && append="$append${kaslr:+ $kaslr} rust_gup.profile=$(echo "$PROFILE_ARGS" | tr ' ' ,)"
	[ "$suite" = profile ] && [ -n "$PROFILE_PRELUDE" ] &&
		append="$append rust_gup.profile_prelude=$PROFILE_PRELUDE"
	log "$suite $bname${run:+ (run $run)}${BOOT_TAG:+ ($BOOT_TAG)}: $(bench_qemu)${extra:+ $extra}, set $BENCH_SET, $BENCH_REPS repetitions"
	local t0=$(date +%s) rc=0 initrd
	initrd=$(boot_initrd "$bname" "$suite${run:+-run$run}${BOOT_TAG:+-$BOOT_TAG}")
	inchroot "timeout $BENCH_TIMEOUT $(bench_qemu) $extra \
		-nographic -no-reboot -monitor none -serial stdio \
		-kernel $IN/build/$bname/$KIMAGE -initrd $initrd \
		-append '$append' </dev/null" > "$dir/serial.log" 2>&1 || rc=$?
	log "$suite $bname${run:+ (run $run)}: QEMU exited with $rc after $(($(date +%s) - t0)) s," \
		"$(grep -c '^@@@ BENCH .* rep=' "$dir/serial.log" || true) measurements"
	cp "$BUILDS/$bname/.config" "$dir/config"
	grep -q '^@@@ DONE' "$dir/serial.log" || die "$suite $bname: the guest did not finish (see $dir/serial.log)"
}

# prepare_kernels NAME KIND...: the steps bench and profile share: the
# chroot and tree, a results directory NAME (set in the caller's `resdir`,
# with the step timings), the kernels KIND... and the selftests; then the
# build lock is released for the boots.
prepare_kernels() {
	local name=$1 k; shift
	STEP_TIMES=$(mktemp)
	step chroot step_chroot
	step source step_source
	resdir=$(new_resdir "$name")
	mv "$STEP_TIMES" "$resdir/timings.txt"; STEP_TIMES=$resdir/timings.txt
	for k in "$@"; do
		step "build-$(bdir "$k")" build_kernel "$k"
	done
	step "selftests$ARCH_SFX" step_selftests
	build_unlock
}

cmd_bench() {
	local resdir k args=() rc=0 repo_rev
	# The commit the kernels are built from (taken before the build).
	repo_rev="$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo '+changes')"
	# shellcheck disable=SC2086 # a list of kinds
	prepare_kernels bench $BENCH_KINDS
	local first s
	for k in $BENCH_KINDS; do
		first=1
		for s in $BENCH_SEEDS; do
			if [ -n "$first" ]; then
				BENCH_SEED=$s step "bench-$(bdir "$k")" bench_boot "$k" "$resdir" ""
				args+=(--run "$k=$resdir/$k/serial.log")
			else
				BENCH_SEED=$s BOOT_TAG=seed$s step "bench-$(bdir "$k")-seed$s" \
					bench_boot "$k" "$resdir" ""
				args+=(--run "$k@$s=$resdir/$k-seed$s/serial.log")
			fi
			first=
		done
	done
	# Repeat boots use the first seed.
	BENCH_SEED=${BENCH_SEEDS%% *}
	for k in $BENCH_REPEAT; do
		step "bench-$(bdir "$k")-run2" bench_boot "$k" "$resdir" 2
		args+=(--run "$k#2=$resdir/$k-run2/serial.log")
	done
	args+=(--meta "kernel=$(source_version)" --meta "arch=$GUP_ARCH"
		--meta "qemu=$(bench_qemu)" --meta "seeds=$BENCH_SEEDS" --meta "set=$BENCH_SET" --meta "repetitions=$BENCH_REPS"
		--meta "layouts=$BENCH_LAYOUTS (ibv_reg_mr)"${BENCH_CMDLINE:+ --meta "cmdline=$BENCH_CMDLINE"}
		--meta "repo=$repo_rev")
	for k in $BENCH_KINDS; do
		args+=(--meta "config-$k=$(config_hash "$k") (common part $(config_hash "$k" common))")
	done
	python3 "$HARNESS/bench/report.py" "$resdir" "${args[@]}" || rc=$?
	log "results: $resdir (report.md, results.csv, raw.csv, ratios.svg)"
	return $rc
}

# Command "profile": where each kernel's instructions go on one workload.
# The kernels of PROFILE_KINDS boot as for bench (one CPU, -icount), with
# the QEMU plugin harness/bench/insn_profile.c counting the instructions
# executed per kernel translation block; the guest runs gup_bench with
# PROFILE_ARGS (the kernel booted with nokaslr, so System.map's addresses
# hold) and harness/bench/profile.py sums the blocks per function: the
# instructions and entries of each function on each kernel, side by side.
# Only the workload's measured repetitions are counted (gup_bench marks
# them); gupmatrix takes one combination: "gupmatrix SIZE REPS PAGES
# CMD/nN/RW".
# Instruction counts under TCG are exact and repeatable: this is the
# disassembly's companion when a bench ratio needs explaining.
PROFILE_KINDS=${RUST_GUP_PROFILE_KINDS:-baseline rust-inline}
PROFILE_ARGS=${RUST_GUP_PROFILE:-gupmatrix 2 200 thp u/n1/r}
# RUST_GUP_PROFILE_PRELUDE=bench: run the bench's workloads (RUST_GUP_BENCH_SET)
# first, uncounted, so that the profiled run finds the machine as the bench
# leaves it (its hugetlb pool, its allocators) rather than freshly booted.
PROFILE_PRELUDE=${RUST_GUP_PROFILE_PRELUDE:-}
# Profile boots pass nokaslr, so that System.map names the kernel's
# addresses; RUST_GUP_PROFILE_KASLR=1 boots as the bench does, with KASLR
# (the totals hold; the per-function attribution only if the image did not
# move, as on arm64 under QEMU here: compare the blocks' addresses).
PROFILE_KASLR=${RUST_GUP_PROFILE_KASLR:-}

cmd_profile() {
	local resdir k args=() rc=0 plugin=insn_profile$ARCH_SFX.so
	[ $# -eq 0 ] || PROFILE_KINDS="$*"
	# shellcheck disable=SC2086 # a list of kinds
	prepare_kernels profile $PROFILE_KINDS
	# The plugin runs in the chroot's QEMU: built there, for the host.
	inchroot "gcc -O2 -Wall -shared -fPIC -o $IN/$plugin /repo/harness/bench/insn_profile.c" ||
		die "insn_profile plugin build failed"
	# Only what the workload's measured repetitions do is counted, between
	# gup_bench's two marker functions (see gup_bench.c).
	local window="" w
	for w in start stop; do
		window="$window,$w=$(inchroot "llvm-nm $IN/selftests$ARCH_SFX/gup_bench" |
			awk -v s=gup_bench_profile_$w '$3 == s { print $1 }')"
	done
	case "$window" in *=,*|*=) die "gup_bench's profile markers not found" ;; esac
	for k in $PROFILE_KINDS; do
		step "profile-$(bdir "$k")" bench_boot "$k" "$resdir" "" profile \
			"-plugin $IN/$plugin,out=$IN/profile-blocks.txt$window"
		mv "$CACHE/profile-blocks.txt" "$resdir/$k/blocks.txt"
		cp "$BUILDS/$(bdir "$k")/System.map" "$resdir/$k/System.map"
		args+=(--run "$k=$resdir/$k")
	done
	python3 "$HARNESS/bench/profile.py" "$resdir" --workload "$PROFILE_ARGS" \
		--cxxfilt "chroot $CHROOT /usr/lib/llvm-19/bin/llvm-cxxfilt" "${args[@]}" || rc=$?
	log "results: $resdir (profile.md)"
	return $rc
}
