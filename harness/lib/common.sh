# SPDX-License-Identifier: GPL-2.0
# Shared definitions for the rust-gup harness: cache layout, logging with
# elapsed time, chroot entry. Sourced by harness/rust-gup.

# Everything built or downloaded lives in the cache, never in the work tree.
CACHE=${RUST_GUP_CACHE:-/var/cache/rust-gup}
CHROOT=${RUST_GUP_CHROOT:-$CACHE/chroot}
TREE=$CACHE/linux            # git repo: pristine 7.2 + patches + overlay
BUILDS=$CACHE/build          # O= directories: baseline, rust, debug (arm64-*)
RESULTS_ROOT=${RUST_GUP_RESULTS:-$CACHE/results}
JOBS=${JOBS:-$(nproc)}
# Inside the chroot the cache is bind-mounted here.
IN=/cache

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HARNESS=$REPO/harness

T_START=${T_START:-$(date +%s)}
export T_START

elapsed() {
	local s=$(($(date +%s) - T_START))
	printf '%02d:%02d' $((s / 60)) $((s % 60))
}

log() { printf '[rust-gup %s] %s\n' "$(elapsed)" "$*" >&2; }
die() { printf '[rust-gup %s] error: %s\n' "$(elapsed)" "$*" >&2; exit 1; }

# Target architecture (--arch, or RUST_GUP_ARCH): x86_64, the default, or
# arm64. set_arch fills in what differs; x86_64 keeps the unprefixed names.
#   GUP_ARCH    x86_64 or arm64
#   KMAKE_ARCH  extra kernel make arguments (ARCH=arm64; none on x86-64)
#   BUILD_PFX   prefix of the O= directories under $BUILDS (arm64-rust, ...)
#   ARCH_SFX    suffix of the selftests and initramfs paths, result dirs
#   KIMAGE      the image QEMU boots, relative to the O= directory
#   BASE_CONFIG the base fragment under harness/configs
set_arch() {
	case "$1" in
	x86_64|x86-64|x86|amd64)
		GUP_ARCH=x86_64 KMAKE_ARCH="" BUILD_PFX="" ARCH_SFX="" DEB_ARCH=amd64
		KIMAGE=arch/x86/boot/bzImage BASE_CONFIG=base.config ;;
	arm64|aarch64)
		GUP_ARCH=arm64 KMAKE_ARCH="ARCH=arm64" BUILD_PFX=arm64- ARCH_SFX=-arm64 DEB_ARCH=arm64
		KIMAGE=arch/arm64/boot/Image BASE_CONFIG=base-arm64.config ;;
	*) die "unknown architecture: $1 (x86_64 or arm64)" ;;
	esac
}
set_arch "${RUST_GUP_ARCH:-x86_64}"

# bdir KIND: the O= directory name of build KIND for the target architecture.
bdir() { echo "$BUILD_PFX$1"; }

# step NAME CMD...: run one step with a header and its wall time; the time is
# also appended to $STEP_TIMES (if set) so results can record it.
step() {
	local name=$1; shift
	local t0 t1 rc=0
	t0=$(date +%s)
	log "step $name: start"
	"$@" || rc=$?
	t1=$(date +%s)
	log "step $name: $( ((rc == 0)) && echo done || echo "FAILED (rc=$rc)") in $((t1 - t0)) s"
	[ -n "${STEP_TIMES:-}" ] && printf '%-24s %6d s  rc=%d\n' "$name" $((t1 - t0)) "$rc" >> "$STEP_TIMES"
	return $rc
}

# The Debian mirror the host uses; read at run time, never stored in the repo.
mirror() {
	local m=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		m=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
		m=$(awk '$1=="deb" {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/ && $i !~ /security/) {print $i; exit}}' /etc/apt/sources.list)
	fi
	[ -n "$m" ] || die "cannot find the Debian mirror in the host's apt sources"
	echo "$m"
}

# apt and mmdebstrap print the mirror; keep it out of logs.
hide_mirror() { sed -e "s#$(mirror)#<mirror>#g"; }

mount_chroot() {
	mkdir -p "$CHROOT$IN"
	mountpoint -q "$CHROOT/proc" || mount -t proc proc "$CHROOT/proc"
	mountpoint -q "$CHROOT/sys" || mount -t sysfs sys "$CHROOT/sys"
	mountpoint -q "$CHROOT/dev" || mount --bind /dev "$CHROOT/dev"
	mountpoint -q "$CHROOT/dev/pts" || mount --bind /dev/pts "$CHROOT/dev/pts"
	mountpoint -q "$CHROOT$IN" || mount --bind "$CACHE" "$CHROOT$IN"
	mkdir -p "$CHROOT/repo"
	# /repo must be this checkout, not one a stale mount left behind.
	if mountpoint -q "$CHROOT/repo" &&
		[ "$(stat -c %d:%i "$CHROOT/repo")" != "$(stat -c %d:%i "$REPO")" ]; then
		umount "$CHROOT/repo" 2>/dev/null || umount -l "$CHROOT/repo"
	fi
	mountpoint -q "$CHROOT/repo" || mount --bind "$REPO" "$CHROOT/repo"
}

umount_chroot() {
	local m
	[ -d "$CHROOT" ] || return 0
	for m in repo "${IN#/}" dev/pts dev sys proc; do
		if mountpoint -q "$CHROOT/$m"; then
			umount "$CHROOT/$m" 2>/dev/null || umount -l "$CHROOT/$m"
		fi
	done
}

# inchroot CMD: run a bash command line in the chroot. LLVM 19's unsuffixed
# tools come first in PATH, as LLVM=1 expects.
inchroot() {
	mount_chroot
	chroot "$CHROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/lib/llvm-19/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -eo pipefail -c "$*"
}

# inchroot_tcg CMD: inchroot, with /dev/kvm hidden from CMD (and only from it:
# a mount namespace of its own). For tools that ask QEMU for
# "-accel kvm ... -accel tcg", the first that works, as kunit.py does: our
# machines have a /dev/kvm that opens but cannot run a kernel (no VMX or SVM
# in the CPU flags; the guest dies silently with KVM's "emulation failure" at
# its first cmpxchg16b), so QEMU must fall back to TCG, which every boot of
# the harness asks for explicitly.
inchroot_tcg() {
	mount_chroot
	unshare -m --propagation private /bin/bash -c '
		[ ! -e "$1/dev/kvm" ] || mount --bind /dev/null "$1/dev/kvm"
		exec chroot "$@"' _ "$CHROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/lib/llvm-19/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -eo pipefail -c "$*"
}
