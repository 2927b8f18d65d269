# SPDX-License-Identifier: GPL-2.0
# Step "chroot": a Debian trixie chroot with the kernel's declared minimum
# toolchain (rustc 1.85 + rust-src, bindgen 0.71, clang/lld/llvm 19) and QEMU.
# Idempotent: an existing chroot is kept, missing packages are added.

chroot_packages() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HARNESS/packages.txt"; }

step_chroot() {
	local stamp=$CHROOT/.rust-gup-packages want have m codename
	want=$(chroot_packages | sort | sha256sum | cut -c1-16)
	if [ -x "$CHROOT/usr/bin/rustc" ]; then
		have=$(cat "$stamp" 2>/dev/null || true)
		if [ "$have" != "$want" ]; then
			log "chroot: package list changed, installing what is missing"
			inchroot "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(chroot_packages | tr '\n' ' ') >/dev/null" 2>&1 | hide_mirror
			echo "$want" > "$stamp"
		fi
		log "chroot: $CHROOT ready"
	else
		codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
		if ! command -v mmdebstrap >/dev/null; then
			log "chroot: installing mmdebstrap on the host"
			apt-get update -qq 2>&1 | hide_mirror
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t "$codename" mmdebstrap >/dev/null 2>&1 ||
				die "cannot install mmdebstrap"
		fi
		m=$(mirror)
		umount_chroot
		# Never rm -rf through a bind mount: the cache is mounted inside.
		! grep -q " $CHROOT/" /proc/mounts || die "mounts left under $CHROOT"
		rm -rf "$CHROOT.new"
		mkdir -p "$CACHE/logs"
		log "chroot: mmdebstrap trixie (+ trixie-backports) into $CHROOT"
		if ! mmdebstrap --variant=apt --include="$(chroot_packages | paste -sd,)" \
			trixie "$CHROOT.new" "deb $m trixie main" "deb $m trixie-backports main" \
			> >(hide_mirror > "$CACHE/logs/chroot.log") 2>&1; then
			tail -20 "$CACHE/logs/chroot.log" >&2
			die "mmdebstrap failed (log: $CACHE/logs/chroot.log)"
		fi
		mv "$CHROOT.new" "$CHROOT"
		echo "$want" > "$stamp"
	fi
	inchroot 'rustc --version; bindgen --version 2>&1 | head -1; clang --version | head -1; qemu-system-x86_64 --version | head -1' |
		tee "$CACHE/toolchain-versions.txt" | sed 's/^/  /' >&2
}
