# SPDX-License-Identifier: GPL-2.0
# Step "build": kernels from the one prepared tree, each in its own O=
# directory under the cache: baseline (CONFIG_RUST_GUP=n), rust (=y) and
# debug (rust + KASAN, lockdep, DEBUG_VM, DEBUG_ATOMIC_SLEEP).

KINDS="baseline rust debug"

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
	inchroot "cd $IN/linux && make O=$IN/build/$kind LLVM=1 $*" || rc=$?
	[ "$held" = 1 ] || build_unlock
	return $rc
}

configure_kernel() {
	local kind=$1 out=$BUILDS/$1 frag hash
	frag=$out/rust-gup.config
	mkdir -p "$out"
	cat "$HARNESS/configs/base.config" "$HARNESS/configs/$kind.config" > "$frag.new"
	hash=$( (cat "$frag.new"; gitc rev-parse HEAD:mm/Kconfig HEAD:init/Kconfig 2>/dev/null) | sha256sum | cut -c1-16)
	if [ -f "$out/.config" ] && [ "$(cat "$out/.rust-gup-config-hash" 2>/dev/null)" = "$hash" ]; then
		rm -f "$frag.new"
		return 0
	fi
	mv "$frag.new" "$frag"
	log "build $kind: configuring (tinyconfig + base.config + $kind.config)"
	kmake "$kind" tinyconfig >/dev/null
	inchroot "cd $IN/linux && scripts/kconfig/merge_config.sh -O $IN/build/$kind -m $IN/build/$kind/.config $IN/build/$kind/rust-gup.config" >/dev/null
	kmake "$kind" olddefconfig >/dev/null
	# Every line of the fragments must have survived olddefconfig.
	local bad=0 opt want have
	while read -r want; do
		opt=$(echo "$want" | grep -oE 'CONFIG_[A-Za-z0-9_]+')
		have=$(grep -E "^($opt=|# $opt is not set)" "$out/.config" || echo "# $opt is not set")
		if [ "$want" != "$have" ]; then
			log "build $kind: config mismatch: want '$want', have '$have'"
			bad=1
		fi
	done < <(grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$frag")
	[ $bad = 0 ] || die "build $kind: the config fragments did not survive olddefconfig"
	echo "$hash" > "$out/.rust-gup-config-hash"
}

build_kernel() {
	local kind=$1 out=$BUILDS/$1
	configure_kernel "$kind"
	# The Rust GUP kernels build with clippy, whose findings land in the
	# build log and are checked by the lint step.
	# The crate is always recompiled, so that the log has its findings even
	# when nothing in it changed.
	local clippy=""
	if [ "$kind" != baseline ]; then
		clippy="CLIPPY=1"
		rm -f "$out/mm/gup/mod.o"
	fi
	log "build $kind: make LLVM=1 $clippy -j$JOBS (log: $out/build.log)"
	if ! kmake "$kind" $clippy -j"$JOBS" > "$out/build.log" 2>&1; then
		grep -E 'error|Error' "$out/build.log" | head -30 >&2
		tail -15 "$out/build.log" >&2
		die "build $kind failed (log: $out/build.log)"
	fi
	# Modules for the initramfs (none may be configured: that is fine).
	rm -rf "$out/modinst"
	kmake "$kind" INSTALL_MOD_PATH=$IN/build/$kind/modinst modules_install >/dev/null 2>&1 || true
	log "build $kind: $(sed -n 's/^Kernel: \(.*\)/\1/p' "$out/build.log" | tail -1) ok"
}

cmd_build() {
	local kind=${1:-rust}
	case " $KINDS " in *" $kind "*) ;; *) die "unknown build kind: $kind" ;; esac
	step chroot step_chroot
	step source step_source
	step "build-$kind" build_kernel "$kind"
}

# check [KIND]: compile only what this project changes, for quick feedback
# while porting (the build directory must have been configured and built).
cmd_check() {
	local kind=${1:-rust}
	[ -f "$BUILDS/$kind/.config" ] || die "check: build $kind first"
	step chroot step_chroot
	step source step_source
	rm -f "$BUILDS/$kind/mm/gup/mod.o"
	kmake "$kind" CLIPPY=1 mm/gup/ mm/gup.o rust/helpers/helpers.o 2>&1 |
		grep -vE '^  (CC|RUSTC|CLIPPY|AR|BINDGEN|EXPORTS|CALL|UPD|HOSTCC|DESCEND|LD)' || true
}
