# SPDX-License-Identifier: GPL-2.0
# Command-line entry of harness/rust-gup.

usage() {
	cat <<'USAGE'
usage: harness/rust-gup [--arch ARCH] [--debug] COMMAND [ARGS]

Main commands:
  run        provision, build the CONFIG_RUST_GUP=y kernel, boot it in QEMU,
             run the GUP selftests and print a per-suite summary
  test       the whole suite: baseline (C) and rust kernels, compared case by
             case; ends with "N passed, N failed, N skipped"
  bench      C vs Rust speed: baseline, rust and rust-inline kernels booted
             under QEMU -icount, the same workloads on each; a report with
             the Rust/C ratio of every workload, CSV and a plot
  profile [KIND...]  instructions per kernel function on one bench
             workload (RUST_GUP_PROFILE, default "gupmatrix 2 200 thp
             u/n1/r"), baseline vs rust-inline unless KINDs are given
  soak MINUTES [KIND]  one boot of KIND (default: the debug kernel) running
             rounds of trinity, gup_fast_stress and fault injection for
             MINUTES minutes, with every boot check (no splat or hang,
             lockdep live, pins balanced)
Steps (each also runs what it needs before it):
  chroot     create or update the trixie toolchain chroot
  source     fetch linux-source-7.2 and prepare the git tree (pristine +
             patches/ + overlay), updating only files that changed
  build KIND build a kernel: baseline, rust, debug or rust-inline
  selftests  build the static mm selftests and the initramfs
  boot KIND  boot KIND and run the suites (results in the results directory)
  export DIR write our change as a git format-patch series against 7.2
  shell      an interactive shell in the chroot, in the tree
  kunit      tools/testing/kunit/kunit.py run --kunitconfig=mm/gup in the
             chroot (x86-64 under QEMU, LLVM=1; its own build directory)
  check [KIND]  quick compile of mm/gup/, mm/gup.o and the Rust helpers
             (with clippy) in an already configured build (default: rust)
Options:
  --arch ARCH  x86_64 (default) or arm64: cross-build with LLVM=1 ARCH=arm64,
             selftests with Debian's aarch64 cross gcc, boot with
             qemu-system-aarch64 -M virt -cpu max (TCG); its own build
             directories (arm64-baseline, arm64-rust, arm64-debug),
             selftests, initramfs and result directories (...-arm64)
  --debug    test: also build and test the debug variant (KASAN, lockdep,
             DEBUG_VM, DEBUG_ATOMIC_SLEEP); run/boot: use the debug kernel
Environment:
  RUST_GUP_CACHE   cache directory (default /var/cache/rust-gup)
  RUST_GUP_RESULTS results directory (default $RUST_GUP_CACHE/results)
  RUST_GUP_ARCH    the default of --arch
  JOBS             make -j (default: number of CPUs)
USAGE
}

release_mounts() {
	flock -u 9
	if flock -xn 8 8>>"$CACHE/.mounts.lock"; then
		umount_chroot
	fi
}

main() {
	DEBUG=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--debug) DEBUG=1; shift ;;
		--arch) [ $# -ge 2 ] || { usage >&2; exit 2; }; set_arch "$2"; shift 2 ;;
		--arch=*) set_arch "${1#--arch=}"; shift ;;
		-h|--help) usage; exit 0 ;;
		-*) usage >&2; exit 2 ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || { usage >&2; exit 2; }
	[ "$(id -u)" = 0 ] || die "run as root (chroot, mounts)"
	local cmd=$1; shift
	mkdir -p "$CACHE"
	# Several invocations may share the chroot's mounts (a boot while a
	# build runs): each holds a shared lock, and the last one out unmounts.
	exec 9>>"$CACHE/.mounts.lock"
	flock -s 9
	trap release_mounts EXIT
	case "$cmd" in
	chroot) step chroot step_chroot ;;
	source) step chroot step_chroot && step source step_source ;;
	build) cmd_build "$@" ;;
	selftests) cmd_selftests ;;
	boot) cmd_boot "$@" ;;
	run) cmd_run ;;
	test) cmd_test ;;
	bench) cmd_bench ;;
	profile) cmd_profile "$@" ;;
	soak) cmd_soak "$@" ;;
	export) cmd_export "$@" ;;
	shell) inchroot "cd $IN/linux && exec bash -i" ;;
	check) cmd_check "$@" ;;
	kunit) cmd_kunit "$@" ;;
	*) usage >&2; exit 2 ;;
	esac
}
