# SPDX-License-Identifier: GPL-2.0
# Step "build": kernels from the one prepared tree, each in its own O=
# directory under the cache: baseline (CONFIG_RUST_GUP=n), rust (=y) and
# debug (rust + KASAN, lockdep, DEBUG_VM, DEBUG_ATOMIC_SLEEP); for arm64,
# arm64-baseline, arm64-rust and arm64-debug (see set_arch).

KINDS="baseline rust debug rust-inline"

# The kernel tree and its builds are shared by every invocation of the
# harness (a boot while a build runs, a second architecture, a second
# checkout): from the source step to the end of its builds an invocation
# holds an exclusive lock, so the tree does not change under a build and
# only one kernel make runs at a time on this machine.
BUILD_LOCK_HELD=0
build_lock() {
	[ "$BUILD_LOCK_HELD" = 1 ] && return 0
	exec 7>>"$CACHE/.build.lock"
	if ! flock -xn 7; then
		log "waiting for another harness invocation's source/build steps"
		flock -x 7
	fi
	BUILD_LOCK_HELD=1
}
build_unlock() {
	[ "$BUILD_LOCK_HELD" = 1 ] || return 0
	flock -u 7
	BUILD_LOCK_HELD=0
}

kmake() { # kmake KIND ARGS...: make in the chroot for build KIND
	local kind=$1 rc=0 held=$BUILD_LOCK_HELD; shift
	build_lock
	# On arm64, ARCH=arm64 LLVM=1: the kernel picks clang's and rustc's
	# targets itself (arch/arm64/Makefile).
	inchroot "cd $IN/linux && make O=$IN/build/$(bdir "$kind") LLVM=1 ${KMAKE_ARCH:+$KMAKE_ARCH }$*" || rc=$?
	[ "$held" = 1 ] || build_unlock
	return $rc
}

# The arm64 base repeats the x86-64 base's options for the suites: each
# option of base.config must be in base-arm64.config with the same value,
# or named on one of its "# x86-only:" lines.
check_arm64_base() {
	local a64=$HARNESS/configs/base-arm64.config line opt missing=""
	while read -r line; do
		grep -qxF "$line" "$a64" && continue
		opt=$(echo "$line" | grep -oE 'CONFIG_[A-Za-z0-9_]+')
		grep -E '^# x86-only:' "$a64" | grep -qw "$opt" && continue
		missing="$missing $opt"
	done < <(grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$HARNESS/configs/base.config")
	[ -z "$missing" ] ||
		die "base-arm64.config lacks options of base.config (add them, or name them on an '# x86-only:' line):$missing"
}

configure_kernel() {
	local kind=$1 out=$BUILDS/$(bdir "$1") frag hash arch_kconfig=""
	frag=$out/rust-gup.config
	mkdir -p "$out"
	if [ "$GUP_ARCH" = arm64 ]; then
		check_arm64_base
		arch_kconfig=HEAD:arch/arm64/Kconfig
	fi
	cat "$HARNESS/configs/$BASE_CONFIG" "$HARNESS/configs/$kind.config" > "$frag.new"
	# shellcheck disable=SC2086 # no arch Kconfig in x86-64's hash, as before
	hash=$( (cat "$frag.new"; gitc rev-parse HEAD:mm/Kconfig HEAD:init/Kconfig $arch_kconfig 2>/dev/null) | sha256sum | cut -c1-16)
	if [ -f "$out/.config" ] && [ "$(cat "$out/.rust-gup-config-hash" 2>/dev/null)" = "$hash" ]; then
		rm -f "$frag.new"
		return 0
	fi
	mv "$frag.new" "$frag"
	log "build $(bdir "$kind"): configuring (tinyconfig + $BASE_CONFIG + $kind.config)"
	kmake "$kind" tinyconfig >/dev/null
	local o=$IN/build/$(bdir "$kind")
	inchroot "cd $IN/linux && scripts/kconfig/merge_config.sh -O $o -m $o/.config $o/rust-gup.config" >/dev/null
	kmake "$kind" olddefconfig >/dev/null
	# Every line of the fragments must have survived olddefconfig.
	local bad=0 opt want have
	while read -r want; do
		opt=$(echo "$want" | grep -oE 'CONFIG_[A-Za-z0-9_]+')
		have=$(grep -E "^($opt=|# $opt is not set)" "$out/.config" || echo "# $opt is not set")
		if [ "$want" != "$have" ]; then
			log "build $(bdir "$kind"): config mismatch: want '$want', have '$have'"
			bad=1
		fi
	done < <(grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$frag")
	[ $bad = 0 ] || die "build $(bdir "$kind"): the config fragments did not survive olddefconfig"
	echo "$hash" > "$out/.rust-gup-config-hash"
}

# seed_from_baseline KIND: start a never-configured rust or rust-inline
# build directory as a copy of the built baseline. The configs differ only
# in options that no widely included header names (CONFIG_RUST_GUP and its
# KUnit option; CONFIG_RUST_INLINE_HELPERS), and fixdep makes each object
# depend on the options its sources and headers name, so the copy then
# rebuilds mm/, the Rust crates and the link instead of the whole kernel:
# minutes instead of most of the baseline's build time on a fresh machine.
# Kbuild's paths in an O= directory are relative to it, so the copy builds
# in place of its own. The debug kernel (KASAN, lockdep) shares nothing
# worth copying.
seed_from_baseline() {
	local kind=$1 out=$BUILDS/$(bdir "$1") base=$BUILDS/$(bdir baseline)
	case "$kind" in rust|rust-inline) ;; *) return 0 ;; esac
	[ -f "$out/.config" ] && return 0
	[ -f "$base/vmlinux" ] && [ -f "$base/.config" ] || return 0
	log "build $(bdir "$kind"): seeding from the built $(bdir baseline) (cp -a), then building what differs"
	rm -rf "$out.seed" "$out"
	cp -a "$base" "$out.seed"
	rm -rf "$out.seed/modinst" "$out.seed/build.log"
	# Some commands recorded in .cmd files name the build directory by its
	# absolute path (the Rust crates' --extern, objtool's and fixdep's own
	# builds): name the copy instead, or make would see every such command
	# as changed and rebuild objtool, and with it every object.
	local from=$IN/build/$(bdir baseline) to=$IN/build/$(bdir "$kind")
	grep -rlIZ -- "$from" "$out.seed" | xargs -0 -r sed -i -E "s#$from([^A-Za-z0-9_.-]|\$)#$to\\1#g"
	mv "$out.seed" "$out"
}

build_kernel() {
	local kind=$1 out=$BUILDS/$(bdir "$1") name=$(bdir "$1") msg
	seed_from_baseline "$kind"
	configure_kernel "$kind"
	# The Rust GUP kernels build with clippy, whose findings land in the
	# build log and are checked by the lint step.
	# The crate and the sample driver of kernel::mm::pin are always
	# recompiled, so that the log has their findings even when nothing in
	# them changed.
	local clippy=""
	if [ "$kind" != baseline ]; then
		clippy="CLIPPY=1"
		rm -f "$out/mm/gup/mod.o" "$out/samples/rust/rust_misc_pin.o"
	fi
	log "build $name: make LLVM=1 ${KMAKE_ARCH:+$KMAKE_ARCH }${clippy:+$clippy }-j$JOBS (log: $out/build.log)"
	if ! kmake "$kind" $clippy -j"$JOBS" > "$out/build.log" 2>&1; then
		grep -E 'error|Error' "$out/build.log" | head -30 >&2
		tail -15 "$out/build.log" >&2
		die "build $name failed (log: $out/build.log)"
	fi
	[ -f "$out/$KIMAGE" ] || die "build $name: no $KIMAGE"
	build_modules "$kind"
	# (x86 make prints "Kernel: ... is ready", arm64's Image rule does not)
	msg=$(sed -n 's/^Kernel: \(.*\)/\1/p' "$out/build.log" | tail -1)
	log "build $name: ${msg:-$KIMAGE} ok"
}

# build_modules KIND: the kernel's modules (ib_core, ib_uverbs, rdma_rxe,
# ...) and the modules suite's test modules (harness/modules, built out of
# tree against it), installed with modules.dep into modinst/, and packed
# as modules.cpio.gz, which the boots append to the initramfs.
# gup_license_gplonly (license "MIT", calls the EXPORT_SYMBOL_GPL
# pin_user_pages_fast()) must first be refused by modpost; the .ko the
# guest loads is built as GPL and given back its "MIT" in .modinfo (see
# its source), so that the loader can be shown refusing it too.
build_modules() {
	local kind=$1 name out o m
	name=$(bdir "$kind")
	out=$BUILDS/$name o=$IN/build/$name m=$IN/build/$name/gup_modules
	rm -rf "$out/modinst" "$out/gup_modules" "$out/modules.cpio.gz"
	kmake "$kind" INSTALL_MOD_PATH=$o/modinst INSTALL_MOD_STRIP=1 modules_install > "$out/modules.log" 2>&1 ||
		die "build $name: modules_install failed (log: $out/modules.log)"
	mkdir -p "$out/gup_modules"
	cp "$HARNESS"/modules/* "$out/gup_modules/"
	if kmake "$kind" M=$m GUP_MODULES=gup_license_gplonly.o modules >> "$out/modules.log" 2>&1 ||
		! grep -q "ERROR: modpost: GPL-incompatible module gup_license_gplonly.ko uses GPL-only symbol 'pin_user_pages_fast'" \
			"$out/modules.log"; then
		die "build $name: modpost did not refuse gup_license_gplonly (log: $out/modules.log)"
	fi
	echo "rust-gup: modpost refused gup_license_gplonly (MIT) as it must" >> "$out/modules.log"
	if ! kmake "$kind" M=$m GUP_LICENSE_GPLONLY_AS_GPL=y modules >> "$out/modules.log" 2>&1 ||
		! python3 - "$out/gup_modules/gup_license_gplonly.ko" <<-'PY' >> "$out/modules.log" 2>&1 ||
			import sys
			p = sys.argv[1]
			b = open(p, "rb").read()
			assert b.count(b"license=GPL\0") == 1, "one license=GPL in .modinfo"
			open(p, "wb").write(b.replace(b"license=GPL\0", b"license=MIT\0"))
			print("rust-gup: gup_license_gplonly.ko: license=GPL rewritten to license=MIT")
		PY
		! kmake "$kind" M=$m INSTALL_MOD_PATH=$o/modinst INSTALL_MOD_STRIP=1 modules_install \
			>> "$out/modules.log" 2>&1; then
		tail -20 "$out/modules.log" >&2
		die "build $name: the test modules failed (log: $out/modules.log)"
	fi
	inchroot "cd $o/modinst && find . | cpio -o -H newc --quiet | gzip -1 > $o/modules.cpio.gz"
	log "build $name: $(find "$out/modinst" -name '*.ko' | wc -l) modules, modules.cpio.gz $(du -h "$out/modules.cpio.gz" | cut -f1)"
}

cmd_build() {
	local kind=${1:-rust}
	case " $KINDS " in *" $kind "*) ;; *) die "unknown build kind: $kind" ;; esac
	step chroot step_chroot
	step source step_source
	step "build-$(bdir "$kind")" build_kernel "$kind"
}

# check [KIND]: compile only what this project changes, for quick feedback
# while porting (the build directory must have been configured and built).
# The upstream way to run mm/gup's KUnit tests: kunit.py with the
# directory's .kunitconfig, in its own build directory (a small kernel of
# kunit.py's x86-64 QEMU config plus mm/gup/.kunitconfig: a build of its
# own, about 10 minutes warm-less). Prints kunit.py's own summary; the
# exit status is kunit.py's.
cmd_kunit() {
	step chroot step_chroot
	step source step_source
	build_lock
	log "kunit: tools/testing/kunit/kunit.py run --kunitconfig=mm/gup --arch=x86_64 (build: $BUILDS/kunit)"
	local rc=0
	inchroot_tcg "cd $IN/linux && tools/testing/kunit/kunit.py run --kunitconfig=mm/gup \
		--arch=x86_64 --make_options LLVM=1 --build_dir=$IN/build/kunit --jobs=$JOBS $*" \
		> "$BUILDS/kunit.log" 2>&1 || rc=$?
	build_unlock
	grep -vE '^  (CC|AR|LD|RUSTC|BINDGEN|HOSTCC|EXPORTS|CALL|UPD|AS) ' "$BUILDS/kunit.log" | tail -40 || true
	log "kunit: kunit.py exit status $rc (log: $BUILDS/kunit.log)"
	return "$rc"
}

cmd_check() {
	local kind=${1:-rust}
	[ -f "$BUILDS/$(bdir "$kind")/.config" ] || die "check: build $(bdir "$kind") first"
	step chroot step_chroot
	step source step_source
	rm -f "$BUILDS/$(bdir "$kind")/mm/gup/mod.o"
	# mm/gup.c is built only without CONFIG_RUST_GUP (the baseline).
	local targets="mm/gup/ rust/helpers/helpers.o"
	[ "$kind" = baseline ] && targets="mm/gup.o"
	# shellcheck disable=SC2086 # a list of make targets
	kmake "$kind" CLIPPY=1 $targets 2>&1 |
		grep -vE '^  (CC|RUSTC|CLIPPY|AR|BINDGEN|EXPORTS|CALL|UPD|HOSTCC|DESCEND|LD)' || true
}
